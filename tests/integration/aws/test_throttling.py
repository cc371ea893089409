"""The AWS modules survive throttling: moto in server mode (a test double for AWS) behind a fault proxy.

Each case runs one module through ``ansible-playbook`` with ``AWS_ENDPOINT_URL`` pointing at
:mod:`tests.support.fault_proxy`, which answers the create call and the describe call the module's wait
polls with several throttling errors in a row (in the wire format of the service's protocol) before it
lets them through to moto. The module must succeed; the proxy's counters prove it really throttled that
many times, and its log that the throttled describes came after the create (they were the wait's polls).
What the module made is then read from moto with boto3, directly (not through the proxy).

For our modules botocore's own retries are switched off (``AWS_MAX_ATTEMPTS=1``), so that every
throttling error reaches the collection's retry decorator (plugins/module_utils/aws/resource.py), and its
first backoff delay is shortened with the setting ``EKS_LLM_AWS_RETRY_DELAY`` so the file runs in well
under three minutes. The amazon.aws modules run with botocore's and amazon.aws's own retry settings.

eks_addon and eks_pod_identity_association are not here: moto lacks those APIs, so their throttling
proof is the Stubber test tests/unit/plugins/modules/test_aws_throttling.py.
"""

import json
import sys

import boto3
import pytest
import yaml

from tests.support.fault_proxy import FaultProxy
from tests.support.moto_server import FAKE_CREDENTIALS
from tests.support.playbook import run_playbook

pytestmark = pytest.mark.aws

REGION = "us-west-2"
OWNER = {"eks_llm.inference/cluster": "throttled"}


@pytest.fixture(scope="module")
def proxy(moto_server):
    fault_proxy = FaultProxy(moto_server.url).start()
    yield fault_proxy
    fault_proxy.stop()


@pytest.fixture()
def moto(aws, proxy):
    """A fresh moto account and an empty rule set; boto3 sessions here talk to moto directly."""
    proxy.clear()
    return boto3.session.Session(region_name=REGION)


def run_module(tmp_path, proxy, module, args, ours=True):
    """Run ``module`` with ``args`` in a one-task playbook against the proxy; return its result dict."""
    out = tmp_path / "result.json"
    play = [
        {
            "name": "Run one module against the fault proxy",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [
                {"name": "Run the module", module: args, "register": "result"},
                {
                    "name": "Save the result",
                    "ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(out), "mode": "0644"},
                },
            ],
        }
    ]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    env = dict(FAKE_CREDENTIALS, AWS_ENDPOINT_URL=proxy.url)
    if ours:
        env.update(AWS_MAX_ATTEMPTS="1", EKS_LLM_AWS_RETRY_DELAY="0.1")
    res = run_playbook(
        str(path), env=env, inventory="localhost,", args=["-e", "ansible_python_interpreter=%s" % sys.executable], timeout=300
    )
    assert res.returncode == 0, res.output[-4000:]
    return json.loads(out.read_text())


def order(proxy, service, operation):
    """Positions in the proxy's log of the calls of one operation: (all, throttled ones, forwarded ones)."""
    entries = [(i, outcome) for i, (s, o, outcome) in enumerate(proxy.log) if (s, o) == (service, operation)]
    return (
        [entry[0] for entry in entries],
        [i for i, outcome in entries if str(outcome).startswith("throttled")],
        [i for i, outcome in entries if not str(outcome).startswith("throttled")],
    )


def assert_throttled_then_through(proxy, service, operation, code, times):
    """The calls of one operation: ``times`` throttling errors ``code``, then one that moto answered (2xx)."""
    outcomes = proxy.calls(service, operation)
    assert outcomes[:-1] == ["throttled " + code] * times, outcomes
    assert isinstance(outcomes[-1], int) and 200 <= outcomes[-1] < 300, outcomes


def assert_wait_polls_throttled(proxy, service, create, describe, rule):
    """Every throttled ``describe`` came after the successful ``create``; the last describe got through."""
    created = order(proxy, service, create)[2]
    throttled, forwarded = order(proxy, service, describe)[1:]
    assert created, "no %s reached moto" % create
    assert len(throttled) == rule.times
    assert min(throttled) > created[0], proxy.log
    assert forwarded and forwarded[-1] > max(throttled), proxy.log


