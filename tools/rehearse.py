"""Rehearse a whole scenario on local stand-ins, ending in a benchmark report.

    python tools/rehearse.py --scenario triton_vllm            # converge + benchmark
    python tools/rehearse.py --scenario triton_vllm --destroy  # tear down, prove nothing is left

Stand-ins (each a real program; none is AWS, EKS or a GPU):
  * AWS            -> moto in server mode on 127.0.0.1 (kept running between rehearsals so a second
                      run re-converges against the same state)
  * Kubernetes     -> the local test cluster: kube-apiserver, kube-controller-manager, kube-scheduler,
                      etcd built from their Go modules, kwok fake nodes shaped like the scenario's
                      instance types, the real LWS controller (no containers run)
  * chart repos    -> a local stand-in Helm repository (tools/rehearsal/charts.py): real chart names and
                      pinned versions, each rendering its values into a ConfigMap
  * model server   -> tools/inference_simulator (our test double), measured by the real aiperf

The plays are those of a real account: site.yml -i inventories/aws, plus the one overlay
tools/rehearsal/overlay.yml that holds only the stand-ins' endpoints and switches.
The converge (every stage but `benchmark`) and the benchmark stage are two ansible-playbook runs of
site.yml, so that `converge.changed` in summary.json is the converge play's own recap.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.support.moto_server import MotoServer, free_port  # noqa: E402
from tests.support.playbook import VENV_BIN, run_playbook  # noqa: E402
from tools.rehearsal import charts  # noqa: E402
from tools.testbed import runtime  # noqa: E402

BUILD = os.path.join(REPO, "build", "rehearsal")
STATE_FILE = os.path.join(BUILD, "stand-ins.json")
TESTBED = [sys.executable, os.path.join(REPO, "tools", "testbed", "testbed.py")]
KUBECONFIG = os.path.join(REPO, "build", "testbed", "kubeconfig")
INVENTORY = "inventories/aws"
OVERLAY = "tools/rehearsal/overlay.yml"
SIMULATOR_SETTINGS = os.path.join(REPO, "tools", "rehearsal", "simulator.yml")
# Stand-in values of the secrets inventories/aws reads from the environment (never real secrets).
STAND_IN_SECRETS = {"HF_TOKEN": "rehearsal-not-a-token", "GRAFANA_ADMIN_PASSWORD": "rehearsal-not-a-password"}
SCENARIOS_FILE = os.path.join(REPO, "playbooks", "scenarios.yml")
STAND_IN_HOST = "127.0.0.1"


def say(msg):
    print("[rehearse] %s" % msg, flush=True)


def load_state():
    if os.path.exists(STATE_FILE):
        with open(STATE_FILE) as handle:
            return json.load(handle)
    return {}


def save_state(state):
    os.makedirs(BUILD, exist_ok=True)
    with open(STATE_FILE, "w") as handle:
        json.dump(state, handle, indent=2)


def _alive(url):
    try:
        urllib.request.urlopen(url, timeout=2).read()
        return True
    except OSError:
        return False


def ensure_moto(state):
    """Reuse the rehearsal's moto server if it still answers, else start a new one (detached)."""
    moto = state.get("moto")
    if moto and _alive(moto["url"] + "/moto-api/"):
        say("reusing %s at %s" % (MotoServer.description, moto["url"]))
        return moto["url"]
    server = MotoServer(log_path=os.path.join(BUILD, "moto.log")).start(detach=True)
    url = server.url
    proc = server.proc
    state["moto"] = {"url": url, "pid": proc.pid}
    save_state(state)
    say("started %s at %s" % (MotoServer.description, url))
    return url


def scenarios():
    """Scenario names of the one scenario list, playbooks/scenarios.yml (``eks_llm_scenarios``)."""
    with open(SCENARIOS_FILE) as handle:
        return list(yaml.safe_load(handle)["eks_llm_scenarios"])


