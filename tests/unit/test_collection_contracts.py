"""Contracts that keep the collection honest: argument specs, defaults, READMEs, docs, group_vars."""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES_DIR = os.path.join(REPO, "roles")
ROLES = sorted(
    name for name in os.listdir(ROLES_DIR) if os.path.isdir(os.path.join(ROLES_DIR, name))
) if os.path.isdir(ROLES_DIR) else []
REQUIRED_ROLES = [
    "vpc_eks",
    "gpu_nodegroup",
    "monitoring",
    "triton_vllm",
    "benchmark",
]
BIN = os.path.dirname(sys.executable)


def _load(path):
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


def _spec_options(role):
    spec = _load(os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml"))
    return spec["argument_specs"]["main"].get("options", {})


def _defaults(role):
    path = os.path.join(ROLES_DIR, role, "defaults", "main.yml")
    return _load(path) if os.path.exists(path) else {}


def test_required_roles_exist():
    missing = [role for role in REQUIRED_ROLES if role not in ROLES]
    assert not missing, "roles missing: %s" % missing


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_an_argument_spec(role):
    path = os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml")
    assert os.path.exists(path), "%s has no meta/argument_specs.yml" % role
    assert _spec_options(role), "%s argument spec declares no options" % role


@pytest.mark.parametrize("role", ROLES)
def test_defaults_and_argument_spec_agree(role):
    options = _spec_options(role)
    defaults = _defaults(role)
    undocumented = sorted(set(defaults) - set(options))
    assert not undocumented, "%s defaults not in meta/argument_specs.yml: %s" % (role, undocumented)
    for name, option in options.items():
        if option.get("required"):
            assert "default" not in option, "%s.%s: required options take no default" % (role, name)
            assert name not in defaults, "%s.%s is required yet has a value in defaults" % (role, name)
        else:
            assert name in defaults, "%s.%s is optional but has no value in defaults/main.yml" % (role, name)
            assert option.get("default") == defaults[name], "%s.%s: argument-spec default %r differs from defaults/main.yml %r" % (
                role,
                name,
                option.get("default"),
                defaults[name],
            )
        assert option.get("description"), "%s.%s has no description" % (role, name)
    for name in options:
        assert name.startswith(role + "_"), "%s: input %s is not prefixed with the role name" % (role, name)


def _readme_table(role):
    """Rows of the `Variable | Required | Default | Description` table of a role README."""
    path = os.path.join(ROLES_DIR, role, "README.md")
    with open(path) as handle:
        lines = handle.read().splitlines()
    rows = {}
    in_table = False
    for line in lines:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if [c.lower() for c in cells[:4]] == ["variable", "required", "default", "description"]:
            in_table = True
            continue
        if in_table:
            if not line.strip().startswith("|"):
                in_table = False
                continue
            if set(line.replace("|", "").strip()) <= set("-: "):
                continue
            rows[cells[0].strip("`")] = cells
    return rows


@pytest.mark.parametrize("role", ROLES)
def test_readme_variable_table_matches_argument_spec(role):
    options = _spec_options(role)
    rows = _readme_table(role)
    assert rows, "%s/README.md has no 'Variable | Required | Default | Description' table" % role
    assert sorted(rows) == sorted(options), "%s README table and argument spec differ: only in README %s, only in spec %s" % (
        role,
        sorted(set(rows) - set(options)),
        sorted(set(options) - set(rows)),
    )
    for name, cells in rows.items():
        required = cells[1].lower() in ("yes", "true", "required")
        assert required == bool(options[name].get("required")), "%s README says required=%s for %s" % (role, cells[1], name)


README_SECTIONS = ["Requirements", "Role Variables", "Dependencies", "Example Playbook", "License"]


@pytest.mark.parametrize("role", ROLES)
def test_readme_sections_in_the_common_order(role):
    """Every role README has the same sections in the same order (other sections may sit between them)."""
    with open(os.path.join(ROLES_DIR, role, "README.md")) as handle:
        headings = [line[3:].strip() for line in handle.read().splitlines() if line.startswith("## ")]
    present = [h for h in headings if h in README_SECTIONS]
    assert present == README_SECTIONS, "%s/README.md sections %s, expected %s in this order" % (role, headings, README_SECTIONS)


@pytest.mark.parametrize("role", ROLES)
def test_readme_table_lists_the_spec_in_order(role):
    options = _spec_options(role)
    assert list(_readme_table(role)) == list(options), "%s README table must list the spec options in order" % role


def _scenarios():
    return _load(os.path.join(REPO, "playbooks", "scenarios.yml"))["eks_llm_scenarios"]


def _site_imports():
    return [play["ansible.builtin.import_playbook"] for play in yaml.safe_load(open(os.path.join(REPO, "site.yml")))]


def test_site_imports_the_opening_then_every_scenario_playbook():
    imports = _site_imports()
    assert imports[0] == "playbooks/open.yml"
    assert sorted(imports[1:]) == sorted("playbooks/%s.yml" % name for name in _scenarios())


@pytest.mark.parametrize("playbook", ["playbooks/destroy.yml", "playbooks/show_config.yml"])
def test_other_entry_points_share_the_opening(playbook):
    plays = _load_all(playbook)
    assert plays[0].get("ansible.builtin.import_playbook") == "open.yml", playbook


def _load_all(relpath):
    with open(os.path.join(REPO, relpath)) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("scenario", sorted(_scenarios()))
def test_scenario_playbook_matches_the_scenario_list(scenario):
    """The stages and roles of playbooks/<scenario>.yml are the ones playbooks/scenarios.yml lists
    (destroy.yml and validation read the list), and every play targets the scenario's group."""
    stages = _scenarios()[scenario]["stages"]
    assert os.path.exists(os.path.join(REPO, "group_vars", "scenario_%s.yml" % scenario))
    found = {}
    for play in _load_all("playbooks/%s.yml" % scenario):
        assert play["hosts"] == "scenario_%s" % scenario, play["name"]
        tags = [t for t in play.get("tags", []) if t in stages]
        assert len(tags) == 1, "play %r must carry exactly one stage tag of %s" % (play["name"], list(stages))
        roles = [r["role"].split(".")[-1] if isinstance(r, dict) else r.split(".")[-1] for r in play.get("roles", [])]
        found.setdefault(tags[0], []).extend(roles)
    assert found == stages


def _modules():
    path = os.path.join(REPO, "plugins", "modules")
    return sorted(f[:-3] for f in os.listdir(path) if f.endswith(".py") and not f.startswith("_"))


@pytest.mark.parametrize("module", _modules())
def test_module_docs_render_with_ansible_doc(module):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-doc"), "-j", "eks_llm.inference." + module],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)["eks_llm.inference." + module]
    assert doc["doc"]["short_description"]
    assert doc["examples"].strip()
    assert doc["return"] is not None


def test_runtime_action_group_lists_only_existing_modules():
    runtime = _load(os.path.join(REPO, "meta", "runtime.yml"))
    modules = set(_modules())
    for group, members in runtime.get("action_groups", {}).items():
        missing = [m for m in members if m not in modules]
        assert not missing, "action group %s names missing modules %s" % (group, missing)


def test_scenario_group_vars_reach_the_roles():
    """A value from the top-level group_vars/ arrives in a play of playbooks/ (the symlink works)."""
    expected = _load(os.path.join(REPO, "group_vars", "scenario_triton_vllm.yml"))
    env = dict(
        os.environ,
        **USER_SECRETS,
        ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
    )
    proc = subprocess.run(
        [
            os.path.join(BIN, "ansible-playbook"),
            "playbooks/show_config.yml",
            "-i",
            "inventories/aws",
            "-e",
            "scenario=triton_vllm",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    task = result["plays"][-1]["tasks"][-1]
    shown = json.loads(task["hosts"]["localhost"]["msg"])
    assert shown["gpu_nodegroup_node_groups"][0]["instance_type"] == expected["gpu_nodegroup_node_groups"][0]["instance_type"]
    assert shown["benchmark_sweep"]["concurrency"] == expected["benchmark_sweep"]["concurrency"]
    # a per-environment value from the inventory reaches the same play
    assert shown["eks_llm_cluster_name"] == _load(os.path.join(REPO, "inventories", "aws", "group_vars", "all.yml"))["eks_llm_cluster_name"]


def test_every_scenario_group_vars_file_is_linked_for_playbooks():
    """playbooks/group_vars/<file> links to group_vars/<file> (file links: ansible-test refuses directory links)."""
    root = os.path.join(REPO, "group_vars")
    linked = os.path.join(REPO, "playbooks", "group_vars")
    for name in sorted(os.listdir(root)):
        link = os.path.join(linked, name)
        assert os.path.islink(link), "playbooks/group_vars/%s is missing: ln -s ../../group_vars/%s %s" % (name, name, link)
        assert os.path.realpath(link) == os.path.realpath(os.path.join(root, name))


def test_site_rejects_an_unknown_scenario():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-playbook"), "site.yml", "-i", "inventories/aws", "-e", "scenario=nope"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert re.search(r"Variable 'scenario' must be one of triton_vllm", proc.stdout)
    assert "changed=0" in proc.stdout


# What a user exports before a run on a real account (inventories/aws reads them from the environment).
USER_SECRETS = {"HF_TOKEN": "hf_contract_test", "GRAFANA_ADMIN_PASSWORD": "contract-test-password"}


def _show_config(*extra, inventory="inventories/aws", env_extra=None, scenario="triton_vllm"):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), **dict(USER_SECRETS, **(env_extra or {})))
    cmd = [os.path.join(BIN, "ansible-playbook"), "playbooks/show_config.yml", "-i", inventory, "-e", "scenario=" + scenario]
    for item in extra:
        cmd += ["-e", item]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)


