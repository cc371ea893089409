"""Helpers shared by the Kubernetes integration tests."""

import time


def wait_for(predicate, timeout, interval=0.5, message="condition"):
    """Poll ``predicate`` until it returns a truthy value; return it, or fail after ``timeout``."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, message, last))


def fetched_if(fetch, accept):
    """A ``wait_for`` predicate: call ``fetch`` and return its result when ``accept(result)``, else None."""

    def predicate():
        value = fetch()
        return value if accept(value) else None

    return predicate


def node_group(name, instance_type, size, **extra):
    """A node group in the shape of the gpu_nodegroup role's ``gpu_nodegroup_node_groups`` items
    (min = max = desired = ``size``), for the test cluster's fake nodes."""
    return dict(name=name, instance_type=instance_type, min_size=size, max_size=size, desired_size=size, **extra)