def forget_aws_environment():
    """Drop every AWS_* variable of this process (profiles, per-service endpoint URLs such as
    AWS_ENDPOINT_URL_S3 that would beat AWS_ENDPOINT_URL): the plays get only stand_in_env's."""
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[key]


def stand_in_env(moto_url, chart_repo_url=""):
    """Environment of every rehearsal play: AWS calls go to the rehearsal's moto server on 127.0.0.1
    with fake credentials and no AWS config files; Kubernetes to the local test cluster; charts from the
    stand-in chart repository; the test cluster's pinned kubectl and helm first on PATH."""
    if urllib.parse.urlsplit(moto_url).hostname != STAND_IN_HOST:
        raise SystemExit("refusing to run: the AWS stand-in %s is not on %s" % (moto_url, STAND_IN_HOST))
    env = MotoServer(port=int(moto_url.rsplit(":", 1)[1])).env()
    env.update(STAND_IN_SECRETS)
    env.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "EKS_LLM_KUBECONFIG": KUBECONFIG,
            "EKS_LLM_CHART_REPO": chart_repo_url,
            "PATH": os.pathsep.join([runtime.bin_dir(), VENV_BIN, os.environ.get("PATH", "")]),
            "HELM_CACHE_HOME": os.path.join(BUILD, "helm", "cache"),
            "HELM_CONFIG_HOME": os.path.join(BUILD, "helm", "config"),
            "HELM_DATA_HOME": os.path.join(BUILD, "helm", "data"),
        }
    )
    return env


def playbook_args(*extra):
    """ansible-playbook arguments every rehearsal play gets: the overlay, then ``extra``."""
    return ["-e", "@" + OVERLAY] + list(extra)


def scenario_vars(scenario):
    with open(os.path.join(REPO, "group_vars", "scenario_%s.yml" % scenario)) as handle:
        return yaml.safe_load(handle)


def inventory_vars():
    with open(os.path.join(REPO, INVENTORY, "group_vars", "all.yml")) as handle:
        return yaml.safe_load(handle)


def overlay_vars():
    with open(os.path.join(REPO, OVERLAY)) as handle:
        return yaml.safe_load(handle)


def ensure_testbed(scenario):
    say("test cluster (real control plane, kwok fake nodes), nodes from group_vars/scenario_%s.yml" % scenario)
    subprocess.run(TESTBED + ["up", "--scenario", scenario], check=True)


def resolved_var(scenario, name):
    """A variable of the scenario file templated as a play would see it (inventory and group_vars/all first)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    variables = dict(inventory_vars())
    with open(os.path.join(REPO, "group_vars", "all.yml")) as handle:
        variables.update(yaml.safe_load(handle) or {})
    variables.update(scenario_vars(scenario))
    variables.update(overlay_vars())
    trusted = {key: trust_as_template(value) if isinstance(value, str) else value for key, value in variables.items()}
    return Templar(loader=DataLoader(), variables=trusted).template(trusted[name])


def start_simulator(scenario):
    with open(SIMULATOR_SETTINGS) as handle:
        sim = (yaml.safe_load(handle) or {}).get(scenario, {})
    port = free_port()
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools", "inference_simulator"),
        "--port",
        str(port),
        "--model",
        str(resolved_var(scenario, "benchmark_model")),  # the served model's name, as the benchmark asks for it
        "--ttft-ms",
        str(sim.get("ttft_ms", 30)),
        "--itl-ms",
        str(sim.get("itl_ms", 15)),
        "--max-batch",
        str(sim.get("max_batch", 64)),
        "--seed",
        "1",
    ]
    log = open(os.path.join(BUILD, "simulator.log"), "ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + 30
    while not _alive(url + "/health"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("inference simulator did not start; see %s/simulator.log" % BUILD)
        time.sleep(0.2)
    say("started inference simulator (test double) at %s: %s" % (url, " ".join(cmd[2:])))
    return proc, url


def stand_ins(moto_url, sim_url, chart_repo_url):
    return [
        {"real": "AWS APIs (EC2, IAM, EKS, S3, EFS, ECR, CloudWatch Logs, SQS)", "stand_in": "moto server at %s" % moto_url},
        {"real": "EKS add-on and Pod Identity APIs", "stand_in": "not called (moto lacks them; botocore Stubber unit tests)"},
        {
            "real": "EKS control plane and worker nodes",
            "stand_in": "local kube-apiserver/controller-manager/scheduler/etcd with kwok fake nodes (no containers run)",
        },
        {"real": "Helm chart repositories", "stand_in": "%s at %s" % (charts.STAND_IN, chart_repo_url)},
        {"real": "Triton/vLLM model server on GPUs", "stand_in": "inference simulator (test double) at %s" % sim_url},
        {"real": "genai-perf / llmperf in-cluster Job", "stand_in": "aiperf on this machine"},
    ]


def quick_sweep_vars(scenario, concurrency, per_concurrency):
    """Extra vars that shrink the scenario's sweep (tests, quick looks): same shape, fewer points."""
    sweep = dict(scenario_vars(scenario).get("benchmark_sweep", {}))
    sweep["concurrency"] = concurrency
    extra = {"benchmark_sweep": sweep, "benchmark_request_count_per_concurrency": per_concurrency}
    slo_points = [c for c in scenario_vars(scenario).get("benchmark_slo_concurrencies", []) if c in concurrency]
    extra["benchmark_slo_concurrencies"] = slo_points or concurrency[:1]
    return extra


