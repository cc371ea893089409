"""The local Kubernetes test cluster: real control plane built from Go modules, kwok fake nodes.

Use ``from tools.testbed import testbed`` (ensure_up, stop, apply_nodes, status, api_client) and
``from tools.testbed import nodes`` (node groups of a scenario -> Node objects). The other modules:
``runtime`` (paths, binaries, processes, lock), ``cluster`` (API client, CRDs, applying nodes),
``lws_webhook`` (the LeaderWorkerSet controller and its admission webhooks).
"""
