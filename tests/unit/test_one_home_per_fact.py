"""A seed value lives in one place: its scenario file, group_vars/scenario_<name>.yml.

Every string value of a scenario file (instance types, model names, versions, images, labels, CIDRs ...)
must not be typed again in role defaults, argument specs, role vars, tasks or templates, in the test
cluster's files, or in the playbooks and variables of tests and molecule scenarios: those read the scenario
file (vars_files) instead. A value of the scenario file that is a plain word of the domain (a choice of an
argument spec, a Kubernetes resource name) is listed in GENERIC with the reason it may appear elsewhere.
"""

import glob
import os
import re

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO_FILES = sorted(glob.glob(os.path.join(REPO, "group_vars", "scenario_*.yml")))

# Values that name a concept rather than a seed's choice; each may appear in generic code.
GENERIC = {
    "true": "boolean spelled as a label value",
    "false": "boolean spelled as a label value",
    "default": "the add-on version keyword of the vpc_eks role",
    "NoSchedule": "a Kubernetes taint effect",
    "PreferNoSchedule": "a Kubernetes taint effect",
    "NoExecute": "a Kubernetes taint effect",
    "nvidia.com/gpu": "the NVIDIA device plugin's resource name",
    "aws.amazon.com/neuron": "the Neuron device plugin's resource name",
    "vpc.amazonaws.com/efa": "the EFA device plugin's resource name",
    "triton": "a choice of benchmark_sweep.service_kind",
    "openai": "a choice of benchmark_sweep.service_kind",
    "vllm": "a choice of benchmark_sweep.backend",
    "genai-perf": "a choice of benchmark_tool",
    "llmperf": "a choice of benchmark_tool",
    "single": "a choice of vpc_eks_nat_gateway_mode",
    "ON_DEMAND": "a choice of capacity_type",
    "SPOT": "a choice of capacity_type",
    "core": "the vpc_eks role's generic name of its system node group",
    "gpu": "generic node-group name",
    "monitoring": "the conventional namespace of the monitoring stack",
    "kube-system": "a Kubernetes namespace",
    "production": "a choice of benchmark_mode",
    "streaming": "a word",
    # generic defaults of the roles that a seed happened to use as well (the scenario file still states them
    # with their source, so a change of the role default does not change the scenario)
    "10.0.0.0/16": "the vpc_eks role's generic VPC CIDR default",
    "m6i.large": "the vpc_eks role's generic core node instance type",
}
# AWS-managed IAM policies and Kubernetes minor versions are names of things, not a seed's choices.
GENERIC_PATTERNS = [re.compile(r"^arn:aws:iam::aws:policy/"), re.compile(r"^1\.\d\d$")]

SKIP_KEYS = {"choices", "description", "short_description", "msg", "fail_msg", "success_msg"}


def _leaves(node, skip=False):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, skip or key in SKIP_KEYS)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value, skip)
    elif isinstance(node, str) and not skip:
        yield node


def _seed_values(path):
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    values = set()
    # the scenario's own name is an identifier (role, playbook, label part-of), not a seed value
    data = {key: value for key, value in data.items() if key != "eks_llm_scenario"}
    for value in _leaves(data):
        if "{{" in value or len(value) < 4 or value in GENERIC or any(p.match(value) for p in GENERIC_PATTERNS):
            continue
        values.add(value)
    return values


def _other_places():
    patterns = [
        "roles/*/defaults/*.yml",
        "roles/*/meta/argument_specs.yml",
        "roles/*/vars/*.yml",
        "roles/*/tasks/*.yml",
        "roles/*/templates/*",
        "tools/testbed/**/*.yml",
        "tools/testbed/**/*.yaml",
        "tools/testbed/*.py",
        "tests/integration/**/playbooks/**/*.yml",
        "molecule/**/*.yml",
        "inventories/*/group_vars/*.yml",
    ]
    seen = set()
    for pattern in patterns:
        for path in glob.glob(os.path.join(REPO, pattern), recursive=True):
            if os.path.isfile(path) and path not in seen and "/crds/" not in path:
                seen.add(path)
                yield path


def _yaml_strings(path):
    try:
        with open(path, encoding="utf-8") as handle:
            docs = list(yaml.safe_load_all(handle))
    except yaml.YAMLError:
        return None
    strings = set()
    for doc in docs:
        strings.update(_leaves(doc))
    return strings


def _found(value, path, strings):
    if strings is not None:
        return value in strings
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return re.search(r"(?<![\w./-])%s(?![\w/-]|\.\w)" % re.escape(value), text) is not None


def test_the_scenario_files_exist():
    assert SCENARIO_FILES, "no group_vars/scenario_*.yml"


@pytest.mark.parametrize("scenario_file", SCENARIO_FILES, ids=os.path.basename)
def test_seed_values_live_only_in_their_scenario_file(scenario_file):
    values = _seed_values(scenario_file)
    assert values, "no seed values read from %s" % scenario_file
    found = []
    for path in _other_places():
        is_yaml = path.endswith((".yml", ".yaml")) and not path.endswith(".j2")
        strings = _yaml_strings(path) if is_yaml else None
        for value in sorted(values):
            if _found(value, path, strings):
                found.append("%s: %r" % (os.path.relpath(path, REPO), value))
    assert not found, "seed values of %s typed again (read them through the scenario file):\n  %s" % (
        os.path.basename(scenario_file),
        "\n  ".join(found),
    )


def test_the_check_can_fail(tmp_path):
    """The search finds a value typed in a YAML leaf and in a template (so an empty result means something)."""
    yml = tmp_path / "defaults.yml"
    yml.write_text("x_instance_type: g4dn.xlarge\nx_other: [opt350m]\n")
    tpl = tmp_path / "deploy.yaml.j2"
    tpl.write_text("image: repo/model:opt350m\nnodeSelector: {type: g4dn.xlarge}\n")
    strings = _yaml_strings(str(yml))
    assert _found("g4dn.xlarge", str(yml), strings) and _found("opt350m", str(yml), strings)
    assert _found("opt350m", str(tpl), None) and _found("g4dn.xlarge", str(tpl), None)
    assert not _found("g4dn.xl", str(tpl), None)
