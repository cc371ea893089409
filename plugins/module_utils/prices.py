# -*- coding: utf-8 -*-
# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What serving costs: on-demand hourly prices and the cost of a benchmark sweep.

Prices (USD per hour, on-demand list prices, Linux, no discount, no Savings Plan, no spot):

- EC2 instance types: the price column of the collection's one instance-type table
  (``instance_types.py``, ``price_usd_per_hour``), region ``instance_types.PRICE_REGION`` as of
  ``instance_types.PRICE_DATE``, from the AWS Price List data (the EC2 On-Demand pricing page). This file
  keeps no second copy of those numbers; ``on_demand_usd_per_hour`` reads them from the table (every type
  the seeds run on has one: g4dn.xlarge, m6i.large, c5.2xlarge, g5.8xlarge, g5.12xlarge, inf2.48xlarge,
  p5.48xlarge).
- Services that are not instances (``SERVICE_USD_PER_HOUR``): the Amazon EKS control plane, $0.10 per
  cluster-hour under standard support (Amazon EKS pricing page), and one NAT gateway, $0.045 per hour
  before data processing (Amazon VPC pricing page), both in ``PRICE_REGION`` as of ``PRICE_DATE``.
  Data transfer, EBS volumes, load balancers and CloudWatch are not counted.

Cost of a sweep: the serving nodes (the node groups the model server runs on, ``[{instance_type, count}]``)
are paid for whether or not a replica uses them, so their $/hour is the same at every concurrency; the
cost of one million output tokens at a concurrency is that $/hour divided by the tokens produced in an
hour: ``usd_per_hour / (output_tokens_per_s * 3600) * 1e6``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.eks_llm.inference.plugins.module_utils import instance_types

# The region and date of every price used here (the instance-type table states the same two once).
PRICE_REGION = instance_types.PRICE_REGION
PRICE_DATE = instance_types.PRICE_DATE

# Hourly prices of what is not an EC2 instance (see the module docstring for the sources).
SERVICE_USD_PER_HOUR = {
    "eks_control_plane": 0.10,
    "nat_gateway": 0.045,
}


class PriceError(ValueError):
    """An instance type or node list the price table cannot answer for."""


def on_demand_usd_per_hour(instance_type):
    """On-demand USD/hour of one ``instance_type`` in PRICE_REGION as of PRICE_DATE."""
    try:
        price = instance_types.get(instance_type)["price_usd_per_hour"]
    except instance_types.UnknownInstanceType as exc:
        raise PriceError("no price for %s: %s" % (instance_type, exc))
    if price is None:
        raise PriceError(
            "no on-demand list price for %s in %s (AWS sells it through capacity blocks or reservations only)"
            % (instance_type, PRICE_REGION)
        )
    return price


def nodes_usd_per_hour(nodes):
    """(total USD/hour, [{instance_type, count, usd_per_hour_each, usd_per_hour}]) of ``[{instance_type, count}]``."""
    rows = []
    for index, node in enumerate(nodes or []):
        if not isinstance(node, dict) or "instance_type" not in node or "count" not in node:
            raise PriceError("nodes[%d] must be a dict with instance_type and count, got %r" % (index, node))
        count = int(node["count"])
        if count < 0:
            raise PriceError("nodes[%d].count must be >= 0, got %d" % (index, count))
        each = on_demand_usd_per_hour(node["instance_type"])
        rows.append(
            dict(instance_type=node["instance_type"], count=count, usd_per_hour_each=each, usd_per_hour=each * count)
        )
    return sum(row["usd_per_hour"] for row in rows), rows


def usd_per_million_output_tokens(usd_per_hour, output_tokens_per_s):
    """USD for one million output tokens at ``output_tokens_per_s``; None without throughput."""
    if output_tokens_per_s is None or output_tokens_per_s <= 0 or usd_per_hour is None:
        return None
    return usd_per_hour / (output_tokens_per_s * 3600.0) * 1e6


def scenario_usd_per_hour(node_groups, eks_clusters=1, nat_gateways=1):
    """USD/hour of a running scenario: its node groups at desired size, EKS control planes and NAT gateways.

    ``node_groups``: dicts with ``instance_type`` (or ``instance_types``, the first one counts) and
    ``desired_size``, as the scenario files write them.
    """
    nodes = []
    for group in node_groups:
        kind = group.get("instance_type") or (group.get("instance_types") or [None])[0]
        nodes.append(dict(instance_type=kind, count=group.get("desired_size", 0)))
    total, _rows = nodes_usd_per_hour(nodes)
    return (
        total
        + eks_clusters * SERVICE_USD_PER_HOUR["eks_control_plane"]
        + nat_gateways * SERVICE_USD_PER_HOUR["nat_gateway"]
    )


def sweep_cost(serving_nodes, records, max_concurrency_meeting_slo=None):
    """The ``cost`` block of results.json, or None when no serving nodes are given.

    ``{"price_region", "price_date", "serving_nodes": [...], "usd_per_hour", "per_concurrency":
    [{"concurrency", "output_token_throughput_tps", "usd_per_hour", "usd_per_million_output_tokens"}],
    "at_max_concurrency_meeting_slo": the entry of that concurrency or None}``.
    """
    if not serving_nodes:
        return None
    usd_per_hour, rows = nodes_usd_per_hour(serving_nodes)
    per_concurrency = []
    for record in records:
        tps = record.get("output_token_throughput_tps")
        per_concurrency.append(
            dict(
                concurrency=record.get("concurrency"),
                output_token_throughput_tps=tps,
                usd_per_hour=usd_per_hour,
                usd_per_million_output_tokens=usd_per_million_output_tokens(usd_per_hour, tps),
            )
        )
    at_slo = None
    if max_concurrency_meeting_slo is not None:
        at_slo = next((e for e in per_concurrency if e["concurrency"] == max_concurrency_meeting_slo), None)
    return dict(
        price_region=PRICE_REGION,
        price_date=PRICE_DATE,
        pricing="on-demand list price, Linux",
        serving_nodes=rows,
        usd_per_hour=usd_per_hour,
        per_concurrency=per_concurrency,
        at_max_concurrency_meeting_slo=at_slo,
    )
