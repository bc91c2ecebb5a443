"""MQTT sessions and wills: persistent sessions keep subscriptions and queued QoS 1/2 messages
across reconnects and server restarts, clean sessions do not, MQTT 5 session expiry, resending
unacknowledged messages with DUP, wills (with MQTT 5 will delay), retained messages across a
restart. Runs against Nimbus, or Mosquitto with NIMBUS_MQTT_TEST_AGAINST=mosquitto."""

from __future__ import annotations

import time

import pytest

from mqtt import (PINGREQ, PINGRESP, PUBLISH, SUBACK, V5, V31, V311, VERSIONS, Will, ack_packet,
                  subscribe_packet, unique_client_id, unique_topic, version_id)

ALL_VERSIONS = pytest.mark.parametrize("version", VERSIONS, ids=version_id)
V311_AND_V5 = pytest.mark.parametrize("version", [V311, V5], ids=version_id)


def persistent(version: int, **kw):
    """Client options for a session that outlives the connection (MQTT 5: expiry 300 s)."""
    clean = kw.pop("clean", False)
    if version == V5:
        return dict(clean=clean, session_expiry=300, **kw)
    return dict(clean=False, **kw)  # MQTT 3: CleanSession 0 (a new client id has no session yet)


def forget(broker, version: int, client_id: str) -> None:
    """Ends a persistent session by connecting with a clean one."""
    broker.connect(version, client_id=client_id, clean=True).disconnect()


@pytest.mark.parametrize("version", [V31, V311, V5], ids=version_id)
def test_persistent_session_keeps_subscriptions_and_queues_messages(broker, version):
    topic = unique_topic()
    client_id = unique_client_id()
    first = broker.connect(version, **persistent(version, client_id=client_id, clean=True))
    assert not first.connack.session_present
    first.subscribe(f"{topic}/q1", qos=1)
    first.subscribe(f"{topic}/q2", qos=2)
    first.disconnect()

    pub = broker.connect(version)
    pub.publish(f"{topic}/q1", "one", qos=1)
    pub.publish(f"{topic}/q2", "two", qos=2)
    pub.publish(f"{topic}/q2", "three", qos=1)

    back = broker.connect(version, **persistent(version, client_id=client_id))
    if version != V31:  # MQTT 3.1's CONNACK has no Session Present flag
        assert back.connack.session_present
    assert back.expect(f"{topic}/q1", "one").qos == 1
    assert back.expect(f"{topic}/q2", "two").qos == 2
    assert back.expect(f"{topic}/q2", "three").qos == 1
    back.expect_none(0.2)  # each once
    # The subscriptions are still there without subscribing again.
    pub.publish(f"{topic}/q1", "live", qos=1)
    back.expect(f"{topic}/q1", "live")
    back.disconnect()
    forget(broker, version, client_id)


@V311_AND_V5
def test_clean_session_discards_state(broker, version):
    topic = unique_topic()
    client_id = unique_client_id()
    first = broker.connect(version, **persistent(version, client_id=client_id, clean=True))
    first.subscribe(f"{topic}/#", qos=1)
    first.disconnect()
    clean = broker.connect(version, client_id=client_id, clean=True)
    assert not clean.connack.session_present
    broker.connect(version).publish(f"{topic}/x", "nobody listens", qos=1)
    clean.expect_none(0.3)
    clean.disconnect()
    again = broker.connect(version, **persistent(version, client_id=client_id))
    assert not again.connack.session_present  # the clean session replaced the stored one
    again.expect_none(0.2)
    again.disconnect()
    forget(broker, version, client_id)


def test_session_expiry_mqtt5(broker):
    topic = unique_topic()
    short_id, zero_id = unique_client_id("short"), unique_client_id("zero")
    short = broker.connect(V5, client_id=short_id, session_expiry=1)
    short.subscribe(f"{topic}/#", qos=1)
    short.disconnect()
    zero = broker.connect(V5, client_id=zero_id)  # Session Expiry Interval absent: ends with the connection
    zero.subscribe(f"{topic}/#", qos=1)
    zero.disconnect()
    time.sleep(2.0)
    broker.connect(V5).publish(f"{topic}/x", "too late", qos=1)
    for client_id in (short_id, zero_id):
        back = broker.connect(V5, client_id=client_id, clean=False, session_expiry=0)
        assert not back.connack.session_present, client_id
        back.expect_none(0.2)
        back.disconnect()


