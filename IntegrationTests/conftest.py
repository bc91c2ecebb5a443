"""Fixtures: the SMTP and SMS sinks, the running server (one per test session, plus private ones
for tests that restart or reconfigure it) and project builders.

The server binary is $NIMBUS_BIN, else .build/debug/nimbus of this checkout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from harness import HttpSink, Mailbox, NimbusServer, SmsGateway, nimbus_binary
from mqtt import Broker, MosquittoBroker, NimbusBroker, close_all_clients, target
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

    def start(database: str | None = None, extra_args: list[str] | tuple[str, ...] = (),
              started: bool = True, production_limits: bool = False) -> NimbusServer:
        """`extra_args` go after the usual `serve` flags; with `started=False` the caller may run
        the admin CLI on the data dir first and calls `server.start()` itself. `production_limits`
        keeps the per-address limits at their defaults (see `NimbusServer.LOOPBACK_LIMITS`)."""
        data_dir = tmp_path_factory.mktemp("nimbus") / "data"
        server = NimbusServer(nimbus_bin, data_dir, database=database, mailbox=mailbox, sms=sms,
                              extra_args=extra_args, production_limits=production_limits)
        servers.append(server)
        if not started:
            data_dir.mkdir(parents=True, exist_ok=True)
            return server
        return server.start()

    yield start
    failures = []
    for server in servers:
        try:
            server.stop()
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n\n".join(failures)


# Every test of the session calls the shared server from 127.0.0.1: its limits per client address
# (failed sign-ins, messages asked for) would otherwise count the whole suite as one attacker. The
# per-account and per-target limits keep their defaults; the hardening tests check the address
# limits on servers of their own.
SHARED_SERVER_ARGS = ["--sign-in-max-failures-per-address", "1000000", "--message-limit-per-address", "1000000"]


@pytest.fixture(scope="session")
def server(server_factory: Callable[..., NimbusServer]) -> NimbusServer:
    """The shared server of the test session."""
    return server_factory(extra_args=SHARED_SERVER_ARGS)


@pytest.fixture
def private_server(nimbus_bin: Path, mailbox: Mailbox, sms: SmsGateway, tmp_path: Path) -> Iterator[NimbusServer]:
    """A server of this test alone, which the test may stop and start again."""
    server = NimbusServer(nimbus_bin, tmp_path / "data", mailbox=mailbox, sms=sms)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cayenne_server(server_factory: Callable[..., NimbusServer]) -> NimbusServer:
    """The server of the Cayenne tests (test_cayenne_*.py). Failed sign-ins are counted per client
    address, and every test signs in from 127.0.0.1, so those tests keep to a server of their own."""
    return server_factory()


@pytest.fixture
def cayenne(cayenne_server: NimbusServer):
    """A new project with email accounts on the Cayenne server, seen through /cayenne. Tests using
    it never fail a sign-in: the address's count of failures would slow down or lock out the rest."""
    from cayenne import Cayenne
    return Cayenne(cayenne_server)


@pytest.fixture
def app(cayenne):
    """A Cayenne app (with sign-up) of the `cayenne` fixture's project; a module may give `cayenne` its own server."""
    return cayenne.app()


@pytest.fixture
def account(cayenne, app):
    """A signed-up Cayenne account owner with an access token (`cayenne.Account`)."""
    from cayenne import Account
    return Account(cayenne, app)


@pytest.fixture
def cayenne_alone(server_factory: Callable[..., NimbusServer]):
    """Like `cayenne`, on a server of this test alone, for tests that fail sign-ins on purpose."""
    from cayenne import Cayenne
    return Cayenne(server_factory())


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