def cluster_prerequisites(session):
    ec2 = session.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.%d.0/24" % i, AvailabilityZone="us-west-2" + az)["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role_arn = session.client("iam").create_role(RoleName="throttled-cluster", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return subnets, role_arn


def test_eks_cluster_survives_throttled_create_and_wait_polls(tmp_path, moto, proxy):
    subnets, role_arn = cluster_prerequisites(moto)
    create = proxy.throttle("eks", "CreateCluster", 4, "ThrottlingException")
    # skip=1: the first DescribeCluster is the module's "does it exist" read; the next ones are the wait's polls.
    polls = proxy.throttle("eks", "DescribeCluster", 5, "TooManyRequestsException", skip=1)
    result = run_module(tmp_path, proxy, "eks_llm.inference.eks_cluster", dict(
        name="throttled", version="1.33", role_arn=role_arn, subnets=subnets, tags=OWNER, owner_tags=OWNER,
        wait=True, wait_timeout=120, wait_sleep=1))
    assert result["changed"] is True
    assert result["wait"]["last_status"] == "ACTIVE"
    assert create.throttled == 4 and polls.throttled == 5
    assert_throttled_then_through(proxy, "eks", "CreateCluster", "ThrottlingException", 4)
    assert_wait_polls_throttled(proxy, "eks", "CreateCluster", "DescribeCluster", polls)
    cluster = moto.client("eks").describe_cluster(name="throttled")["cluster"]
    assert cluster["roleArn"] == role_arn and cluster["tags"] == OWNER
    assert moto.client("eks").list_clusters()["clusters"] == ["throttled"]  # created once, not once per retry


def test_eks_nodegroup_survives_throttled_create_and_wait_polls(tmp_path, moto, proxy):
    subnets, role_arn = cluster_prerequisites(moto)
    moto.client("eks").create_cluster(name="throttled", roleArn=role_arn, resourcesVpcConfig={"subnetIds": subnets}, tags=OWNER)
    create = proxy.throttle("eks", "CreateNodegroup", 3, "TooManyRequestsException")
    polls = proxy.throttle("eks", "DescribeNodegroup", 6, "ThrottlingException", skip=1)
    result = run_module(tmp_path, proxy, "eks_llm.inference.eks_nodegroup", dict(
        cluster_name="throttled", name="core", node_role=role_arn, subnets=subnets, instance_types=["m6i.large"],
        scaling_config=dict(min_size=1, max_size=2, desired_size=1), tags=OWNER, owner_tags=OWNER,
        wait=True, wait_timeout=120, wait_sleep=1))
    assert result["changed"] is True
    assert result["wait"]["last_status"] == "ACTIVE"
    assert create.throttled == 3 and polls.throttled == 6
    assert_throttled_then_through(proxy, "eks", "CreateNodegroup", "TooManyRequestsException", 3)
    assert_wait_polls_throttled(proxy, "eks", "CreateNodegroup", "DescribeNodegroup", polls)
    eks = moto.client("eks")
    assert eks.list_nodegroups(clusterName="throttled")["nodegroups"] == ["core"]
    assert eks.describe_nodegroup(clusterName="throttled", nodegroupName="core")["nodegroup"]["scalingConfig"] == {
        "minSize": 1, "maxSize": 2, "desiredSize": 1}


def test_efs_file_system_survives_throttled_create_and_wait_polls(tmp_path, moto, proxy):
    create = proxy.throttle("efs", "CreateFileSystem", 4, "ThrottlingException")
    polls = proxy.throttle("efs", "DescribeFileSystems", 5, "ThrottlingException", skip=1)
    result = run_module(tmp_path, proxy, "eks_llm.inference.efs_file_system", dict(
        name="throttled-efs", tags=OWNER, owner_tags=OWNER, wait=True, wait_timeout=120, wait_sleep=1))
    assert result["changed"] is True
    assert create.throttled == 4 and polls.throttled == 5
    assert_throttled_then_through(proxy, "efs", "CreateFileSystem", "ThrottlingException", 4)
    assert_wait_polls_throttled(proxy, "efs", "CreateFileSystem", "DescribeFileSystems", polls)
    systems = moto.client("efs").describe_file_systems()["FileSystems"]
    assert [fs["CreationToken"] for fs in systems] == ["throttled-efs"]  # created once
    assert systems[0]["LifeCycleState"] == "available"


def test_ecr_repository_survives_throttled_create_and_reads(tmp_path, moto, proxy):
    # ECR repositories exist as soon as they are created: the module does not wait, it reads back.
    create = proxy.throttle("ecr", "CreateRepository", 6, "ThrottlingException")
    reads = proxy.throttle("ecr", "DescribeRepositories", 3, "ThrottlingException", skip=1)
    result = run_module(tmp_path, proxy, "eks_llm.inference.ecr_repository", dict(name="throttled-repo", tags=OWNER, owner_tags=OWNER))
    assert result["changed"] is True
    assert create.throttled == 6 and reads.throttled == 3
    assert_throttled_then_through(proxy, "ecr", "CreateRepository", "ThrottlingException", 6)
    repos = moto.client("ecr").describe_repositories()["repositories"]
    assert [r["repositoryName"] for r in repos] == ["throttled-repo"]
    assert repos[0]["imageScanningConfiguration"] == {"scanOnPush": True}


def test_amazon_aws_modules_the_roles_use_survive_ec2_and_iam_throttling(tmp_path, moto, proxy):
    """amazon.aws.ec2_vpc_net (EC2 protocol, RequestLimitExceeded) and amazon.aws.iam_role (query, Throttling)."""
    vpc = proxy.throttle("ec2", "CreateVpc", 3, "RequestLimitExceeded")
    result = run_module(tmp_path, proxy, "amazon.aws.ec2_vpc_net", dict(
        name="throttled", cidr_block="10.20.0.0/16", region=REGION, tags=OWNER), ours=False)
    assert result["changed"] is True and vpc.throttled == 3
    vpcs = moto.client("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.20.0.0/16"]}])["Vpcs"]
    assert [v["VpcId"] for v in vpcs] == [result["vpc"]["id"]]

    role = proxy.throttle("iam", "CreateRole", 3, "Throttling")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    result = run_module(tmp_path, proxy, "amazon.aws.iam_role", dict(
        name="throttled-role", assume_role_policy_document=json.dumps(trust), tags=OWNER), ours=False)
    assert result["changed"] is True and role.throttled == 3
    assert moto.client("iam").get_role(RoleName="throttled-role")["Role"]["Arn"] == result["iam_role"]["arn"]


