"""Every Helm value our roles set must exist in the published chart it is meant for.

Generic over all roles: each role declares ``<role>_charts`` in ``roles/<role>/defaults/main.yml``, a list of
``{name, chart_ref, chart_version, repo_url, values_var}``; ``values_var`` names the role variable holding the
values. The values are walked as literal YAML (Jinja strings stay leaves: we cannot know what they render to)
and each key path is looked up in the chart's own published defaults under
``/work/shared/charts/<name>-<version>/`` (``values.yaml``, subcharts under ``charts/<name>/values.yaml`` keyed
by their alias, and the proven-to-render ``test-values/<name>-<version>.yaml``; see that directory's README).

A key the chart does not default is accepted only when it is honestly allowed:
- under a key whose published default is ``{}`` or ``null`` (a free-form map such as nodeSelector, annotations,
  podLabels, or an unset object): the chart passes it through, there is nothing to compare with;
- list values (tolerations, extra args, rules) are compared as lists; their items are free-form except where
  ``LIST_ITEM_KEYS`` names the item keys and the upstream document that defines them;
- a key documented as a commented-out example in values.yaml, listed in ``DOCUMENTED_COMMENTED_KEYS``; the test
  checks that the comment really is in the file.
No chart here ships a values.schema.json (charts README), so there is no additionalProperties to honour.
"""

import os
import re
import tarfile

import pytest
import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES_DIR = os.path.join(REPO_ROOT, "roles")
SHARED_DIR = os.environ.get("EKS_LLM_SHARED_DIR", os.path.join(os.path.dirname(REPO_ROOT), "shared"))
CHARTS_DIR = os.path.join(SHARED_DIR, "charts")

# Items of these lists have a documented schema (chart, version, key path) -> allowed item keys.
LIST_ITEM_KEYS = {
    # prometheus-adapter rule format: the commented example under `rules.custom` in values.yaml shows
    # seriesQuery/resources/name/metricsQuery; kubernetes-sigs/prometheus-adapter docs/config.md adds seriesFilters.
    ("prometheus-adapter", ("rules", "custom")): {"seriesQuery", "seriesFilters", "resources", "name", "metricsQuery"},
    ("prometheus-adapter", ("rules", "external")): {
        "seriesQuery",
        "seriesFilters",
        "resources",
        "name",
        "metricsQuery",
    },
    # core/v1 Toleration fields (Kubernetes API reference).
    ("*", ("tolerations",)): {"key", "operator", "value", "effect", "tolerationSeconds"},
}

# Keys that a chart documents only as a commented-out example: (chart, key path) -> the comment to find.
DOCUMENTED_COMMENTED_KEYS = {
    ("aws-for-fluent-bit", ("priorityClassName",)): r"^#\s*priorityClassName:",
    # commented examples under extraArgs in cluster-autoscaler 9.59.0 values.yaml
    ("cluster-autoscaler", ("extraArgs", "balance-similar-node-groups")): r"^\s*#\s*balance-similar-node-groups:",
    ("cluster-autoscaler", ("extraArgs", "skip-nodes-with-system-pods")): r"^\s*#\s*skip-nodes-with-system-pods:",
}

# Charts whose published version is set at release time and differs from the Chart.yaml at the recorded ref
# (charts README): (name, published version) -> the directory version under /work/shared/charts. The published
# version must then equal the recorded Chart.yaml's appVersion. lws: the OCI-published chart is versioned
# v0.10.0; the repository's Chart.yaml says version 0.1.0, appVersion v0.10.0.
RELEASE_VERSIONED = {("lws", "v0.10.0"): "0.10.0"}


def published_dir_version(name, version):
    return RELEASE_VERSIONED.get((name, str(version)), str(version))


JINJA = re.compile(r"{{|{%")


def is_jinja(value):
    return isinstance(value, str) and bool(JINJA.search(value))


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def role_defaults():
    result = {}
    for role in sorted(os.listdir(ROLES_DIR)):
        path = os.path.join(ROLES_DIR, role, "defaults", "main.yml")
        if os.path.isfile(path):
            result[role] = load_yaml(path) or {}
    return result


def chart_declarations():
    decls = []
    for role, defaults in role_defaults().items():
        for var, value in defaults.items():
            if var.endswith("_charts") and isinstance(value, list):
                for decl in value:
                    decls.append((role, var, decl))
    return decls


