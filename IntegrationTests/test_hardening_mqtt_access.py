"""Hardening, MQTT (issue 11): who a session belongs to, and what a will must pass.

- Defect 1: a session belongs to the principal that created it. Another device (or project key) that
  connects with the same client id gets a session of its own: not the first one's subscriptions, queue or
  commands, and it does not end the first one's connection.
- Defect 12: a will on a device's `event` topic goes through the same hook as a PUBLISH: a will the hook
  would refuse refuses the CONNECT, and a will that goes out is stored as an event like any other.
"""

from __future__ import annotations

import json

import pytest

from harness import NimbusServer, expect
from mqtt import CONNACK, V311, V5, Broker, MqttClient, Will, connect_packet, unique_client_id
from world import Device, Project, open_user_ws

pytestmark = pytest.mark.nimbus_only


def device_client(server: NimbusServer, device: Device, *, version: int = V311, **kw) -> MqttClient:
    broker = Broker(server.mqtt_port, username=str(device.id), password=device.api_key)
    return MqttClient(broker, version=version, **kw)


@pytest.fixture
def household(email_project: Project):
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    first = email_project.device_in_home(owner, home)
    second = email_project.device_in_home(owner, home)
    return email_project, owner, home, first, second


@pytest.mark.parametrize("version", [V311, V5])
def test_another_device_with_the_same_client_id_gets_a_session_of_its_own(household, version: int):
    project, owner, _, victim, attacker = household
    client_id = unique_client_id("shared")
    persistent = dict(clean=False) if version == V311 else dict(clean=False, session_expiry=3600)
    command_topic = f"/devices/{victim.id}/command"

    victim_client = device_client(project.server, victim, version=version, client_id=client_id, **persistent)
    victim_client.connect()
    victim_client.subscribe(command_topic, qos=1)
    victim_client.disconnect()

    # While the victim is away, a backend sends it a command, which waits in its session.
    first = {"action": "unlock-door", "parameters": {"pin": "1234"}}
    backend = MqttClient(Broker(project.server.mqtt_port, username="apikey", password=project.key("mqtt").key),
                         version=V5, client_id=unique_client_id("backend"))
    backend.connect()
    backend.publish(command_topic, json.dumps(first), qos=1, timeout=5)
    backend.close()

    thief = device_client(project.server, attacker, version=version, client_id=client_id, **persistent)
    connack = thief.connect()
    assert connack.session_present is False, "another device resumed the victim's session"
    thief.expect_none(1.0)

    # The victim's session is intact: it gets the queued command when it comes back.
    victim_back = device_client(project.server, victim, version=version, client_id=client_id, **persistent)
    assert victim_back.connect().session_present is True
    message = victim_back.expect(command_topic, timeout=5)
    assert json.loads(message.payload) == first

    # Both stay connected side by side: neither takes the other over.
    second = {"action": "lock-door", "parameters": {}}
    expect(owner.client.put(f"/devices/{victim.id}/command", json=second), 204)
    assert json.loads(victim_back.expect(command_topic, timeout=5).payload) == second
    assert thief.connected and victim_back.connected
    thief.expect_none(0.5)
    victim_back.close()
    thief.close()


def test_a_clean_session_with_another_devices_client_id_does_not_disconnect_it(household):
    project, _, _, victim, attacker = household
    client_id = unique_client_id("clean")
    victim_client = device_client(project.server, victim, client_id=client_id)
    victim_client.connect()
    thief = device_client(project.server, attacker, client_id=client_id)
    thief.connect()
    assert not victim_client.disconnected.wait(1.0), "the other device's CONNECT ended the victim's connection"
    # The same device connecting again does take its own session over, as MQTT says.
    again = device_client(project.server, victim, client_id=client_id)
    again.connect()
    assert victim_client.disconnected.wait(5.0), "a device's own second connection did not take its session over"
    for client in (again, thief):
        client.close()


