"""Shared helpers for the benchmark parser and module tests.

The real benchmark outputs and their independently computed ``expected.json`` live in the
shared fixtures (``../shared/fixtures/bench`` from the repository root); set
``EKS_LLM_BENCH_FIXTURES`` to read them from elsewhere. A missing fixtures directory fails the
tests instead of skipping them.
"""

import json
import math
import os

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BENCH_FIXTURES = os.environ.get(
    "EKS_LLM_BENCH_FIXTURES", os.path.join(os.path.dirname(REPO_ROOT), "shared", "fixtures", "bench")
)


def bench_cases():
    """Every fixture case: a directory holding ``expected.json`` (found by walking the tree)."""
    cases = []
    for root, dirs, files in os.walk(BENCH_FIXTURES):
        dirs.sort()
        if "expected.json" in files:
            cases.append(root)
    return cases


def load_expected(case_dir):
    with open(os.path.join(case_dir, "expected.json")) as handle:
        return json.load(handle)


def assert_record_matches(got, expected, rel=1e-6, abs_tol=0.0, where="record"):
    """Same keys in the same order; floats to ``rel``/``abs_tol``; strings and nulls exact."""
    if isinstance(expected, dict):
        assert isinstance(got, dict), "%s: expected an object, got %r" % (where, got)
        assert list(got) == list(expected), "%s: keys %s, expected %s" % (where, list(got), list(expected))
        for key in expected:
            assert_record_matches(got[key], expected[key], rel, abs_tol, "%s.%s" % (where, key))
    elif expected is None or isinstance(expected, (str, bool)):
        assert got == expected, "%s: got %r, expected %r" % (where, got, expected)
    else:
        assert got is not None, "%s: got null, expected %r" % (where, expected)
        assert not isinstance(got, bool), "%s: got boolean %r" % (where, got)
        assert math.isclose(got, expected, rel_tol=rel, abs_tol=abs_tol), "%s: got %r, expected %r" % (
            where,
            got,
            expected,
        )
        if isinstance(expected, int):
            assert isinstance(got, int), "%s: got %r, expected the whole number %r" % (where, got, expected)


def pytest_generate_tests(metafunc):
    """A test taking ``bench_case`` runs once per fixture case directory found."""
    if "bench_case" in metafunc.fixturenames:
        cases = bench_cases()
        metafunc.parametrize("bench_case", cases, ids=[os.path.relpath(c, BENCH_FIXTURES) for c in cases])


@pytest.fixture
def bench_fixtures():
    assert os.path.isdir(BENCH_FIXTURES), (
        "benchmark fixtures not found at %s (set EKS_LLM_BENCH_FIXTURES)" % BENCH_FIXTURES
    )
    return BENCH_FIXTURES


@pytest.fixture
def bench_case_dirs(bench_fixtures):
    return bench_cases()


@pytest.fixture
def record_matches():
    return assert_record_matches


@pytest.fixture
def expected_for():
    return load_expected