def test_session_expiry_set_at_disconnect_mqtt5(broker):
    """A DISCONNECT may shorten the Session Expiry Interval given in CONNECT."""
    topic = unique_topic()
    client_id = unique_client_id()
    client = broker.connect(V5, client_id=client_id, session_expiry=300)
    client.subscribe(f"{topic}/#", qos=1)
    client.disconnect(reason=0, props={"SessionExpiryInterval": 0})
    back = broker.connect(V5, client_id=client_id, clean=False, session_expiry=0)
    assert not back.connack.session_present


def test_unacknowledged_qos1_is_resent_with_dup_on_resume(broker):
    topic = unique_topic()
    client_id = unique_client_id()
    conn, _ = broker.raw_connected(V311, client_id=client_id, clean=False)
    conn.send(subscribe_packet(1, [(topic, 1)]))
    conn.expect(SUBACK)
    broker.connect(V311).publish(topic, "ack me", qos=1)
    first = conn.expect(PUBLISH)
    assert first.publish().payload == b"ack me" and not first.flags & 0x08
    conn.close()  # no PUBACK

    conn, connack = broker.raw_connected(V311, client_id=client_id, clean=False)
    assert connack.connack() == (True, 0)
    again = conn.expect(PUBLISH)
    assert again.flags & 0x08, f"resent PUBLISH without DUP: {again}"
    assert again.publish().payload == b"ack me"
    assert again.publish().packet_id == first.publish().packet_id
    conn.send(ack_packet(0x40, again.publish().packet_id))
    conn.send(PINGREQ)
    conn.expect(PINGRESP)  # the PUBACK was read before we close
    conn.close()
    conn, connack = broker.raw_connected(V311, client_id=client_id, clean=False)
    assert connack.connack() == (True, 0)
    assert conn.packets_until_closed(0.3) == (None, []), "acknowledged message was sent again"
    conn.close()
    forget(broker, V311, client_id)


# ------------------------------------------------------------------------------------------------
# Wills


@ALL_VERSIONS
def test_will_on_unclean_close_and_not_on_disconnect(broker, version):
    topic = unique_topic()
    watcher = broker.connect(version)
    watcher.subscribe(f"{topic}/#", qos=1)
    dropped = broker.connect(version, will=Will(f"{topic}/dropped", b"gone", qos=1))
    polite = broker.connect(version, will=Will(f"{topic}/polite", b"should not appear", qos=1))
    retained = broker.connect(version, will=Will(f"{topic}/retained", b"last words", qos=1, retain=True))
    polite.disconnect()
    dropped.drop()
    retained.drop()
    assert watcher.expect(f"{topic}/dropped", "gone", timeout=3).qos == 1
    watcher.expect(f"{topic}/retained", "last words", timeout=3)
    watcher.expect_none(0.3)
    late = broker.connect(version)
    late.subscribe(f"{topic}/retained")
    assert late.expect(f"{topic}/retained", "last words").retain


def test_will_of_raw_connection_closed_without_disconnect(broker):
    topic = unique_topic()
    watcher = broker.connect(V311)
    watcher.subscribe(topic)
    conn, _ = broker.raw_connected(V311, will=Will(topic, b"raw will", qos=0))
    conn.close()
    watcher.expect(topic, "raw will", timeout=3)


def test_disconnect_with_will_message_mqtt5(broker):
    topic = unique_topic()
    watcher = broker.connect(V5)
    watcher.subscribe(topic)
    client = broker.connect(V5, will=Will(topic, b"on purpose", qos=1))
    client.disconnect(reason=0x04)  # Disconnect with Will Message
    watcher.expect(topic, "on purpose", timeout=3)


