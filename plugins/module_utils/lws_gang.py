# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Gang readiness of a LeaderWorkerSet, from API-shaped dicts (pods, events, nodes).

Pure functions, no Ansible and no Kubernetes client: the module ``lws_gang_wait`` feeds them the
objects the apiserver returns (camelCase JSON, as ``kubectl get -o json`` prints them).

* ``group_pods`` / ``summarize`` - the groups of an LWS (leader, workers, sorted members, readiness,
  MPI host slots ``<pod>:<gpus_per_node>``).
* ``diagnose`` - one line per group and per pod that is not ready, saying why (scheduling failure,
  image pull back-off, crash loop, failing readiness probe, node not ready, ...), plus the resource
  shortfall of pods the scheduler could not place.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import Decimal, InvalidOperation

LWS_GROUP = "leaderworkerset.x-k8s.io"
LWS_VERSION = "v1"
LWS_PLURAL = "leaderworkersets"
# pod labels the LeaderWorkerSet pod webhook sets (sigs.k8s.io/lws api/leaderworkerset/v1)
NAME_LABEL = "leaderworkerset.sigs.k8s.io/name"
GROUP_INDEX_LABEL = "leaderworkerset.sigs.k8s.io/group-index"
WORKER_INDEX_LABEL = "leaderworkerset.sigs.k8s.io/worker-index"
GROUP_KEY_LABEL = "leaderworkerset.sigs.k8s.io/group-key"

CONDITIONS = ("Ready", "Running")
# accelerator resources read for the MPI slots of a pod, first match wins
ACCELERATOR_RESOURCES = (
    "nvidia.com/gpu",
    "aws.amazon.com/neuron",
    "aws.amazon.com/neurondevice",
    "aws.amazon.com/neuroncore",
)
# container waiting reasons that mean the image cannot be pulled or the container cannot be created
IMAGE_REASONS = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable")
INSUFFICIENT_RE = re.compile(r"Insufficient ([A-Za-z0-9./_-]*[A-Za-z0-9])")
TOO_MANY_PODS = "Too many pods"


class GangError(Exception):
    """An LWS gang problem; ``result`` carries what was observed (groups, elapsed_s, ...)."""

    def __init__(self, msg, **result):
        super(GangError, self).__init__(msg)
        self.msg = msg
        self.result = result


# ------------------------------------------------------------------------------- small accessors


def _meta(obj):
    return obj.get("metadata") or {}


def _labels(obj):
    return _meta(obj).get("labels") or {}


def _status(obj):
    return obj.get("status") or {}


def _spec(obj):
    return obj.get("spec") or {}


def pod_name(pod):
    return _meta(pod).get("name", "")


def pod_node(pod):
    """Name of the node the pod is bound to ("" when not scheduled)."""
    return _spec(pod).get("nodeName") or ""


def pod_condition(pod, kind):
    """The pod's condition of type ``kind`` (a dict), or None."""
    for cond in _status(pod).get("conditions") or []:
        if cond.get("type") == kind:
            return cond
    return None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def pod_indexes(pod, lws_name=None):
    """``(group index, worker index)`` of an LWS pod, from its labels (the leader is worker 0).

    Falls back to the pod name (``<lws>-<group>`` leader, ``<lws>-<group>-<worker>`` worker) when
    the labels are missing; None when neither says.
    """
    labels = _labels(pod)
    group = _int(labels.get(GROUP_INDEX_LABEL))
    worker = _int(labels.get(WORKER_INDEX_LABEL))
    if group is not None and worker is not None:
        return group, worker
    name = pod_name(pod)
    lws_name = lws_name or labels.get(NAME_LABEL)
    if lws_name and name.startswith(lws_name + "-"):
        parts = name[len(lws_name) + 1:].split("-")
        if len(parts) == 1 and _int(parts[0]) is not None:
            return _int(parts[0]), 0
        if len(parts) == 2 and _int(parts[0]) is not None and _int(parts[1]) is not None:
            return _int(parts[0]), _int(parts[1])
    return None