def rehearse(scenario, bench_extra=None):
    os.makedirs(BUILD, exist_ok=True)
    out_dir = os.path.join(BUILD, scenario)
    os.makedirs(out_dir, exist_ok=True)
    state = load_state()
    moto_url = ensure_moto(state)
    ensure_testbed(scenario)
    chart_repo_url = charts.serve()
    say("serving the %s at %s" % (charts.STAND_IN, chart_repo_url))
    # every stand-in is up before the first play: the opening validates every stage's inputs, the simulator URL too
    sim_proc, sim_url = start_simulator(scenario)
    env = dict(stand_in_env(moto_url, chart_repo_url), EKS_LLM_SIMULATOR_URL=sim_url)
    extra = {"scenario": scenario}
    try:
        say(
            "converge: ansible-playbook site.yml -i %s -e @%s -e scenario=%s --skip-tags benchmark"
            % (INVENTORY, OVERLAY, scenario)
        )
        started = time.monotonic()
        converge = run_playbook(
            "site.yml", extra_vars=extra, env=env, inventory=INVENTORY, args=playbook_args("--skip-tags", "benchmark")
        )
        converge_seconds = round(time.monotonic() - started, 1)
        with open(os.path.join(out_dir, "converge.log"), "w") as handle:
            handle.write(converge.output)
        print(converge.stdout[-3000:])
        if converge.returncode != 0:
            print(converge.stderr[-3000:], file=sys.stderr)

        say(
            "benchmark: ansible-playbook site.yml -i %s -e @%s -e scenario=%s --tags benchmark"
            % (INVENTORY, OVERLAY, scenario)
        )
        started = time.monotonic()
        bench = None
        if converge.returncode == 0:
            bench = run_playbook(
                "site.yml",
                extra_vars=dict(extra, **(bench_extra or {})),
                env=env,
                inventory=INVENTORY,
                args=playbook_args("--tags", "benchmark"),
            )
            with open(os.path.join(out_dir, "benchmark.log"), "w") as handle:
                handle.write(bench.output)
            print(bench.stdout[-3000:])
        bench_seconds = round(time.monotonic() - started, 1)
    finally:
        os.killpg(sim_proc.pid, signal.SIGTERM)

    records = 0
    results_path = os.path.join(out_dir, "results.json")
    if os.path.exists(results_path):
        with open(results_path) as handle:
            records = len(json.load(handle).get("records", []))
    summary = {
        "scenario": scenario,
        "inventory": INVENTORY,
        "overlay": OVERLAY,
        "converge": {
            "changed": converge.total("changed"),
            "failed": converge.total("failed") + converge.total("unreachable"),
            "seconds": converge_seconds,
        },
        "benchmark": {"seconds": bench_seconds, "records": records},
        "stand_ins": stand_ins(moto_url, sim_url, chart_repo_url),
    }
    with open(os.path.join(out_dir, "summary.json"), "w") as handle:
        json.dump(summary, handle, indent=2)
    say("summary: %s" % json.dumps({k: summary[k] for k in ("converge", "benchmark")}))
    say("stand-ins used (nothing here ran on AWS, EKS or a GPU):")
    for item in summary["stand_ins"]:
        say("  %-45s -> %s" % (item["real"], item["stand_in"]))
    say("report: %s" % os.path.join(out_dir, "report.md"))
    ok = converge.returncode == 0 and bench is not None and bench.returncode == 0
    return 0 if ok else 1