class ChartDefaults:
    """The published defaults of one chart version, its subcharts and its proven test values."""

    def __init__(self, name, version):
        self.name = name
        self.version = version
        self.dir = os.path.join(CHARTS_DIR, "%s-%s" % (name, version))
        self.chart = load_yaml(os.path.join(self.dir, "Chart.yaml"))
        with open(os.path.join(self.dir, "values.yaml"), encoding="utf-8") as handle:
            self.values_text = handle.read()
        self.sources = [("values.yaml", yaml.safe_load(self.values_text) or {})]
        test_values = os.path.join(CHARTS_DIR, "test-values", "%s-%s.yaml" % (name, version))
        if os.path.isfile(test_values):
            self.sources.append(("test-values", load_yaml(test_values) or {}))
        self.subcharts = {}
        for dep in self.chart.get("dependencies") or []:
            key = dep.get("alias") or dep["name"]
            values = self._subchart_values(dep["name"])
            if values is not None:
                self.subcharts[key] = values

    def _subchart_values(self, dep_name):
        base = os.path.join(self.dir, "charts")
        path = os.path.join(base, dep_name, "values.yaml")
        if os.path.isfile(path):
            return load_yaml(path) or {}
        if os.path.isdir(base):
            for entry in os.listdir(base):
                if entry.startswith(dep_name + "-") and entry.endswith(".tgz"):
                    with tarfile.open(os.path.join(base, entry)) as tar:
                        member = tar.extractfile("%s/values.yaml" % dep_name)
                        return yaml.safe_load(member.read()) or {}
        return None

    def lookup(self, path):
        """All published defaults found at ``path``: list of (source, value)."""
        found = []
        candidates = list(self.sources)
        if path and path[0] in self.subcharts:
            candidates.append(("subchart %s values.yaml" % path[0], {path[0]: self.subcharts[path[0]]}))
        for source, tree in candidates:
            node = tree
            ok = True
            for key in path:
                if isinstance(node, dict) and key in node:
                    node = node[key]
                else:
                    ok = False
                    break
            if ok:
                found.append((source, node))
        return found


def check_values(chart, values, label):
    """Return (errors, notes) for the values of one chart."""
    errors = []
    notes = []

    def fmt(path):
        return ".".join(path)

    def walk(node, path):
        for key, value in node.items():
            here = path + (str(key),)
            found = chart.lookup(here)
            if not found:
                parents = [default for _src, default in chart.lookup(path)]
                if any(default is None or default == {} for default in parents):
                    notes.append(
                        "%s: %s under free-form/unset %s (not compared)" % (label, fmt(here), fmt(path) or "<root>")
                    )
                    continue
                pattern = DOCUMENTED_COMMENTED_KEYS.get((chart.name, here))
                if pattern and re.search(pattern, chart.values_text, re.M):
                    notes.append("%s: %s documented as a commented example" % (label, fmt(here)))
                    continue
                errors.append(
                    "%s: key %s is not in %s-%s values.yaml%s (parent %s has keys: %s)"
                    % (
                        label,
                        fmt(here),
                        chart.name,
                        chart.version,
                        " or its subcharts" if chart.subcharts else "",
                        fmt(path) or "<root>",
                        ", ".join(sorted({k for _s, d in chart.lookup(path) if isinstance(d, dict) for k in d}))[:300],
                    )
                )
                continue
            defaults = [default for _src, default in found]
            if is_jinja(value):
                continue  # rendered at run time; nothing literal to compare
            if isinstance(value, dict):
                if all(default is None or default == {} for default in defaults):
                    notes.append("%s: %s is a free-form/unset map in the chart (not compared)" % (label, fmt(here)))
                elif any(isinstance(default, dict) for default in defaults):
                    walk(value, here)
                else:
                    errors.append("%s: %s is a mapping but the chart default is %r" % (label, fmt(here), defaults[0]))
            elif isinstance(value, list):
                if not all(default is None or isinstance(default, list) for default in defaults):
                    errors.append("%s: %s is a list but the chart default is %r" % (label, fmt(here), defaults[0]))
                    continue
                allowed = LIST_ITEM_KEYS.get((chart.name, here)) or LIST_ITEM_KEYS.get(("*", here[-1:]))
                for index, item in enumerate(value):
                    if allowed and isinstance(item, dict):
                        unknown = set(item) - allowed
                        if unknown:
                            errors.append(
                                "%s: %s[%d] has unknown keys %s (allowed: %s)"
                                % (label, fmt(here), index, sorted(unknown), sorted(allowed))
                            )
                if not allowed:
                    notes.append("%s: items of list %s are free-form (not compared)" % (label, fmt(here)))
            else:
                for default in defaults:
                    if isinstance(default, (dict, list)) and default:
                        errors.append("%s: %s is a scalar but the chart default is %r" % (label, fmt(here), default))
                        break
                    if isinstance(default, bool) and not isinstance(value, bool):
                        errors.append(
                            "%s: %s must be a boolean like the chart default (%r), got %r"
                            " (a non-empty string is true in Helm templates)" % (label, fmt(here), default, value)
                        )
                        break

    if not isinstance(values, dict):
        errors.append("%s: values must be a literal mapping in defaults/main.yml, got %r" % (label, values))
    else:
        walk(values, ())
    return errors, notes