def lws_shape(lws):
    """``(replicas, size)`` of a LeaderWorkerSet object, with the CRD defaults (1 and 1)."""
    spec = _spec(lws)
    replicas = spec.get("replicas")
    size = (spec.get("leaderWorkerTemplate") or {}).get("size")
    return (1 if replicas is None else int(replicas)), (1 if size is None else int(size))


# ------------------------------------------------------------------------------- quantities


_SUFFIXES = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
}


def parse_quantity(value):
    """A Kubernetes resource quantity (``"500m"``, ``"16Gi"``, ``4``, ``"1e3"``) as a Decimal."""
    if value is None:
        return Decimal(0)
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = str(value).strip()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix):
            number = text[: -len(suffix)]
            try:
                return Decimal(number) * Decimal(_SUFFIXES[suffix])
            except InvalidOperation:
                break
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError("not a Kubernetes quantity: %r" % (value,))


def format_quantity(resource, amount):
    """``amount`` (Decimal) in a readable unit: bytes as Gi/Mi for memory and storage, else a number."""
    amount = Decimal(amount)
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        for suffix in ("Gi", "Mi", "Ki"):
            unit = Decimal(_SUFFIXES[suffix])
            if abs(amount) >= unit:
                return "%s%s" % (_number(amount / unit), suffix)
        return _number(amount)
    return _number(amount)


def _number(amount):
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        return str(int(amount))
    return ("%.3f" % amount).rstrip("0").rstrip(".")


def _container_amounts(container, which):
    resources = container.get("resources") or {}
    return dict((key, parse_quantity(val)) for key, val in (resources.get(which) or {}).items())


def container_requests(container):
    """Requests of a container; a resource with only a limit requests its limit (as the apiserver defaults)."""
    amounts = _container_amounts(container, "limits")
    amounts.update(_container_amounts(container, "requests"))
    return amounts


def pod_requests(pod):
    """What the scheduler accounts for a pod: max(sum of containers, each init container) plus overhead."""
    spec = _spec(pod)
    total = {}
    for container in spec.get("containers") or []:
        for key, val in container_requests(container).items():
            total[key] = total.get(key, Decimal(0)) + val
    for container in spec.get("initContainers") or []:
        for key, val in container_requests(container).items():
            if val > total.get(key, Decimal(0)):
                total[key] = val
    for key, val in (spec.get("overhead") or {}).items():
        total[key] = total.get(key, Decimal(0)) + parse_quantity(val)
    return total


def gpus_per_node(pod):
    """MPI slots of a pod: the sum over its containers of the limit (else request) of the first accelerator
    resource of ``ACCELERATOR_RESOURCES`` any container sets (``nvidia.com/gpu``, then the Neuron ones);
    1 when the pod asks for no accelerator."""
    containers = _spec(pod).get("containers") or []
    for resource in ACCELERATOR_RESOURCES:
        total = Decimal(0)
        found = False
        for container in containers:
            limits = _container_amounts(container, "limits")
            requests = _container_amounts(container, "requests")
            if resource in limits:
                total += limits[resource]
                found = True
            elif resource in requests:
                total += requests[resource]
                found = True
        if found:
            return int(total)
    return 1


# ------------------------------------------------------------------------------- readiness


def pod_is_ready(pod, condition="Ready"):
    """Readiness of one pod: condition ``Ready`` = the pod's Ready condition is True; ``Running`` = phase
    Running (what upstream ``server.py`` counts). A pod being deleted is never ready."""
    if condition not in CONDITIONS:
        raise ValueError("condition must be one of %s, got %r" % (", ".join(CONDITIONS), condition))
    if _meta(pod).get("deletionTimestamp"):
        return False
    if condition == "Running":
        return _status(pod).get("phase") == "Running"
    cond = pod_condition(pod, "Ready")
    return bool(cond) and cond.get("status") == "True"


