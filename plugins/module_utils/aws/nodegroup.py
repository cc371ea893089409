# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS managed node groups: desired CreateNodegroup parameters and reconciliation decisions.

Pure Python (no Ansible, no boto3 calls); used by the module ``eks_llm.inference.eks_nodegroup``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.eks_llm.inference.plugins.module_utils.aws.common import compare_tags

# Module option -> EKS API key of UpdateConfig.
UPDATE_CONFIG_KEYS = (("max_unavailable", "maxUnavailable"), ("max_unavailable_percentage", "maxUnavailablePercentage"))


def _strings(mapping):
    return dict((str(k), str(v)) for k, v in (mapping or {}).items())


def launch_template_ref(spec, version=None):
    """EKS ``launchTemplate`` (id and/or name, version) from the module's O(launch_template) option."""
    ref = dict((k, str(spec[k])) for k in ("id", "name") if spec.get(k))
    version = version if version is not None else spec.get("version")
    if version not in (None, ""):
        ref["version"] = str(version)
    return ref


def desired_parameters(params, launch_template_version=None):
    """CreateNodegroup parameters from the module options.

    Options left out (None) are not part of the result, so they are neither sent nor compared.
    With a launch template, O(disk_size) is not sent (the template's block device mapping carries it;
    EKS rejects both together).
    """
    desired = dict(
        clusterName=params["cluster_name"],
        nodegroupName=params["name"],
        nodeRole=params.get("node_role"),
        subnets=list(params.get("subnets") or []),
        capacityType=params.get("capacity_type") or "ON_DEMAND",
    )
    scaling = params.get("scaling_config")
    if scaling:
        desired["scalingConfig"] = dict(
            minSize=int(scaling["min_size"]), maxSize=int(scaling["max_size"]), desiredSize=int(scaling["desired_size"])
        )
    if params.get("instance_types"):
        desired["instanceTypes"] = list(params["instance_types"])
    if params.get("ami_type"):
        desired["amiType"] = params["ami_type"]
    if params.get("launch_template"):
        desired["launchTemplate"] = launch_template_ref(params["launch_template"], launch_template_version)
    elif params.get("disk_size") is not None:
        desired["diskSize"] = int(params["disk_size"])
    if params.get("labels") is not None:
        desired["labels"] = _strings(params["labels"])
    if params.get("taints") is not None:
        desired["taints"] = [
            dict((k, str(v) if k == "value" else v) for k, v in t.items() if v is not None) for t in params["taints"]
        ]
    update = params.get("update_config")
    if update:
        config = dict((camel, int(update[snake])) for snake, camel in UPDATE_CONFIG_KEYS if update.get(snake) is not None)
        if config:
            desired["updateConfig"] = config
    if params.get("tags") is not None:
        desired["tags"] = _strings(params["tags"])
    if params.get("kubernetes_version"):
        desired["version"] = str(params["kubernetes_version"])
    return desired


def _taint_id(taint):
    """Kubernetes (and EKS) identify a taint by key and effect; the value is its content."""
    return (taint["key"], taint["effect"])


def immutable_changes(current, desired):
    """Settings EKS cannot change in place, each as "field: current -> desired".

    A field absent from ``desired`` (or not reported by EKS in ``current``) is not compared, except the
    launch template: adding one to, or removing it from, a node group is a change EKS cannot make.
    """
    immutable = []
    for field in ("nodeRole", "amiType", "capacityType"):
        if desired.get(field) is not None and current.get(field) is not None and current[field] != desired[field]:
            immutable.append("%s: %s -> %s" % (field, current.get(field), desired[field]))
    if desired.get("instanceTypes") and sorted(current.get("instanceTypes") or []) != sorted(desired["instanceTypes"]):
        immutable.append("instanceTypes: %s -> %s" % (current.get("instanceTypes"), desired["instanceTypes"]))
    if desired.get("subnets") and sorted(current.get("subnets") or []) != sorted(desired["subnets"]):
        immutable.append("subnets: %s -> %s" % (current.get("subnets"), desired["subnets"]))
    # diskSize is not part of a node group that uses a launch template (the template's block device
    # mapping carries it), so compare it only without one.
    if "diskSize" in desired and "launchTemplate" not in desired and current.get("diskSize") is not None:
        if int(current["diskSize"]) != int(desired["diskSize"]):
            immutable.append("diskSize: %s -> %s" % (current.get("diskSize"), desired["diskSize"]))
    current_lt = current.get("launchTemplate") or {}
    desired_lt = desired.get("launchTemplate") or {}
    if bool(current_lt) != bool(desired_lt):
        immutable.append(
            "launchTemplate: %s -> %s"
            % (current_lt.get("name") or current_lt.get("id"), desired_lt.get("name") or desired_lt.get("id"))
        )
    else:
        for key in ("name", "id"):
            if desired_lt.get(key) and current_lt.get(key) and desired_lt[key] != current_lt[key]:
                immutable.append("launchTemplate.%s: %s -> %s" % (key, current_lt[key], desired_lt[key]))
    return immutable


