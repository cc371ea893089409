"""Role vpc_eks: bad input fails before any AWS call, with a message naming the variable.

Runs the scenario-000 playbook against moto in server mode (a test double for AWS) with one bad value
each, then checks with boto3 that nothing was created. Also checks that meta/argument_specs.yml and
defaults/main.yml list the same inputs.
"""

import os

import pytest
import yaml

from tests.support.playbook import REPO_ROOT, run_playbook

pytestmark = pytest.mark.aws

PB_000 = "tests/integration/aws/playbooks/vpc_eks_000.yml"
ROLE = os.path.join(REPO_ROOT, "roles", "vpc_eks")
GOOD_GROUP = {"name": "core", "instance_types": ["m6i.large"], "min_size": 2, "max_size": 2, "desired_size": 2}

CASES = [
    # (id, extra vars, texts the failure message must contain)
    ("cidr-not-cidr", {"vpc_eks_vpc_cidr": "banana"}, ["vpc_eks_vpc_cidr", "CIDR"]),
    ("cidr-prefix-33", {"vpc_eks_vpc_cidr": "10.0.0.0/33"}, ["vpc_eks_vpc_cidr"]),
    ("cidr-host-bits", {"vpc_eks_vpc_cidr": "10.0.0.1/16"}, ["vpc_eks_vpc_cidr", "host bits"]),
    ("cidr-too-large", {"vpc_eks_vpc_cidr": "10.0.0.0/8"}, ["vpc_eks_vpc_cidr", "/16 to /28"]),
    ("one-az", {"vpc_eks_availability_zones": ["us-west-2a"]}, ["vpc_eks_availability_zones", "at least 2"]),
    ("az-other-region", {"vpc_eks_availability_zones": ["us-east-1a", "us-east-1b"]}, ["vpc_eks_availability_zones"]),
    ("az-count-1", {"vpc_eks_availability_zones": [], "vpc_eks_availability_zone_count": 1},
     ["vpc_eks_availability_zone_count", "at least 2"]),
    ("min-over-max", {"vpc_eks_core_node_group": dict(GOOD_GROUP, min_size=3, max_size=2, desired_size=2)},
     ["vpc_eks_core_node_group.min_size (3) must not be greater than max_size (2)"]),
    ("desired-over-max", {"vpc_eks_core_node_group": dict(GOOD_GROUP, min_size=1, max_size=2, desired_size=5)},
     ["vpc_eks_core_node_group.desired_size (5) must be within"]),
    ("desired-under-min", {"vpc_eks_core_node_group": dict(GOOD_GROUP, min_size=2, max_size=4, desired_size=1)},
     ["vpc_eks_core_node_group.desired_size (1) must be within"]),
    ("unknown-instance-type", {"vpc_eks_core_node_group": dict(GOOD_GROUP, instance_types=["m9.huge"])},
     ["vpc_eks_core_node_group.instance_types", "m9.huge", "m6i.large"]),
    ("cluster-name-leading-dash", {"vpc_eks_cluster_name": "-eks"}, ["vpc_eks_cluster_name", "1-100 characters"]),
    ("cluster-name-dot", {"vpc_eks_cluster_name": "eks.llm"}, ["vpc_eks_cluster_name"]),
    ("cluster-name-101", {"vpc_eks_cluster_name": "a" * 101}, ["vpc_eks_cluster_name", "1-100 characters"]),
    ("cluster-name-empty", {"vpc_eks_cluster_name": ""}, ["vpc_eks_cluster_name"]),
    ("k8s-version-unsupported", {"vpc_eks_kubernetes_version": "1.20"}, ["vpc_eks_kubernetes_version", "1.33"]),
    ("gpu-core-instance", {"vpc_eks_core_node_group": dict(GOOD_GROUP, instance_types=["g4dn.xlarge"])},
     ["vpc_eks_core_node_group.instance_types", "g4dn.xlarge has nvidia accelerators"]),
    ("bucket-name", {"eks_llm_model_bucket": "Bad_Bucket"}, ["vpc_eks_model_bucket (or eks_llm_model_bucket)", "3-63"]),
    ("region-missing", {"vpc_eks_region": ""}, ["vpc_eks_region", "no default region"]),
    ("nat-mode", {"vpc_eks_nat_gateway_mode": "many"}, ["vpc_eks_nat_gateway_mode", "single", "per_az"]),
    ("subnet-outside-vpc", {"vpc_eks_private_subnet_cidrs": ["10.1.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]},
     ["vpc_eks_private_subnet_cidrs", "not inside"]),
]


def _resources(session):
    ec2 = session.client("ec2", region_name="us-west-2")
    return dict(
        vpcs=[v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")],
        clusters=session.client("eks", region_name="us-west-2").list_clusters()["clusters"],
        roles=[r["RoleName"] for r in session.client("iam").list_roles()["Roles"]],
        buckets=session.client("s3", region_name="us-west-2").list_buckets()["Buckets"],
        log_groups=session.client("logs", region_name="us-west-2").describe_log_groups()["logGroups"],
    )


@pytest.mark.parametrize("extra, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_fails_before_any_aws_call(aws, boto3_session, extra, expected):
    result = run_playbook(PB_000, extra_vars=extra, inventory="localhost,", timeout=300)
    assert result.returncode != 0, result.output[-3000:]
    for text in expected:
        assert text in result.output, (text, result.output[-3000:])
    assert result.total("changed") == 0
    assert _resources(boto3_session) == dict(vpcs=[], clusters=[], roles=[], buckets=[], log_groups=[])


def test_argument_specs_cover_every_default():
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        defaults = yaml.safe_load(handle)
    with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
        options = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    assert sorted(defaults) == sorted(options)
    for name, spec in options.items():
        assert spec.get("description"), name
        assert not (spec.get("required") and "default" in spec), name
        assert spec.get("default") == defaults[name], name
