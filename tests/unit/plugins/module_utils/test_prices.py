"""On-demand prices and the cost of a sweep (plugins/module_utils/prices.py).

Expected prices are AWS's published on-demand list prices (Linux, us-east-1) and every cost is worked
out by hand in the comments.
"""

import os
import re

import pytest
import yaml

from ansible_collections.eks_llm.inference.plugins.module_utils import prices

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))

# AWS EC2 on-demand list prices, Linux, us-east-1 (USD per hour)
LIST_PRICES = {
    "g4dn.xlarge": 0.526,  # seed 000 GPU nodes
    "m6i.large": 0.096,  # seed 000 core nodes
    "c5.2xlarge": 0.34,  # seeds 001/003 CPU node (upstream)
    "g5.12xlarge": 5.672,  # seed 001 GPU nodes (upstream)
    "g5.8xlarge": 2.448,  # seed 004
    "inf2.48xlarge": 12.98127,  # seed 002
    "p5.48xlarge": 55.04,  # seed 003 (after the June 2025 P5 price reduction)
    "m5.xlarge": 0.192,
}


@pytest.mark.parametrize("instance_type", sorted(LIST_PRICES))
def test_every_seed_instance_type_has_its_list_price(instance_type):
    assert prices.on_demand_usd_per_hour(instance_type) == pytest.approx(LIST_PRICES[instance_type])


def test_region_and_date_are_named():
    assert prices.PRICE_REGION == "us-east-1"
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", prices.PRICE_DATE)


def test_unknown_type_and_bad_nodes_are_refused():
    with pytest.raises(prices.PriceError, match="no price for x9.huge"):
        prices.on_demand_usd_per_hour("x9.huge")
    with pytest.raises(prices.PriceError, match="instance_type and count"):
        prices.nodes_usd_per_hour([{"instance_type": "g4dn.xlarge"}])
    with pytest.raises(prices.PriceError, match=">= 0"):
        prices.nodes_usd_per_hour([{"instance_type": "g4dn.xlarge", "count": -1}])


def test_cost_per_million_output_tokens_by_hand():
    # 4 x g4dn.xlarge = 4 * 0.526 = $2.104/h.
    # 839.23 tok/s * 3600 s = 3,021,228 tokens/h; 2.104 / 3.021228 = $0.69641 per million output tokens.
    # 419.58 tok/s * 3600 = 1,510,488 tokens/h; 2.104 / 1.510488 = $1.39293 per million.
    records = [
        {"concurrency": 8, "output_token_throughput_tps": 419.58},
        {"concurrency": 16, "output_token_throughput_tps": 839.23},
        {"concurrency": 32, "output_token_throughput_tps": None},
    ]
    cost = prices.sweep_cost([{"instance_type": "g4dn.xlarge", "count": 4}], records, 16)
    assert cost["usd_per_hour"] == pytest.approx(2.104)
    per = dict((e["concurrency"], e["usd_per_million_output_tokens"]) for e in cost["per_concurrency"])
    assert per[8] == pytest.approx(1.39293, abs=1e-5)
    assert per[16] == pytest.approx(0.69641, abs=1e-5)
    assert per[32] is None
    assert cost["at_max_concurrency_meeting_slo"]["usd_per_million_output_tokens"] == pytest.approx(0.69641, abs=1e-5)
    assert cost["price_region"] == "us-east-1" and cost["serving_nodes"][0]["usd_per_hour_each"] == 0.526
    # two node types add up: 2 x p5.48xlarge + 1 x c5.2xlarge = 110.08 + 0.34 = $110.42/h
    total, _rows = prices.nodes_usd_per_hour(
        [{"instance_type": "p5.48xlarge", "count": 2}, {"instance_type": "c5.2xlarge", "count": 1}]
    )
    assert total == pytest.approx(110.42)
    assert prices.sweep_cost([], records) is None
    assert (
        prices.sweep_cost([{"instance_type": "g4dn.xlarge", "count": 4}], records)["at_max_concurrency_meeting_slo"]
        is None
    )


def test_docs_give_the_triton_vllm_hourly_cost_from_the_scenario_node_groups():
    # 4 x g4dn.xlarge (4 * 0.526 = 2.104) + 2 x m6i.large (2 * 0.096 = 0.192) + EKS control plane 0.10
    # + one NAT gateway 0.045 = $2.441 per hour
    with open(os.path.join(REPO, "group_vars", "scenario_triton_vllm.yml")) as handle:
        scenario = yaml.safe_load(handle)
    groups = [scenario["vpc_eks_core_node_group"]] + scenario["gpu_nodegroup_node_groups"]
    assert prices.scenario_usd_per_hour(groups) == pytest.approx(2.441)
    with open(os.path.join(REPO, "docs", "collection.md")) as handle:
        text = " ".join(handle.read().split())
    assert "| `triton_vllm` | 4 × g4dn.xlarge ($0.526/h each" in text and "| **$2.44 per hour** |" in text
    assert "%s on-demand list prices of %s" % (prices.PRICE_REGION, prices.PRICE_DATE) in text