def group_pods(pods, replicas, lws_name=None):
    """``{group index: {worker index: pod}}`` for groups 0..replicas-1 (pods of other groups are left out)."""
    groups = dict((index, {}) for index in range(replicas))
    for pod in pods:
        indexes = pod_indexes(pod, lws_name)
        if indexes is None or indexes[0] not in groups:
            continue
        groups[indexes[0]][indexes[1]] = pod
    return groups


def expected_name(lws_name, group, worker):
    """LWS pod name: ``<lws>-<group>`` for the leader, ``<lws>-<group>-<worker>`` for a worker."""
    if worker == 0:
        return "%s-%d" % (lws_name, group)
    return "%s-%d-%d" % (lws_name, group, worker)


def summarize(pods, lws_name, replicas, size, condition="Ready"):
    """The groups of an LWS as the module returns them, in group order.

    Each group: ``index``, ``leader`` (pod name), ``workers`` (names, by worker index), ``pods`` (all
    member names, sorted as upstream ``server.py`` sorts them), ``ready`` (all ``size`` pods exist and
    satisfy ``condition``), ``ready_pods`` (how many do), ``hosts`` (``<pod>:<gpus_per_node>`` in the
    order of ``pods``). Names of pods not created yet are the names the LWS controller will give them.
    """
    out = []
    for index, members in sorted(group_pods(pods, replicas, lws_name).items()):
        names = {}
        for worker in range(size):
            pod = members.get(worker)
            names[worker] = pod_name(pod) if pod else expected_name(lws_name, index, worker)
        ready_pods = sum(1 for worker in range(size) if worker in members and pod_is_ready(members[worker], condition))
        sorted_names = sorted(names.values())
        slots = {}
        for worker, name in names.items():
            slots[name] = gpus_per_node(members[worker]) if worker in members else None
        hosts = ["%s:%s" % (name, slots[name]) for name in sorted_names if slots[name] is not None]
        group_key = None
        for pod in members.values():
            group_key = group_key or _labels(pod).get(GROUP_KEY_LABEL)
        out.append(
            dict(
                index=index,
                leader=names[0],
                workers=[names[worker] for worker in range(1, size)],
                pods=sorted_names,
                ready=ready_pods == size,
                ready_pods=ready_pods,
                group_key=group_key,
                hosts=hosts,
            )
        )
    return out


def all_ready(groups):
    return bool(groups) and all(group["ready"] for group in groups)


# ------------------------------------------------------------------------------- diagnosis


def _event_time(event):
    series = event.get("series") or {}
    return (
        event.get("lastTimestamp")
        or series.get("lastObservedTime")
        or event.get("eventTime")
        or event.get("firstTimestamp")
        or _meta(event).get("creationTimestamp")
        or ""
    )


def events_by_pod(events):
    """``{pod name: [events, oldest first]}`` from core/v1 Events whose involvedObject is a Pod."""
    out = {}
    for event in events:
        involved = event.get("involvedObject") or event.get("regarding") or {}
        if involved.get("kind", "Pod") != "Pod":
            continue
        out.setdefault(involved.get("name"), []).append(event)
    for items in out.values():
        items.sort(key=_event_time)
    return out


def _last_event(events, reason):
    found = [event for event in events or [] if event.get("reason") == reason]
    return found[-1] if found else None


def _one_line(text):
    return " ".join(str(text or "").split())


def node_ready(node):
    """``(ready, why)`` of a Node from its Ready condition and spec.unschedulable."""
    for cond in _status(node).get("conditions") or []:
        if cond.get("type") == "Ready":
            if cond.get("status") == "True":
                return True, ""
            return False, "Ready=%s%s%s" % (
                cond.get("status"),
                (" (%s)" % cond["reason"]) if cond.get("reason") else "",
                (": %s" % _one_line(cond["message"])) if cond.get("message") else "",
            )
    return False, "no Ready condition"


