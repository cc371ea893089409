"""Fixtures for the AWS integration tests: moto in server mode (a test double for AWS)."""

import os

import pytest

from tests.support.moto_server import MotoServer


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    server = MotoServer(log_path=str(tmp_path_factory.mktemp("moto") / "moto.log"))
    server.start()
    print("\n[stand-in] %s at %s" % (MotoServer.description, server.url))
    yield server
    server.stop()


@pytest.fixture()
def aws(moto_server, monkeypatch):
    """A fresh moto account for one test; the process env points boto3 at it."""
    moto_server.reset()
    for key, value in moto_server.env().items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    return moto_server


@pytest.fixture()
def boto3_session(aws):
    import boto3

    return boto3.session.Session(region_name=os.environ["AWS_DEFAULT_REGION"])
