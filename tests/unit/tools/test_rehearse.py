"""tools/rehearse.py: its scenarios come from the one scenario list, and no play of a rehearsal
runs without its AWS stand-in (moto on 127.0.0.1)."""

import os

import pytest
import yaml

from tools import rehearse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NO_SUCH_PID = 4194305  # above Linux's largest pid_max: never a process (group) to signal


@pytest.fixture()
def no_plays(monkeypatch, tmp_path):
    """Record playbook runs and test-cluster commands instead of running them; an empty state dir."""
    calls = []
    # rehearse.main drops AWS_* variables from its environment: give it a copy, not this process's
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.setattr(rehearse, "run_playbook", lambda *a, **k: calls.append(("playbook", a, k)))
    monkeypatch.setattr(rehearse.subprocess, "run", lambda *a, **k: calls.append(("subprocess", a, k)))
    monkeypatch.setattr(rehearse, "BUILD", str(tmp_path))
    monkeypatch.setattr(rehearse, "STATE_FILE", str(tmp_path / "stand-ins.json"))
    return calls


def test_scenario_choices_are_the_scenario_list(monkeypatch):
    with open(os.path.join(REPO, "playbooks", "scenarios.yml")) as handle:
        listed = list(yaml.safe_load(handle)["eks_llm_scenarios"])
    assert rehearse.scenarios() == listed
    chosen = []
    monkeypatch.setattr(rehearse, "rehearse", lambda scenario, extra=None: chosen.append(scenario) or 0)
    for name in listed:
        assert rehearse.main(["--scenario", name]) == 0
    assert chosen == listed
    with pytest.raises(SystemExit) as info:
        rehearse.main(["--scenario", "not_a_listed_scenario"])
    assert info.value.code == 2


def test_a_new_list_entry_is_a_choice(monkeypatch, tmp_path):
    listing = tmp_path / "scenarios.yml"
    listing.write_text(yaml.safe_dump({"eks_llm_scenarios": {"first": {"seed": "000"}, "second": {"seed": "001"}}}))
    monkeypatch.setattr(rehearse, "SCENARIOS_FILE", str(listing))
    chosen = []
    monkeypatch.setattr(rehearse, "rehearse", lambda scenario, extra=None: chosen.append(scenario) or 0)
    rehearse.main(["--scenario", "second"])
    rehearse.main([])
    assert chosen == ["second", "first"]


def test_destroy_without_moto_runs_nothing(no_plays, capsys):
    # real-looking AWS settings in the environment must not be used
    os.environ.update({"AWS_PROFILE": "production", "AWS_ENDPOINT_URL_EKS": "https://eks.us-west-2.amazonaws.com"})
    rc = rehearse.main(["--destroy"])
    assert rc != 0
    assert no_plays == []
    assert "refusing to destroy" in capsys.readouterr().out
    assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL_EKS" not in os.environ


def test_destroy_with_a_dead_moto_runs_nothing(no_plays, capsys):
    port = rehearse.free_port()  # nothing listens there
    rehearse.save_state({"moto": {"url": "http://127.0.0.1:%d" % port, "pid": NO_SUCH_PID}})
    assert rehearse.destroy("triton_vllm") != 0
    assert no_plays == []
    assert "refusing to destroy" in capsys.readouterr().out


def test_destroy_plays_get_the_local_endpoint(no_plays, monkeypatch):
    monkeypatch.setattr(rehearse, "_alive", lambda url: True)
    monkeypatch.setattr(rehearse, "leftovers", lambda url, name: ["vpc vpc-1"])  # stop after the play
    monkeypatch.setattr(rehearse.charts, "serve", lambda: "http://127.0.0.1:5998")
    rehearse.save_state({"moto": {"url": "http://127.0.0.1:5999", "pid": NO_SUCH_PID}})

    class Result:
        returncode, stdout, stderr = 0, "", ""

    plays = []
    monkeypatch.setattr(rehearse, "run_playbook", lambda playbook, **kw: plays.append((playbook, kw)) or Result())
    assert rehearse.destroy("triton_vllm") == 1  # something "left behind"
    ((playbook, kwargs),) = plays
    assert playbook == "playbooks/destroy.yml"
    env = kwargs["env"]
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5999"
    assert env["AWS_CONFIG_FILE"] == os.devnull and env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    # the production inventory plus the one overlay, nothing else
    assert kwargs["inventory"] == "inventories/aws"
    assert kwargs["args"] == ["-e", "@tools/rehearsal/overlay.yml"]
    assert env["EKS_LLM_CHART_REPO"] == "http://127.0.0.1:5998"


def test_stand_in_env_refuses_a_remote_endpoint():
    assert rehearse.stand_in_env("http://127.0.0.1:5000")["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    with pytest.raises(SystemExit, match="not on 127.0.0.1"):
        rehearse.stand_in_env("https://ec2.us-west-2.amazonaws.com:443")
