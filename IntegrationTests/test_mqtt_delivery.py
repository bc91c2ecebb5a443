"""MQTT delivery: QoS 0/1/2 in both directions (with hand-built QoS 2 flows), retained messages
and MQTT 5 retain options, `+`/`#`, `$` topics, shared subscriptions, MQTT 5 topic aliases,
message expiry, user properties, No Local, subscription identifiers and reason codes. Runs
against Nimbus, or Mosquitto with NIMBUS_MQTT_TEST_AGAINST=mosquitto."""

from __future__ import annotations

import time

import pytest
from paho.mqtt.subscribeoptions import SubscribeOptions

from mqtt import (DISCONNECT_TYPE, P_TOPIC_ALIAS, P_TOPIC_ALIAS_MAXIMUM, PUBACK, PUBCOMP, PUBLISH, PUBREC,
                  PUBREL, SUBACK, V5, V311, VERSIONS, ack_packet, prop, publish_packet, subscribe_packet,
                  unique_client_id, unique_topic, version_id)

ALL_VERSIONS = pytest.mark.parametrize("version", VERSIONS, ids=version_id)
V311_AND_V5 = pytest.mark.parametrize("version", [V311, V5], ids=version_id)


# ------------------------------------------------------------------------------------------------
# QoS


@V311_AND_V5
@pytest.mark.parametrize("pub_qos", [0, 1, 2], ids=lambda q: f"pub{q}")
@pytest.mark.parametrize("sub_qos", [0, 1, 2], ids=lambda q: f"sub{q}")
def test_qos_is_the_lower_of_publish_and_subscription(broker, version, pub_qos, sub_qos):
    topic = unique_topic()
    sub = broker.connect(version)
    assert sub.subscribe(topic, qos=sub_qos) == [sub_qos]
    pub = broker.connect(version)
    for i in range(3):
        code = pub.publish(topic, f"m{i}", qos=pub_qos)
        if pub_qos and version == V5:
            assert code == 0, hex(code)  # a matching subscriber exists: plain success
    messages = sub.wait_count(3, timeout=3)
    assert [m.payload for m in messages] == [b"m0", b"m1", b"m2"]  # order kept per topic and QoS
    assert {m.qos for m in messages} == {min(pub_qos, sub_qos)}
    sub.take_all()
    sub.expect_none(0.15)  # and nothing twice


def test_qos2_retransmitted_publish_is_delivered_once(broker):
    """Inbound QoS 2 by hand: PUBLISH, PUBREC, the same PUBLISH again with DUP (as after a lost
    PUBREC), PUBREC again, PUBREL, PUBCOMP. Subscribers get the message exactly once."""
    topic = unique_topic()
    sub = broker.connect(V311)
    sub.subscribe(topic, qos=2)
    conn, _ = broker.raw_connected(V311)
    conn.send(publish_packet(topic, b"exactly once", qos=2, packet_id=7))
    assert conn.expect(PUBREC).packet_id == 7
    conn.send(publish_packet(topic, b"exactly once", qos=2, packet_id=7, dup=True))
    assert conn.expect(PUBREC).packet_id == 7
    conn.send(ack_packet(0x62, 7))  # PUBREL
    assert conn.expect(PUBCOMP).packet_id == 7
    sub.expect(topic, "exactly once")
    sub.expect_none(0.3)
    conn.close()


@V311_AND_V5
def test_qos2_outbound_flow(broker, version):
    """Outbound QoS 2 by hand: the server sends PUBLISH, we PUBREC, it sends PUBREL (flags 0x2),
    we PUBCOMP; a QoS 1 delivery wants a PUBACK with the same packet id."""
    topic = unique_topic()
    conn, _ = broker.raw_connected(version)
    conn.send(subscribe_packet(1, [(f"{topic}/#", 2)], version=version))
    suback = conn.expect(SUBACK)
    assert suback.packet_id == 1 and suback.body[-1] == 2
    pub = broker.connect(version)
    pub.publish(f"{topic}/two", "q2", qos=2)
    publish = conn.expect(PUBLISH).publish(version)
    assert (publish.topic, publish.payload, publish.qos) == (f"{topic}/two", b"q2", 2)
    conn.send(ack_packet(0x50, publish.packet_id))  # PUBREC
    pubrel = conn.expect(PUBREL)
    assert pubrel.flags == 0x2 and pubrel.packet_id == publish.packet_id
    conn.send(ack_packet(0x70, publish.packet_id))  # PUBCOMP
    pub.publish(f"{topic}/one", "q1", qos=1)
    publish = conn.expect(PUBLISH).publish(version)
    assert (publish.topic, publish.qos) == (f"{topic}/one", 1)
    conn.send(ack_packet(0x40, publish.packet_id))
    conn.close()


