"""MQTT connections: 3.1 (MQIsdp), 3.1.1 and 5 over TCP, WebSocket (/mqtt, subprotocol `mqtt`)
and TLS; the mosquitto command-line clients; refused credentials; client identifiers (assigned,
takeover); keep-alive. Runs against Nimbus, or Mosquitto with NIMBUS_MQTT_TEST_AGAINST=mosquitto."""

from __future__ import annotations

import socket
import ssl
import threading
import time

import pytest
import websocket

from mqtt import (CONNACK, DISCONNECT_TYPE, PINGREQ, PINGRESP, RAW_V3_BAD_CREDENTIALS, RC_BAD_CREDENTIALS, V5,
                  V31, V311, VERSIONS, MosquittoSub, P_ASSIGNED_CLIENT_ID, connect_packet, mosquitto_pub,
                  unique_client_id, unique_topic, version_id)

ALL_VERSIONS = pytest.mark.parametrize("version", VERSIONS, ids=version_id)
V311_AND_V5 = pytest.mark.parametrize("version", [V311, V5], ids=version_id)


@ALL_VERSIONS
def test_publish_subscribe_roundtrip(broker, version):
    topic = unique_topic()
    sub = broker.connect(version)
    assert sub.subscribe(f"{topic}/#", qos=1) == [1]
    pub = broker.connect(version)
    pub.publish(f"{topic}/a", "at-most-once", qos=0)
    assert pub.publish(f"{topic}/a", "at-least-once", qos=1) == 0
    first = sub.expect(f"{topic}/a", "at-most-once")
    second = sub.expect(f"{topic}/a", "at-least-once")
    assert (first.qos, second.qos) == (0, 1)
    assert not first.retain and not second.retain
    sub.expect_none(0.2)


def test_protocol_versions_interoperate(broker):
    topic = unique_topic()
    subscribers = {v: broker.connect(v) for v in VERSIONS}
    for sub in subscribers.values():
        sub.subscribe(topic, qos=1)
    for version in VERSIONS:
        with broker.connect(version) as pub:
            pub.publish(topic, f"from-{version_id(version)}", qos=1)
    for version, sub in subscribers.items():
        for sender in VERSIONS:
            sub.expect(topic, f"from-{version_id(sender)}")
        sub.expect_none(0.1)


# ------------------------------------------------------------------------------------------------
# mosquitto_pub / mosquitto_sub


@V311_AND_V5
def test_mosquitto_command_line_clients(broker, version):
    topic = unique_topic("cli")
    paho_sub = broker.connect(version)
    paho_sub.subscribe(f"{topic}/#", qos=2)
    with MosquittoSub(broker, f"{topic}/#", version=version, qos=2, count=2) as sub:
        sub.ready()
        done = mosquitto_pub(broker, f"{topic}/from-cli", "hello from mosquitto_pub", version=version, qos=1)
        assert done.returncode == 0, done.stdout + done.stderr
        with broker.connect(version) as pub:
            pub.publish(f"{topic}/from-paho", "hello from paho", qos=2)
        sub.expect(f"{topic}/from-cli hello from mosquitto_pub")
        sub.expect(f"{topic}/from-paho hello from paho")
        assert sub.wait(10) == 0  # -C 2: exits 0 after two messages
    assert paho_sub.expect(f"{topic}/from-cli", "hello from mosquitto_pub").qos == 1