DECLS = chart_declarations()


def _decl_id(decl):
    role, _var, chart = decl
    return "%s:%s-%s" % (role, chart.get("name"), chart.get("chart_version"))


def test_some_charts_are_declared():
    names = {chart.get("name") for _r, _v, chart in DECLS}
    assert {"kube-prometheus-stack", "prometheus-adapter", "aws-for-fluent-bit"} <= names, names


@pytest.mark.parametrize("decl", DECLS, ids=[_decl_id(d) for d in DECLS])
def test_chart_declaration_matches_published_chart(decl):
    role, var, chart = decl
    for key in ("name", "chart_ref", "chart_version", "repo_url", "values_var"):
        assert key in chart, "%s: %s entry %r lacks %r" % (role, var, chart.get("name"), key)
    directory = os.path.join(CHARTS_DIR, "%s-%s" % (chart["name"], published_dir_version(chart["name"], chart["chart_version"])))
    assert os.path.isdir(directory), "%s: no published values for %s %s under %s (available: %s)" % (
        role,
        chart["name"],
        chart["chart_version"],
        CHARTS_DIR,
        sorted(os.listdir(CHARTS_DIR)),
    )
    published = load_yaml(os.path.join(directory, "Chart.yaml"))
    assert published["name"] == chart["name"]
    if (chart["name"], str(chart["chart_version"])) in RELEASE_VERSIONED:
        assert str(published["appVersion"]) == str(chart["chart_version"])
    else:
        assert str(published["version"]) == str(chart["chart_version"])
    assert chart["chart_ref"].rsplit("/", 1)[-1] == chart["name"]
    assert chart["repo_url"].startswith(("https://", "oci://"))


@pytest.mark.parametrize("decl", DECLS, ids=[_decl_id(d) for d in DECLS])
def test_values_keys_exist_in_chart(decl):
    role, _var, chart = decl
    defaults = role_defaults()[role]
    assert chart["values_var"] in defaults, "%s: values_var %s is not in defaults/main.yml" % (
        role,
        chart["values_var"],
    )
    published = ChartDefaults(chart["name"], published_dir_version(chart["name"], chart["chart_version"]))
    errors, notes = check_values(published, defaults[chart["values_var"]], "%s.%s" % (role, chart["values_var"]))
    for note in notes:
        print(note)
    assert not errors, "\n".join(errors)


def test_every_values_variable_is_declared_in_a_charts_list():
    declared = {(role, chart.get("values_var")) for role, _v, chart in DECLS}
    undeclared = [
        "%s.%s" % (role, var)
        for role, defaults in role_defaults().items()
        for var, value in defaults.items()
        if var.endswith("_values") and isinstance(value, dict) and (role, var) not in declared
    ]
    assert not undeclared, (
        "Helm values variables with no <role>_charts entry (their keys are not checked against the chart): %s; "
        "declare them in a <role>_charts list {name, chart_ref, chart_version, repo_url, values_var}" % undeclared
    )


# --- the checker itself must catch mistakes (each of these must fail) ---------------------------------


@pytest.fixture(scope="module")
def adapter_chart():
    return ChartDefaults("prometheus-adapter", "4.11.0")


@pytest.fixture(scope="module")
def kps_chart():
    return ChartDefaults("kube-prometheus-stack", "61.9.0")


def test_checker_rejects_a_mistyped_key(adapter_chart):
    errors, _notes = check_values(adapter_chart, {"prometheus": {"urll": "http://x"}}, "t")
    assert len(errors) == 1 and "prometheus.urll" in errors[0]


def test_checker_rejects_a_string_boolean(adapter_chart):
    errors, _notes = check_values(adapter_chart, {"rules": {"default": "false"}}, "t")
    assert len(errors) == 1 and "boolean" in errors[0]


def test_checker_rejects_unknown_rule_item_keys(adapter_chart):
    errors, _notes = check_values(adapter_chart, {"rules": {"custom": [{"seriesQuerry": "x"}]}}, "t")
    assert len(errors) == 1 and "seriesQuerry" in errors[0]


def test_checker_accepts_free_form_maps_and_jinja(adapter_chart):
    errors, notes = check_values(
        adapter_chart, {"nodeSelector": {"any/label": "x"}, "prometheus": "{{ whatever }}"}, "t"
    )
    assert not errors and notes


def test_checker_reads_subchart_values(kps_chart):
    errors, _notes = check_values(kps_chart, {"grafana": {"admin": {"existingSecret": "s"}}}, "t")
    assert not errors
    errors, _notes = check_values(kps_chart, {"grafana": {"admin": {"existingSecrett": "s"}}}, "t")
    assert len(errors) == 1
