"""MODE devices over MQTT (seed-apis.md §1.4), with paho-mqtt as the vendor SDKs connect: MQTT 3.1.1,
empty client id, clean session, user name = device id, password = device API key."""

from __future__ import annotations

import json
import queue
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from harness import HttpSink, NimbusServer, expect, expect_error, wait_until
from mqtt import V311, MqttClient, NimbusBroker, qos1_storm_then_stop
from world import Device, Project, User, open_user_ws, storm_devices, storm_events

TIMEOUT = 5.0
# paho reports 3.1.1 CONNACK return codes as MQTT 5 reason codes: 4 → 0x86, 5 → 0x87.
REFUSED = (0x86, 0x87)


def code(rc: Any) -> int:
    return getattr(rc, "value", rc)


class ModeDevice:
    """A paho client connected the way MODE's SDKs connect, with its received messages in a queue."""

    def __init__(self, port: int, username: str, password: str, client_id: str = "",
                 protocol: int = mqtt.MQTTv311) -> None:
        self.messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.connack: queue.Queue[Any] = queue.Queue()
        self.suback: queue.Queue[list[Any]] = queue.Queue()
        self.closed: queue.Queue[Any] = queue.Queue()
        kwargs: dict[str, Any] = {"client_id": client_id, "protocol": protocol}
        if protocol != mqtt.MQTTv5:
            kwargs["clean_session"] = True
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, **kwargs)
        self.client.username_pw_set(username, password)
        self.client.on_connect = lambda c, u, flags, rc, props: self.connack.put(rc)
        self.client.on_subscribe = lambda c, u, mid, codes, props: self.suback.put(codes)
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload))
        self.client.on_disconnect = lambda c, u, flags, rc, props: self.closed.put(rc)
        self.client.connect("127.0.0.1", port, keepalive=60)
        self.client.loop_start()
        self.rc = self.connack.get(timeout=TIMEOUT)

    def subscribe(self, topic: str, qos: int = 0) -> Any:
        self.client.subscribe(topic, qos)
        return self.suback.get(timeout=TIMEOUT)[0]

    def publish(self, topic: str, payload: Any, qos: int = 1) -> mqtt.MQTTMessageInfo:
        body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        info = self.client.publish(topic, body, qos=qos)
        info.wait_for_publish(TIMEOUT)
        return info

    def next(self, topic: str | None = None, timeout: float = TIMEOUT) -> Any:
        """The next message (on `topic`), its payload parsed as JSON."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no MQTT message on {topic or 'any topic'} within {timeout} s")
            try:
                got_topic, payload = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if topic is None or got_topic == topic:
                return json.loads(payload)

    def expect_quiet(self, duration: float = 0.5) -> None:
        try:
            topic, payload = self.messages.get(timeout=duration)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected MQTT message on {topic}: {payload!r}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class House:
    project: Project
    owner: User
    home: int
    device: Device

    def mqtt(self, device: Device | None = None, **kwargs: Any) -> ModeDevice:
        device = device or self.device
        return ModeDevice(self.project.server.mqtt_port, str(device.id), device.api_key, **kwargs)

    def state(self) -> dict:
        return expect(self.owner.client.get(f"/devices/{self.device.id}"), 200)


@pytest.fixture
def house(email_project: Project) -> House:
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    return House(email_project, owner, home, email_project.device_in_home(owner, home))


@pytest.fixture
def device(house: House):
    client = house.mqtt()
    assert client.rc == 0, client.rc
    yield client
    client.close()


# ---------------------------------------------------------------------------------------------
# Connecting


def test_device_connects_with_id_and_key_and_is_shown_connected(house: House):
    assert house.state()["isConnected"] is False
    client = house.mqtt()
    assert client.rc == 0
    wait_until(lambda: house.state()["isConnected"] is True, timeout=5, what="isConnected after CONNECT")
    client.close()
    wait_until(lambda: house.state()["isConnected"] is False, timeout=5, what="isConnected after DISCONNECT")
    state = house.state()
    assert state["lastDisconnectTime"] >= state["lastConnectTime"], state


@pytest.mark.parametrize("credentials", ["wrong-key", "other-device", "user-token", "non-numeric"])
def test_device_with_bad_credentials_is_refused(house: House, credentials: str):
    other = house.project.new_device()
    username, password = {
        "wrong-key": (str(house.device.id), "v1.d.not-a-key"),
        "other-device": (str(house.device.id), other.api_key),
        "user-token": (str(house.device.id), house.owner.token),
        "non-numeric": ("device", house.device.api_key),
    }[credentials]
    client = ModeDevice(house.project.server.mqtt_port, username, password)
    try:
        assert code(client.rc) in REFUSED, client.rc
        assert house.state()["isConnected"] is False
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------
# Events and commands


def test_event_published_by_the_device_reaches_the_user_websocket(house: House, device: ModeDevice):
    with open_user_ws(house.project.server, house.owner) as ws:
        info = device.publish(f"/devices/{house.device.id}/event",
                              {"eventType": "temperature", "eventData": {"celsius": 21.5}}, qos=1)
        assert info.is_published()
        event = ws.recv_json()
        assert event["eventType"] == "temperature" and event["eventData"] == {"celsius": 21.5}, event
        assert event["homeId"] == house.home and event["originDeviceId"] == house.device.id, event
        device.publish(f"/devices/{house.device.id}/event", {"eventType": "door"}, qos=0)
        assert ws.recv_json()["eventType"] == "door"


def test_malformed_events_are_dropped_and_the_connection_stays_usable(house: House, device: ModeDevice):
    with open_user_ws(house.project.server, house.owner) as ws:
        for bad in [b"not json", b"[1,2]", json.dumps({"eventData": {}}), json.dumps({"eventType": ""}),
                    json.dumps({"eventType": "x", "eventData": 5})]:
            device.publish(f"/devices/{house.device.id}/event", bad, qos=1)
        ws.expect_quiet(0.5)
        device.publish(f"/devices/{house.device.id}/event", {"eventType": "fine"}, qos=1)
        assert ws.recv_json()["eventType"] == "fine"


def test_command_sent_over_rest_reaches_the_subscribed_device(house: House, device: ModeDevice):
    assert device.subscribe(f"/devices/{house.device.id}/command", 0) == 0
    wait_until(lambda: house.state()["isConnected"] is True, timeout=5, what="isConnected")
    expect(house.owner.client.put(f"/devices/{house.device.id}/command",
                                  json={"action": "light", "parameters": {"on": True}}), 204)
    assert device.next(f"/devices/{house.device.id}/command") == {"action": "light", "parameters": {"on": True}}


def test_command_to_a_device_offline_on_every_channel_is_refused(house: House):
    expect_error(house.owner.client.put(f"/devices/{house.device.id}/command", json={"action": "light"}), [400, 409, 503])


def test_device_is_confined_to_its_own_topics(house: House, device: ModeDevice):
    other = house.project.device_in_home(house.owner, house.home)
    other_client = house.mqtt(other)
    try:
        assert other_client.subscribe(f"/devices/{other.id}/command") == 0
        # Another device's topics, the whole tree and shared subscriptions are refused (0x80).
        for topic in [f"/devices/{other.id}/command", "#", "/devices/+/event", f"$share/g/devices/{house.device.id}/x"]:
            granted = device.subscribe(topic)
            assert code(granted) == 0x80, (topic, granted)
        with open_user_ws(house.project.server, house.owner) as ws:
            device.publish(f"/devices/{other.id}/event", {"eventType": "spoofed"}, qos=1)
            device.publish(f"/devices/{other.id}/command", {"action": "spoofed"}, qos=1)
            ws.expect_quiet(0.5)
            other_client.expect_quiet(0.2)
    finally:
        other_client.close()


def test_deleting_the_device_closes_its_mqtt_connection(house: House, device: ModeDevice):
    wait_until(lambda: house.state()["isConnected"] is True, timeout=5, what="isConnected")
    expect(house.owner.client.delete(f"/devices/{house.device.id}"), 204)
    device.closed.get(timeout=TIMEOUT)
    again = house.mqtt()
    try:
        assert code(again.rc) in REFUSED, again.rc
    finally:
        again.close()


# ---------------------------------------------------------------------------------------------
# Key-value sync


def kv_url(house: House, key: str = "") -> str:
    return f"/devices/{house.device.id}/kv" + (f"/{key}" if key else "")


def test_subscribing_to_kv_reloads_the_whole_store(house: House):
    expect(house.device.client.put(kv_url(house, "mode"), json={"value": "eco"}), 204)
    expect(house.device.client.put(kv_url(house, "limits"), json={"value": {"max": 3}}), 204)
    client = house.mqtt()
    try:
        client.subscribe(kv_url(house))
        reload = client.next(kv_url(house))
        assert reload["action"] == "reload" and reload["numItems"] == 2, reload
        assert {i["key"]: i["value"] for i in reload["items"]} == {"mode": "eco", "limits": {"max": 3}}, reload
        assert isinstance(reload["rev"], int) and reload["rev"] > 0, reload
        assert all("modificationTime" in i for i in reload["items"]), reload
    finally:
        client.close()


def test_kv_changes_flow_both_ways_with_growing_revisions(house: House, device: ModeDevice):
    device.subscribe(kv_url(house))
    rev = device.next(kv_url(house))["rev"]

    # Cloud → device: REST changes arrive as set/delete with a newer rev.
    expect(house.owner.client.put(kv_url(house, "color"), json={"value": "red"}), 204)
    change = device.next(kv_url(house))
    assert change["action"] == "set" and change["key"] == "color" and change["value"] == "red", change
    assert change["rev"] > rev, change
    rev = change["rev"]

    # Device → cloud: a set is stored (visible over REST) and comes back with its rev.
    device.publish(kv_url(house), {"action": "set", "key": "speed", "value": 7}, qos=1)
    assert expect(house.owner.client.get(kv_url(house, "speed")), 200)["value"] == 7
    echo = device.next(kv_url(house))
    assert echo["action"] == "set" and echo["key"] == "speed" and echo["rev"] > rev, echo
    rev = echo["rev"]

    device.publish(kv_url(house), {"action": "delete", "key": "color"}, qos=1)
    expect_error(house.owner.client.get(kv_url(house, "color")), [404])
    gone = device.next(kv_url(house))
    assert gone["action"] == "delete" and gone["key"] == "color" and gone["rev"] > rev, gone

    # Bad sync messages change nothing.
    for bad in [b"{", {"action": "set", "key": "no value"}, {"action": "explode", "key": "speed"},
                {"action": "set", "key": "bad key!", "value": 1}]:
        device.publish(kv_url(house), bad, qos=1)
    assert expect(house.owner.client.get(kv_url(house, "speed")), 200)["value"] == 7
    device.expect_quiet(0.3)


# ---------------------------------------------------------------------------------------------
# Project keys


def test_project_key_with_mqtt_permission_sees_every_device_and_only_its_project(house: House, device: ModeDevice,
                                                                                  make_project):
    port = house.project.server.mqtt_port
    backend = ModeDevice(port, "apikey", house.project.key("mqtt").key, client_id="backend")
    stranger_project = make_project("email")
    stranger = ModeDevice(port, "apikey", stranger_project.key("mqtt").key, client_id="backend")
    try:
        assert backend.rc == 0 and stranger.rc == 0
        backend.subscribe("/devices/+/event")
        stranger.subscribe("#")
        device.publish(f"/devices/{house.device.id}/event", {"eventType": "hello"}, qos=1)
        assert backend.next(f"/devices/{house.device.id}/event")["eventType"] == "hello"
        stranger.expect_quiet(0.3)
    finally:
        backend.close()
        stranger.close()


def test_project_key_without_mqtt_permission_is_refused(house: House):
    client = ModeDevice(house.project.server.mqtt_port, "apikey", house.project.key("events", "kv").key)
    try:
        assert code(client.rc) == 0x87, client.rc
    finally:
        client.close()


def test_mqtt5_device_gets_reason_codes_for_refused_events(house: House):
    client = house.mqtt(protocol=mqtt.MQTTv5)
    acks: queue.Queue[Any] = queue.Queue()
    client.client.on_publish = lambda c, u, mid, rc, props: acks.put(rc)
    try:
        client.publish(f"/devices/{house.device.id}/event", b"not json", qos=1)
        rc = acks.get(timeout=TIMEOUT)
        assert code(rc) == 0x99, rc  # Payload format invalid
        client.publish(f"/devices/{house.device.id}/event", {"eventType": "ok"}, qos=1)
        rc = acks.get(timeout=TIMEOUT)
        assert code(rc) in (0x00, 0x10), rc
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------
# Durability


def test_acknowledged_device_events_survive_kill_9(http_sink: HttpSink, private_server: NimbusServer):
    """Four devices of one home publish QoS 1 events (`{"eventType": "storm", "eventData": {"n": key}}`)
    to their event topics as fast as they are acknowledged; after 300 PUBACKs the server gets
    SIGKILL. After a restart, every event whose PUBACK a device had received is stored, from the
    device that sent it, and nothing else is.

    Nimbus has no API that lists stored events, so a webhooks smart module subscribed to `storm`
    reads them back: its deliveries are written to the durable outbox in the same transaction as
    the event, and whatever was not yet sent at the kill is sent after the restart. (The sink is
    the first fixture so that it outlives the server: deliveries to a closed port would hold up
    the server's SIGTERM.)"""
    project, devices = storm_devices(private_server, http_sink)
    broker = NimbusBroker(private_server, project, credentials=False)

    def connect(index: int) -> MqttClient:
        device = devices[index]  # as MODE's SDKs connect: MQTT 3.1.1, empty client id, id and key
        client = MqttClient(broker, version=V311, client_id="", username=str(device.id), password=device.api_key,
                            max_inflight=200)
        client.connect()
        return client

    def publish(client: MqttClient, index: int, seq: int):
        key = f"{index}-{seq}"
        body = json.dumps({"eventType": "storm", "eventData": {"n": key}})
        return client.paho.publish(f"/devices/{devices[index].id}/event", body, qos=1), key

    result = qos1_storm_then_stop(broker, publish, private_server.kill, publishers=len(devices),
                                  stop_after_acks=300, connect=connect)
    assert result.acked_count >= 300, result.acked_count
    private_server.start()

    def stored() -> dict[str, int]:
        return storm_events(http_sink)

    try:
        wait_until(lambda: result.acknowledged <= stored().keys(), timeout=20, what="every acknowledged event")
    except AssertionError:
        missing = result.acknowledged - stored().keys()
        raise AssertionError(f"{len(missing)} of {result.acked_count} acknowledged events lost, "
                             f"e.g. {sorted(missing)[:5]}\n{private_server.log_tail()}") from None
    found = stored()
    assert found.keys() <= set(result.published.values()), "events that were never published"
    wrong = {n: origin for n, origin in found.items() if origin != devices[int(n.split("-")[0])].id}
    assert not wrong, f"events stored with the wrong origin device: {wrong}"
