"""defaults/main.yml, meta/argument_specs.yml and README.md of our roles agree with each other."""

import os
import re

import pytest
import yaml

from tests.unit.roles.role_render import ROLES_DIR

ROLES = ["monitoring", "triton_vllm"]


def _load(role, *parts):
    with open(os.path.join(ROLES_DIR, role, *parts), encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("role", ROLES)
def test_spec_covers_every_default_with_the_same_value(role):
    defaults = yaml.safe_load(_load(role, "defaults", "main.yml"))
    options = yaml.safe_load(_load(role, "meta", "argument_specs.yml"))["argument_specs"]["main"]["options"]
    assert set(defaults) == set(options)
    for name, value in defaults.items():
        assert options[name].get("default") == value, name
        assert not options[name].get("required"), "%s: required together with a default" % name
        assert options[name].get("description"), name
        assert name.startswith(role + "_"), name


@pytest.mark.parametrize("role", ROLES)
def test_readme_table_matches_spec(role):
    readme = _load(role, "README.md")
    options = yaml.safe_load(_load(role, "meta", "argument_specs.yml"))["argument_specs"]["main"]["options"]
    lines = readme.splitlines()
    header = lines.index("| Variable | Required | Default | Description |")
    rows = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])])
    names = [re.sub(r"`", "", row[0]) for row in rows]
    assert names == list(options), "README table must list the spec options in order"
    for row, name in zip(rows, names):
        assert row[1] == ("yes" if options[name].get("required") else "no"), name
