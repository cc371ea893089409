#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: lws_gang_wait
short_description: Wait until every group of a LeaderWorkerSet is complete and ready
version_added: 1.0.0
description:
  - Waits until each of the first O(replicas) groups of a LeaderWorkerSet (C(leaderworkerset.x-k8s.io/v1)) has
    all its O(size) pods (leader and workers) in the state O(condition), and returns the members of each group
    (sorted pod names and the MPI host slots C(<pod>:<gpus_per_node>)).
  - Watches the pods (Kubernetes watch API, label C(leaderworkerset.sigs.k8s.io/name=<name>)) instead of polling
    them, so it returns as soon as the last pod turns ready.
  - Groups and members come from the labels the LWS controller sets on its pods
    (C(leaderworkerset.sigs.k8s.io/group-index), C(leaderworkerset.sigs.k8s.io/worker-index),
    C(leaderworkerset.sigs.k8s.io/group-key)); the leader is worker 0.
  - On timeout it fails with one line per group that is not ready and one per pod in it that is not ready,
    saying why (the scheduler's C(FailedScheduling) message such as C(Insufficient vpc.amazonaws.com/efa) or an
    untolerated taint, image pull back-off, crash loop with restart count and last exit code, failing readiness
    probe from the C(Unhealthy) event, node not ready, pod not created yet), followed by the resource shortfall
    of the pods the scheduler could not place.
  - A LeaderWorkerSet that does not exist yet is waited for too, unless both O(replicas) and O(size) are given,
    in which case only its pods are watched. Pods of groups at or beyond O(replicas) are ignored.
author:
  - eks_llm.inference contributors (@eks-llm)
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
options:
  name:
    description: Name of the LeaderWorkerSet.
    type: str
    required: true
  namespace:
    description: Namespace of the LeaderWorkerSet.
    type: str
    required: true
  timeout:
    description:
      - How long to wait, in seconds, for every group to be ready. The module fails at most a few seconds
        after it.
      - The default is generous because new GPU nodes and model loading can take tens of minutes.
    type: int
    default: 1800
  replicas:
    description:
      - How many groups to wait for (groups C(0) to O(replicas) - 1).
      - Defaults to the LeaderWorkerSet's C(spec.replicas).
    type: int
  size:
    description:
      - Pods per group, leader included.
      - Defaults to the LeaderWorkerSet's C(spec.leaderWorkerTemplate.size).
    type: int
  condition:
    description:
      - When a pod counts as ready.
      - V(Ready) - its C(Ready) condition is C(True) (all containers started and passing their readiness probes).
      - V(Running) - its phase is C(Running), what the upstream Triton TensorRT-LLM C(server.py) gang wait counts.
      - A pod being deleted never counts.
    type: str
    default: Ready
    choices: [Ready, Running]
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
notes:
  - C(gpus_per_node) of a pod, used for RV(groups[].hosts), is the sum over the pod's containers of the limit
    (or, without a limit, the request) of the first of C(nvidia.com/gpu), C(aws.amazon.com/neuron),
    C(aws.amazon.com/neurondevice), C(aws.amazon.com/neuroncore) that any container sets; 1 when the pod asks
    for none of them.
  - Needs C(get) on C(leaderworkersets) and C(list)/C(watch) on C(pods) in the namespace. For the diagnosis on
    timeout it also reads C(events) in the namespace and C(nodes) and C(pods) cluster-wide; without those
    permissions the diagnosis says what it could not read.
  - The resource shortfall compares the pods' requests with the free allocatable capacity of the Ready,
    schedulable nodes that match the pods' C(nodeSelector) and whose C(NoSchedule)/C(NoExecute) taints they
    tolerate; node affinity and topology spread constraints are not evaluated.
  - Transient API errors (connection errors, HTTP 429 and 5xx) are retried until the timeout; an expired watch
    (HTTP 410) is resumed from a fresh list.
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reports the current state of the groups (and why pods are not ready) and waits for nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
    details: The module changes nothing.
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: Wait for every group of the TensorRT-LLM LeaderWorkerSet
  eks_llm.inference.lws_gang_wait:
    name: leaderworkerset-sample
    namespace: default
    kubeconfig: "{{ eks_llm_kubeconfig }}"
    timeout: 1800
  register: gang

