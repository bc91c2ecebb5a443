"""Hardening, HTTP (issue 11, defect 2): slow, idle, oversized and malformed connections.

Half-open connections, idle keep-alive connections and malformed requests used to stay open for ever:
about 20,000 partial requests (a slowloris) took every file descriptor, and then `/health` and MQTT
CONNECTs timed out for everyone. Now a request head must be complete within `--http-head-timeout`
(else `408` and close), an idle keep-alive connection is closed after `--http-idle-timeout`, a too
large head gets `431` and a malformed one `400`, both closed, and HTTP connections are limited per
source address and in total as they are accepted. WebSockets count as connections but are not cut by
the idle timeout.

The attackers bind their sockets to other loopback addresses (127.0.0.2 and up), so the per-address
limit can be told apart from the legitimate client on 127.0.0.1. Each attack is bounded in count and time.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness import NimbusServer, expect, open_from
from mqtt import NimbusBroker
from world import Project, open_user_ws

PER_ADDRESS = 20
TOTAL = 120
HEAD_TIMEOUT = 2
IDLE_TIMEOUT = 2
HEAD_SIZE = 4096


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """Whether the server closes `sock` (EOF or reset) within `timeout`; data before the close is read past."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            return False
        except (ConnectionResetError, ConnectionAbortedError):
            return True
    return False


def answer_then_close(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Everything the server sends until it closes the connection; fails if it does not close in time."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"the server did not close the connection within {timeout} s; got {data[:200]!r}"
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), f"no HTTP answer: {answer[:200]!r}"
    return int(answer.split(b" ", 2)[1])


def health(server: NimbusServer) -> None:
    resp = requests.get(server.base_url + "/health", timeout=5)
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def limited(nimbus_bin: Path, mailbox, sms, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NimbusServer]:
    """A server with small HTTP limits and the per-address limit in force (not lifted for loopback)."""
    server = NimbusServer(
        nimbus_bin, tmp_path_factory.mktemp("http") / "data", mailbox=mailbox, sms=sms, production_limits=True,
        extra_args=["--http-max-connections-per-address", PER_ADDRESS, "--http-max-connections", TOTAL,
                    "--http-head-timeout", HEAD_TIMEOUT, "--http-idle-timeout", IDLE_TIMEOUT,
                    "--http-max-head-size", HEAD_SIZE])
    server.start()
    yield server
    server.stop()


def attack(sources: list[str], port: int, count: int) -> list[socket.socket]:
    """`count` connections spread over `sources`, each sending the start of a request head and no more."""
    held = []
    for i in range(count):
        sock = open_from(sources[i % len(sources)], port)
        if sock is None:
            continue
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        except OSError:
            sock.close()
            continue
        held.append(sock)
    return held


def still_open(socks: list[socket.socket]) -> int:
    return sum(not closed_by_server(s, 0.01) for s in socks)


def keep_open(socks: list[socket.socket]) -> list[socket.socket]:
    """The sockets the server keeps open; those it closed are closed here too. The attack's ~1,000 sockets would
    otherwise push this process's next descriptors past 1,023, where paho's `select()` cannot watch them (the
    legitimate MQTT client below then never reads its CONNACK, though it is in its socket's queue)."""
    kept = []
    for sock in socks:
        if closed_by_server(sock, 0.01):
            sock.close()
        else:
            kept.append(sock)
    return kept


def test_slowloris_from_one_address_leaves_everyone_else_served(limited: NimbusServer):
    project = Project(limited)
    user = project.new_user()
    broker = NimbusBroker(limited, project)
    sockets_before, rss_before = limited.open_sockets(), limited.rss_mb()

    held = attack(["127.0.0.2"], limited.http_port, 1000)
    try:
        time.sleep(0.5)
        # Past the per-address limit the server closed the attacker's connections at once.
        held = keep_open(held)
        assert len(held) <= PER_ADDRESS, "one address holds more connections than the per-address limit"
        sockets_during = limited.open_sockets()
        assert sockets_during <= sockets_before + PER_ADDRESS + 10, (sockets_before, sockets_during)

        # Everyone else is served meanwhile: /health, a real request, an MQTT CONNECT.
        started = time.monotonic()
        health(limited)
        home = project.new_home(user, "during the attack")
        assert expect(user.client.get(f"/homes/{home}"), 200)["name"] == "during the attack"
        client = broker.connect()
        client.disconnect()
        assert time.monotonic() - started < 5, "legitimate clients were slowed down"
        assert limited.rss_mb() < rss_before + 50, "the attack made the server hold memory"
    finally:
        for sock in held:
            sock.close()