def test_more_throttles_than_attempts_fail_the_module(tmp_path, moto, proxy):
    """The control: more throttles in a row than the retry decorator allows (10 attempts, amazon.aws
    CloudRetry counts the first call as one) fail the module with the throttling code in the message, so
    the cases above really depend on the retries."""
    proxy.throttle("ecr", "CreateRepository", 20, "ThrottlingException")
    out = tmp_path / "play.yml"
    out.write_text(yaml.safe_dump([{
        "name": "Run one module against the fault proxy", "hosts": "localhost", "connection": "local", "gather_facts": False,
        "tasks": [{"name": "Run the module", "eks_llm.inference.ecr_repository": dict(name="never", tags=OWNER, owner_tags=OWNER)}],
    }]))
    env = dict(FAKE_CREDENTIALS, AWS_ENDPOINT_URL=proxy.url, AWS_MAX_ATTEMPTS="1", EKS_LLM_AWS_RETRY_DELAY="0.05")
    res = run_playbook(str(out), env=env, inventory="localhost,", args=["-e", "ansible_python_interpreter=%s" % sys.executable])
    assert res.returncode != 0
    assert "Failed to create ECR repository never: ThrottlingException: Rate exceeded" in res.output
    assert proxy.calls("ecr", "CreateRepository") == ["throttled ThrottlingException"] * 10
    assert moto.client("ecr").describe_repositories()["repositories"] == []


def test_an_invalid_retry_delay_setting_is_refused(tmp_path, moto, proxy):
    out = tmp_path / "play.yml"
    out.write_text(yaml.safe_dump([{
        "name": "Run one module", "hosts": "localhost", "connection": "local", "gather_facts": False,
        "tasks": [{"name": "Run the module", "eks_llm.inference.ecr_repository": dict(name="never")}],
    }]))
    env = dict(FAKE_CREDENTIALS, AWS_ENDPOINT_URL=proxy.url, EKS_LLM_AWS_RETRY_DELAY="soon")
    res = run_playbook(str(out), env=env, inventory="localhost,", args=["-e", "ansible_python_interpreter=%s" % sys.executable])
    assert res.returncode != 0
    assert "EKS_LLM_AWS_RETRY_DELAY must be a positive number of seconds" in res.output
    assert proxy.log == []  # refused before any call
