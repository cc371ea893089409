"""Filters eks_llm.inference.cidr_problem and subnet_plan (pure IPv4 arithmetic, no netaddr)."""

import pytest

from ansible_collections.eks_llm.inference.plugins.filter.network import (
    FilterModule,
    cidr_problem,
    network_plan,
    subnet_plan,
)


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"cidr_problem", "subnet_plan", "network_plan"}


@pytest.mark.parametrize("value", ["10.0.0.0/16", "192.168.0.0/16", "172.16.0.0/20", "10.1.2.0/28"])
def test_valid_cidrs(value):
    assert cidr_problem(value) == ""


@pytest.mark.parametrize("value, text", [
    ("banana", "not in CIDR notation"),
    ("10.0.0.0", "not in CIDR notation"),
    ("10.0.0.0/33", "not a valid IPv4 CIDR"),
    ("300.0.0.0/16", "not a valid IPv4 CIDR"),
    ("10.0.0.1/16", "host bits set; the network address is 10.0.0.0/16"),
    ("10.0.0.0/8", "AWS accepts /16 to /28"),
    ("10.0.0.0/29", "AWS accepts /16 to /28"),
    ("fd00::/64", "not an IPv4 CIDR"),
    (None, "not in CIDR notation"),
])
def test_invalid_cidrs(value, text):
    assert text in cidr_problem(value)


def test_seed_000_layout_three_azs():
    # scenarios.md: seed 000 §vpc_eks - "With 3 AZs: private 10.0.0.0/19, 10.0.32.0/19, 10.0.64.0/19;
    # public 10.0.128.0/19, 10.0.160.0/19, 10.0.192.0/19".
    assert subnet_plan("10.0.0.0/16", 3) == {
        "private": ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
        "public": ["10.0.128.0/19", "10.0.160.0/19", "10.0.192.0/19"],
        "problems": [],
    }


def test_two_azs_use_quarters():
    plan = subnet_plan("10.20.0.0/16", "2")
    assert plan["private"] == ["10.20.0.0/18", "10.20.64.0/18"]
    assert plan["public"] == ["10.20.128.0/18", "10.20.192.0/18"]


def test_seed_004_explicit_subnets_are_kept():
    # scenarios.md: seed 004 §vpc_eks - cidrsubnet(cidr, 4, i) private, i+3 public (11.0.0.0/16 as upstream).
    private = ["11.0.0.0/20", "11.0.16.0/20", "11.0.32.0/20"]
    public = ["11.0.48.0/20", "11.0.64.0/20", "11.0.80.0/20"]
    assert subnet_plan("11.0.0.0/16", 3, private, public) == {"private": private, "public": public, "problems": []}


@pytest.mark.parametrize("private, public, text", [
    (["10.1.0.0/20", "10.0.16.0/20"], None, "not inside the VPC CIDR"),
    (["10.0.0.0/20"], None, "1 private subnet CIDRs given for 2 AZs"),
    (["10.0.0.0/20", "10.0.0.0/21"], None, "overlaps"),
    (None, ["10.0.0.0/18", "10.0.200.0/21"], "overlaps private subnet CIDR 10.0.0.0/18"),
    (["10.0.0.0/20", "bad"], None, "private subnet CIDR 'bad' is not in CIDR notation"),
])
def test_bad_explicit_subnets(private, public, text):
    problems = subnet_plan("10.0.0.0/16", 2, private, public)["problems"]
    assert any(text in p for p in problems), problems


def test_vpc_too_small_for_the_azs():
    assert any("too small" in p for p in subnet_plan("10.0.0.0/27", 3)["problems"])


def test_bad_vpc_cidr_is_reported_first():
    assert subnet_plan("10.0.0.1/16", 3)["problems"] == ["VPC CIDR '10.0.0.1/16' has host bits set; the network address is 10.0.0.0/16"]


# ---- network_plan: the whole network input of vpc_eks ---------------------------------------------


def test_network_plan_of_seed_000():
    # scenarios.md: seed 000 §vpc_eks - "With 3 AZs: private 10.0.0.0/19, 10.0.32.0/19, 10.0.64.0/19;
    # public 10.0.128.0/19, 10.0.160.0/19, 10.0.192.0/19".
    plan = network_plan("10.0.0.0/16", "us-west-2", ["us-west-2a", "us-west-2b", "us-west-2c"], 2)
    assert plan == {
        "az_count": 3,
        "private": ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
        "public": ["10.0.128.0/19", "10.0.160.0/19", "10.0.192.0/19"],
        "problems": [],
    }
    assert network_plan("10.0.0.0/16", "us-west-2", [], 2)["az_count"] == 2


@pytest.mark.parametrize("args, texts", [
    (("banana", "us-west-2", [], 3), ["vpc_eks_vpc_cidr: 'banana' is not in CIDR notation"]),
    (("10.0.0.0/16", "", [], 3), ["vpc_eks_region", "no default region"]),
    (("10.0.0.0/16", "us-west-2", ["us-west-2a"], 3), ["vpc_eks_availability_zones", "at least 2"]),
    (("10.0.0.0/16", "us-west-2", ["us-east-1a", "us-east-1b"], 3), ["vpc_eks_availability_zones", "us-west-2a"]),
    (("10.0.0.0/16", "us-west-2", ["us-west-2a", "us-west-2a"], 3), ["distinct"]),
    (("10.0.0.0/16", "us-west-2", [], 1), ["vpc_eks_availability_zone_count is 1", "at least 2"]),
])
def test_network_plan_problems_name_the_variable(args, texts):
    (problem,) = network_plan(*args)["problems"]
    for text in texts:
        assert text in problem


def test_network_plan_subnet_problems_and_prefix():
    plan = network_plan("10.0.0.0/16", "us-west-2", [], 2, ["10.1.0.0/20", "10.0.16.0/20"], [], prefix="net")
    (problem,) = plan["problems"]
    assert problem.startswith("net_private_subnet_cidrs / net_public_subnet_cidrs (VPC 10.0.0.0/16): ")
    assert "10.1.0.0/20 is not inside the VPC CIDR" in problem


def test_network_plan_reports_every_problem_at_once():
    assert len(network_plan("10.0.0.1/16", "nowhere", ["a"], 3)["problems"]) == 3