def test_slowloris_from_many_addresses_stops_at_the_total_limit(limited: NimbusServer):
    project = Project(limited)
    broker = NimbusBroker(limited, project)
    sockets_before = limited.open_sockets()
    sources = [f"127.0.0.{i}" for i in range(10, 20)]  # 10 addresses x 30 connections, past the total of 120
    held = attack(sources, limited.http_port, 300)
    try:
        time.sleep(0.5)
        assert still_open(held) <= TOTAL
        assert limited.open_sockets() <= sockets_before + TOTAL + 10
        # HTTP is full, but MQTT keeps its descriptors.
        client = broker.connect()
        client.disconnect()
    finally:
        for sock in held:
            sock.close()
    # Once the attackers leave, HTTP is served again.
    deadline = time.monotonic() + 5
    while True:
        try:
            return health(limited)
        except (requests.RequestException, AssertionError):
            assert time.monotonic() < deadline, "HTTP not served again after the attack"
            time.sleep(0.2)


def test_a_slow_head_gets_408_and_a_silent_connection_is_closed(limited: NimbusServer):
    slow = open_from("127.0.0.3", limited.http_port)
    silent = open_from("127.0.0.3", limited.http_port)
    assert slow and silent
    started = time.monotonic()
    slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    time.sleep(0.5)
    slow.sendall(b"X-Trickle: 1\r\n")  # still coming, but too slowly
    answer = answer_then_close(slow, HEAD_TIMEOUT + 3)
    assert status_of(answer) == 408 and b"connection: close" in answer.lower(), answer
    assert HEAD_TIMEOUT - 0.5 <= time.monotonic() - started <= HEAD_TIMEOUT + 2
    assert answer_then_close(silent, HEAD_TIMEOUT + 3) == b"", "a connection that sent nothing is closed quietly"


def test_an_idle_keep_alive_connection_is_closed_and_a_busy_one_is_not(limited: NimbusServer):
    sock = open_from("127.0.0.4", limited.http_port)
    assert sock
    for _ in range(3):  # requests closer together than the idle timeout keep the connection
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        answer = b""
        while not answer.endswith(b'"ok"}'):
            chunk = sock.recv(65536)
            assert chunk, f"the kept-alive connection closed after {answer!r}"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer
        time.sleep(IDLE_TIMEOUT / 2)
    started = time.monotonic()
    assert closed_by_server(sock, IDLE_TIMEOUT + 3), "an idle keep-alive connection stays open"
    assert time.monotonic() - started <= IDLE_TIMEOUT + 2


def test_a_stalled_request_body_is_closed(limited: NimbusServer):
    sock = open_from("127.0.0.4", limited.http_port)
    assert sock
    sock.sendall(b"POST /mode/homes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{\"name\":")
    assert closed_by_server(sock, IDLE_TIMEOUT + 3), "a request whose body stopped keeps its connection"


def test_an_open_websocket_outlives_the_idle_timeout(limited: NimbusServer):
    project = Project(limited)
    user = project.new_user()
    with open_user_ws(limited, user) as ws:
        time.sleep(IDLE_TIMEOUT * 2 + 1)
        assert ws.ping(b"still here") == b"still here"


def test_an_oversized_head_gets_431_and_a_malformed_one_400(limited: NimbusServer):
    big = open_from("127.0.0.5", limited.http_port)
    assert big
    big.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (HEAD_SIZE * 2) + b"\r\n\r\n")
    answer = answer_then_close(big)
    assert status_of(answer) == 431 and b"connection: close" in answer.lower(), answer

    long_url = open_from("127.0.0.5", limited.http_port)
    assert long_url
    long_url.sendall(b"GET /health?" + b"q" * (HEAD_SIZE * 2) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(answer_then_close(long_url)) == 431

    for garbage in [b"\x00\x01\x02 nonsense\r\n\r\n", b"GET /health HTTP/1.1\r\nBad Header Line\r\n\r\n",
                    b"GET /health HTTP/9.Z\r\n\r\n"]:
        bad = open_from("127.0.0.5", limited.http_port)
        assert bad
        bad.sendall(garbage)
        answer = answer_then_close(bad)
        assert status_of(answer) == 400 and b"connection: close" in answer.lower(), (garbage, answer)

    # A head within the limit is still served.
    fine = open_from("127.0.0.5", limited.http_port)
    assert fine
    fine.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Ok: " + b"a" * (HEAD_SIZE // 2) + b"\r\n\r\n")
    assert status_of(answer_then_close(fine)) == 200


def test_half_sent_heads_do_not_hold_a_graceful_shutdown(private_server: NimbusServer):
    silent = open_from("127.0.0.6", private_server.http_port)
    partial = open_from("127.0.0.6", private_server.http_port)
    assert silent and partial
    partial.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    health(private_server)
    started = time.monotonic()
    private_server.stop(timeout=5)  # SIGTERM; exit 0 asserted (the default head timeout is far longer)
    assert time.monotonic() - started < 3
    assert closed_by_server(partial, 1) and closed_by_server(silent, 1)