def _container_problems(pod):
    problems = []
    status = _status(pod)
    for kind, key in (("init container", "initContainerStatuses"), ("container", "containerStatuses")):
        for cstat in status.get(key) or []:
            state = cstat.get("state") or {}
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            name = cstat.get("name")
            restarts = cstat.get("restartCount") or 0
            last = (cstat.get("lastState") or {}).get("terminated") or {}
            if waiting:
                reason = waiting.get("reason") or "Waiting"
                message = _one_line(waiting.get("message"))
                if reason == "CrashLoopBackOff" or (restarts and last):
                    text = "%s %s: %s, %d restart%s" % (kind, name, reason, restarts, "" if restarts == 1 else "s")
                    if last:
                        text += ", last exit code %s" % last.get("exitCode")
                        if last.get("reason"):
                            text += " (%s)" % last["reason"]
                    problems.append(text)
                elif reason in IMAGE_REASONS:
                    problems.append("%s %s: image pull back-off (%s)%s" % (
                        kind, name, reason, (": " + message) if message else ""))
                elif reason not in ("PodInitializing",) or message:
                    problems.append("%s %s waiting: %s%s" % (kind, name, reason, (": " + message) if message else ""))
            elif terminated and not (kind == "init container" and terminated.get("exitCode") == 0):
                problems.append("%s %s terminated: exit code %s%s, %d restarts" % (
                    kind, name, terminated.get("exitCode"),
                    (" (%s)" % terminated["reason"]) if terminated.get("reason") else "", restarts))
    return problems


def pod_problems(pod, events=None, node=None, node_known=True):
    """Why one pod is not ready: a list of short phrases (empty when nothing explains it).

    ``events`` are the pod's Events (oldest first); ``node`` the Node it is bound to (None when not
    bound or not readable); ``node_known`` False when the Node list could not be read at all.
    """
    status = _status(pod)
    phase = status.get("phase") or "Unknown"
    problems = []
    if _meta(pod).get("deletionTimestamp"):
        problems.append("being deleted (since %s)" % _meta(pod)["deletionTimestamp"])
    if phase in ("Failed", "Succeeded"):
        problems.append("phase %s%s%s" % (
            phase, (" (%s)" % status["reason"]) if status.get("reason") else "",
            (": %s" % _one_line(status["message"])) if status.get("message") else ""))
    node_name = _spec(pod).get("nodeName")
    if not node_name:
        event = _last_event(events, "FailedScheduling")
        scheduled = pod_condition(pod, "PodScheduled") or {}
        message = _one_line((event or {}).get("message") or scheduled.get("message"))
        if message:
            problems.append("unschedulable: %s" % message)
        elif phase == "Pending":
            problems.append("Pending, not scheduled yet (no scheduling event)")
    else:
        if node is not None:
            ready, why = node_ready(node)
            if not ready:
                problems.append("node %s not ready: %s" % (node_name, why))
        elif node_known:
            problems.append("node %s not found" % node_name)
        problems.extend(_container_problems(pod))
        ready_cond = pod_condition(pod, "Ready") or {}
        if phase == "Running" and ready_cond.get("status") != "True":
            unhealthy = _last_event(events, "Unhealthy")
            crashing = any("CrashLoopBackOff" in text for text in problems)
            if unhealthy is not None and not crashing:
                problems.append("readiness failing: %s" % _one_line(unhealthy.get("message")))
            elif not any(text.startswith(("container", "init container", "node ")) for text in problems):
                problems.append("Running but not Ready%s%s" % (
                    (" (%s)" % ready_cond["reason"]) if ready_cond.get("reason") else "",
                    (": %s" % _one_line(ready_cond["message"])) if ready_cond.get("message") else ""))
    covered = ("FailedScheduling", "Unhealthy", "BackOff", "Failed")
    warnings = [e for e in events or [] if e.get("type") == "Warning" and e.get("reason") not in covered]
    if warnings:
        last = warnings[-1]
        problems.append("last warning event %s: %s" % (last.get("reason"), _one_line(last.get("message"))))
    if not problems:
        problems.append("phase %s" % phase)
    return problems