def leftovers(moto_url, cluster_name):
    """What still carries the ownership tag on moto, or the ownership labels in the test cluster.

    Read with boto3 and the Kubernetes client directly, independently of the roles."""
    import boto3
    from kubernetes import client, config

    found = []
    env = MotoServer(port=int(moto_url.rsplit(":", 1)[1])).env()
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
    tag = [{"Name": "tag:eks_llm.inference/cluster", "Values": [cluster_name]}]
    ec2 = session.client("ec2", endpoint_url=moto_url)
    for kind, call, key, ident in (
        ("vpc", ec2.describe_vpcs, "Vpcs", "VpcId"),
        ("subnet", ec2.describe_subnets, "Subnets", "SubnetId"),
        ("internet-gateway", ec2.describe_internet_gateways, "InternetGateways", "InternetGatewayId"),
        ("route-table", ec2.describe_route_tables, "RouteTables", "RouteTableId"),
        ("security-group", ec2.describe_security_groups, "SecurityGroups", "GroupId"),
        ("elastic-ip", ec2.describe_addresses, "Addresses", "AllocationId"),
        ("launch-template", ec2.describe_launch_templates, "LaunchTemplates", "LaunchTemplateId"),
    ):
        found += ["%s %s" % (kind, item[ident]) for item in call(Filters=tag)[key]]
    nat = ec2.describe_nat_gateways(Filters=tag)["NatGateways"]
    found += ["nat-gateway %s" % n["NatGatewayId"] for n in nat if n["State"] not in ("deleted", "deleting")]
    eks = session.client("eks", endpoint_url=moto_url)
    for name in eks.list_clusters()["clusters"]:
        if eks.describe_cluster(name=name)["cluster"].get("tags", {}).get("eks_llm.inference/cluster") == cluster_name:
            found.append("eks-cluster %s" % name)
    iam = session.client("iam", endpoint_url=moto_url)
    for role in iam.list_roles()["Roles"]:
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role["RoleName"])["Tags"]}
        if tags.get("eks_llm.inference/cluster") == cluster_name:
            found.append("iam-role %s" % role["RoleName"])
    s3 = session.client("s3", endpoint_url=moto_url)
    for bucket in s3.list_buckets()["Buckets"]:
        try:
            tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket["Name"])["TagSet"]}
        except s3.exceptions.ClientError:
            tags = {}
        if tags.get("eks_llm.inference/cluster") == cluster_name:
            found.append("s3-bucket %s" % bucket["Name"])
    logs = session.client("logs", endpoint_url=moto_url)
    for group in logs.describe_log_groups(logGroupNamePrefix="/aws/eks/%s/" % cluster_name)["logGroups"]:
        found.append("log-group %s" % group["logGroupName"])

    if os.path.exists(KUBECONFIG):
        api = config.new_client_from_config(config_file=KUBECONFIG)
        selector = "app.kubernetes.io/managed-by=eks_llm.inference"
        core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
        autoscaling = client.AutoscalingV2Api(api)
        found += ["namespace %s" % o.metadata.name for o in core.list_namespace(label_selector=selector).items]
        for kind, items in (
            ("deployment", apps.list_deployment_for_all_namespaces(label_selector=selector).items),
            ("daemonset", apps.list_daemon_set_for_all_namespaces(label_selector=selector).items),
            ("service", core.list_service_for_all_namespaces(label_selector=selector).items),
            ("secret", core.list_secret_for_all_namespaces(label_selector=selector).items),
            ("hpa", autoscaling.list_horizontal_pod_autoscaler_for_all_namespaces(label_selector=selector).items),
        ):
            found += ["%s %s/%s" % (kind, o.metadata.namespace, o.metadata.name) for o in items]
        api.close()
    return found