def test_the_opening_names_the_closest_input_to_a_misspelt_one():
    proc = _show_config("vpc_eks_vpc_cdir=10.1.0.0/16")
    assert proc.returncode != 0
    assert "vpc_eks_vpc_cdir is not an input of role vpc_eks; did you mean vpc_eks_vpc_cidr?" in proc.stdout


def test_the_opening_checks_every_role_spec_before_any_stage():
    proc = _show_config('{"vpc_eks_nat_gateway_mode": "many"}')
    assert proc.returncode != 0
    assert "vpc_eks_nat_gateway_mode must be one of" in proc.stdout
    assert "Print non-secret settings" not in proc.stdout, "the run went on after a failed validation"


@pytest.mark.parametrize(
    "kind,name",
    [("filter", "unknown_inputs"), ("filter", "instance_spec"), ("lookup", "role_argument_spec")],
)
def test_plugin_docs_render_with_ansible_doc(kind, name):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-doc"), "-t", kind, "-j", "eks_llm.inference." + name],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["eks_llm.inference." + name]["doc"]["short_description"]


@pytest.mark.parametrize("scenario", sorted(_scenarios()))
def test_the_aws_inventory_alone_passes_the_opening(scenario):
    """inventories/aws holds every variable a real-account run needs: every role's spec is satisfied."""
    proc = _show_config(inventory="inventories/aws", scenario=scenario)
    assert proc.returncode == 0, proc.stdout[-3000:]
    for secret in USER_SECRETS.values():
        assert secret not in proc.stdout