def insufficient_resources(message):
    """Resources a scheduler message names as insufficient (``Insufficient x``, ``Too many pods``)."""
    found = INSUFFICIENT_RE.findall(message or "")
    if TOO_MANY_PODS in (message or ""):
        found.append("pods")
    out = []
    for name in found:
        if name not in out:
            out.append(name)
    return out


def _tolerates(tolerations, taint):
    for tol in tolerations or []:
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists":
            if not tol.get("key") or tol.get("key") == taint.get("key"):
                return True
        elif tol.get("key") == taint.get("key") and (tol.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def node_matches(pod, node):
    """Whether the pod could go on the node by its nodeSelector, NoSchedule/NoExecute taints, cordon and
    Ready condition (node affinity and topology spread are not evaluated)."""
    labels = _labels(node)
    for key, value in (_spec(pod).get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    if _spec(node).get("unschedulable"):
        return False
    for taint in _spec(node).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerates(_spec(pod).get("tolerations"), taint):
            return False
    return node_ready(node)[0]


def node_free(node, bound_pods):
    """``{resource: allocatable - requests of the non-terminated pods bound to the node}``."""
    free = dict((key, parse_quantity(val)) for key, val in (_status(node).get("allocatable") or {}).items())
    used_pods = 0
    for pod in bound_pods:
        if _status(pod).get("phase") in ("Succeeded", "Failed"):
            continue
        used_pods += 1
        for key, val in pod_requests(pod).items():
            free[key] = free.get(key, Decimal(0)) - val
    if "pods" in free:
        free["pods"] -= used_pods
    return free


def shortfall(unscheduled, nodes, all_pods):
    """Resource shortfall lines for pods the scheduler reported ``Insufficient <resource>`` for.

    ``unscheduled`` is ``[(pod, scheduler message)]``; ``nodes`` the Node list (None when unreadable);
    ``all_pods`` every pod of the cluster (None when unreadable: free capacity is then not computed).
    One line per resource: what each pod requests, in total, and what the nodes matching the pods'
    nodeSelector/taints have free (in total and on the freest node).
    """
    wanted = {}
    for pod, message in unscheduled:
        requests = pod_requests(pod)
        for resource in insufficient_resources(message):
            amount = Decimal(1) if resource == "pods" else requests.get(resource, Decimal(0))
            wanted.setdefault(resource, []).append((pod, amount))
    lines = []
    by_node = {}
    for pod in all_pods or []:
        node_name = _spec(pod).get("nodeName")
        if node_name:
            by_node.setdefault(node_name, []).append(pod)
    for resource in sorted(wanted):
        items = wanted[resource]
        total = sum((amount for _pod, amount in items), Decimal(0))
        amounts = sorted(set(amount for _pod, amount in items))
        each = "/".join(format_quantity(resource, a) for a in amounts)
        line = "resource shortfall: %s: %d unscheduled pod%s request%s %s each (%s in total)" % (
            resource, len(items), "" if len(items) == 1 else "s", "s" if len(items) == 1 else "",
            each, format_quantity(resource, total))
        if nodes is None:
            line += "; nodes not readable, free capacity unknown"
        else:
            matching = [node for node in nodes if node_matches(items[0][0], node)]
            allocatable = sum((parse_quantity((_status(n).get("allocatable") or {}).get(resource)) for n in matching),
                              Decimal(0))
            if all_pods is None:
                line += "; %d schedulable matching node%s with %s allocatable in total (pods not readable, " \
                        "free capacity unknown)" % (len(matching), "" if len(matching) == 1 else "s",
                                                    format_quantity(resource, allocatable))
            elif not matching:
                line += "; no Ready, schedulable node matches the pods' nodeSelector and tolerations"
            else:
                frees = []
                for node in matching:
                    free = node_free(node, by_node.get(pod_name(node), [])).get(resource, Decimal(0))
                    frees.append((max(free, Decimal(0)), pod_name(node)))
                free_total = sum((free for free, _name in frees), Decimal(0))
                best, best_node = max(frees)
                line += "; %d matching node%s %s free of %s allocatable, at most %s on one node (%s)" % (
                    len(matching), " has" if len(matching) == 1 else "s have", format_quantity(resource, free_total),
                    format_quantity(resource, allocatable), format_quantity(resource, best), best_node)
                short = []
                if amounts[-1] > best:
                    short.append("%s short on one node" % format_quantity(resource, amounts[-1] - best))
                if total > free_total:
                    short.append("%s short in total" % format_quantity(resource, total - free_total))
                enough = "enough free now (capacity may have been freed since the scheduler tried)"
                line += "; " + (", ".join(short) if short else enough)
        lines.append(line)
    return lines


def diagnose(groups, pods, lws_name, condition, events=None, nodes=None, all_pods=None, deleted=None):
    """One line per group not ready and one per pod in it not ready (with why), then shortfall lines.

    ``groups`` is ``summarize``'s output; ``pods`` the LWS pods; ``events`` the namespace's Events
    (None when unreadable); ``nodes`` the Node list (None when unreadable); ``all_pods`` every pod
    bound to a node (None when unreadable); ``deleted`` ``{pod name: (times deleted, pod as last
    seen)}`` for pods deleted while waiting (the LWS controller recreates a whole group when one of
    its pods restarts, under its default restartPolicy RecreateGroupOnPodRestart).
    """
    deleted = deleted or {}
    by_name = dict((pod_name(pod), pod) for pod in pods)
    pod_events = events_by_pod(events or [])
    node_map = None if nodes is None else dict((pod_name(node), node) for node in nodes)
    lines = []
    unscheduled = []
    for group in groups:
        if group["ready"]:
            continue
        size = len(group["pods"])
        not_ready = []
        for name in group["pods"]:
            pod = by_name.get(name)
            if pod is None or not pod_is_ready(pod, condition):
                not_ready.append(name)
        lines.append("group %d (leader %s): %d/%d pods %s; not %s: %s" % (
            group["index"], group["leader"], group["ready_pods"], size, condition, condition, ", ".join(not_ready)))
        recreated = []
        for name in group["pods"]:
            if name not in deleted:
                continue
            times, last = deleted[name]
            before = _container_problems(last) or ["phase %s" % (_status(last).get("phase") or "Unknown")]
            recreated.append(
                "pod %s (group %d): deleted %d time%s while waiting (under the default restartPolicy "
                "RecreateGroupOnPodRestart the LWS controller recreates a group when one of its pods restarts); "
                "last seen: %s" % (name, group["index"], times, "" if times == 1 else "s", "; ".join(before)))
        for name in not_ready:
            pod = by_name.get(name)
            role = "leader" if name == group["leader"] else "worker"
            if pod is None:
                why = "not created (the LWS controller has not made it yet%s)" % (
                    "; workers wait for the leader with startupPolicy LeaderReady" if role == "worker" else "")
                lines.append("pod %s (group %d %s): %s" % (name, group["index"], role, why))
                continue
            node_name = _spec(pod).get("nodeName")
            node = node_map.get(node_name) if (node_map is not None and node_name) else None
            problems = pod_problems(pod, pod_events.get(name), node, node_known=node_map is not None)
            lines.append("pod %s (group %d %s, %s): %s" % (
                name, group["index"], role, _status(pod).get("phase") or "Unknown", "; ".join(problems)))
            if not node_name:
                event = _last_event(pod_events.get(name), "FailedScheduling")
                message = (event or {}).get("message") or (pod_condition(pod, "PodScheduled") or {}).get("message")
                if insufficient_resources(message):
                    unscheduled.append((pod, message))
        lines.extend(recreated)
    lines.extend(shortfall(unscheduled, nodes, all_pods))
    return lines
