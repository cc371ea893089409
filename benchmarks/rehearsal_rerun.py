"""Time the rehearsal's converge twice in one run and print the ratio (idempotent re-run speed).

    .venv/bin/python benchmarks/rehearsal_rerun.py [--quick 8,16] [--keep]

Runs tools/rehearse.py twice against the same stand-ins (moto server, test cluster, inference
simulator), reads each run's summary.json, prints first-run and second-run converge time, changed
counts and their ratio, then destroys the rehearsal unless --keep. Not a test: it prints measurements.
"""

import argparse
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY = os.path.join(REPO, "build", "rehearsal", "triton_vllm", "summary.json")


def run(args):
    cmd = [sys.executable, os.path.join(REPO, "tools", "rehearse.py"), "--scenario", "triton_vllm"] + args
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise SystemExit("rehearse.py %s failed" % " ".join(args))
    with open(SUMMARY) as handle:
        return json.load(handle)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", default="8,16", help="sweep concurrencies (default 8,16; '' for the full sweep)")
    parser.add_argument("--keep", action="store_true", help="leave the rehearsal running")
    args = parser.parse_args()
    extra = ["--quick", args.quick] if args.quick else []
    first = run(extra)
    second = run(extra)
    t1, t2 = first["converge"]["seconds"], second["converge"]["seconds"]
    print("converge, first run : %7.1f s  changed=%d" % (t1, first["converge"]["changed"]))
    print("converge, second run: %7.1f s  changed=%d" % (t2, second["converge"]["changed"]))
    print("second / first      : %7.2f" % (t2 / t1 if t1 else float("nan")))
    print("benchmark stage     : %7.1f s, %7.1f s" % (first["benchmark"]["seconds"], second["benchmark"]["seconds"]))
    if not args.keep:
        subprocess.run([sys.executable, os.path.join(REPO, "tools", "rehearse.py"), "--destroy"], cwd=REPO, check=False)


if __name__ == "__main__":
    main()