def destroy(scenario):
    state = load_state()
    moto = state.get("moto")
    if not moto or not _alive(moto["url"] + "/moto-api/"):
        say(
            "refusing to destroy: no live rehearsal moto server (%s). A rehearsal's plays run only against "
            "its stand-ins, never against the AWS credentials of this environment; nothing was run. "
            "(A real account is torn down with playbooks/destroy.yml and inventories/aws.)" % STATE_FILE
        )
        return 2
    # destroy runs no benchmark: the simulator is not started, its URL (the discard port) only satisfies the opening
    env = dict(stand_in_env(moto["url"], charts.serve()), EKS_LLM_SIMULATOR_URL="http://127.0.0.1:9")
    say("destroy: ansible-playbook playbooks/destroy.yml -i %s -e @%s -e scenario=%s" % (INVENTORY, OVERLAY, scenario))
    result = run_playbook(
        "playbooks/destroy.yml", extra_vars={"scenario": scenario}, env=env, inventory=INVENTORY, args=playbook_args()
    )
    print(result.stdout[-4000:])
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        return 1
    left = leftovers(moto["url"], inventory_vars()["eks_llm_cluster_name"])
    os.makedirs(os.path.join(BUILD, scenario), exist_ok=True)
    with open(os.path.join(BUILD, scenario, "destroy.json"), "w") as handle:
        json.dump({"scenario": scenario, "left": left}, handle, indent=2)
    if left:
        say("left behind after destroy: %s" % ", ".join(left))
        return 1
    say("checked with boto3 on moto and the Kubernetes API: nothing owned by the scenario is left")
    try:
        os.killpg(moto["pid"], signal.SIGTERM)
    except ProcessLookupError:
        pass
    state.pop("moto", None)
    save_state(state)
    charts.stop()
    subprocess.run(TESTBED + ["down"], check=False)
    return 0


def main(argv=None):
    names = scenarios()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--scenario", default=names[0], choices=names, help="one of playbooks/scenarios.yml (default %(default)s)"
    )
    parser.add_argument("--destroy", action="store_true", help="tear the rehearsal down and verify nothing is left")
    parser.add_argument(
        "--all", action="store_true", help="rehearse every scenario of playbooks/scenarios.yml in turn (full sweeps)"
    )
    parser.add_argument(
        "--quick",
        metavar="C1,C2",
        help="shrink the sweep to these concurrencies with 2 x C requests each (same shape, for tests)",
    )
    args = parser.parse_args(argv)
    forget_aws_environment()
    if args.destroy:
        return destroy(args.scenario)
    if args.all:
        failed = [name for name in names if rehearse(name) != 0]
        say("rehearsed %d scenario(s); failed: %s" % (len(names), ", ".join(failed) or "none"))
        return 1 if failed else 0
    bench_extra = None
    if args.quick:
        bench_extra = quick_sweep_vars(args.scenario, [int(c) for c in args.quick.split(",")], 2)
    return rehearse(args.scenario, bench_extra)


if __name__ == "__main__":
    sys.exit(main())