def nodegroup_changes(current, desired, purge_tags=False):
    """Compare a describe_nodegroup ``nodegroup`` with the desired CreateNodegroup parameters.

    Returns ``dict(immutable=[...], config={...}, version={...} or None, tags={...}, untag=[...])``:
    ``immutable`` names fields EKS cannot change in place (see :func:`immutable_changes`), ``config``
    holds UpdateNodegroupConfig arguments (scalingConfig, labels, taints, updateConfig), ``version``
    the UpdateNodegroupVersion launch-template argument, ``tags`` the tags to add or update and
    ``untag`` the tag keys to remove (only with ``purge_tags``; ``aws:`` tags are never removed).
    Fields absent from ``desired`` are not managed.
    """
    immutable = immutable_changes(current, desired)

    config = {}
    if "scalingConfig" in desired:
        want = dict((k, int(v)) for k, v in desired["scalingConfig"].items())
        have = dict((k, int(v)) for k, v in (current.get("scalingConfig") or {}).items() if v is not None)
        if want != have:
            config["scalingConfig"] = want
    if "labels" in desired:
        have = current.get("labels") or {}
        want = desired["labels"]
        add = dict((k, v) for k, v in want.items() if have.get(k) != v)
        remove = sorted(k for k in have if k not in want)
        if add or remove:
            config["labels"] = {}
            if add:
                config["labels"]["addOrUpdateLabels"] = add
            if remove:
                config["labels"]["removeLabels"] = remove
    if "taints" in desired:
        have = dict((_taint_id(t), t) for t in current.get("taints") or [])
        want = dict((_taint_id(t), t) for t in desired["taints"])
        add = [
            want[k]
            for k in sorted(want)
            if k not in have or (have[k].get("value") or "") != (want[k].get("value") or "")
        ]
        remove = [have[k] for k in sorted(have) if k not in want]
        if add or remove:
            config["taints"] = {}
            if add:
                config["taints"]["addOrUpdateTaints"] = add
            if remove:
                config["taints"]["removeTaints"] = remove
    if "updateConfig" in desired:
        have = dict((k, v) for k, v in (current.get("updateConfig") or {}).items() if v is not None)
        if desired["updateConfig"] != have:
            config["updateConfig"] = desired["updateConfig"]

    version = None
    current_lt = current.get("launchTemplate") or {}
    desired_lt = desired.get("launchTemplate") or {}
    if desired_lt and current_lt and not immutable:
        if desired_lt.get("version") and str(desired_lt["version"]) != str(current_lt.get("version")):
            version = dict(launchTemplate=desired_lt)

    tags, untag = compare_tags(current.get("tags"), desired.get("tags"), purge_tags)
    return dict(immutable=immutable, config=config, version=version, tags=tags, untag=untag)


def describe_changes(current, changes):
    """Human-readable lines for the module's ``changes`` return value."""
    lines = []
    for key, value in changes["config"].items():
        lines.append("%s: %s -> %s" % (key, current.get(key), value))
    if changes["version"]:
        lines.append(
            "launchTemplate.version: %s -> %s"
            % ((current.get("launchTemplate") or {}).get("version"), changes["version"]["launchTemplate"]["version"])
        )
    if changes["tags"]:
        lines.append("tags set: %s" % ", ".join(sorted(changes["tags"])))
    if changes["untag"]:
        lines.append("tags removed: %s" % ", ".join(changes["untag"]))
    return lines


def apply_changes(current, desired, changes):
    """The node group as it will be once ``changes`` are made (for diff and check mode)."""
    after = dict(current)
    for key in ("scalingConfig", "labels", "taints", "updateConfig"):
        if key in changes["config"] and key in desired:
            after[key] = desired[key]
    if changes["version"]:
        after["launchTemplate"] = dict(current.get("launchTemplate") or {}, version=changes["version"]["launchTemplate"]["version"])
    tags = dict(current.get("tags") or {})
    tags.update(changes["tags"])
    for key in changes["untag"]:
        tags.pop(key, None)
    after["tags"] = tags
    return after


def diff_view(nodegroup):
    """The mutable settings of a node group, for ``--diff``."""
    if not nodegroup:
        return {}
    return dict(
        scaling_config=nodegroup.get("scalingConfig"),
        labels=nodegroup.get("labels") or {},
        taints=nodegroup.get("taints") or [],
        launch_template_version=(nodegroup.get("launchTemplate") or {}).get("version"),
        update_config=nodegroup.get("updateConfig"),
        tags=dict(nodegroup.get("tags") or {}),
    )