# --------------------------------------------------------------------------------------------
# MQTT (test_mqtt_*.py). NIMBUS_MQTT_TEST_AGAINST=mosquitto runs the generic-broker tests against
# a local Mosquitto instead of Nimbus (see mqtt.py); Nimbus is the default.


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "nimbus_only: Nimbus-specific MQTT behaviour (API keys, project "
                                       "tenancy, anonymous project); skipped with NIMBUS_MQTT_TEST_AGAINST=mosquitto")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if target() != "mosquitto":
        return
    generic = {"broker", "private_broker"}  # the fixtures that hand out either broker
    for item in items:
        if item.get_closest_marker("nimbus_only"):
            item.add_marker(pytest.mark.skip(reason="Nimbus-specific; not run against mosquitto"))
        elif not generic & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.skip(reason="NIMBUS_MQTT_TEST_AGAINST=mosquitto runs only the "
                                                    "generic MQTT broker tests"))


@pytest.fixture(autouse=True)
def _close_mqtt_clients() -> Iterator[None]:
    """Closes paho clients a test left open, so their network threads end with the test."""
    yield
    close_all_clients()


@dataclass
class TlsFiles:
    ca: Path
    cert: Path  # server certificate chain for 127.0.0.1 and localhost
    key: Path


@pytest.fixture(scope="session")
def mqtt_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    import trustme
    directory = tmp_path_factory.mktemp("mqtt-tls")
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    files = TlsFiles(directory / "ca.pem", directory / "server-chain.pem", directory / "server-key.pem")
    ca.cert_pem.write_to_path(str(files.ca))
    files.cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    issued.private_key_pem.write_to_path(str(files.key))
    return files


@dataclass
class NimbusMqtt:
    """The Nimbus server the MQTT tests share: TLS on `tls_port` and `--mqtt-anonymous-project`
    set to `anonymous_project`."""
    server: NimbusServer
    tls_port: int
    tls: TlsFiles
    anonymous_project: Project

    def tenant(self, project: Project | None = None, credentials: bool = True) -> NimbusBroker:
        """A project's view of the broker (a new project unless one is given)."""
        return NimbusBroker(self.server, project or Project(self.server), credentials=credentials,
                            tls_port=self.tls_port, ca_file=self.tls.ca)


@pytest.fixture(scope="session")
def nimbus_mqtt(request: pytest.FixtureRequest, mqtt_tls: TlsFiles) -> NimbusMqtt:
    from harness import free_port
    factory = request.getfixturevalue("server_factory")
    tls_port = free_port()
    server = factory(extra_args=["--mqtts-port", str(tls_port), "--tls-cert", str(mqtt_tls.cert),
                                 "--tls-key", str(mqtt_tls.key)], started=False)
    anonymous = Project(server)  # made with the CLI before the server starts, so the flag can name it
    server.extra_args += ["--mqtt-anonymous-project", str(anonymous.id)]
    server.start()
    return NimbusMqtt(server, tls_port, mqtt_tls, anonymous)


@pytest.fixture(scope="session")
def broker(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           mqtt_tls: TlsFiles) -> Iterator[Broker]:
    """The broker the generic MQTT tests share, as one tenant with credentials. Tests isolate
    themselves with unique topics (mqtt.unique_topic), as they would on any shared broker."""
    if target() == "mosquitto":
        mosquitto = MosquittoBroker(tmp_path_factory.mktemp("mosquitto"), tls_cert=mqtt_tls.cert,
                                    tls_key=mqtt_tls.key, ca_file=mqtt_tls.ca)
        mosquitto.start()
        yield mosquitto
        mosquitto.close()
    else:
        yield request.getfixturevalue("nimbus_mqtt").tenant()


@pytest.fixture
def private_broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Broker]:
    """A broker of this test alone, which it may restart or kill; persistence on."""
    if target() == "mosquitto":
        mosquitto = MosquittoBroker(tmp_path / "mosquitto")
        mosquitto.start()
        yield mosquitto
        mosquitto.kill()
        mosquitto.bridge.stop()
    else:
        nimbus_bin = request.getfixturevalue("nimbus_bin")
        server = NimbusServer(nimbus_bin, tmp_path / "data")
        server.data_dir.mkdir(parents=True, exist_ok=True)
        project = Project(server)
        server.start()
        yield NimbusBroker(server, project)
        server.stop()