def test_project_keys_do_not_share_sessions(email_project: Project):
    first_key = email_project.key("mqtt")
    second_key = email_project.key("mqtt", "events")
    client_id = unique_client_id("backend")
    topic = "/backend/jobs"
    first = MqttClient(Broker(email_project.server.mqtt_port, username="apikey", password=first_key.key),
                       version=V5, client_id=client_id, clean=False, session_expiry=3600)
    first.connect()
    first.subscribe(topic, qos=1)
    first.disconnect()
    publisher = MqttClient(Broker(email_project.server.mqtt_port, username="apikey", password=second_key.key),
                           version=V5, client_id=unique_client_id("pub"))
    publisher.connect()
    publisher.publish(topic, "for the first key only", qos=1, timeout=5)
    other = MqttClient(Broker(email_project.server.mqtt_port, username="apikey", password=second_key.key),
                       version=V5, client_id=client_id, clean=False, session_expiry=3600)
    assert other.connect().session_present is False
    other.expect_none(0.8)
    back = MqttClient(Broker(email_project.server.mqtt_port, username="apikey", password=first_key.key),
                      version=V5, client_id=client_id, clean=False, session_expiry=3600)
    assert back.connect().session_present is True
    assert back.expect(topic, "for the first key only", timeout=5)
    for client in (publisher, other, back):
        client.close()


def test_sessions_stay_apart_across_a_restart(private_server: NimbusServer):
    project = Project(private_server)
    owner = project.new_user()
    home = project.new_home(owner)
    victim, attacker = project.device_in_home(owner, home), project.device_in_home(owner, home)
    client_id = unique_client_id("restart")
    victim_client = device_client(private_server, victim, client_id=client_id, clean=False)
    victim_client.connect()
    victim_client.subscribe(f"/devices/{victim.id}/command", qos=1)
    victim_client.close()
    private_server.stop()
    private_server.start()
    thief = device_client(private_server, attacker, client_id=client_id, clean=False)
    assert thief.connect().session_present is False
    victim_back = device_client(private_server, victim, client_id=client_id, clean=False)
    assert victim_back.connect().session_present is True
    for client in (thief, victim_back):
        client.close()


# ---------------------------------------------------------------------------------------------
# Wills (defect 12)


@pytest.mark.parametrize("version", [V311, V5])
def test_a_will_the_event_hook_would_refuse_refuses_the_connect(household, version: int):
    project, _, _, device, _ = household
    topic = f"/devices/{device.id}/event"
    for payload in [b"NOT JSON", b"[1]", json.dumps({"eventData": {}}).encode(),
                    json.dumps({"eventType": "x", "eventData": 3}).encode()]:
        with Broker(project.server.mqtt_port).raw() as raw:
            raw.send(connect_packet(unique_client_id("will"), version=version, username=str(device.id),
                                    password=device.api_key, will=Will(topic, payload)))
            session_present, code = raw.expect(CONNACK).connack()
            # MQTT 5: 0x99 Payload format invalid; 3.1.1 cannot say that and answers 5, not authorized.
            assert code == (0x99 if version == V5 else 5), (payload, code)
            assert raw.closed_within(2.0) is not None


def test_a_will_that_goes_out_is_stored_and_delivered_like_an_event(household):
    project, owner, home, device, _ = household
    listener = MqttClient(Broker(project.server.mqtt_port, username="apikey", password=project.key("mqtt").key),
                          version=V5, client_id=unique_client_id("listener"))
    listener.connect()
    listener.subscribe("/devices/+/event", qos=1)
    will = {"eventType": "offline", "eventData": {"reason": "power"}}
    with open_user_ws(project.server, owner) as ws:
        client = device_client(project.server, device, client_id=unique_client_id("dev"),
                               will=Will(f"/devices/{device.id}/event", json.dumps(will).encode(), qos=1))
        client.connect()
        client.drop()  # no DISCONNECT: the will goes out
        event = ws.recv_json()
        assert event["eventType"] == "offline" and event["eventData"] == {"reason": "power"}, event
        assert event["homeId"] == home and event["originDeviceId"] == device.id, event
    message = listener.expect(f"/devices/{device.id}/event", timeout=5)
    assert json.loads(message.payload) == will
    listener.close()


def test_a_will_on_a_plain_topic_of_a_project_key_still_goes_out_unchanged(email_project: Project):
    key = email_project.key("mqtt")
    broker = Broker(email_project.server.mqtt_port, username="apikey", password=key.key)
    listener = MqttClient(broker, version=V5, client_id=unique_client_id("l"))
    listener.connect()
    listener.subscribe("/status/#", qos=1)
    leaving = MqttClient(broker, version=V5, client_id=unique_client_id("w"), will=Will("/status/backend", b"NOT JSON"))
    leaving.connect()
    leaving.drop()
    assert listener.expect("/status/backend", "NOT JSON", timeout=5)
    listener.close()