- name: Show the MPI hosts of group 0
  ansible.builtin.debug:
    msg: "mpirun --host {{ gang.groups[0].hosts | join(',') }}"

- name: Wait as upstream server.py does (phase Running), for the first group only
  eks_llm.inference.lws_gang_wait:
    name: leaderworkerset-sample
    namespace: default
    replicas: 1
    condition: Running
    timeout: 600
"""

RETURN = r"""
groups:
  description:
    - The groups waited for, in group order. On timeout (in the failure result) and in check mode, the state
      last observed.
    - Names of pods that do not exist yet are the names the LWS controller will give them.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: Group index (label C(leaderworkerset.sigs.k8s.io/group-index)).
      type: int
      sample: 0
    leader:
      description: Name of the leader pod (worker index 0).
      type: str
      sample: leaderworkerset-sample-0
    workers:
      description: Names of the worker pods, by worker index.
      type: list
      elements: str
      sample: [leaderworkerset-sample-0-1]
    pods:
      description: Names of all pods of the group, sorted as upstream C(server.py) sorts them (by name).
      type: list
      elements: str
      sample: [leaderworkerset-sample-0, leaderworkerset-sample-0-1]
    ready:
      description: Whether all O(size) pods of the group exist and satisfy O(condition).
      type: bool
      sample: true
    ready_pods:
      description: How many pods of the group satisfy O(condition).
      type: int
      sample: 2
    group_key:
      description: The group's C(leaderworkerset.sigs.k8s.io/group-key) label (null before any pod exists).
      type: str
      sample: 5ec6ab1b16ff0ec50b2d2ffb7f14b0e03cd9dbf7
    hosts:
      description: MPI host slots C(<pod>:<gpus_per_node>) in the order of RV(groups[].pods), for existing pods.
      type: list
      elements: str
      sample: [leaderworkerset-sample-0:4, leaderworkerset-sample-0-1:4]
elapsed_s:
  description: Seconds spent (reading and waiting).
  returned: always
  type: float
  sample: 42.137
ready:
  description: Whether every group is ready (always true on success outside check mode).
  returned: always
  type: bool
  sample: true