@V311_AND_V5
def test_mosquitto_retained_message_and_qos2(broker, version):
    topic = unique_topic("cli")
    done = mosquitto_pub(broker, topic, "kept", version=version, qos=2, retain=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with MosquittoSub(broker, topic, version=version, qos=2, count=1, extra=["--retained-only"]) as sub:
        sub.expect(f"{topic} kept")
        assert sub.wait(10) == 0


@V311_AND_V5
def test_mosquitto_clients_with_wrong_password_fail(broker, version):
    args = broker.cli_args(version)
    args[args.index("-P") + 1] = "not-the-password"
    import subprocess
    result = subprocess.run(["mosquitto_pub", *args, "-t", unique_topic(), "-m", "x", "-q", "1"],
                            capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    text = (result.stdout + result.stderr).lower()
    assert "not authori" in text or "bad user name or password" in text, text


# ------------------------------------------------------------------------------------------------
# WebSocket and TLS


@V311_AND_V5
def test_websocket_transport(broker, version):
    topic = unique_topic("ws")
    over_ws = broker.connect(version, transport="websockets")
    over_tcp = broker.connect(version)
    over_ws.subscribe(f"{topic}/to-ws", qos=1)
    over_tcp.subscribe(f"{topic}/to-tcp", qos=1)
    over_tcp.publish(f"{topic}/to-ws", "tcp says hi", qos=1)
    assert over_ws.publish(f"{topic}/to-tcp", "ws says hi", qos=2) == 0
    over_ws.expect(f"{topic}/to-ws", "tcp says hi")
    over_tcp.expect(f"{topic}/to-tcp", "ws says hi")


def test_websocket_handshake_selects_mqtt_subprotocol(broker):
    """The server answers the upgrade with subprotocol `mqtt` and speaks MQTT in binary frames
    (here hand-built: a CONNECT, then PINGREQ split over two frames)."""
    url = f"ws://{broker.host}:{broker.ws_port}{broker.ws_path}"
    ws = websocket.create_connection(url, subprotocols=["mqtt"], timeout=5)
    try:
        assert ws.getsubprotocol() == "mqtt"
        ws.send_binary(connect_packet(unique_client_id(), version=V311, username=broker.username,
                                      password=broker.password))
        assert ws.recv() == b"\x20\x02\x00\x00"  # CONNACK, accepted
        ws.send_binary(PINGREQ[:1])
        ws.send_binary(PINGREQ[1:])
        assert ws.recv() == b"\xd0\x00"  # PINGRESP
    finally:
        ws.close()


@V311_AND_V5
def test_tls_listener(broker, version):
    topic = unique_topic("tls")
    secure = broker.connect(version, tls=True)
    plain = broker.connect(version)
    secure.subscribe(topic, qos=1)
    plain.publish(topic, "through tls", qos=1)
    secure.expect(topic, "through tls")
    # The listener presents the configured certificate (issued by the test CA for 127.0.0.1).
    context = ssl.create_default_context(cafile=str(broker.ca_file))
    with socket.create_connection((broker.host, broker.tls_port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            sans = tls.getpeercert()["subjectAltName"]
            assert ("IP Address", "127.0.0.1") in sans, sans


# ------------------------------------------------------------------------------------------------
# Credentials


@ALL_VERSIONS
def test_wrong_password_is_refused(broker, version):
    client = broker.client(version, password="wrong-password")
    connack = client.connect(check=False)
    assert connack.reason_code in RC_BAD_CREDENTIALS, hex(connack.reason_code)
    client.wait_disconnected(3)


@pytest.mark.parametrize("version", [V31, V311], ids=version_id)
def test_wrong_password_raw_return_code_mqtt3(broker, version):
    with broker.raw() as conn:
        conn.send(connect_packet(unique_client_id(), version=version, username=broker.username, password="nope"))
        session_present, code = conn.expect(CONNACK).connack()
        assert code in RAW_V3_BAD_CREDENTIALS and not session_present
        assert conn.closed_within(3) is not None, "connection left open after a refused CONNECT"


def test_wrong_password_raw_reason_code_mqtt5(broker):
    with broker.raw() as conn:
        conn.send(connect_packet(unique_client_id(), version=V5, username=broker.username, password="nope"))
        assert conn.expect(CONNACK).connack()[1] in RC_BAD_CREDENTIALS
        assert conn.closed_within(3) is not None, "connection left open after a refused CONNECT"


# ------------------------------------------------------------------------------------------------
# Client identifiers


def test_empty_client_id_gets_assigned_identifier_mqtt5(broker):
    topic = unique_topic()
    first, second = broker.connect(V5, client_id=""), broker.connect(V5, client_id="")
    ids = [c.connack.properties.get("AssignedClientIdentifier") for c in (first, second)]
    assert all(isinstance(i, str) and i for i in ids), ids
    assert ids[0] != ids[1]
    # Both stay connected (neither took the other over) and both work.
    first.subscribe(topic)
    second.publish(topic, "hi", qos=1)
    first.expect(topic, "hi")
    assert first.connected and second.connected


def test_empty_client_id_raw_mqtt5_connack_property(broker):
    with broker.raw() as conn:
        conn.send(connect_packet("", version=V5, username=broker.username, password=broker.password))
        connack = conn.expect(CONNACK)
        assert connack.connack()[1] == 0
        assigned = connack.connack_properties().get(P_ASSIGNED_CLIENT_ID)
        assert assigned and assigned[0], connack


def test_empty_client_id_with_clean_session_mqtt311(broker):
    conns = []
    for _ in range(2):
        conn = broker.raw()
        conns.append(conn)
        conn.send(connect_packet("", version=V311, clean=True, username=broker.username, password=broker.password))
        assert conn.expect(CONNACK).connack() == (False, 0)
    for conn in conns:  # both still alive
        conn.send(PINGREQ)
        assert conn.read_packet(2).type == PINGRESP
        conn.close()


def test_empty_client_id_without_clean_session_is_rejected_mqtt311(broker):
    """MQTT 3.1.1 [MQTT-3.1.3-8]: a zero-byte client id with CleanSession 0 gets return code 2."""
    with broker.raw() as conn:
        conn.send(connect_packet("", version=V311, clean=False, username=broker.username, password=broker.password))
        assert conn.expect(CONNACK).connack() == (False, 2)
        assert conn.closed_within(3) is not None


@ALL_VERSIONS
def test_client_id_takeover(broker, version):
    client_id = unique_client_id()
    topic = unique_topic()
    first = broker.connect(version, client_id=client_id)
    second = broker.connect(version, client_id=client_id)
    first.wait_disconnected(3)
    if version == V5 and broker.sends_session_taken_over:
        assert first.disconnect_from_server and first.disconnect_reason == 0x8E, \
            f"expected DISCONNECT 0x8E (session taken over), got {first.disconnect_reason}"
    assert second.connected
    second.subscribe(topic)
    second.publish(topic, "still here", qos=1)
    second.expect(topic, "still here")


def test_takeover_of_a_raw_connection_closes_it(broker):
    client_id = unique_client_id()
    old, _ = broker.raw_connected(V5, client_id=client_id)
    broker.connect(V311, client_id=client_id)
    elapsed, packets = old.packets_until_closed(3)
    assert elapsed is not None, "the old connection is still open after a takeover"
    disconnects = [p for p in packets if p.type == DISCONNECT_TYPE]
    if broker.sends_session_taken_over:
        assert disconnects, "no DISCONNECT before the takeover closed the old connection"
    assert all(p.body[:1] == b"\x8e" for p in disconnects), disconnects


# ------------------------------------------------------------------------------------------------
# Keep-alive


def test_keepalive_drops_silent_clients_and_pings_keep_others(broker):
    """keepalive=1: a client that sends nothing after CONNECT is dropped after 1.5 s (give or
    take the server's timer), while one that sends PINGREQ every 0.5 s stays connected. MQTT
    3.1.1 and 5 side by side, so the test waits only once."""
    latest = 1.5 + broker.keepalive_slack
    silent = {v: broker.raw_connected(v, keepalive=1)[0] for v in (V311, V5)}
    pinging = {v: broker.raw_connected(v, keepalive=1)[0] for v in (V311, V5)}
    outcome: dict[int, float | None] = {}
    watchers = [threading.Thread(target=lambda v=v, c=c: outcome.update({v: c.closed_within(latest + 1.5)}))
                for v, c in silent.items()]
    for watcher in watchers:
        watcher.start()
    started = time.monotonic()
    while time.monotonic() - started < latest + 0.5:
        time.sleep(0.5)
        for version, conn in pinging.items():
            assert conn.send(PINGREQ), f"pinging {version_id(version)} client was disconnected"
            assert conn.read_packet(1.5).type == PINGRESP
    for watcher in watchers:
        watcher.join(5)
    for version in silent:
        elapsed = outcome.get(version)
        assert elapsed is not None, \
            f"silent {version_id(version)} client with keepalive 1 still connected after {latest + 1.5} s"
        assert 1.2 <= elapsed <= latest + 0.1, \
            f"silent {version_id(version)} client dropped after {elapsed:.2f} s (expected ~1.5 s)"
    for conn in [*silent.values(), *pinging.values()]:
        conn.close()
