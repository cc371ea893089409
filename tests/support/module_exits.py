"""Running a module's main() in-process: AnsibleModule.exit_json / fail_json raise these instead of exiting."""

from ansible.module_utils import basic


class ExitJson(Exception):
    """exit_json was called; args[0] is the result."""


class FailJson(Exception):
    """fail_json was called; args[0] is the result."""


def patch_module_exits(monkeypatch):
    """Make every AnsibleModule end by raising ExitJson / FailJson with its result."""

    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
