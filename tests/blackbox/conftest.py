"""Fixtures: the SMTP and SMS sinks, the running server (one per test session, plus private ones
for tests that restart or reconfigure it) and project builders.

The server binary is $NIMBUS_BIN, else .build/debug/nimbus of this checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

import pytest

from harness import HttpSink, Mailbox, NimbusServer, SmsGateway, nimbus_binary
from world import Project


@pytest.fixture(scope="session")
def nimbus_bin() -> Path:
    path = nimbus_binary()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"nimbus binary not found at {path}: build it (swift build) or set NIMBUS_BIN", pytrace=False)
    return path


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def sms() -> Iterator[SmsGateway]:
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def http_sink() -> Iterator[HttpSink]:
    """A fresh HTTP receiver (webhooks)."""
    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def server_factory(nimbus_bin: Path, mailbox: Mailbox, sms: SmsGateway,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., NimbusServer]]:
    """Starts servers with their own data dir (or `database=URL`); each is stopped at the end of
    the session, and must then exit 0 within 10 s of SIGTERM."""
    servers: list[NimbusServer] = []

    def start(database: str | None = None) -> NimbusServer:
        data_dir = tmp_path_factory.mktemp("nimbus") / "data"
        server = NimbusServer(nimbus_bin, data_dir, database=database, mailbox=mailbox, sms=sms)
        servers.append(server)
        return server.start()

    yield start
    failures = []
    for server in servers:
        try:
            server.stop()
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n\n".join(failures)


@pytest.fixture(scope="session")
def server(server_factory: Callable[..., NimbusServer]) -> NimbusServer:
    """The shared server of the test session."""
    return server_factory()


@pytest.fixture
def private_server(nimbus_bin: Path, mailbox: Mailbox, sms: SmsGateway, tmp_path: Path) -> Iterator[NimbusServer]:
    """A server of this test alone, which the test may stop and start again."""
    server = NimbusServer(nimbus_bin, tmp_path / "data", mailbox=mailbox, sms=sms)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mode(server: NimbusServer):
    """An anonymous MODE client of the shared server."""
    return server.client()


@pytest.fixture
def make_project(server: NimbusServer) -> Callable[..., Project]:
    def make(accounts: str = "email", provisioning: str = "claim") -> Project:
        return Project(server, accounts, provisioning)

    return make


@pytest.fixture
def email_project(make_project: Callable[..., Project]) -> Project:
    return make_project("email")


@pytest.fixture
def phone_project(make_project: Callable[..., Project]) -> Project:
    return make_project("phone")


@pytest.fixture
def byou_project(make_project: Callable[..., Project]) -> Project:
    return make_project("byou")


@pytest.fixture
def ondemand_project(make_project: Callable[..., Project]) -> Project:
    return make_project("email", "on-demand")
