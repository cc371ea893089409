"""The local Kubernetes test bed: real control plane built from Go modules, kwok fake nodes.

Use ``from tools.testbed import testbed`` (ensure_up, stop, apply_nodes, status) and
``from tools.testbed import nodes`` (node-group -> Node objects).
"""