# ------------------------------------------------------------------------------------------------
# Retained messages


@ALL_VERSIONS
def test_retained_messages(broker, version):
    topic = unique_topic()
    pub = broker.connect(version)
    pub.publish(f"{topic}/a", "first", qos=1, retain=True)
    pub.publish(f"{topic}/a", "second", qos=1, retain=True)  # replaces "first"
    pub.publish(f"{topic}/b", "bee", qos=1, retain=True)
    pub.publish(f"{topic}/c", "not retained", qos=1)
    sub = broker.connect(version)
    sub.subscribe(f"{topic}/#", qos=1)
    assert sub.expect(f"{topic}/a", "second").retain
    assert sub.expect(f"{topic}/b", "bee").retain
    sub.expect_none(0.2)
    # A message published while the subscription exists is delivered with RETAIN 0.
    pub.publish(f"{topic}/a", "live", qos=1, retain=True)
    assert not sub.expect(f"{topic}/a", "live").retain
    # An empty retained payload deletes the retained message.
    pub.publish(f"{topic}/a", b"", qos=1, retain=True)
    late = broker.connect(version)
    late.subscribe(f"{topic}/#", qos=1)
    assert late.expect(f"{topic}/b", "bee").retain
    late.expect_none(0.3)


def test_retained_message_qos_is_capped_by_subscription(broker):
    topic = unique_topic()
    broker.connect(V311).publish(topic, "two", qos=2, retain=True)
    for sub_qos in (0, 1, 2):
        sub = broker.connect(V311)
        sub.subscribe(topic, qos=sub_qos)
        assert sub.expect(topic, "two").qos == sub_qos


def test_retain_handling_and_retain_as_published_mqtt5(broker):
    topic = unique_topic()
    pub = broker.connect(V5)
    pub.publish(f"{topic}/r", "kept", qos=1, retain=True)

    never = broker.connect(V5)
    never.subscribe(f"{topic}/#", options=SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_DO_NOT_SEND))
    if_new = broker.connect(V5)
    opts = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
    if_new.subscribe(f"{topic}/#", options=opts)
    assert if_new.expect(f"{topic}/r", "kept").retain
    if_new.subscribe(f"{topic}/#", options=opts)  # same filter again: not new, nothing resent
    always = broker.connect(V5)
    always.subscribe(f"{topic}/#", qos=1)
    always.expect(f"{topic}/r", "kept")
    always.subscribe(f"{topic}/#", qos=1)  # retain handling 0 resends on every SUBSCRIBE
    assert always.expect(f"{topic}/r", "kept").retain
    never.expect_none(0.2)
    if_new.expect_none(0.01)

    as_published = broker.connect(V5)
    as_published.subscribe(f"{topic}/live", options=SubscribeOptions(qos=1, retainAsPublished=True))
    plain = broker.connect(V5)
    plain.subscribe(f"{topic}/live", qos=1)
    pub.publish(f"{topic}/live", "flagged", qos=1, retain=True)
    assert as_published.expect(f"{topic}/live", "flagged").retain
    assert not plain.expect(f"{topic}/live", "flagged").retain


# ------------------------------------------------------------------------------------------------
# Topic filters


@V311_AND_V5
def test_wildcards(broker, version):
    topic = unique_topic()
    plus = broker.connect(version)
    plus.subscribe(f"{topic}/+/c")
    hash_ = broker.connect(version)
    hash_.subscribe(f"{topic}/a/#")
    both = broker.connect(version)
    both.subscribe(f"{topic}/+/+/#")
    names = ["a/c", "b/c", "a", "a/b/c", "/c", "a/b", "b/c/d", "b", "ab/c"]
    pub = broker.connect(version)
    for name in names:
        pub.publish(f"{topic}/{name}", name, qos=1)
    expected = {
        plus: {"a/c", "b/c", "/c", "ab/c"},
        hash_: {"a", "a/c", "a/b/c", "a/b"},  # `#` also matches the parent level
        both: {"a/c", "b/c", "a/b/c", "/c", "a/b", "b/c/d", "ab/c"},
    }
    for client, wanted in expected.items():
        got = client.wait_count(len(wanted), timeout=3)
        time.sleep(0.1)
        got = client.take_all()
        assert sorted(m.payload.decode() for m in got) == sorted(wanted)


