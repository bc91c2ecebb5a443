"""MQTT robustness: packets over the maximum size (announced or real), a seeded fuzz of malformed
connections, a slow subscriber that never reads next to a fast one, acknowledged retained messages
surviving SIGTERM or kill -9 in the middle of a QoS 1 storm, and what clients see of a graceful
shutdown. After each, a well-behaved client must still work. Runs against Nimbus, or Mosquitto with
NIMBUS_MQTT_TEST_AGAINST=mosquitto."""

from __future__ import annotations

import random
import socket
import struct
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mqtt import (CONNACK, DISCONNECT_TYPE, P_SESSION_EXPIRY, PINGREQ, SUBACK, V5, V31, V311, Broker,
                  collect_retained, connect_packet, packet, prop, publish_packet, qos1_storm_then_stop,
                  subscribe_packet, unique_client_id, unique_topic, utf8, varint)

MAX_REMAINING_LENGTH = 268_435_455  # the largest Variable Byte Integer: 0xFF 0xFF 0xFF 0x7F


def assert_still_serving(broker: Broker, witness=None) -> None:
    """The server is up, and a message goes from a new client to a (new or existing) subscriber."""
    assert broker.alive(), f"the broker is not alive\n{broker.log_tail()}"
    topic = unique_topic("alive")
    sub = broker.connect(V311)
    sub.subscribe(topic, qos=1)
    broker.connect(V5).publish(topic, "still serving", qos=1, timeout=5)
    sub.expect(topic, "still serving", timeout=5)
    sub.close()
    if witness is not None:
        assert witness.connected, "an innocent connection was dropped"
        witness_topic = unique_topic("witness")
        witness.subscribe(witness_topic, qos=1)
        witness.publish(witness_topic, "me too", qos=1)
        witness.expect(witness_topic, "me too", timeout=5)


def closes_with(conn, timeout: float = 3.0) -> list:
    """Asserts the server closes the connection within `timeout`; returns the packets it sent."""
    elapsed, packets = conn.packets_until_closed(timeout)
    assert elapsed is not None, f"connection still open after {timeout} s (got {packets})"
    return packets


# ------------------------------------------------------------------------------------------------
# Maximum packet size


@pytest.mark.parametrize("version", [V311, V5], ids=["v311", "v5"])
def test_huge_remaining_length_closes_connection(broker, version):
    """A fixed header announcing 256 MiB closes the connection at once (the server must not wait
    for, or buffer, the body), before or after CONNECT; other clients are not affected."""
    witness = broker.connect(V5)
    # After CONNECT: a PUBLISH header with the largest remaining length and a few body bytes.
    conn, _ = broker.raw_connected(version)
    conn.send(b"\x30" + varint(MAX_REMAINING_LENGTH) + utf8("t") + b"x" * 100)
    packets = closes_with(conn)
    assert all(p.body[:1] == b"\x95" for p in packets if p.type == DISCONNECT_TYPE), packets  # Packet too large
    # As the very first packet: a CONNECT header announcing 256 MiB.
    with broker.raw() as first:
        first.send(b"\x10" + varint(MAX_REMAINING_LENGTH) + utf8("MQTT") + bytes([version, 0x02]))
        packets = closes_with(first)
        assert not [p for p in packets if p.type == CONNACK and p.body[1:2] == b"\x00"], packets
    # Just over the limit the server announces (1 MiB unless an MQTT 5 CONNACK says otherwise).
    limit = broker.max_packet_size()
    conn, _ = broker.raw_connected(version)
    conn.send(b"\x30" + varint(limit + 1) + utf8("t") + b"x" * 100)
    closes_with(conn)
    assert_still_serving(broker, witness)


