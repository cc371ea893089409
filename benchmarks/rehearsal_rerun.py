"""Time the rehearsal's converge twice in one run and print time, task headers and their ratio.

    .venv/bin/python benchmarks/rehearsal_rerun.py [--quick 8,16] [--keep]

Tears down any earlier rehearsal first (so the first converge starts from nothing), then runs
tools/rehearse.py twice against the same stand-ins (moto server, test cluster, inference simulator). After each run it reads summary.json (converge seconds, changed count) and converge.log
(the converge's own ansible-playbook output) and counts its task headers ("TASK [...]" lines, in all
and per role). It prints first-run and second-run (no-op) figures, the second/first time ratio and the
issue 9 targets (second run: at most 90 task headers, at most 40 % of the first run's time), then
destroys the rehearsal unless --keep. The test cluster is shared: the teardown keeps it running.
Not a test: it prints measurements.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "build", "rehearsal", "triton_vllm")
SUMMARY = os.path.join(OUT, "summary.json")
CONVERGE_LOG = os.path.join(OUT, "converge.log")
TASK_HEADER = re.compile(r"^TASK \[(?:(?P<role>[\w.]+) : )?(?P<name>.*?)\] \**$", re.M)
MAX_SECOND_RUN_HEADERS = 90
MAX_SECOND_RUN_RATIO = 0.40


def count_headers(text):
    """Task headers in an ansible-playbook output: total and per role (plays' own tasks under '-')."""
    per_role = collections.Counter()
    for match in TASK_HEADER.finditer(text):
        role = match.group("role") or "-"
        per_role[role.rsplit(".", 1)[-1]] += 1
    return sum(per_role.values()), per_role


def run(args):
    cmd = [sys.executable, os.path.join(REPO, "tools", "rehearse.py"), "--scenario", "triton_vllm"] + args
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit("rehearse.py %s failed" % " ".join(args))
    with open(SUMMARY) as handle:
        summary = json.load(handle)
    with open(CONVERGE_LOG) as handle:
        summary["headers"], summary["headers_per_role"] = count_headers(handle.read())
    return summary


def destroy_rehearsal():
    """tools/rehearse.py's teardown (destroy playbook, nothing-left check, moto stopped), keeping the shared
    test cluster up: its final `testbed.py down` is skipped."""
    sys.path.insert(0, REPO)
    from tools import rehearse

    real_subprocess = rehearse.subprocess

    class KeepTestCluster:
        def __getattr__(self, name):
            return getattr(real_subprocess, name)

        @staticmethod
        def run(cmd, *args, **kwargs):
            if list(cmd[: len(rehearse.TESTBED)]) == rehearse.TESTBED and "down" in cmd:
                print("[rehearsal_rerun] keeping the shared test cluster up", flush=True)
                return real_subprocess.CompletedProcess(cmd, 0)
            return real_subprocess.run(cmd, *args, **kwargs)

    getattr(rehearse, "forget_aws_environment", lambda: None)()  # never the AWS credentials of this shell
    rehearse.subprocess = KeepTestCluster()
    try:
        return rehearse.destroy("triton_vllm")
    finally:
        rehearse.subprocess = real_subprocess


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", default="8,16", help="sweep concurrencies (default 8,16; '' for the full sweep)")
    parser.add_argument("--keep", action="store_true", help="leave the rehearsal running")
    args = parser.parse_args()
    extra = ["--quick", args.quick] if args.quick else []
    destroy_rehearsal()  # returns 2 (nothing run) when no rehearsal is up
    first = run(extra)
    second = run(extra)
    t1, t2 = first["converge"]["seconds"], second["converge"]["seconds"]
    ratio = t2 / t1 if t1 else float("nan")
    row = "converge, %-11s: %7.1f s  changed=%-3d task headers=%d"
    print(row % ("first run", t1, first["converge"]["changed"], first["headers"]))
    print(row % ("second run", t2, second["converge"]["changed"], second["headers"]))
    print("second / first time : %7.2f" % ratio)
    roles = sorted(set(first["headers_per_role"]) | set(second["headers_per_role"]))
    print(
        "task headers by role (first -> second): "
        + ", ".join(
            "%s %d -> %d" % (role, first["headers_per_role"].get(role, 0), second["headers_per_role"].get(role, 0))
            for role in roles
        )
    )
    print("benchmark stage     : %7.1f s, %7.1f s" % (first["benchmark"]["seconds"], second["benchmark"]["seconds"]))
    print(
        "targets (issue 9)   : second run <= %d task headers: %s; second/first <= %.2f: %s; second run changed=0: %s"
        % (
            MAX_SECOND_RUN_HEADERS,
            "met" if second["headers"] <= MAX_SECOND_RUN_HEADERS else "NOT met",
            MAX_SECOND_RUN_RATIO,
            "met" if ratio <= MAX_SECOND_RUN_RATIO else "NOT met",
            "yes" if second["converge"]["changed"] == 0 else "NO",
        )
    )
    if not args.keep:
        destroy_rehearsal()


if __name__ == "__main__":
    main()