def test_will_delay_mqtt5(broker):
    """Will Delay 1 s: the will of a dropped client arrives after about a second, and a client
    that reconnects within the delay cancels its will."""
    topic = unique_topic()
    watcher = broker.connect(V5)
    watcher.subscribe(f"{topic}/#", qos=1)
    late = broker.connect(V5, session_expiry=10, will=Will(f"{topic}/delayed", b"late", qos=1, delay=1))
    returning_id = unique_client_id()
    returning = broker.connect(V5, client_id=returning_id, session_expiry=10,
                               will=Will(f"{topic}/cancelled", b"never", qos=1, delay=1))
    dropped_at = time.monotonic()
    late.drop()
    returning.drop()
    back = broker.connect(V5, client_id=returning_id, clean=False, session_expiry=0)
    assert back.connack.session_present
    watcher.expect_none(0.6)
    watcher.expect(f"{topic}/delayed", "late", timeout=3)
    arrived = time.monotonic() - dropped_at
    assert 0.8 <= arrived <= 3.0, f"delayed will arrived after {arrived:.2f} s"
    watcher.expect_none(max(0.0, 1.8 - (time.monotonic() - dropped_at)))  # the cancelled will never comes
    back.disconnect()


# ------------------------------------------------------------------------------------------------
# Across a server restart


def test_sessions_and_retained_messages_survive_restart(private_broker):
    broker = private_broker
    topic = unique_topic()
    # (name, version, Clean Start of the first CONNECT): an MQTT 5 session that began with Clean
    # Start 1 and a Session Expiry Interval is as persistent as one that did not.
    sessions = [("v311", V311, False), ("v5", V5, False)]
    if broker.persists_clean_start_sessions:
        sessions.append(("v5-clean-start", V5, True))
    ids = {name: unique_client_id(name) for name, _, _ in sessions}
    for name, version, clean in sessions:
        client = broker.connect(version, **persistent(version, client_id=ids[name], clean=clean))
        client.subscribe(f"{topic}/{name}/#", qos=2)
        client.disconnect()
    pub = broker.connect(V311)
    for name, _, _ in sessions:
        pub.publish(f"{topic}/{name}/q1", "queued one", qos=1)
        pub.publish(f"{topic}/{name}/q2", "queued two", qos=2)
    pub.publish(f"{topic}/retained/a", "kept", qos=1, retain=True)
    pub.publish(f"{topic}/retained/b", "replaced", qos=1, retain=True)
    pub.publish(f"{topic}/retained/b", "replacement", qos=1, retain=True)
    pub.publish(f"{topic}/retained/c", "deleted", qos=1, retain=True)
    pub.publish(f"{topic}/retained/c", b"", qos=1, retain=True)
    pub.close()
    # A retained will is a retained message like the others once it is published.
    watcher = broker.connect(V311)
    watcher.subscribe(f"{topic}/retained/will", qos=1)
    broker.connect(V311, will=Will(f"{topic}/retained/will", b"last words", qos=1, retain=True)).drop()
    watcher.expect(f"{topic}/retained/will", "last words", timeout=3)
    watcher.close()

    broker.restart()

    for name, version, _ in sessions:
        back = broker.connect(version, **persistent(version, client_id=ids[name]))
        assert back.connack.session_present, f"{name} session lost in the restart"
        assert back.expect(f"{topic}/{name}/q1", "queued one").qos == 1
        assert back.expect(f"{topic}/{name}/q2", "queued two").qos == 2
        back.expect_none(0.2)
        broker.connect(V311).publish(f"{topic}/{name}/after", "live", qos=1)
        back.expect(f"{topic}/{name}/after", "live")  # the subscription survived
    fresh = broker.connect(V5)
    fresh.subscribe(f"{topic}/retained/#")
    assert fresh.expect(f"{topic}/retained/a", "kept").retain
    assert fresh.expect(f"{topic}/retained/b", "replacement").retain
    assert fresh.expect(f"{topic}/retained/will", "last words").retain
    fresh.expect_none(0.3)