def test_dollar_topics_are_not_matched_by_leading_wildcards(broker):
    topic = unique_topic()
    dollar = f"${topic}"
    everything = broker.connect(V311)
    everything.subscribe("#")
    single = broker.connect(V311)
    single.subscribe("+/x")
    explicit = broker.connect(V311)
    explicit.subscribe(f"{dollar}/#")
    explicit_plus = broker.connect(V311)
    explicit_plus.subscribe(f"{dollar}/+")
    pub = broker.connect(V311)
    pub.publish(f"{dollar}/x", "hidden", qos=1)
    pub.publish(f"{topic}/x", "visible", qos=1)
    explicit.expect(f"{dollar}/x", "hidden")
    explicit_plus.expect(f"{dollar}/x", "hidden")
    everything.expect(f"{topic}/x", "visible", timeout=3)
    single.expect(f"{topic}/x", "visible")
    time.sleep(0.2)
    leaks = {name: [m.topic for m in client.take_all() if m.topic.startswith("$")]
             for name, client in (("#", everything), ("+/x", single))}
    assert leaks == {"#": [], "+/x": []}, f"leading wildcards matched $ topics: {leaks}"


# ------------------------------------------------------------------------------------------------
# Shared subscriptions


@V311_AND_V5
def test_shared_subscriptions(broker, version):
    topic = unique_topic()
    group = f"g{unique_client_id('')}"
    members = [broker.connect(version) for _ in range(2)]
    for member in members:
        assert member.subscribe(f"$share/{group}/{topic}/#", qos=1) == [1]
    other_group = broker.connect(version)
    other_group.subscribe(f"$share/other{group}/{topic}/#", qos=1)
    plain = broker.connect(version)
    plain.subscribe(f"{topic}/#", qos=1)
    pub = broker.connect(version)
    count = 20
    for i in range(count):
        pub.publish(f"{topic}/x", str(i), qos=1)
    everything = {str(i).encode() for i in range(count)}
    assert {m.payload for m in plain.wait_count(count, timeout=3)} == everything
    assert {m.payload for m in other_group.wait_count(count, timeout=3)} == everything
    deadline = time.monotonic() + 3
    while sum(len(m.wait_count(0, 1)) for m in members) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    shares = [[m.payload for m in member.take_all()] for member in members]
    delivered = shares[0] + shares[1]
    assert sorted(delivered) == sorted(everything), f"group deliveries {shares}"  # each exactly once
    assert all(shares), f"one member of the group got nothing: {shares}"
    # A member leaving: the remaining one gets everything.
    members[0].disconnect()
    for i in range(5):
        pub.publish(f"{topic}/y", f"after-{i}", qos=1)
    assert len(members[1].wait_count(5, timeout=3)) == 5


# ------------------------------------------------------------------------------------------------
# MQTT 5 features


def test_topic_aliases_from_client_mqtt5(broker):
    topic = unique_topic()
    sub = broker.connect(V5)
    sub.subscribe(f"{topic}/#", qos=1)
    conn, connack = broker.raw_connected(V5)
    alias_max = connack.connack_properties().get(P_TOPIC_ALIAS_MAXIMUM, [0])[0]
    assert alias_max >= 1, "the server accepts no topic aliases"

    def send(topic_name: str, payload: bytes, alias: int, packet_id: int) -> None:
        conn.send(publish_packet(topic_name, payload, qos=1, packet_id=packet_id, version=V5,
                                 props=[prop(P_TOPIC_ALIAS, alias)]))
        assert conn.expect(PUBACK).packet_id == packet_id

    send(f"{topic}/long/topic/name", b"one", 1, 1)  # sets alias 1
    send("", b"two", 1, 2)  # uses it
    send(f"{topic}/other", b"three", 1, 3)  # re-maps alias 1
    send("", b"four", 1, 4)
    if alias_max >= 2:
        send(f"{topic}/second", b"five", alias_max, 5)
        send("", b"six", alias_max, 6)
        send("", b"seven", 1, 7)
    for name, payload in [("long/topic/name", "one"), ("long/topic/name", "two"), ("other", "three"),
                          ("other", "four")] + ([("second", "five"), ("second", "six"), ("other", "seven")]
                                                if alias_max >= 2 else []):
        sub.expect(f"{topic}/{name}", payload)
    # An alias above the maximum is a protocol error: DISCONNECT 0x94 and the connection closes.
    conn.send(publish_packet("", b"bad", qos=0, version=V5, props=[prop(P_TOPIC_ALIAS, alias_max + 1)]))
    elapsed, packets = conn.packets_until_closed(3)
    assert elapsed is not None, "connection still open after an out-of-range topic alias"
    disconnects = [p for p in packets if p.type == DISCONNECT_TYPE]
    assert all(p.body[:1] == b"\x94" for p in disconnects), disconnects
    sub.expect_none(0.1)