replicas:
  description: Number of groups waited for (O(replicas) or the LeaderWorkerSet's C(spec.replicas)).
  returned: when known
  type: int
  sample: 1
size:
  description: Pods per group (O(size) or the LeaderWorkerSet's C(spec.leaderWorkerTemplate.size)).
  returned: when known
  type: int
  sample: 2
diagnosis:
  description:
    - One line per group not ready, one per pod in it not ready (with why) and one per short resource.
    - Also in the failure result, where the message holds the same lines.
  returned: when not every group is ready (check mode, failure)
  type: list
  elements: str
  sample:
    - "group 0 (leader leaderworkerset-sample-0): 1/2 pods Ready; not Ready: leaderworkerset-sample-0-1"
    - "pod leaderworkerset-sample-0-1 (group 0 worker, Pending): unschedulable: 0/4 nodes are available:
      4 Insufficient vpc.amazonaws.com/efa."
"""

import copy
import json
import math
import time
import traceback

from ansible_collections.eks_llm.inference.plugins.module_utils import lws_gang
from ansible_collections.kubernetes.core.plugins.module_utils.ansiblemodule import AnsibleModule
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

try:
    from kubernetes import client as k8s_client
    from kubernetes import watch as k8s_watch
    from kubernetes.client.rest import ApiException
except ImportError:  # reported by AnsibleK8SModule (requires kubernetes)
    k8s_client = k8s_watch = None

    class ApiException(Exception):
        status = None

try:
    from urllib3.exceptions import HTTPError as Urllib3Error
except ImportError:  # urllib3 comes with kubernetes
    class Urllib3Error(Exception):
        pass

TRANSIENT_STATUS = (429, 500, 502, 503, 504)
RETRY_PAUSE = 1.0


def argument_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        name=dict(type="str", required=True),
        namespace=dict(type="str", required=True),
        timeout=dict(type="int", default=1800),
        replicas=dict(type="int"),
        size=dict(type="int"),
        condition=dict(type="str", default="Ready", choices=list(lws_gang.CONDITIONS)),
    )
    return spec


def _transient(error):
    if isinstance(error, ApiException):
        return getattr(error, "status", None) in TRANSIENT_STATUS or not getattr(error, "status", None)
    return isinstance(error, (Urllib3Error, OSError))


def _describe(error):
    if isinstance(error, ApiException):
        return "HTTP %s %s" % (getattr(error, "status", ""), (getattr(error, "reason", "") or "").strip())
    return "%s: %s" % (type(error).__name__, error)


class GangWatcher(object):
    """Lists, then watches the pods of one LeaderWorkerSet until its groups are ready or time runs out.

    ``core``/``custom`` are a ``CoreV1Api``/``CustomObjectsApi``; ``watch_factory()`` returns a
    ``kubernetes.watch.Watch``; ``clock``/``sleep`` are injectable for tests.
    """

    def __init__(self, core, custom, watch_factory, params, clock=time.monotonic, sleep=time.sleep):
        self.core = core
        self.custom = custom
        self.watch_factory = watch_factory
        self.name = params["name"]
        self.namespace = params["namespace"]
        self.timeout = params["timeout"]
        self.condition = params["condition"]
        self.replicas = params.get("replicas")
        self.size = params.get("size")
        self.clock = clock
        self.sleep = sleep
        self.started = clock()
        self.deadline = self.started + self.timeout
        self.pods = {}
        self.resource_version = None
        self.last_error = None
        self.lws_found = None
        self.deleted = {}  # pod name -> (times deleted during the wait, the pod as last seen)

    # -------------------------------------------------------------- reading

    @property
    def selector(self):
        return "%s=%s" % (lws_gang.NAME_LABEL, self.name)

    def remaining(self):
        return self.deadline - self.clock()

    def elapsed(self):
        return round(self.clock() - self.started, 3)

    def _request_timeout(self):
        left = max(self.remaining(), 0.5)
        return (min(10.0, left + 2), left + 2)

    def read_lws(self):
        """The LeaderWorkerSet as a dict, or None when it does not exist."""
        try:
            return self.custom.get_namespaced_custom_object(
                lws_gang.LWS_GROUP, lws_gang.LWS_VERSION, self.namespace, lws_gang.LWS_PLURAL, self.name,
                _request_timeout=self._request_timeout(),
            )
        except ApiException as error:
            if getattr(error, "status", None) == 404:
                return None
            raise

    def list_pods(self):
        response = self.core.list_namespaced_pod(
            self.namespace, label_selector=self.selector, _preload_content=False,
            _request_timeout=self._request_timeout(),
        )
        body = json.loads(response.data)
        self.pods = dict((lws_gang.pod_name(pod), pod) for pod in body.get("items") or [])
        self.resource_version = (body.get("metadata") or {}).get("resourceVersion")

    def groups(self):
        return lws_gang.summarize(list(self.pods.values()), self.name, self.replicas, self.size, self.condition)

    def _retry_or_raise(self, error):
        """Remember a transient error and pause briefly (within the deadline); re-raise any other."""
        if not _transient(error):
            raise error
        self.last_error = error
        self.sleep(max(0.0, min(RETRY_PAUSE, self.remaining())))

    # -------------------------------------------------------------- the LeaderWorkerSet itself

    def resolve_shape(self, wait):
        """Set replicas/size from the parameters or the LeaderWorkerSet, waiting for it when ``wait``.

        Returns False when the shape is still unknown (LWS absent and not waiting, or time ran out).
        """
        while True:
            try:
                lws = self.read_lws()
                self.last_error = None
            except (ApiException, Urllib3Error, OSError) as error:
                self._retry_or_raise(error)
                if self.remaining() <= 0:
                    return False
                continue
            self.lws_found = lws is not None
            if lws is not None:
                replicas, size = lws_gang.lws_shape(lws)
                self.replicas = replicas if self.replicas is None else self.replicas
                self.size = size if self.size is None else self.size
                return True
            if self.replicas is not None and self.size is not None:
                return True
            if not wait or self.remaining() <= 0:
                return False
            self._watch_lws_appear()
            if self.remaining() <= 0 and not self.lws_found:
                # one last read: it may have appeared as the watch ended
                wait = False

    def _watch_lws_appear(self):
        watcher = self.watch_factory()
        stream = watcher.stream(
            self.custom.list_namespaced_custom_object, lws_gang.LWS_GROUP, lws_gang.LWS_VERSION, self.namespace,
            lws_gang.LWS_PLURAL, field_selector="metadata.name=%s" % self.name,
            timeout_seconds=max(1, int(math.ceil(self.remaining()))), _request_timeout=self._request_timeout(),
            deserialize=False,
        )
        try:
            for event in stream:
                if event.get("type") in ("ADDED", "MODIFIED") or self.remaining() <= 0:
                    return
        except (ApiException, Urllib3Error, OSError) as error:
            self._retry_or_raise(error)
        finally:
            stream.close()
            watcher.stop()

    # -------------------------------------------------------------- the pods

    def _apply(self, event):
        kind = event.get("type")
        obj = event.get("object") or {}
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if kind == "ERROR":
            raise ApiException(status=obj.get("code"), reason=obj.get("message"))
        if version:
            self.resource_version = version
        if kind == "BOOKMARK":
            return
        name = lws_gang.pod_name(obj)
        if kind == "DELETED":
            self.pods.pop(name, None)
            count = self.deleted.get(name, (0, None))[0]
            self.deleted[name] = (count + 1, obj)
        else:
            self.pods[name] = obj

    def wait(self):
        """Watch until every group is ready or the deadline passes; returns the last groups."""
        listed = False
        while not listed:
            try:
                self.list_pods()
                listed = True
                self.last_error = None
            except (ApiException, Urllib3Error, OSError) as error:
                self._retry_or_raise(error)
                if self.remaining() <= 0:
                    return self.groups()
        groups = self.groups()
        while not lws_gang.all_ready(groups) and self.remaining() > 0:
            watcher = self.watch_factory()
            stream = watcher.stream(
                self.core.list_namespaced_pod, self.namespace, label_selector=self.selector,
                resource_version=self.resource_version, allow_watch_bookmarks=True,
                timeout_seconds=max(1, int(math.ceil(self.remaining()))), _request_timeout=self._request_timeout(),
                deserialize=False,
            )
            try:
                for event in stream:
                    self._apply(event)
                    self.last_error = None
                    if event.get("type") == "BOOKMARK":
                        continue
                    groups = self.groups()
                    if lws_gang.all_ready(groups) or self.remaining() <= 0:
                        break
            except ApiException as error:
                if getattr(error, "status", None) == 410:  # watch expired: start again from a fresh list
                    try:
                        self.list_pods()
                        groups = self.groups()
                    except (ApiException, Urllib3Error, OSError) as list_error:
                        self._retry_or_raise(list_error)
                else:
                    self._retry_or_raise(error)
            except (Urllib3Error, OSError) as error:
                self._retry_or_raise(error)
            finally:
                stream.close()
                watcher.stop()
        return groups

    # -------------------------------------------------------------- diagnosis

    def _try(self, call, what, unreadable):
        try:
            return call()
        except (ApiException, Urllib3Error, OSError) as error:
            unreadable.append("%s not readable (%s)" % (what, _describe(error)))
            return None

    def diagnose(self, groups):
        """The diagnosis lines for the groups not ready (reads events, nodes and, if needed, all bound pods)."""
        unreadable = []
        timeout = (5, 15)

        def items(response):
            return json.loads(response.data).get("items") or []

        events = self._try(lambda: items(self.core.list_namespaced_event(
            self.namespace, field_selector="involvedObject.kind=Pod", _preload_content=False,
            _request_timeout=timeout)), "events", unreadable)
        nodes = self._try(lambda: items(self.core.list_node(_preload_content=False, _request_timeout=timeout)),
                          "nodes", unreadable)
        all_pods = None
        if any(not lws_gang.pod_node(pod) for pod in self.pods.values()):
            all_pods = self._try(lambda: items(self.core.list_pod_for_all_namespaces(
                field_selector="spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed",
                _preload_content=False, _request_timeout=timeout)), "pods of all namespaces", unreadable)
        lines = lws_gang.diagnose(
            groups, list(self.pods.values()), self.name, self.condition, events=events, nodes=nodes, all_pods=all_pods,
            deleted=self.deleted,
        )
        return lines + ["(%s)" % text for text in unreadable]

    # -------------------------------------------------------------- entry

    def run(self, check_mode=False):
        """The module result; raises ``lws_gang.GangError`` on timeout."""
        where = "%s/%s" % (self.namespace, self.name)
        if not self.resolve_shape(wait=not check_mode):
            result = dict(changed=False, groups=[], ready=False, elapsed_s=self.elapsed())
            why = "LeaderWorkerSet %s not found (is the LeaderWorkerSet CRD installed and the name right?)" % where
            if self.lws_found is None and self.last_error is not None:
                why = "LeaderWorkerSet %s could not be read: %s" % (where, _describe(self.last_error))
            if check_mode:
                result["diagnosis"] = [why]
                return result
            raise lws_gang.GangError("Timed out after %d s waiting for %s; give replicas and size to wait for its "
                                     "pods alone" % (self.timeout, why), **result)
        if self.replicas < 1 or self.size < 1:
            result = dict(changed=False, groups=[], ready=False, elapsed_s=self.elapsed(),
                          replicas=self.replicas, size=self.size)
            if self.replicas == 0 and self.size >= 1:
                # nothing to wait for: a LeaderWorkerSet scaled to zero is complete
                result["ready"] = True
                return result
            raise lws_gang.GangError("Waiting for LeaderWorkerSet %s: replicas must be >= 0 and size >= 1, got "
                                     "replicas=%s size=%s" % (where, self.replicas, self.size), **result)
        if check_mode:
            self.list_pods()
            groups = self.groups()
        else:
            groups = self.wait()
        ready = lws_gang.all_ready(groups)
        result = dict(changed=False, groups=groups, ready=ready, elapsed_s=self.elapsed(),
                      replicas=self.replicas, size=self.size)
        if ready:
            return result
        lines = self.diagnose(groups)
        if self.last_error is not None:
            lines.append("(last API error: %s)" % _describe(self.last_error))
        result["diagnosis"] = lines
        if check_mode:
            return result
        header = "Timed out after %d s waiting for LeaderWorkerSet %s: %d of %d groups %s (size %d, condition %s)" % (
            self.timeout, where, sum(1 for group in groups if group["ready"]), len(groups),
            "ready", self.size, self.condition)
        raise lws_gang.GangError("\n".join([header] + lines), **result)


def main():
    module = AnsibleK8SModule(module_class=AnsibleModule, argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    for key in ("timeout", "replicas", "size"):
        if params.get(key) is not None and params[key] < 0:
            module.fail_json(msg="%s must be >= 0, got %s" % (key, params[key]))
    if params.get("size") == 0:
        module.fail_json(msg="size must be >= 1 (the leader counts), got 0")
    try:
        # kubernetes.core builds the client from the auth options (kubeconfig, context, host, token, ...)
        api = get_api_client(module).client.client
        watcher = GangWatcher(
            k8s_client.CoreV1Api(api), k8s_client.CustomObjectsApi(api), k8s_watch.Watch, params,
        )
        result = watcher.run(check_mode=module.check_mode)
    except CoreException as error:
        module.fail_from_exception(error)
    except lws_gang.GangError as error:
        module.fail_json(msg=error.msg, **error.result)
    except (ApiException, Urllib3Error, OSError) as error:
        module.fail_json(
            msg="Failed to watch the pods of LeaderWorkerSet %s/%s: %s; check the kubeconfig and the RBAC "
                "permissions (get leaderworkersets, list/watch pods)" % (params["namespace"], params["name"],
                                                                         _describe(error)),
            exception=traceback.format_exc(),
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
