"""The test bed's apiserver checks objects: CRD schemas (no controller needed) and the
LWS validating webhook (the real LWS controller, reached by URL).

Test double: kwok fake nodes (no containers run); the apiserver and LWS webhook are real.
"""

import json

import pytest
from kubernetes.client.rest import ApiException

pytestmark = pytest.mark.k8s

LABELS = {
    "app.kubernetes.io/managed-by": "eks_llm.inference",
    "app.kubernetes.io/part-of": "k8s-integration-tests",
}


def _create(k8s, namespace, group, version, plural, body):
    from kubernetes import client

    return client.CustomObjectsApi(k8s).create_namespaced_custom_object(group, version, namespace, plural, body)


def _rejected(k8s, namespace, group, version, plural, body):
    with pytest.raises(ApiException) as info:
        _create(k8s, namespace, group, version, plural, body)
    return info.value.status, json.loads(info.value.body)["message"]


def test_prometheus_rule_schema_violation_rejected(k8s, namespace):
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "triton-metrics", "labels": LABELS},
        # groups must be a list of groups
        "spec": {"groups": {"name": "autoscaling", "rules": []}},
    }
    status, message = _rejected(k8s, namespace, "monitoring.coreos.com", "v1", "prometheusrules", rule)
    assert status == 422
    assert "spec.groups" in message and "must be of type array" in message, message


def test_valid_prometheus_rule_accepted(k8s, namespace):
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "triton-metrics", "labels": LABELS},
        "spec": {
            "groups": [
                {
                    "name": "autoscaling",
                    "interval": "6s",
                    "rules": [{"record": "triton:queue_compute:ratio", "expr": "vector(1)"}],
                }
            ]
        },
    }
    created = _create(k8s, namespace, "monitoring.coreos.com", "v1", "prometheusrules", rule)
    assert created["metadata"]["uid"]


def test_karpenter_nodepool_enum_violation_rejected(k8s, namespace):
    from kubernetes import client

    pool = {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": "bad-%s" % namespace, "labels": LABELS},
        "spec": {
            "template": {
                "spec": {
                    "nodeClassRef": {"group": "eks.amazonaws.com", "kind": "NodeClass", "name": "default"},
                    "requirements": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}],
                }
            },
            "disruption": {"consolidationPolicy": "WhenIdle", "consolidateAfter": "60m"},
        },
    }
    with pytest.raises(ApiException) as info:
        client.CustomObjectsApi(k8s).create_cluster_custom_object("karpenter.sh", "v1", "nodepools", pool)
    message = json.loads(info.value.body)["message"]
    assert info.value.status == 422
    assert "spec.disruption.consolidationPolicy" in message and "Unsupported value" in message, message


def test_lws_webhook_rejects_invalid_rollout(k8s, namespace):
    lws = {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": "bad-rollout", "labels": LABELS},
        "spec": {
            "replicas": 1,
            "rolloutStrategy": {
                "type": "RollingUpdate",
                "rollingUpdateConfiguration": {"maxUnavailable": 0, "maxSurge": 0},
            },
            "leaderWorkerTemplate": {
                "size": 2,
                "workerTemplate": {"spec": {"containers": [{"name": "c", "image": "registry.invalid/x:1"}]}},
            },
        },
    }
    status, message = _rejected(k8s, namespace, "leaderworkerset.x-k8s.io", "v1", "leaderworkersets", lws)
    assert status in (400, 403, 422)
    assert 'admission webhook "vleaderworkerset.kb.io" denied the request' in message, message
    assert "must not be 0 when `maxSurge` is 0" in message, message