def test_unknown_topic_alias_is_a_protocol_error_mqtt5(broker):
    conn, _ = broker.raw_connected(V5)
    conn.send(publish_packet("", b"who?", qos=0, version=V5, props=[prop(P_TOPIC_ALIAS, 1)]))
    elapsed, packets = conn.packets_until_closed(3)
    assert elapsed is not None, "connection still open after an unmapped topic alias"
    assert all(p.body[:1] in (b"\x82", b"\x94") for p in packets if p.type == DISCONNECT_TYPE), packets


def test_topic_aliases_to_client_mqtt5(broker):
    """A subscriber that allows topic aliases still sees the right topic on every message,
    whether or not the server uses aliases toward it."""
    topic = unique_topic()
    sub = broker.connect(V5, connect_properties={"TopicAliasMaximum": 5})
    sub.subscribe(f"{topic}/#")
    pub = broker.connect(V5)
    sent = [f"{topic}/{name}" for name in ("a", "b", "a", "c", "a", "b", "d", "e", "f", "g", "a")]
    for i, name in enumerate(sent):
        pub.publish(name, str(i), qos=1)
    got = sub.wait_count(len(sent), timeout=3)
    assert [(m.topic, m.payload) for m in got] == [(name, str(i).encode()) for i, name in enumerate(sent)]


def test_message_expiry_mqtt5(broker):
    topic = unique_topic()
    client_id = unique_client_id()
    offline = broker.connect(V5, client_id=client_id, session_expiry=60)
    offline.subscribe(f"{topic}/#", qos=1)
    offline.disconnect()
    pub = broker.connect(V5)
    pub.publish(f"{topic}/short", "expires", qos=1, props={"MessageExpiryInterval": 1})
    pub.publish(f"{topic}/long", "survives", qos=1, props={"MessageExpiryInterval": 60})
    pub.publish(f"{topic}/retained-short", "expires", qos=1, retain=True, props={"MessageExpiryInterval": 1})
    pub.publish(f"{topic}/retained-long", "survives", qos=1, retain=True, props={"MessageExpiryInterval": 60})
    live = broker.connect(V5)
    live.subscribe(f"{topic}-live")
    pub.publish(f"{topic}-live", "now", qos=1, props={"MessageExpiryInterval": 30})
    assert 0 < live.expect(f"{topic}-live", "now").properties.get("MessageExpiryInterval", 0) <= 30
    time.sleep(2.2)

    back = broker.connect(V5, client_id=client_id, clean=False, session_expiry=0)
    assert back.connack.session_present
    kept = back.expect(f"{topic}/long", "survives")
    # The forwarded interval is what is left: at least 2 s spent queued.
    assert 0 < kept.properties.get("MessageExpiryInterval", 0) <= 58, kept.properties
    back.expect(f"{topic}/retained-long", "survives")  # queued too: it matched the subscription
    back.expect_none(0.3)
    late = broker.connect(V5)
    late.subscribe(f"{topic}/#", qos=1)
    retained = late.expect(f"{topic}/retained-long", "survives")
    assert retained.retain and 0 < retained.properties.get("MessageExpiryInterval", 0) <= 58
    late.expect_none(0.3)  # the expired retained message is gone


def test_user_properties_and_request_response_fields_mqtt5(broker):
    topic = unique_topic()
    sub = broker.connect(V5)
    sub.subscribe(topic, qos=1)
    pub = broker.connect(V5)
    pairs = [("a", "1"), ("b", "2"), ("a", "3"), ("ünïcode", "välue")]
    pub.publish(topic, b'{"x":1}', qos=1, props={
        "UserProperty": pairs, "ContentType": "application/json", "ResponseTopic": f"{topic}/reply",
        "CorrelationData": b"\x00\x01corr", "PayloadFormatIndicator": 1})
    props = sub.expect(topic).properties
    assert props.get("UserProperty") == pairs  # order and duplicates kept
    assert props.get("ContentType") == "application/json"
    assert props.get("ResponseTopic") == f"{topic}/reply"
    assert props.get("CorrelationData") == b"\x00\x01corr"
    assert props.get("PayloadFormatIndicator") == 1


def test_no_local_mqtt5(broker):
    topic = unique_topic()
    client = broker.connect(V5)
    client.subscribe(topic, options=SubscribeOptions(qos=1, noLocal=True))
    other = broker.connect(V5)
    other.subscribe(topic, qos=1)
    client.publish(topic, "mine", qos=1)
    other.expect(topic, "mine")
    client.expect_none(0.3)
    other.publish(topic, "theirs", qos=1)
    client.expect(topic, "theirs")


