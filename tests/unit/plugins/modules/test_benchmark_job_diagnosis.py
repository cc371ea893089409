"""The benchmark Job diagnosis (roles/benchmark/templates/job_diagnosis.txt.j2) renders as Ansible renders it.

The template is rendered through ansible-core's own ``ansible.builtin.template`` lookup (the call
production.yml makes) over the role's defaults and vars, with pods, events and logs shaped like the ``kubernetes.core.k8s_info`` /
``k8s_log`` results of a failed Job: a crashed pod, an unschedulable pod, core/v1 events with
``lastTimestamp`` and events.k8s.io events whose ``lastTimestamp`` is null (``eventTime`` set).
"""

import pytest

from tests.unit.roles.role_render import RoleRenderer


def _event(name, reason, message, last=None, event_time=None, created="2026-03-01T10:00:00Z", kind="Pod"):
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": "%s.%s" % (name, reason.lower()),
            "namespace": "triton-client",
            "creationTimestamp": created,
        },
        "involvedObject": {"kind": kind, "name": name, "namespace": "triton-client"},
        "reason": reason,
        "message": message,
        "type": "Warning" if reason.startswith(("Failed", "Back")) else "Normal",
        "count": 1,
        "firstTimestamp": last,
        "lastTimestamp": last,
        "eventTime": event_time,
        "reportingComponent": "default-scheduler" if event_time else "",
    }


CRASHED_POD = {
    "metadata": {"name": "benchmark-triton-vllm-x7k2p", "labels": {"job-name": "benchmark-triton-vllm"}},
    "status": {
        "phase": "Failed",
        "conditions": [
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": "False", "reason": "PodFailed"},
            {"type": "ContainersReady", "status": "False", "reason": "PodFailed", "message": "containers not ready"},
            {"type": "PodScheduled", "status": "True"},
        ],
        "containerStatuses": [
            {
                "name": "benchmark",
                "ready": False,
                "restartCount": 0,
                "state": {"terminated": {"exitCode": 2, "reason": "Error"}},
            }
        ],
    },
}
PENDING_POD = {
    "metadata": {"name": "benchmark-triton-vllm-q9w4z", "labels": {"job-name": "benchmark-triton-vllm"}},
    "status": {
        "phase": "Pending",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/3 nodes are available: 3 Insufficient cpu.",
            }
        ],
    },
}
# Out of time order on purpose; two scheduler events have no lastTimestamp (events.k8s.io).
EVENTS = [
    _event("benchmark-triton-vllm-x7k2p", "Started", "Started container benchmark", last="2026-03-01T10:00:09Z"),
    _event(
        "benchmark-triton-vllm-q9w4z",
        "FailedScheduling",
        "0/3 nodes are available: 3 Insufficient cpu.",
        event_time="2026-03-01T10:00:12.512345Z",
        created="2026-03-01T10:00:12Z",
    ),
    _event(
        "benchmark-triton-vllm",
        "SuccessfulCreate",
        "Created pod: benchmark-triton-vllm-x7k2p",
        last="2026-03-01T10:00:01Z",
        kind="Job",
    ),
    _event(
        "benchmark-triton-vllm-x7k2p",
        "Scheduled",
        "Successfully assigned triton-client/benchmark-triton-vllm-x7k2p to node-1",
        event_time="2026-03-01T10:00:02.000001Z",
        created="2026-03-01T10:00:02Z",
    ),
    _event("benchmark-triton-vllm-x7k2p", "Pulled", "Container image already present", last="2026-03-01T10:00:05Z"),
    _event("benchmark-triton-vllm", "BackoffLimitExceeded", "Job has reached the backoff limit", last=None, kind="Job"),
]
# The last event has neither timestamp: its creationTimestamp (10:00:00) sorts it first.


