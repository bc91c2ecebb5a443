"""Hardening, MQTT (issue 11): connection floods and clients that never authenticate.

- Defect 3: new connections are paced per source address, so one address opening thousands of
  connections a second without sending CONNECT cannot lock everyone else out; a connection that sends
  nothing is closed after the connect timeout.
- Defect 4: before authentication only a small CONNECT is read, and the connections not yet authenticated
  are bounded per address and in total, so clients without credentials cannot make the server hold memory.

The attackers bind their sockets to other loopback addresses (127.0.0.2 and up) so that the per-address
limits can be told apart from the legitimate client on 127.0.0.1. Each attack is bounded in count and time.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from harness import open_from
from mqtt import CONNACK, V5, Broker, ConnectionClosed, connect_packet, unique_client_id, varint
from world import Project

pytestmark = pytest.mark.nimbus_only


def is_open(sock: socket.socket) -> bool:
    """Whether the server still holds the connection (it has neither closed nor reset it)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def legitimate_connects(project: Project, count: int) -> list[int]:
    """`count` MQTT 5 CONNECTs of a project-key client from 127.0.0.1, one after the other: their CONNACK
    reason codes, -1 for a connection closed without one. Raw sockets rather than paho, whose select() loop
    cannot watch a socket numbered past 1024 while a test holds thousands open."""
    key = project.key("mqtt").key
    codes = []
    for _ in range(count):
        with Broker(project.server.mqtt_port).raw() as raw:
            raw.send(connect_packet(unique_client_id("legit"), version=V5, username="apikey", password=key))
            try:
                codes.append(raw.expect(CONNACK).connack()[1])
            except ConnectionClosed:
                codes.append(-1)
        time.sleep(0.1)
    return codes


def test_one_address_flooding_connections_does_not_lock_others_out(server_factory):
    # The total rate is lowered to 200/s so that the attack outruns it on any machine (the issue saw 3,600
    # connections/s spend the default 1,000/s); the per-address rate keeps its default of 50/s.
    server = server_factory(extra_args=["--mqtt-connection-rate", "200"], production_limits=True)
    project = Project(server)
    stop = threading.Event()
    opened = [0, 0, 0]

    def flood(worker: int) -> None:
        held: list[socket.socket] = []
        deadline = time.monotonic() + 4.0
        while not stop.is_set() and time.monotonic() < deadline and len(held) < 100_000:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.2", 0))
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", server.mqtt_port))
            held.append(sock)
            opened[worker] += 1
            if len(held) > 800:
                held.pop(0).close()
        for sock in held:
            sock.close()

    # Three threads, each holding at most 800 sockets, open connections as fast as they can.
    attackers = [threading.Thread(target=flood, args=(worker,)) for worker in range(3)]
    for attacker in attackers:
        attacker.start()
    try:
        time.sleep(0.5)
        codes = legitimate_connects(project, 10)
    finally:
        stop.set()
        for attacker in attackers:
            attacker.join()
    assert sum(opened) > 1000, f"the attack opened only {sum(opened)} connections"
    assert codes == [0] * 10, f"legitimate CONNECTs refused during the flood: {[hex(c) for c in codes]}"


def test_a_connection_that_sends_nothing_is_closed_after_the_connect_timeout(server_factory):
    server = server_factory(extra_args=["--mqtt-connect-timeout", "2"], production_limits=True)
    with Broker(server.mqtt_port).raw() as silent:
        took = silent.closed_within(6.0)
    assert took is not None, "a silent connection was kept open"
    assert 1.5 <= took <= 4.0, took


def test_the_default_connect_timeout_is_short(server_factory):
    server = server_factory(production_limits=True)
    with Broker(server.mqtt_port).raw() as silent:
        took = silent.closed_within(9.0)
    assert took is not None and took <= 7.0, took


def partial_connect(claimed_length: int, body: int) -> bytes:
    """A CONNECT fixed header claiming `claimed_length` bytes of body, and the first `body` of them."""
    variable = b"\x00\x04MQTT\x04\x02\x00\x00"
    return b"\x10" + varint(claimed_length) + (variable + b"\x00" * body)[:body]


def test_clients_without_credentials_cannot_make_the_server_hold_memory(server_factory):
    server = server_factory(production_limits=True)
    project = Project(server)
    assert legitimate_connects(project, 1) == [0]
    before = server.rss_mb()

    # 40 addresses x 50 connections, each holding a partial CONNECT just under the 8 KiB limit.
    held: list[socket.socket] = []
    try:
        for address in range(2, 42):
            for _ in range(50):
                sock = open_from(f"127.0.0.{address}", server.mqtt_port)
                if sock is None:
                    continue
                try:
                    sock.sendall(partial_connect(8000, 4000))
                except OSError:
                    sock.close()
                    continue
                held.append(sock)
        time.sleep(0.5)
        during = server.rss_mb()
        assert legitimate_connects(project, 3) == [0, 0, 0]
        assert during - before < 150, f"RSS grew from {before:.0f} to {during:.0f} MB"
    finally:
        for sock in held:
            sock.close()

    # 20 addresses x 10 connections, each sending half of a CONNECT that claims 1 MB: refused from the
    # fixed header, before the body is buffered (the issue saw 2,000 of these take 2.3 GB).
    big: list[socket.socket] = []
    try:
        for address in range(42, 62):
            for _ in range(10):
                sock = open_from(f"127.0.0.{address}", server.mqtt_port)
                assert sock is not None
                big.append(sock)
                try:
                    sock.sendall(partial_connect(1_000_000, 512 * 1024))
                except OSError:
                    pass  # closed by the server while we were still sending: refused
        time.sleep(1.0)
        kept = sum(1 for sock in big if is_open(sock))
        after = server.rss_mb()
        assert kept == 0, f"{kept} connections with an oversized CONNECT are still open"
        assert after - before < 150, f"RSS grew from {before:.0f} to {after:.0f} MB"
    finally:
        for sock in big:
            sock.close()


def test_one_address_cannot_take_every_unauthenticated_slot(server_factory):
    server = server_factory(extra_args=["--mqtt-max-unauthenticated-per-address", "20",
                                        "--mqtt-connection-rate-per-address", "1000"])
    project = Project(server)
    held = [sock for sock in (open_from("127.0.0.2", server.mqtt_port) for _ in range(60)) if sock is not None]
    try:
        time.sleep(0.5)
        still_open = sum(1 for sock in held if is_open(sock))
        assert still_open <= 21, f"{still_open} silent connections from one address were kept"
        assert legitimate_connects(project, 3) == [0, 0, 0]
    finally:
        for sock in held:
            sock.close()