def test_subscription_identifiers_mqtt5(broker):
    topic = unique_topic()
    client = broker.connect(V5)
    if client.connack.properties.get("SubscriptionIdentifierAvailable", 1) == 0:
        pytest.skip("the server declares subscription identifiers unavailable")
    client.subscribe(f"{topic}/#", props={"SubscriptionIdentifier": 7})
    client.subscribe(f"{topic}/+", props={"SubscriptionIdentifier": 42})
    broker.connect(V5).publish(f"{topic}/x", "both", qos=1)
    # One copy per matching subscription, or one copy carrying both identifiers.
    time.sleep(0.3)
    ids = sorted(i for m in client.take_all() for i in (m.properties.get("SubscriptionIdentifier") or []))
    assert ids == [7, 42], ids


def test_client_maximum_packet_size_mqtt5(broker):
    """A subscriber that announces Maximum Packet Size 200 in CONNECT never gets a PUBLISH larger
    than that (MQTT-3.1.2-24): the 1000-byte messages, QoS 0 and QoS 1, are left out for it (and
    not for a subscriber without a limit), it stays connected, and a small QoS 1 message published
    after the large one still arrives: the dropped message does not block its queue."""
    limit = 200
    topic = unique_topic("maxpkt")
    small = broker.connect(V5, connect_properties={"MaximumPacketSize": limit})
    assert small.subscribe(topic, qos=1) == [1]
    witness = broker.connect(V5)
    witness.subscribe(topic, qos=1)
    pub = broker.connect(V5)
    sent = [(b"small before", 0), (b"L" * 1000, 0), (b"B" * 1000, 1), (b"small after", 1)]
    for payload, qos in sent:
        pub.publish(topic, payload, qos=qos)
    # The witness gets all four, so the large ones were published and routed.
    assert [(m.payload, m.qos) for m in witness.wait_count(len(sent), timeout=5)] == sent
    assert small.expect(topic, "small before").qos == 0
    assert small.expect(topic, "small after").qos == 1
    small.expect_none(0.3)
    assert small.connected, f"the subscriber was disconnected (reason {small.disconnect_reason})"
    # And its queue still moves.
    pub.publish(topic, "small again", qos=1)
    small.expect(topic, "small again")


def test_reason_codes_mqtt5(broker):
    topic = unique_topic()
    client = broker.connect(V5)
    assert client.subscribe([f"{topic}/q2", f"{topic}/other"], qos=2) == [2, 2]
    assert client.subscribe(f"{topic}/q0", qos=0) == [0]
    assert client.unsubscribe(f"{topic}/q2") == [0x00]
    assert client.unsubscribe(f"{topic}/never-subscribed") == [0x11]  # No subscription existed
    # PUBACK with no matching subscriber: success, or 0x10 No matching subscribers.
    assert broker.connect(V5).publish(f"{topic}/nobody", "x", qos=1) in (0x00, 0x10)
    assert broker.connect(V5).publish(f"{topic}/q0", "x", qos=1) == 0x00


@V311_AND_V5
def test_invalid_topic_filter_is_refused(broker, version):
    """`#` not last: SUBACK failure (0x80, or 0x8F for MQTT 5) or a closed connection; never a grant."""
    conn, _ = broker.raw_connected(version)
    conn.send(subscribe_packet(3, [(f"{unique_topic()}/#/x", 1)], version=version))
    elapsed, packets = conn.packets_until_closed(1.0)
    subacks = [p for p in packets if p.type == SUBACK]
    if subacks:
        assert subacks[0].body[-1] in (0x80, 0x8F), subacks
    else:
        assert elapsed is not None, f"neither a SUBACK nor a close after an invalid filter: {packets}"
    conn.close()


@V311_AND_V5
def test_wildcard_in_published_topic_closes_connection(broker, version):
    topic = unique_topic()
    sub = broker.connect(version)
    sub.subscribe(f"{topic}/#")
    conn, _ = broker.raw_connected(version)
    conn.send(publish_packet(f"{topic}/+", b"bad", qos=1, packet_id=1, version=version))
    elapsed, packets = conn.packets_until_closed(3)
    assert elapsed is not None, "connection still open after a PUBLISH to a wildcard topic"
    assert not [p for p in packets if p.type == PUBACK and p.body[2:3] in (b"", b"\x00")], packets
    sub.expect_none(0.1)