def test_packet_over_the_maximum_size_closes_connection(broker):
    """A real PUBLISH larger than the limit closes the connection and is not delivered; one well
    under the limit is delivered."""
    limit = broker.max_packet_size()
    topic = unique_topic()
    sub = broker.connect(V311)
    sub.subscribe(f"{topic}/#", qos=1)
    pub = broker.connect(V311)
    big_but_fine = b"b" * min(256 * 1024, limit // 2)
    pub.publish(f"{topic}/fine", big_but_fine, qos=1)
    assert sub.expect(f"{topic}/fine", timeout=5).payload == big_but_fine

    conn, _ = broker.raw_connected(V5)
    conn.send(publish_packet(f"{topic}/too-big", b"x" * (limit + 1024), qos=1, packet_id=1, version=V5))
    packets = closes_with(conn, 5)
    assert not [p for p in packets if p.type == 4], f"oversized PUBLISH was acknowledged: {packets}"
    sub.expect_none(0.3)
    assert_still_serving(broker, sub)


# ------------------------------------------------------------------------------------------------
# Fuzz


def _fuzz_cases(rng: random.Random, topic: str, broker: Broker) -> list[tuple[str, bytes, bool]]:
    """(name, bytes, must the server close the connection) cases: a fixed set of protocol
    violations whose answer is certain, then random ones. Cases named "CONNECT then ..." start
    with an accepted CONNECT (with credentials), so what follows it is what gets them closed."""

    def ok_connect(version: int = V311) -> bytes:
        return connect_packet(unique_client_id("fz"), version=version, username=broker.username,
                              password=broker.password)

    cases: list[tuple[str, bytes, bool]] = [
        ("reserved packet type 0", b"\x00\x00", True),
        ("reserved packet type 15 before CONNECT", b"\xf0\x00", True),
        ("PUBLISH before CONNECT", publish_packet(f"{topic}/x", b"sneaky"), True),
        ("SUBSCRIBE before CONNECT", subscribe_packet(1, [("#", 0)]), True),
        ("PINGREQ before CONNECT", PINGREQ, True),
        ("five-byte remaining length", b"\x10\xff\xff\xff\xff\x01", True),
        ("unknown protocol name", packet(0x10, utf8("HTTP") + bytes([4, 2, 0, 0]) + utf8("x")), True),
        ("CONNECT with reserved flag", packet(0x10, utf8("MQTT") + bytes([4, 0x03, 0, 0]) + utf8("x")), True),
        ("CONNECT with bad fixed-header flags", b"\x11" + ok_connect()[1:], True),
        ("HTTP request", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", True),
        ("TLS client hello on the plain port", bytes.fromhex("160301002a010000260303") + bytes(32), True),
        ("oversized remaining length before CONNECT", b"\x10" + varint(MAX_REMAINING_LENGTH), True),
        ("CONNECT then huge PUBLISH header", ok_connect() + b"\x30" + varint(MAX_REMAINING_LENGTH), True),
        ("second CONNECT", ok_connect() + ok_connect(), True),
        ("CONNECT then reserved type 0", ok_connect() + b"\x00\x00", True),
        ("CONNECT then PUBLISH QoS 3", ok_connect() + b"\x36" + publish_packet("a", b"b")[1:], True),
        ("CONNECT then SUBSCRIBE with bad flags", ok_connect() + b"\x80" + subscribe_packet(1, [("a", 0)])[1:], True),
        ("CONNECT then SUBSCRIBE without filters", ok_connect() + packet(0x82, b"\x00\x01"), True),
        ("CONNECT then invalid UTF-8 topic", ok_connect() + packet(0x30, b"\x00\x02\xc3\x28payload"), True),
        ("CONNECT then topic with NUL", ok_connect() + packet(0x30, utf8("a\x00b") + b"p"), True),
        ("MQTT 5 CONNECT then bad property", ok_connect(V5) + packet(0x30, utf8("a") + b"\x02\x7f\x00p"), True),
    ]
    valid = [ok_connect(V311), ok_connect(V5), connect_packet(unique_client_id("fz"), version=V31),  # anonymous
             publish_packet(f"{topic}/fuzz", b"p" * 20, qos=1, packet_id=5), subscribe_packet(2, [(f"{topic}/#", 1)])]
    for i in range(120):
        kind = rng.randrange(5)
        if kind == 0:
            data = rng.randbytes(rng.randrange(1, 600))
        elif kind == 1:  # a valid packet cut short
            whole = rng.choice(valid)
            data = whole[:rng.randrange(1, len(whole))]
        elif kind == 2:  # CONNECT, then garbage
            data = ok_connect(rng.choice([V311, V5])) + rng.randbytes(rng.randrange(1, 300))
        elif kind == 3:  # a random packet type with a huge announced length
            data = bytes([rng.randrange(256)]) + varint(rng.randrange(2**21, MAX_REMAINING_LENGTH + 1))
        else:  # a valid packet with some bytes flipped
            data = bytearray(b"".join(valid[:2]))
            for _ in range(rng.randrange(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data)
        cases.append((f"random case {i} (kind {kind})", data, False))
    return cases


def _run_fuzz_case(broker: Broker, name: str, data: bytes, must_close: bool, reset: bool) -> str | None:
    """Sends one case; returns a failure description or None."""
    try:
        conn = broker.raw(timeout=5)
    except OSError as e:
        return f"{name}: could not connect: {e}"
    try:
        conn.send(data)
        if must_close:
            elapsed, packets = conn.packets_until_closed(3)
            if elapsed is None:
                return f"{name}: connection still open after 3 s (got {packets})"
            accepted = any(p.type == CONNACK and p.body[1:2] == b"\x00" for p in packets)
            if accepted != name.startswith(("CONNECT then", "second CONNECT", "MQTT 5 CONNECT then")):
                return f"{name}: CONNACK {'accepted' if accepted else 'missing'}: {packets}"
        else:
            conn.packets_until_closed(0.05)
        if reset:  # abortive close (RST), as a crashing client would
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        conn.close()
    return None


def test_fuzzed_connections_do_not_hurt_the_broker(broker):
    rng = random.Random(0x4D515454)  # seeded: the same cases every run
    topic = unique_topic("fuzz")
    witness = broker.connect(V5)
    witness.subscribe(f"{topic}/#", qos=1)
    cases = _fuzz_cases(rng, topic, broker)
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(_run_fuzz_case, broker, name, data, must_close, rng.random() < 0.3)
                   for name, data, must_close in cases]
        failures = [f for f in (future.result(timeout=60) for future in futures) if f]
    assert not failures, "\n".join(failures)
    # Nothing a fuzz case "published" before CONNECT went anywhere.
    assert not [m for m in witness.take_all() if m.payload == b"sneaky"]
    assert_still_serving(broker, witness)


# ------------------------------------------------------------------------------------------------
# A slow subscriber


def test_slow_subscriber_does_not_hold_up_a_fast_one(broker):
    """A raw subscriber with a 4 KiB receive buffer that never reads, subscribed to the same
    flood as a fast paho subscriber: the fast one gets all of it promptly, and the broker keeps
    serving others meanwhile. (The broker may disconnect the slow one or drop its QoS 0 messages.)"""
    topic = unique_topic("flood")
    slow, _ = broker.raw_connected(V311, rcvbuf=4096)
    slow.send(subscribe_packet(1, [(f"{topic}/#", 0)]))
    slow.expect(SUBACK)
    fast = broker.connect(V311)
    fast.subscribe(f"{topic}/#", qos=0)
    pub = broker.connect(V311)
    count, payload = 2000, b"f" * 8192  # 16 MiB: far more than the socket buffers toward `slow`
    started = time.monotonic()
    for i in range(count):
        pub.publish(f"{topic}/data", struct.pack("!I", i) + payload, qos=0)
    pub.publish(f"{topic}/data", b"end", qos=1, timeout=20)
    got = fast.wait_count(count + 1, timeout=20)
    elapsed = time.monotonic() - started
    assert [struct.unpack("!I", m.payload[:4])[0] for m in got[:count]] == list(range(count))
    assert elapsed < 15, f"the fast subscriber needed {elapsed:.1f} s for the flood"
    # Still responsive to others while `slow` is stuck.
    probe_started = time.monotonic()
    assert_still_serving(broker)
    assert time.monotonic() - probe_started < 3
    slow.close()


# ------------------------------------------------------------------------------------------------
# Durability: acknowledged retained messages survive SIGTERM and kill -9


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_acknowledged_retained_messages_survive_stop(private_broker, how):
    """Four publishers send QoS 1 retained messages, each to its own topic (payload = topic), as
    fast as they are acknowledged; after 400 PUBACKs the server gets SIGTERM (must exit 0) or
    SIGKILL. After a restart, every topic whose PUBACK a publisher had received is retained.

    Plain MQTT topics keep no history, so retained messages stand for "stored"; a MODE-device
    variant can reuse qos1_storm_then_stop with devices publishing to /devices/{id}/event and a
    recovery step that reads the events back."""
    broker = private_broker
    if how == "sigkill" and broker.kind == "mosquitto":
        # Mosquitto saves its database on autosave and shutdown, after the PUBACK: by default a
        # kill -9 loses every retained message since the last save, and even with
        # `autosave_on_changes true` + `autosave_interval 1` this test saw 1-4 of ~400 lost.
        pytest.skip("mosquitto acknowledges before it persists (autosave), so kill -9 loses acknowledged messages")
    topic = unique_topic("storm")

    def publish(client, publisher: int, seq: int):
        key = f"{topic}/{publisher}/{seq}"
        return client.paho.publish(key, key.encode(), qos=1, retain=True), key

    stop = broker.kill if how == "sigkill" else broker.stop
    result = qos1_storm_then_stop(broker, publish, stop, publishers=4, stop_after_acks=400)
    assert result.acked_count >= 300, result.acked_count
    broker.start()
    recovered = collect_retained(broker, f"{topic}/#", result.acknowledged, timeout=15)
    missing = result.acknowledged - recovered
    assert not missing, (f"{len(missing)} of {result.acked_count} acknowledged retained messages lost, "
                         f"e.g. {sorted(missing)[:5]}")
    # Nothing that was never published appears.
    assert recovered <= set(result.published.values())


# ------------------------------------------------------------------------------------------------
# Graceful shutdown


def test_sigterm_tells_mqtt5_clients_and_keeps_persistent_sessions(private_broker):
    """On SIGTERM (clean exit), an MQTT 5 connection gets DISCONNECT 0x8B (Server shutting down) as
    the last packet before the close, while an MQTT 3.1.1 connection, whose protocol has no
    server-sent DISCONNECT, is just closed. The MQTT 5 connection is a persistent session (Clean
    Start 0, Session Expiry 300 s) with a QoS 1 subscription: after the restart it still gets, at
    QoS 1, the message published while it was offline. (Against Mosquitto, which just closes, only
    the close and the session are checked.)"""
    broker = private_broker
    topic = unique_topic("shutdown")
    client_id = unique_client_id("persistent")
    v5, _ = broker.raw_connected(V5, client_id=client_id, clean=False, props=[prop(P_SESSION_EXPIRY, 300)])
    v5.send(subscribe_packet(1, [(topic, 1)], version=V5))
    assert v5.expect(SUBACK).body[-1] == 1
    v311, _ = broker.raw_connected(V311)

    broker.stop()  # SIGTERM; asserts exit status 0 within 10 s

    packets = closes_with(v5)
    if broker.sends_server_shutting_down:
        assert packets and packets[-1].type == DISCONNECT_TYPE, f"no DISCONNECT before the close: {packets}"
        assert packets[-1].body[:1] == b"\x8b", f"DISCONNECT reason is not 0x8B Server shutting down: {packets}"
    packets = closes_with(v311)
    assert not [p for p in packets if p.type == DISCONNECT_TYPE], f"MQTT 3.1.1 client got a DISCONNECT: {packets}"

    broker.start()
    broker.connect(V311).publish(topic, "while you were away", qos=1)
    back = broker.connect(V5, client_id=client_id, clean=False, session_expiry=300)
    assert back.connack.session_present, "the persistent session did not survive the graceful shutdown"
    assert back.expect(topic, "while you were away", timeout=5).qos == 1
    back.disconnect(reason=0, props={"SessionExpiryInterval": 0})
