"""Run ansible-playbook from this clone and read its recap."""

import os
import re
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)

_RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.M,
)


class PlaybookResult:
    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.recap = {}
        for match in _RECAP.finditer(proc.stdout):
            self.recap[match.group("host")] = dict(
                (k, int(v)) for k, v in match.groupdict().items() if k != "host"
            )

    def total(self, key):
        """Sum of one recap column over the hosts; raises when the run printed no PLAY RECAP (it crashed
        before or while running), so that a `changed == 0` check can never pass on a run that did nothing."""
        if not self.recap:
            raise AssertionError(
                "ansible-playbook printed no PLAY RECAP (rc=%s); output tail:\n%s" % (self.returncode, self.output[-3000:])
            )
        return sum(host[key] for host in self.recap.values())

    @property
    def output(self):
        return self.stdout + "\n" + self.stderr


def run_playbook(playbook, extra_vars=None, env=None, args=(), inventory=None, check=False, timeout=1800):
    """Run a playbook (path relative to the repo root) and return a PlaybookResult."""
    cmd = [os.path.join(VENV_BIN, "ansible-playbook"), playbook]
    if inventory:
        cmd += ["-i", inventory]
    if check:
        cmd.append("--check")
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", "%s=%s" % (key, value) if isinstance(value, str) else "%s" % _json_var(key, value)]
    cmd += list(args)
    full_env = dict(os.environ)
    full_env.update(
        {
            "ANSIBLE_CONFIG": os.path.join(REPO_ROOT, "ansible.cfg"),
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_NOCOLOR": "1",
            "PATH": VENV_BIN + os.pathsep + full_env.get("PATH", ""),
        }
    )
    full_env.update(env or {})
    proc = subprocess.run(
        cmd, cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return PlaybookResult(proc)


def _json_var(key, value):
    import json

    return json.dumps({key: value})