def _render(**overrides):
    variables = {
        "benchmark_namespace": "triton-client",
        "benchmark_job_name": "benchmark-triton-vllm",
        "benchmark_job_timeout": 7200,
        "benchmark_log_tail_lines": 2,
        "__benchmark_job_state": {
            "resources": [
                {
                    "kind": "Job",
                    "status": {"failed": 1, "active": 0, "startTime": "2026-03-01T10:00:01Z"},
                }
            ]
        },
        "__benchmark_diag_pods": {"resources": [CRASHED_POD, PENDING_POD]},
        "__benchmark_diag_events": {"resources": EVENTS},
        "__benchmark_diag_logs": {
            "results": [
                {"log_lines": ["genai-perf profile ...", "concurrency 8: 100 requests", "ERROR: server unreachable"]},
                {"failed": True, "msg": "container not started"},  # k8s_log of the pending pod (failed_when: false)
            ]
        },
    }
    variables.update(overrides)
    return RoleRenderer("benchmark", variables).template_text("job_diagnosis.txt.j2")


def test_diagnosis_names_pods_containers_and_conditions():
    text = _render()
    lines = text.splitlines()
    assert lines[0] == 'Benchmark Job triton-client/benchmark-triton-vllm did not succeed: status {"failed": 1, ' + (
        '"active": 0, "startTime": "2026-03-01T10:00:01Z"}.'
    )
    crashed = [line for line in lines if line.startswith("Pod benchmark-triton-vllm-x7k2p:")]
    assert crashed == [
        'Pod benchmark-triton-vllm-x7k2p: phase Failed; container benchmark {"terminated": {"exitCode": 2, '
        '"reason": "Error"}}; Ready=False (PodFailed); ContainersReady=False (PodFailed: containers not ready).'
    ]
    pending = [line for line in lines if line.startswith("Pod benchmark-triton-vllm-q9w4z:")]
    assert pending == [
        "Pod benchmark-triton-vllm-q9w4z: phase Pending; PodScheduled=False "
        "(Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.)."
    ]


def test_events_sorted_by_their_time_whichever_field_holds_it():
    lines = _render().splitlines()
    start = lines.index("Last events:")
    events = [line.strip() for line in lines[start + 1 :] if line.startswith("  ")]
    assert [line.split(" ")[0] for line in events] == [
        "2026-03-01T10:00:00Z",  # BackoffLimitExceeded: no lastTimestamp, no eventTime -> creationTimestamp
        "2026-03-01T10:00:01Z",
        "2026-03-01T10:00:02.000001Z",
        "2026-03-01T10:00:05Z",
        "2026-03-01T10:00:09Z",
        "2026-03-01T10:00:12.512345Z",
    ]
    assert events[-1] == (
        "2026-03-01T10:00:12.512345Z Pod/benchmark-triton-vllm-q9w4z FailedScheduling: "
        "0/3 nodes are available: 3 Insufficient cpu."
    )
    assert "None" not in "\n".join(events)


def test_only_the_last_eight_events_are_shown():
    many = [
        _event("benchmark-triton-vllm-x7k2p", "Pulling", "pull %d" % i, last="2026-03-01T10:%02d:00Z" % i)
        for i in range(12, 0, -1)
    ]
    lines = _render(__benchmark_diag_events={"resources": many}).splitlines()
    shown = [line.strip() for line in lines if line.startswith("  2026-")]
    assert [line.rsplit(" ", 1)[1] for line in shown] == [str(i) for i in range(5, 13)]


def test_log_tail_and_timeout_wording():
    text = _render()
    tail = text.split("Container log tail (2 lines):\n", 1)[1]
    assert tail.strip().splitlines() == ["concurrency 8: 100 requests", "ERROR: server unreachable"]
    assert " within " not in text.splitlines()[0]  # the Job failed: not a timeout
    still_running = _render(__benchmark_job_state={"resources": [{"status": {"active": 1}}]})
    assert still_running.startswith("Benchmark Job triton-client/benchmark-triton-vllm did not succeed within 7200 s:")


@pytest.mark.parametrize("missing", ["__benchmark_diag_pods", "__benchmark_diag_events", "__benchmark_diag_logs"])
def test_no_pods_or_events_still_renders(missing):
    text = _render(
        **{missing: {}, "__benchmark_job_state": {"resources": []}},
    )
    assert text.startswith(
        "Benchmark Job triton-client/benchmark-triton-vllm did not succeed within 7200 s: status {}."
    )
    if missing == "__benchmark_diag_pods":
        assert "No pod of the Job exists" in text
    if missing == "__benchmark_diag_events":
        assert "Last events: none" in text
