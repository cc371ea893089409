"""Fixtures for the benchmark tests: the inference simulator (a TEST DOUBLE for an LLM server).

The simulator is started as a real separate process on a free 127.0.0.1 port (``--port 0``; the
port is read from its start-up banner) and measured by aiperf, a real benchmark client.
"""

import json
import os
import select
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.support.playbook import REPO_ROOT

SIMULATOR = os.path.join(REPO_ROOT, "tools", "inference_simulator")


class Simulator:
    """An inference simulator process (test double) on 127.0.0.1."""

    description = "inference simulator (test double, no model) on 127.0.0.1"

    def __init__(self, log_path, **settings):
        self.settings = settings
        self.log_path = log_path
        self.proc = None
        self.url = None
        self.banner = None

    def start(self, timeout=30):
        cmd = [sys.executable, SIMULATOR, "--port", "0"]
        for key, value in self.settings.items():
            cmd += ["--" + key.replace("_", "-"), str(value)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(self.log_path, "ab"), text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _writable, _errored = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline()
                if "listening on http://" in line:
                    self.banner = line.strip()
                    self.url = line.split("listening on ")[1].split()[0]
                    break
            if self.proc.poll() is not None:
                raise RuntimeError("inference simulator exited with %s; see %s" % (self.proc.returncode, self.log_path))
        else:
            self.stop()
            raise RuntimeError("inference simulator printed no banner within %ss" % timeout)
        urllib.request.urlopen(self.url + "/health", timeout=5).read()
        return self

    def metrics(self):
        return urllib.request.urlopen(self.url + "/metrics", timeout=5).read().decode()

    def models(self):
        return json.load(urllib.request.urlopen(self.url + "/v1/models", timeout=5))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# Configured truth of the rehearsal tests (the brief: TTFT 40 ms, ITL 12 ms).
SIM_SETTINGS = dict(model="sim/rehearsal-model", ttft_ms=40, itl_ms=12, jitter_ms=1, max_batch=16, seed=7)


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    sim = Simulator(str(tmp_path_factory.mktemp("simulator") / "simulator.log"), **SIM_SETTINGS)
    sim.start()
    print("\n[stand-in] %s at %s (%s)" % (Simulator.description, sim.url, sim.banner))
    yield sim
    sim.stop()
