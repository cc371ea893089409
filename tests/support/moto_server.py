"""moto in server mode on 127.0.0.1: the stand-in for AWS (a test double, not AWS).

Started as a real separate process (plain ``python -m moto.server``, nothing added to it); clients reach
it through the standard ``AWS_ENDPOINT_URL`` environment variable, which botocore honours. APIs moto
does not implement (for example EC2 placement groups in moto 5.2.5) are switched off in the code under
test and covered by unit tests instead, never emulated here.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-west-2",
    "AWS_REGION": "us-west-2",
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Settings of the moto process itself. moto attaches AWS-managed policies
# (arn:aws:iam::aws:policy/...) only when it loads them, which it does not by default
# (moto/settings.py load_iam_aws_managed_policies); AWS always has them.
SERVER_ENV = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}


class MotoServer:
    """A moto server process on 127.0.0.1."""

    description = "test double: moto server (AWS API emulator) on 127.0.0.1"

    def __init__(self, port=None, log_path=None, load_managed_policies=True):
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = log_path
        self.proc = None
        # Real accounts have the AWS managed IAM policies (AmazonEKSClusterPolicy, ...); moto only loads
        # them when MOTO_IAM_LOAD_MANAGED_POLICIES=true, otherwise attaching one fails with NoSuchEntity.
        self.load_managed_policies = load_managed_policies

    def start(self, timeout=60, detach=False):
        """Start the server; with ``detach`` it outlives this process (its own session)."""
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, **(SERVER_ENV if self.load_managed_policies else {})),
            start_new_session=detach,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("moto server exited with code %s" % self.proc.returncode)
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("moto server did not answer on %s within %ss" % (self.url, timeout))

    def reset(self):
        req = urllib.request.Request(self.url + "/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).read()

    def env(self):
        """Environment for a process that should talk to this server instead of AWS."""
        env = dict(FAKE_CREDENTIALS)
        env["AWS_ENDPOINT_URL"] = self.url
        return env

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None
