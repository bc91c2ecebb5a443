"""The WiFi Motion sensors (docs/wifimotion.md, "Sensors"): the sensor integration and its external
account, the hub that connects to Nimbus's own MQTT broker with that account (paho-mqtt plays the
hub), the sensors it pairs and reports, and what the app reads and sets through `/sensors/…`.

The seed's flow end to end: an owner enables the integration with `show_account=true` and gets
`userThingName` (`USER_<32 hex>`) and `external_password`; the hub connects with them and its own
thing name as client id, says it is online, pairs a door sensor and reports its state and battery;
the app lists the hub and the sensor, sets what it may set, sends the hub into pairing mode, and
deletes sensors, the hub and the integration. Around it: who may do what (owner, member,
non-member), what the hub may publish and subscribe to, malformed and foreign reports (refused with
MQTT 5 reason codes, changing nothing), a disabled and a deleted integration.

Every test signs up users of its own through `POST /users` on the shared server; hubs are named per
test (the seed's `HUB_0001` in the end-to-end test).
"""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.parse
from typing import Any, Callable

import pytest

from harness import NimbusServer
from mqtt import RC_BAD_CREDENTIALS, V311, V5, Broker, MqttClient
from wifimotion import Account, WiFiMotion, assert_time, expect_empty, expect_error, expect_json

SEED_HUB = "HUB_0001"
SEED_DOOR = "SENSOR_00112233aabbccdd"
USER_THING_NAME = re.compile(r"^USER_[0-9a-f]{32}$")
PURPOSES = ("FrontDoorVibration", "BackDoorVibration", "SideDoorVibration", "RefrigeratorVibration", "Bathroom",
            "SensorDoor", "MainHub", "SecondaryHub")
INTEGRATION_FIELDS = {"id", "integrations_enable", "network_id", "external_id", "user_id", "userThingName",
                      "oob_phase", "created_at", "updated_at"}
ACCOUNT_FIELDS = {"external_account", "external_email", "external_password", "external_token"}
DEVICE_FIELDS = {"id", "network_id", "external_id", "userThingName", "thingName", "config", "deviceType", "purpose",
                 "created_at", "updated_at"}
# Success of a QoS 1 PUBLISH: 0, or MQTT 5's "no matching subscribers" (the broker may say so).
ACCEPTED = {0x00, 0x10}
NOT_AUTHORIZED, PAYLOAD_FORMAT_INVALID = 0x87, 0x99


@pytest.fixture
def wm(server: NimbusServer) -> WiFiMotion:
    return WiFiMotion(server)


def unique_hub() -> str:
    return f"HUB_{secrets.token_hex(4)}"


def unique_sensor() -> str:
    return f"SENSOR_{secrets.token_hex(8)}"


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


# --------------------------------------------------------------------------------------------
# The integration


def assert_integration(integration: Any, owner: Account, *, enabled: bool | None = None,
                       account: bool = False) -> None:
    """An Integration of `owner`'s network: its fields, and with `account` the external account's."""
    assert isinstance(integration, dict), integration
    missing = INTEGRATION_FIELDS - set(integration)
    assert not missing, f"Integration lacks {sorted(missing)}: {integration}"
    n = owner.network_id
    assert integration["id"] == n and integration["network_id"] == n and integration["external_id"] == n, \
        f"id, network_id and external_id are the network's id ({n}): {integration}"
    assert isinstance(integration["integrations_enable"], bool), integration
    if enabled is not None:
        assert integration["integrations_enable"] is enabled, integration
    assert isinstance(integration["user_id"], int), integration
    assert isinstance(integration["oob_phase"], str), integration
    assert_time(integration["created_at"], "created_at")
    assert_time(integration["updated_at"], "updated_at")
    name = integration["userThingName"]
    assert name is None or USER_THING_NAME.match(name), f"userThingName is USER_<32 hex>: {integration}"
    if account:
        assert name is not None, integration
        missing = ACCOUNT_FIELDS - set(integration)
        assert not missing, f"show_account=true adds {sorted(missing)}: {integration}"
        assert integration["external_account"] == name, f"external_account is userThingName: {integration}"
        assert isinstance(integration["external_password"], str) and integration["external_password"], integration
        assert integration["external_token"] is None, integration
    else:
        shown = ACCOUNT_FIELDS & {key for key, value in integration.items() if value is not None}
        assert not shown, f"the external account is shown only with show_account=true: {integration}"


def enable(owner: Account, oob_phase: str | None = None, **params: Any) -> dict[str, Any]:
    """`POST /sensors/integrations?show_account=true {integrations_enable: true}` → 201; the Integration."""
    body: dict[str, Any] = {"integrations_enable": True}
    if oob_phase is not None:
        body["oob_phase"] = oob_phase
    answer = expect_json(owner.post("/sensors/integrations", params={"show_account": "true", **params}, json=body),
                         201)
    assert isinstance(answer, dict) and set(answer) == {"integrations"}, answer
    integration = answer["integrations"]
    assert_integration(integration, owner, enabled=True, account=True)
    assert integration["user_id"] == owner.id, f"user_id is who made it: {integration}"
    return integration


def integration_of(account: Account, status: int = 200, **params: Any) -> dict[str, Any]:
    """`GET /sensors/integrations` → `{"integrations": Integration}`; the Integration."""
    answer = expect_json(account.get("/sensors/integrations", params=params or None), status)
    assert isinstance(answer, dict) and set(answer) == {"integrations"}, answer
    return answer["integrations"]


# --------------------------------------------------------------------------------------------
# Sensors as the app sees them


def assert_device(device: Any, network_id: int, user_thing_name: str | None) -> None:
    """A SensorDevice of `network_id`: its fields and `config`'s (`notify`, `online`, `friendlyName`)."""
    assert isinstance(device, dict), device
    missing = DEVICE_FIELDS - set(device)
    assert not missing, f"SensorDevice lacks {sorted(missing)}: {device}"
    assert device["network_id"] == network_id, device
    assert device["userThingName"] == user_thing_name, f"userThingName is the network's: {device}"
    assert isinstance(device["id"], int) and isinstance(device["external_id"], int), device
    assert isinstance(device["thingName"], str) and isinstance(device["deviceType"], str), device
    assert device["purpose"] is None or device["purpose"] in PURPOSES, device
    config = device["config"]
    assert isinstance(config, dict), device
    assert isinstance(config.get("notify"), bool) and isinstance(config.get("online"), bool), \
        f"config has notify and online as booleans: {device}"
    assert isinstance(config.get("friendlyName"), str), f"config has friendlyName: {device}"
    assert_time(device["created_at"], "created_at")
    assert_time(device["updated_at"], "updated_at")


def devices_of(account: Account, user_thing_name: str | None, network_id: int | None = None) -> list[dict[str, Any]]:
    """`GET /sensors/devices[?network_id=]`, checked; the SensorDevices."""
    params = {"network_id": network_id} if network_id is not None else None
    answer = expect_json(account.get("/sensors/devices", params=params), 200)
    assert isinstance(answer, dict) and set(answer) == {"devices"} and isinstance(answer["devices"], list), answer
    for device in answer["devices"]:
        assert_device(device, network_id or account.network_id, user_thing_name)
    return answer["devices"]


def names(devices: list[dict[str, Any]]) -> list[str]:
    return [device["thingName"] for device in devices]


def device_of(account: Account, thing_name: str, user_thing_name: str | None,
              network_id: int | None = None) -> dict[str, Any]:
    params = {"network_id": network_id} if network_id is not None else None
    device = expect_json(account.get(f"/sensors/devices/{thing_name}", params=params), 200)
    assert_device(device, network_id or account.network_id, user_thing_name)
    assert device["thingName"] == thing_name, device
    return device


# --------------------------------------------------------------------------------------------
# The hub: paho-mqtt with the external account


def hub_broker(server: NimbusServer, integration: dict[str, Any], password: str | None = None) -> Broker:
    """Nimbus's broker as the hub sees it: user name `userThingName`, password the external password."""
    return Broker(server.mqtt_port, username=integration["userThingName"],
                  password=password if password is not None else integration["external_password"],
                  ws_port=server.http_port, ws_path="/mqtt")


def hub_client(server: NimbusServer, integration: dict[str, Any], hub: str, *, version: int = V311,
               password: str | None = None, **kw: Any) -> MqttClient:
    """A paho client of the hub (not yet connected): client id = the hub's thing name."""
    return MqttClient(hub_broker(server, integration, password), version=version, client_id=hub, **kw)


def connect_hub(server: NimbusServer, integration: dict[str, Any], hub: str, *, version: int = V311,
                **kw: Any) -> MqttClient:
    """The hub, connected (CONNACK 0 asserted)."""
    client = hub_client(server, integration, hub, version=version, **kw)
    client.connect()
    return client


def connack_code(server: NimbusServer, integration: dict[str, Any], hub: str, *, version: int = V311,
                 password: str | None = None, username: str | None = None) -> int:
    """The CONNACK's reason code for a hub's CONNECT (0 accepted; -1 dropped without one); then closes."""
    broker = hub_broker(server, integration, password)
    if username is not None:
        broker.username = username
    client = MqttClient(broker, version=version, client_id=hub)
    try:
        return client.connect(check=False).reason_code
    finally:
        client.close()


def prefix(integration: dict[str, Any], hub: str) -> str:
    return f"wifimotion/{integration['userThingName']}/{hub}/"


def report(client: MqttClient, integration: dict[str, Any], hub: str, suffix: str, payload: Any) -> int:
    """Publishes at QoS 1 below the hub's prefix (dicts as JSON) and waits for the PUBACK; its reason code."""
    if isinstance(payload, (dict, list)):
        payload = json.dumps(payload)
    return client.publish(prefix(integration, hub) + suffix, str(payload) if isinstance(payload, int) else payload,
                          qos=1)


def accepted(code: int, what: str) -> None:
    assert code in ACCEPTED, f"{what}: PUBACK reason code {code:#x}, expected success"


def add_sensor(client: MqttClient, integration: dict[str, Any], hub: str, sensor: str,
               device_type: str = "SensorDoor") -> None:
    accepted(report(client, integration, hub, f"devices/{sensor}/added", {"deviceType": device_type}),
             f"{sensor} added")


def pair_messages(client: MqttClient) -> list[Any]:
    """The JSON payloads of the `cmd/pair` messages the hub received so far (taken from its inbox)."""
    return [json.loads(message.payload) for message in client.take_all() if message.topic.endswith("/cmd/pair")]


def pair_once_gone(owner: Account, hub: str) -> None:
    """Pairing a hub that just disconnected: `409` (polled briefly, as the broker ends the session after the
    client's DISCONNECT went out)."""
    wait_for(lambda: owner.post(f"/sensors/pair/{hub}", json={"timeout": 30}).status_code != 200,
             "the hub's session to end", timeout=3)
    expect_error(owner.post(f"/sensors/pair/{hub}", json={"timeout": 30}), 409)


@pytest.fixture
def household(server: NimbusServer, wm: WiFiMotion):
    """An owner with the integration enabled, a connected hub (MQTT 3.1.1) that is online and paired a door
    sensor, whose state (`open`) and battery (87) it reported: (owner, integration, hub name, sensor name,
    hub client)."""
    owner = wm.account()
    integration = enable(owner)
    hub, sensor = unique_hub(), unique_sensor()
    client = connect_hub(server, integration, hub)
    accepted(report(client, integration, hub, "online", "1"), "online")
    add_sensor(client, integration, hub, sensor)
    accepted(report(client, integration, hub, f"devices/{sensor}/value", {"status": "open"}), "value")
    accepted(report(client, integration, hub, f"devices/{sensor}/battery", 87), "battery")
    return owner, integration, hub, sensor, client


# --------------------------------------------------------------------------------------------
# The seed's flow, end to end


def test_the_seed_integration_flow_end_to_end(server: NimbusServer, wm: WiFiMotion):
    """The seed's integration, step by step: the owner enables it with `show_account=true` and gets
    `userThingName` (`USER_<32 hex>`) and `external_password`; a paho client (MQTT 3.1.1) with those as user
    name and password and `HUB_0001` as client id connects, publishes at QoS 1 `online` `1`, pairs the door
    sensor (`devices/SENSOR_00112233aabbccdd/added` `{"deviceType": "SensorDoor"}`) and reports `value`
    `{"status": "open"}` and `battery` 87. The app lists the hub then the sensor, reads the sensor alone, sets
    `notify`, `purpose` and `friendlyName`, puts the hub into pairing mode (the hub gets `{"timeout": 30}` on
    `cmd/pair`), sees the sensor go when the hub reports it `removed`, gets 409 for pairing once the hub is
    gone, and deletes the integration (204, then 404)."""
    owner = wm.account()
    answer = expect_json(owner.post("/sensors/integrations", params={"show_account": "true"},
                                    json={"integrations_enable": True, "oob_phase": "phase-1"}), 201)
    assert set(answer) == {"integrations"}, answer
    integration = answer["integrations"]
    assert_integration(integration, owner, enabled=True, account=True)
    assert integration["oob_phase"] == "phase-1" and integration["user_id"] == owner.id, integration
    user_thing_name, password = integration["userThingName"], integration["external_password"]
    assert USER_THING_NAME.match(user_thing_name), integration

    hub = MqttClient(Broker(server.mqtt_port, username=user_thing_name, password=password), version=V311,
                     client_id=SEED_HUB)
    assert hub.connect().reason_code == 0
    base = f"wifimotion/{user_thing_name}/{SEED_HUB}/"
    for topic, payload in [("online", "1"),
                           (f"devices/{SEED_DOOR}/added", json.dumps({"deviceType": "SensorDoor"})),
                           (f"devices/{SEED_DOOR}/value", json.dumps({"status": "open"})),
                           (f"devices/{SEED_DOOR}/battery", "87")]:
        assert hub.publish(base + topic, payload, qos=1) == 0, f"{topic} acknowledged"

    # The reports are stored before their PUBACKs: the app sees them at once.
    devices = devices_of(owner, user_thing_name)
    assert names(devices) == [SEED_HUB, SEED_DOOR], f"the hub, then its sensor: {devices}"
    hub_device, door = devices
    assert hub_device["config"]["online"] is True, f"the hub said it is online: {hub_device}"
    assert door["deviceType"] == "SensorDoor", door
    assert door["config"]["status"] == "open" and door["config"]["batteryLevel"] == 87, door
    assert door["config"]["notify"] is False and door["purpose"] is None, f"nothing set by the app yet: {door}"
    assert door["config"]["friendlyName"], door
    # The door sensor's state as last reported, and its history: what it detected, newest first.
    assert device_of(owner, SEED_DOOR, user_thing_name) == door
    history = owner.get("/sensors/history")
    assert history.status_code == 200, history.text
    detections = history.json()["detections"]
    assert [(d["thingName"], d["deviceType"], d["channel"], d["value"]) for d in detections] == [
        (SEED_DOOR, "SensorDoor", "battery", 87), (SEED_DOOR, "SensorDoor", "status", "open")], detections
    assert detections[0]["ts"] >= detections[1]["ts"], detections

    changed = expect_json(owner.patch(f"/sensors/devices/{SEED_DOOR}", json={
        "notify": True, "purpose": "FrontDoorVibration", "friendlyName": "Front door"}), 200)
    assert_device(changed, owner.network_id, user_thing_name)
    assert changed["config"]["notify"] is True and changed["purpose"] == "FrontDoorVibration", changed
    assert changed["config"]["friendlyName"] == "Front door", changed
    assert changed["config"]["status"] == "open" and changed["config"]["batteryLevel"] == 87, \
        f"what the hub reported stays: {changed}"
    assert device_of(owner, SEED_DOOR, user_thing_name) == changed

    assert hub.subscribe(base + "cmd/pair", qos=1) == [1]
    paired = expect_json(owner.post(f"/sensors/pair/{SEED_HUB}", json={"timeout": 30}), 200)
    assert paired == {"thingName": SEED_HUB, "timeout": 30}, paired
    assert json.loads(hub.expect(base + "cmd/pair").payload) == {"timeout": 30}

    assert hub.publish(base + f"devices/{SEED_DOOR}/removed", "", qos=1) == 0
    expect_error(owner.get(f"/sensors/devices/{SEED_DOOR}"), 404)
    assert names(devices_of(owner, user_thing_name)) == [SEED_HUB]

    hub.disconnect()
    pair_once_gone(owner, SEED_HUB)

    expect_empty(owner.delete("/sensors/integrations"), 204)
    expect_error(owner.get("/sensors/integrations"), 404)
    assert devices_of(owner, None) == [], "the hub went with the integration"


# --------------------------------------------------------------------------------------------
# The integration and its external account


def test_the_external_account_is_made_once_and_shown_only_with_show_account(server: NimbusServer, wm: WiFiMotion):
    """Enabling gives the network its external account: `external_account` is `userThingName`,
    `external_email` is `<userThingName>@<server host>`, `external_token` is `null`. It is made once: enabling
    again answers the same account. Without `show_account=true` the Integration has `userThingName` but none of
    the `external_*` fields."""
    owner = wm.account()
    first = enable(owner, oob_phase="first")
    again = enable(owner)
    assert again["userThingName"] == first["userThingName"], "the same account afterwards"
    assert again["external_password"] == first["external_password"], "the same password afterwards"
    assert again["oob_phase"] == "first", f"oob_phase left out keeps what was there: {again}"
    assert again["created_at"] == first["created_at"], again

    plain = integration_of(owner)
    assert_integration(plain, owner, enabled=True, account=False)
    assert plain["userThingName"] == first["userThingName"], plain
    shown = integration_of(owner, show_account="true")
    assert_integration(shown, owner, enabled=True, account=True)
    assert shown["external_password"] == first["external_password"], shown
    # The account works: the hub connects with it.
    assert connack_code(server, first, unique_hub()) == 0
    host = urllib.parse.urlsplit(server.base_url).hostname
    assert first["external_email"] == f"{first['userThingName']}@{host}", \
        f"external_email is <userThingName>@<server host> ({host}): {first}"


def test_post_needs_integrations_enable_and_takes_a_form(server: NimbusServer, wm: WiFiMotion):
    """`integrations_enable` is required (400 naming it, and nothing is made) and must be a boolean; the sample
    client's form (`integrations_enable=True`, `oob_phase=None` for an empty field) is read as JSON would be."""
    owner = wm.account()
    expect_error(owner.post("/sensors/integrations", json={"oob_phase": "x"}), 400, "integrations_enable")
    expect_error(owner.post("/sensors/integrations", json={"integrations_enable": "maybe"}), 400,
                 "integrations_enable")
    expect_error(owner.get("/sensors/integrations"), 404)
    assert devices_of(owner, None) == []

    made = expect_json(owner.post("/sensors/integrations", params={"show_account": "true"},
                                  form={"integrations_enable": True, "oob_phase": "None"}), 201)["integrations"]
    assert_integration(made, owner, enabled=True, account=True)
    assert made["oob_phase"] != "None", f"the text None is no value: {made}"
    changed = expect_json(owner.patch("/sensors/integrations", form={"oob_phase": "phase-2"}), 200)["integrations"]
    assert_integration(changed, owner, enabled=True)
    assert changed["oob_phase"] == "phase-2" and changed["userThingName"] == made["userThingName"], changed
    assert integration_of(owner)["oob_phase"] == "phase-2"


def test_integrations_enable_false_on_post_leaves_an_existing_integration_unchanged(server: NimbusServer,
                                                                                    wm: WiFiMotion):
    """The vendor's rule: `POST` with `integrations_enable: false` for a network that has an integration leaves
    it as it is (201 with the integration, still enabled, its `oob_phase` and `updated_at` unchanged, its hub
    still let in). For a network without one, it makes one disabled and without an account (`userThingName`
    `null`, no password even with `show_account=true`); enabling it later makes the account."""
    owner = wm.account()
    before = enable(owner, oob_phase="kept")
    answer = expect_json(owner.post("/sensors/integrations", params={"show_account": "true"},
                                    json={"integrations_enable": False, "oob_phase": "changed"}), 201)
    after = answer["integrations"]
    assert after == before, f"left as it is: {after} (was {before})"
    assert integration_of(owner, show_account="true") == before
    assert connack_code(server, before, unique_hub()) == 0, "the hub is still let in"

    other = wm.account()
    disabled = expect_json(other.post("/sensors/integrations", params={"show_account": "true"},
                                      json={"integrations_enable": False}), 201)["integrations"]
    assert_integration(disabled, other, enabled=False)
    assert disabled["userThingName"] is None, f"made without an account: {disabled}"
    assert not disabled.get("external_password"), disabled
    assert integration_of(other)["integrations_enable"] is False
    enabled = enable(other)
    assert enabled["created_at"] == disabled["created_at"], "the same integration, now enabled"
    assert connack_code(server, enabled, unique_hub()) == 0


# --------------------------------------------------------------------------------------------
# The hub's reports


def test_the_hub_becomes_a_thing_on_connecting_and_lists_each_hub_followed_by_its_sensors(server: NimbusServer,
                                                                                          wm: WiFiMotion):
    """A hub's first connection makes it a thing of the network (listed before it reports anything); two hubs
    pairing sensors in turns are listed each followed by its own sensors; `online` `1`/`0` sets the hub's
    `config.online`, and a sensor's `online` its own."""
    owner = wm.account()
    integration = enable(owner)
    name = integration["userThingName"]
    hub_a, hub_b = "HUB_A" + secrets.token_hex(3), "HUB_B" + secrets.token_hex(3)
    s1, s2, s3 = unique_sensor(), unique_sensor(), unique_sensor()
    a = connect_hub(server, integration, hub_a)
    assert names(devices_of(owner, name)) == [hub_a], "the hub is a thing from its first connection"
    b = connect_hub(server, integration, hub_b, version=V5)
    add_sensor(a, integration, hub_a, s1, "SensorDoor")
    add_sensor(b, integration, hub_b, s2, "Bathroom")
    add_sensor(a, integration, hub_a, s3, "FrontDoorVibration")
    devices = devices_of(owner, name)
    assert names(devices) == [hub_a, s1, s3, hub_b, s2], f"each hub followed by its sensors: {names(devices)}"
    types = {device["thingName"]: device["deviceType"] for device in devices}
    assert (types[s1], types[s2], types[s3]) == ("SensorDoor", "Bathroom", "FrontDoorVibration"), types

    accepted(report(a, integration, hub_a, "online", "1"), "online 1")
    assert device_of(owner, hub_a, name)["config"]["online"] is True
    accepted(report(a, integration, hub_a, "online", "0"), "online 0")
    assert device_of(owner, hub_a, name)["config"]["online"] is False
    accepted(report(a, integration, hub_a, f"devices/{s1}/online", "0"), "sensor online 0")
    assert device_of(owner, s1, name)["config"]["online"] is False
    accepted(report(a, integration, hub_a, f"devices/{s1}/online", "1"), "sensor online 1")
    assert device_of(owner, s1, name)["config"]["online"] is True


def test_each_field_of_a_value_report_is_kept_in_config(household):
    """`devices/{thingName}/value` is a JSON object of 1–16 fields, each kept in the sensor's `config` (texts,
    numbers, booleans alike, also fields without a name of their own in the docs); a later report changes the
    fields it names and keeps the others."""
    owner, integration, hub, sensor, client = household
    name = integration["userThingName"]
    accepted(report(client, integration, hub, f"devices/{sensor}/value",
                    {"status": "closed", "temperature": 21.5, "humidity": 40, "vibration": True,
                     "pressure": 1013.25}), "value")
    config = device_of(owner, sensor, name)["config"]
    expected = {"status": "closed", "temperature": 21.5, "humidity": 40, "vibration": True, "pressure": 1013.25}
    assert {key: config.get(key) for key in expected} == expected, f"each field kept in config: {config}"
    accepted(report(client, integration, hub, f"devices/{sensor}/value", {"temperature": 22}), "value")
    config = device_of(owner, sensor, name)["config"]
    assert config["temperature"] == 22 and config["status"] == "closed" and config["batteryLevel"] == 87, config


def test_notify_stays_false_until_the_app_sets_it(household):
    """`config.notify` is false until the app sets it: a hub's `value` report naming `notify` does not set it
    (the hub reports what it measures, the app sets what it wants told)."""
    owner, integration, hub, sensor, client = household
    name = integration["userThingName"]
    report(client, integration, hub, f"devices/{sensor}/value", {"status": "closed", "notify": True})
    assert device_of(owner, sensor, name)["config"]["notify"] is False, "only the app sets notify"
    changed = expect_json(owner.patch(f"/sensors/devices/{sensor}", json={"notify": True}), 200)
    assert changed["config"]["notify"] is True, changed


def test_a_removed_report_deletes_the_sensor_and_its_history(household):
    """`devices/{thingName}/removed` deletes the sensor with its history: it is gone from the list and `404`,
    the hub's other sensors stay, and a sensor paired again under that name starts afresh (nothing of what
    was reported or set before)."""
    owner, integration, hub, sensor, client = household
    name = integration["userThingName"]
    other = unique_sensor()
    add_sensor(client, integration, hub, other, "Bathroom")
    expect_json(owner.patch(f"/sensors/devices/{sensor}", json={"notify": True, "purpose": "SensorDoor"}), 200)
    kept = device_of(owner, other, name)

    accepted(report(client, integration, hub, f"devices/{sensor}/removed", ""), "removed")
    expect_error(owner.get(f"/sensors/devices/{sensor}"), 404)
    assert names(devices_of(owner, name)) == [hub, other]
    assert device_of(owner, other, name) == kept

    add_sensor(client, integration, hub, sensor)
    fresh = device_of(owner, sensor, name)
    assert "status" not in fresh["config"] and "batteryLevel" not in fresh["config"], \
        f"the history went with the sensor: {fresh}"
    assert fresh["config"]["notify"] is False and fresh["purpose"] is None, fresh


# --------------------------------------------------------------------------------------------
# What the app sets and deletes


def test_patch_sets_what_the_app_sets_and_bad_values_change_nothing(household):
    """`PATCH /sensors/devices/{thingName}` sets `notify`, `purpose`, `friendlyName` (or `friendly_name`),
    `location`, `temperature_delta`, `humidity_delta` and `eventing`, as JSON or a form. A bad value (a purpose
    not in the list, an empty or too long name, thresholds out of range, an empty body) is `400` naming the
    field, and changes nothing, not even the fields sent with it; an unknown sensor is `404`."""
    owner, integration, hub, sensor, client = household
    name = integration["userThingName"]
    set_json = expect_json(owner.patch(f"/sensors/devices/{sensor}", json={
        "notify": True, "purpose": "BackDoorVibration", "friendlyName": "Back door"}), 200)
    assert_device(set_json, owner.network_id, name)
    assert set_json["config"]["notify"] is True and set_json["purpose"] == "BackDoorVibration", set_json
    assert set_json["config"]["friendlyName"] == "Back door", set_json

    set_form = expect_json(owner.patch(f"/sensors/devices/{sensor}", form={
        "friendly_name": "Kitchen door", "location": "Kitchen", "temperature_delta": 0.5, "humidity_delta": 5,
        "eventing": True, "notify": False}), 200)
    config = set_form["config"]
    assert config["friendlyName"] == "Kitchen door" and config["location"] == "Kitchen", set_form
    assert config["notify"] is False and config.get("eventing") is True, set_form
    assert set_form["purpose"] == "BackDoorVibration", f"what was not sent stays: {set_form}"
    before = device_of(owner, sensor, name)
    assert before == set_form

    for body, field in [({"purpose": "Garage", "notify": True}, "purpose"),
                        ({"friendlyName": "", "notify": True}, "friendlyName"),
                        ({"friendlyName": "x" * 65}, "friendlyName"),
                        ({"location": "x" * 257}, "location"),
                        ({"temperature_delta": 0.05}, "temperature_delta"),
                        ({"temperature_delta": 11}, "temperature_delta"),
                        ({"humidity_delta": 51}, "humidity_delta"),
                        ({"notify": "sometimes"}, "notify")]:
        expect_error(owner.patch(f"/sensors/devices/{sensor}", json=body), 400, field)
        assert device_of(owner, sensor, name) == before, f"{body} changed nothing"
    expect_error(owner.patch(f"/sensors/devices/{sensor}", json={}), 400)
    expect_error(owner.patch(f"/sensors/devices/{unique_sensor()}", json={"notify": True}), 404)
    assert device_of(owner, sensor, name) == before


def test_pairing_reaches_the_subscribed_hub_and_otherwise_answers_409(household):
    """`POST /sensors/pair/{hub}` sends `{"timeout": N}` to the hub's `cmd/pair` and answers
    `{thingName, timeout}`: `timeout` from a JSON body or a form, 60 without one. A hub that is connected but
    not subscribed, or not connected, answers `409`; a timeout outside 1–600 is `400` and nothing is sent; an
    unknown hub is `404`."""
    owner, integration, hub, sensor, client = household
    expect_error(owner.post(f"/sensors/pair/{hub}", json={"timeout": 30}), 409)
    assert client.subscribe(prefix(integration, hub) + "cmd/pair", qos=1) == [1]

    assert expect_json(owner.post(f"/sensors/pair/{hub}", json={"timeout": 30}), 200) == \
        {"thingName": hub, "timeout": 30}
    assert expect_json(owner.post(f"/sensors/pair/{hub}", form={"timeout": "45"}), 200) == \
        {"thingName": hub, "timeout": 45}
    assert expect_json(owner.post(f"/sensors/pair/{hub}"), 200) == {"thingName": hub, "timeout": 60}
    assert expect_json(owner.post(f"/sensors/pair/{hub}/", json={"timeout": 600}), 200) == \
        {"thingName": hub, "timeout": 600}, "with a trailing slash too"
    client.wait_count(4, 5)
    assert pair_messages(client) == [{"timeout": 30}, {"timeout": 45}, {"timeout": 60}, {"timeout": 600}]

    for timeout in (0, 601, "soon"):
        expect_error(owner.post(f"/sensors/pair/{hub}", json={"timeout": timeout}), 400, "timeout")
    expect_error(owner.post(f"/sensors/pair/{unique_hub()}", json={"timeout": 30}), 404)
    client.expect_none(0.5)

    client.disconnect()
    pair_once_gone(owner, hub)


def test_deleting_a_hub_deletes_its_sensors(server: NimbusServer, wm: WiFiMotion):
    """`DELETE /sensors/devices/{hub}` (204, no body) deletes the hub and its sensors; another hub and its sensor
    stay. Deleting a sensor deletes it alone; an unknown thing name is `404`."""
    owner = wm.account()
    integration = enable(owner)
    name = integration["userThingName"]
    hub_a, hub_b = unique_hub(), unique_hub()
    s1, s2, s3, s4 = (unique_sensor() for _ in range(4))
    a = connect_hub(server, integration, hub_a)
    b = connect_hub(server, integration, hub_b)
    add_sensor(a, integration, hub_a, s1)
    add_sensor(a, integration, hub_a, s2)
    add_sensor(b, integration, hub_b, s3)
    add_sensor(b, integration, hub_b, s4)
    assert names(devices_of(owner, name)) == [hub_a, s1, s2, hub_b, s3, s4]

    expect_empty(owner.delete(f"/sensors/devices/{hub_a}"), 204)
    for gone in (hub_a, s1, s2):
        expect_error(owner.get(f"/sensors/devices/{gone}"), 404)
    assert names(devices_of(owner, name)) == [hub_b, s3, s4]

    expect_empty(owner.delete(f"/sensors/devices/{s3}/"), 204)
    assert names(devices_of(owner, name)) == [hub_b, s4]
    expect_error(owner.delete(f"/sensors/devices/{s3}"), 404)
    expect_error(owner.delete(f"/sensors/devices/{unique_hub()}"), 404)


# --------------------------------------------------------------------------------------------
# A disabled integration, a deleted one, credentials


def test_a_disabled_integration_refuses_new_hub_connections_and_keeps_its_sensors(household, server: NimbusServer):
    """`PATCH integrations_enable false`: the integration is still there (`GET` shows it disabled), its hub and
    sensors too, but a new hub connection is refused (CONNACK not 0). Enabled again, the same account
    connects."""
    owner, integration, hub, sensor, client = household
    name = integration["userThingName"]
    client.disconnect()
    listed = devices_of(owner, name)

    disabled = expect_json(owner.patch("/sensors/integrations", json={"integrations_enable": False}), 200)
    assert set(disabled) == {"integrations"}, disabled
    assert_integration(disabled["integrations"], owner, enabled=False)
    assert disabled["integrations"]["userThingName"] == name, disabled
    shown = integration_of(owner)
    assert shown["integrations_enable"] is False and shown["userThingName"] == name, shown

    for version in (V311, V5):
        code = connack_code(server, integration, hub, version=version)
        assert code not in (0, -1), f"a disabled integration refuses its hub (MQTT {version}): CONNACK {code:#x}"
    assert connack_code(server, integration, unique_hub()) not in (0, -1), "and any new hub"
    assert devices_of(owner, name) == listed, "the hub and its sensors stay"

    enabled = expect_json(owner.patch("/sensors/integrations", params={"show_account": "true"},
                                      json={"integrations_enable": True}), 200)["integrations"]
    assert_integration(enabled, owner, enabled=True, account=True)
    assert enabled["userThingName"] == name and enabled["external_password"] == integration["external_password"]
    assert connack_code(server, integration, hub) == 0


def test_deleting_the_integration_ends_the_external_account(household, server: NimbusServer, wm: WiFiMotion):
    """`DELETE /sensors/integrations` → 204: the integration is gone (`GET`, `PATCH` and `DELETE` are `404`), the
    hub and its sensors too, the hub's open connection is closed and its password is refused at CONNECT. A new
    integration gets a new password, with which the hub connects (the old one still refused)."""
    owner, integration, hub, sensor, client = household
    old_password = integration["external_password"]
    expect_empty(owner.delete("/sensors/integrations"), 204)
    client.wait_disconnected(5)

    expect_error(owner.get("/sensors/integrations"), 404)
    expect_error(owner.patch("/sensors/integrations", json={"oob_phase": "x"}), 404)
    expect_error(owner.delete("/sensors/integrations"), 404)
    assert devices_of(owner, None) == [], "the hub and its sensors went with it"
    expect_error(owner.get(f"/sensors/devices/{sensor}"), 404)
    code = connack_code(server, integration, hub)
    assert code in RC_BAD_CREDENTIALS, f"the old password is refused: CONNACK {code:#x}"
    assert devices_of(owner, None) == [], "a refused connection makes no hub"

    fresh = enable(owner)
    assert fresh["external_password"] != old_password, "the network's secret was replaced"
    assert connack_code(server, fresh, hub) == 0
    assert connack_code(server, fresh, hub, password=old_password) in RC_BAD_CREDENTIALS
    devices = devices_of(owner, fresh["userThingName"])
    assert names(devices) == [hub], f"a new hub, without the old sensors: {devices}"
    assert "status" not in devices[0]["config"], devices


def test_wrong_credentials_and_bad_client_ids_are_refused(server: NimbusServer, wm: WiFiMotion):
    """The hub's CONNECT is refused with a wrong password, with another network's `userThingName`, with an
    unknown `USER_<32 hex>`, and with a client id that is not a thing name (1–64 letters, digits, `_`, `-`);
    none of them makes a hub."""
    owner, other = wm.account(), wm.account()
    integration, foreign = enable(owner), enable(other)
    hub = unique_hub()
    for version in (V311, V5):
        code = connack_code(server, integration, hub, version=version, password="wrong-password")
        assert code in RC_BAD_CREDENTIALS, f"a wrong password (MQTT {version}): CONNACK {code:#x}"
    code = connack_code(server, integration, hub, username=foreign["userThingName"])
    assert code in RC_BAD_CREDENTIALS, f"another network's user name with this password: CONNACK {code:#x}"
    code = connack_code(server, integration, hub, username="USER_" + secrets.token_hex(16))
    assert code in RC_BAD_CREDENTIALS, f"an unknown account: CONNACK {code:#x}"
    for bad_id in ("HUB 0001", "HUB/0001", "H" * 65, "HUB_0001+"):
        code = connack_code(server, integration, bad_id)
        assert code not in (0, -1), f"client id {bad_id!r}: CONNACK {code:#x}"
    assert devices_of(owner, integration["userThingName"]) == []
    assert devices_of(other, foreign["userThingName"]) == []


def test_hubs_of_two_networks_with_the_same_name_are_apart(server: NimbusServer, wm: WiFiMotion):
    """Two networks' hubs may have the same thing name (and client id): both stay connected, each is a thing of
    its own network only, and pairing in one network reaches that network's hub alone."""
    first, second = wm.account(), wm.account()
    one, two = enable(first), enable(second)
    hub = unique_hub()
    a = connect_hub(server, one, hub, clean=False)
    assert a.subscribe(prefix(one, hub) + "cmd/pair") == [1]
    b = connect_hub(server, two, hub, clean=False)
    assert b.subscribe(prefix(two, hub) + "cmd/pair") == [1]
    time.sleep(0.2)
    assert a.connected and b.connected, "neither takes the other's session over"
    assert names(devices_of(first, one["userThingName"])) == [hub]
    assert names(devices_of(second, two["userThingName"])) == [hub]
    expect_json(first.post(f"/sensors/pair/{hub}", json={"timeout": 11}), 200)
    assert json.loads(a.expect(prefix(one, hub) + "cmd/pair").payload) == {"timeout": 11}
    b.expect_none(0.5)


# --------------------------------------------------------------------------------------------
# What the hub may publish and subscribe to


def test_the_hub_cannot_subscribe_or_publish_outside_its_prefix(server: NimbusServer, wm: WiFiMotion):
    """The hub may use only `wifimotion/{userThingName}/{hub}/…`: subscribing to a sibling hub's topics, to
    wildcards above its prefix or to another network's topics fails (SUBACK ≥ 0x80); its publications there
    (MQTT 3.1.1) reach no one and store nothing: no sensor or hub appears in either network, and the hubs
    subscribed there get nothing. Its own `cmd/pair` is granted."""
    owner, stranger = wm.account(), wm.account()
    mine, theirs = enable(owner), enable(stranger)
    hub, sibling, foreign_hub = unique_hub(), unique_hub(), unique_hub()
    client = connect_hub(server, mine, hub)
    sibling_client = connect_hub(server, mine, sibling)
    foreign_client = connect_hub(server, theirs, foreign_hub)
    assert sibling_client.subscribe(prefix(mine, sibling) + "#") == [1]
    assert foreign_client.subscribe(prefix(theirs, foreign_hub) + "#") == [1]

    u, v = mine["userThingName"], theirs["userThingName"]
    for topic_filter in (prefix(mine, sibling) + "cmd/pair", f"wifimotion/{u}/+/cmd/pair", f"wifimotion/{u}/#",
                         "wifimotion/#", "#", prefix(theirs, foreign_hub) + "cmd/pair", f"wifimotion/{v}/#"):
        codes = client.subscribe(topic_filter, qos=1)
        assert len(codes) == 1 and codes[0] >= 0x80, f"{topic_filter}: SUBACK {codes}, expected a failure"
    assert client.subscribe(prefix(mine, hub) + "cmd/pair", qos=1) == [1], "its own cmd/pair"

    ghost = unique_sensor()
    for topic, payload in [(prefix(mine, sibling) + f"devices/{ghost}/added", '{"deviceType": "SensorDoor"}'),
                           (prefix(mine, sibling) + "online", "1"),
                           (prefix(mine, sibling) + "cmd/pair", '{"timeout": 5}'),
                           (prefix(theirs, foreign_hub) + f"devices/{ghost}/added", '{"deviceType": "SensorDoor"}'),
                           (prefix(theirs, foreign_hub) + "cmd/pair", '{"timeout": 5}'),
                           (f"wifimotion/{u}/{unique_hub()}/online", "1"),
                           ("wifimotion/elsewhere", "1")]:
        client.publish(topic, payload, qos=1)
    # Its own report, after them on the same connection: the others were handled by its PUBACK.
    accepted(report(client, mine, hub, "online", "1"), "its own online")
    assert client.connected
    assert names(devices_of(owner, u)) == [hub, sibling], "nothing appeared in its network"
    assert device_of(owner, sibling, u)["config"]["online"] is False, "the sibling's online was not set"
    assert names(devices_of(stranger, v)) == [foreign_hub], "nothing appeared in the other network"
    sibling_client.expect_none(0.3)
    foreign_client.expect_none(0.3)


def test_an_mqtt5_hub_is_refused_outside_its_prefix(server: NimbusServer, wm: WiFiMotion):
    """With MQTT 5 a publication outside the hub's prefix is refused in its PUBACK (a reason code ≥ 0x80) and
    stores nothing; the connection goes on."""
    owner = wm.account()
    integration = enable(owner)
    hub, sibling = unique_hub(), unique_hub()
    sibling_client = connect_hub(server, integration, sibling)
    client = connect_hub(server, integration, hub, version=V5)
    code = client.publish(prefix(integration, sibling) + f"devices/{unique_sensor()}/added",
                          '{"deviceType": "SensorDoor"}', qos=1)
    assert code >= 0x80, f"publishing below another hub: PUBACK {code:#x}"
    code = client.publish(f"wifimotion/{integration['userThingName']}/x", "1", qos=1)
    assert code >= 0x80, f"publishing above its prefix: PUBACK {code:#x}"
    accepted(report(client, integration, hub, "online", "1"), "its own online")
    assert names(devices_of(owner, integration["userThingName"])) == [sibling, hub]
    sibling_client.expect_none(0.2)


# --------------------------------------------------------------------------------------------
# Malformed and foreign reports

# (topic below the hub's prefix, with {sensor} for the household's sensor; payload)
MALFORMED = [
    ("devices/{sensor}/value", "{not json"),
    ("devices/{sensor}/value", "[1, 2]"),
    ("devices/{sensor}/value", "{}"),
    ("devices/{sensor}/value", json.dumps({f"field{i}": i for i in range(17)})),
    ("devices/{sensor}/value", json.dumps({"status": {"nested": "object"}})),
    ("devices/{sensor}/battery", "101"),
    ("devices/{sensor}/battery", "-1"),
    ("devices/{sensor}/battery", "full"),
    ("devices/{sensor}/online", "maybe"),
    ("devices/{sensor}/explode", "1"),
    ("devices/{sensor}/value/extra", '{"status": "closed"}'),
    ("devices/{sensor}/added", '{"type": "SensorDoor"}'),
    ("devices/not a name/added", '{"deviceType": "SensorDoor"}'),
    ("online", "2"),
    ("status", "1"),
]


@pytest.mark.parametrize("version", [V311, V5], ids=["mqtt311", "mqtt5"])
def test_malformed_reports_change_nothing(household, server: NimbusServer, version: int):
    """Bad JSON, a value that is not an object of 1–16 fields, a battery outside 0–100 or not a number, an
    `online` that is not 1/0, an unknown device topic or a malformed one, an `added` without `deviceType`: each
    is refused and changes nothing (the hub and sensor read the same after). MQTT 5 is told so in the PUBACK
    (0x99 Payload format invalid); MQTT 3.1.1 gets its PUBACK; the connection goes on either way."""
    owner, integration, hub, sensor, first_client = household
    name = integration["userThingName"]
    first_client.disconnect()
    client = connect_hub(server, integration, hub, version=version)
    before = devices_of(owner, name)
    for topic, payload in MALFORMED:
        code = report(client, integration, hub, topic.format(sensor=sensor), payload)
        if version == V5:
            assert code == PAYLOAD_FORMAT_INVALID, f"{topic} {payload!r}: PUBACK {code:#x}, expected 0x99"
        assert client.connected, f"the connection goes on after {topic}"
    assert devices_of(owner, name) == before, "nothing changed"
    accepted(report(client, integration, hub, f"devices/{sensor}/battery", "50"), "a good report after them")
    assert device_of(owner, sensor, name)["config"]["batteryLevel"] == 50


def test_a_hub_cannot_report_for_a_sensor_another_hub_paired(household, server: NimbusServer):
    """A report for a sensor another hub of the network paired (`added`, `value`, `battery`, `online`,
    `removed`) is refused, MQTT 5 `0x87`, and changes nothing: the sensor stays the first hub's, as it was."""
    owner, integration, hub, sensor, client = household
    name = integration["userThingName"]
    other = unique_hub()
    intruder = connect_hub(server, integration, other, version=V5)
    before = devices_of(owner, name)
    codes = {}
    for suffix, payload in [(f"devices/{sensor}/added", '{"deviceType": "Bathroom"}'),
                            (f"devices/{sensor}/value", '{"status": "closed"}'),
                            (f"devices/{sensor}/battery", "5"),
                            (f"devices/{sensor}/online", "0"),
                            (f"devices/{sensor}/removed", "")]:
        codes[suffix.rsplit("/", 1)[1]] = report(intruder, integration, other, suffix, payload)
    after = devices_of(owner, name)
    assert after == before, "the sensor is as it was, still the first hub's"
    assert names(after) == [hub, sensor, other], names(after)
    refused = {report: code for report, code in codes.items() if code == NOT_AUTHORIZED}
    assert refused == codes, f"each report is refused with 0x87: {({k: hex(v) for k, v in codes.items()})}"


# --------------------------------------------------------------------------------------------
# Who may do what


@pytest.fixture
def member_household(household, wm: WiFiMotion):
    """The household with a member (`POST /network_memberships`), who has a network of their own too."""
    owner = household[0]
    member = wm.account()
    owner.add_member(member)
    return (*household, member)


def test_members_read_sensors_and_the_integration_but_not_the_account(member_household):
    """A member reads `GET /sensors/devices` and `/sensors/integrations` of the network (`network_id`) as the
    owner does, with `userThingName`, but `show_account=true` is `403`. Without `network_id` a call is about the
    member's first network (the first of `GET /networks`)."""
    owner, integration, hub, sensor, client, member = member_household
    name = integration["userThingName"]
    n = owner.network_id
    assert devices_of(member, name, n) == devices_of(owner, name), "the same hub and sensors"
    assert device_of(member, sensor, name, n) == device_of(owner, sensor, name)
    seen = integration_of(member, network_id=n)
    assert_integration(seen, owner, enabled=True, account=False)
    assert seen["userThingName"] == name, f"a member sees userThingName: {seen}"
    networks = [network["id"] for network in member.networks()]
    assert sorted(networks) == sorted([n, member.network_id]), networks
    for path in ("/sensors/devices", "/sensors/integrations"):
        implicit, explicit = member.get(path), member.get(path, params={"network_id": networks[0]})
        assert (implicit.status_code, implicit.json()) == (explicit.status_code, explicit.json()), \
            f"{path} without network_id is about the first network ({networks[0]}): {implicit.text} vs {explicit.text}"
    expect_error(member.get("/sensors/integrations", params={"network_id": n, "show_account": "true"}), 403)


def test_members_may_not_change_the_integration(member_household, server: NimbusServer):
    """Only owners make, change or delete the integration: a member's `POST` (enabling or not), `PATCH` and
    `DELETE` are `403`, and the integration, its account and the hub's connection are as they were."""
    owner, integration, hub, sensor, client, member = member_household
    n = {"network_id": owner.network_id}
    before = integration_of(owner, show_account="true")
    expect_error(member.post("/sensors/integrations", params=n, json={"integrations_enable": True}), 403)
    expect_error(member.patch("/sensors/integrations", params=n, json={"integrations_enable": False}), 403)
    expect_error(member.patch("/sensors/integrations", params=n, json={"oob_phase": "member"}), 403)
    expect_error(member.delete("/sensors/integrations", params=n), 403)
    assert integration_of(owner, show_account="true") == before
    assert client.connected, "the hub's connection stays"
    assert connack_code(server, integration, unique_hub()) == 0, "the account still works"
    expect_error(member.post("/sensors/integrations", params=n, json={"integrations_enable": False}), 403)
    assert integration_of(owner, show_account="true") == before


def test_members_may_not_change_delete_or_pair_sensors(member_household):
    """Only owners set, delete and pair: a member's `PATCH` and `DELETE /sensors/devices/{thingName}` and
    `POST /sensors/pair/{hub}` are `403`; the devices are unchanged and the hub gets no pairing command."""
    owner, integration, hub, sensor, client, member = member_household
    name = integration["userThingName"]
    n = {"network_id": owner.network_id}
    assert client.subscribe(prefix(integration, hub) + "cmd/pair") == [1]
    before = devices_of(owner, name)
    expect_error(member.patch(f"/sensors/devices/{sensor}", params=n, json={"notify": True}), 403)
    expect_error(member.delete(f"/sensors/devices/{sensor}", params=n), 403)
    expect_error(member.delete(f"/sensors/devices/{hub}", params=n), 403)
    assert devices_of(owner, name) == before
    expect_error(member.post(f"/sensors/pair/{hub}", params=n, json={"timeout": 30}), 403)
    assert pair_messages(client) == [], "a member's pairing request reaches no hub"


def test_a_non_member_gets_404_for_another_networks_sensors(household, wm: WiFiMotion):
    """Isolation: with the `network_id` of a network they do not belong to, every `/sensors` call is `404`, and
    nothing changes; in their own network the other's sensor does not exist either. A `network_id` that is not
    a number is `400`, and no token is `401`."""
    owner, integration, hub, sensor, client = household
    name = integration["userThingName"]
    stranger = wm.account()
    n = {"network_id": owner.network_id}
    assert client.subscribe(prefix(integration, hub) + "cmd/pair") == [1]
    before_devices = devices_of(owner, name)
    before_integration = integration_of(owner, show_account="true")
    for method, path, body in [("GET", "/sensors/devices", None), ("GET", "/sensors/integrations", None),
                               ("GET", f"/sensors/devices/{sensor}", None),
                               ("POST", "/sensors/integrations", {"integrations_enable": True}),
                               ("PATCH", "/sensors/integrations", {"integrations_enable": False}),
                               ("DELETE", "/sensors/integrations", None),
                               ("PATCH", f"/sensors/devices/{sensor}", {"notify": True}),
                               ("DELETE", f"/sensors/devices/{sensor}", None),
                               ("POST", f"/sensors/pair/{hub}", {"timeout": 30})]:
        kwargs: dict[str, Any] = {"params": n}
        if body is not None:
            kwargs["json"] = body
        expect_error(stranger.wm.request(method, path, stranger.token, **kwargs), 404)
    expect_error(stranger.get(f"/sensors/devices/{sensor}"), 404)
    expect_error(stranger.get("/sensors/devices", params={"network_id": "abc"}), 400, "network_id")
    expect_error(stranger.wm.get("/sensors/devices"), 401)
    expect_error(stranger.wm.get("/sensors/integrations", params=n), 401)
    assert devices_of(owner, name) == before_devices
    assert integration_of(owner, show_account="true") == before_integration
    assert pair_messages(client) == []


def test_sensors_paths_take_a_bearer_token_and_a_trailing_slash(household):
    """Like every path of the dialect, `/sensors/…` answers with and without a trailing slash, and takes the
    token raw or as `Bearer <token>`."""
    owner, integration, hub, sensor, client = household
    name = integration["userThingName"]
    listed = devices_of(owner, name)
    for path in ("/sensors/devices", "/sensors/devices/"):
        assert expect_json(owner.wm.get(path, owner.token, bearer=True), 200) == {"devices": listed}
    assert expect_json(owner.get(f"/sensors/devices/{sensor}/"), 200) == device_of(owner, sensor, name)
    assert expect_json(owner.get("/sensors/integrations/"), 200) == {"integrations": integration_of(owner)}


# --------------------------------------------------------------------------------------------
# Transports


def test_a_hub_connects_over_websocket(household, server: NimbusServer):
    """The hub may connect over MQTT's WebSocket transport (`/mqtt` on the HTTP port) with the same account."""
    owner, integration, hub, sensor, client = household
    client.disconnect()
    ws = hub_client(server, integration, hub, transport="websockets")
    ws.connect()
    accepted(report(ws, integration, hub, f"devices/{sensor}/value", {"status": "closed"}), "value over WebSocket")
    assert device_of(owner, sensor, integration["userThingName"])["config"]["status"] == "closed"


def test_a_hub_connects_over_tls(nimbus_mqtt):
    """The hub may connect over TLS (the MQTT tests' server has a TLS listener) with the same account."""
    server = nimbus_mqtt.server
    wm = WiFiMotion(server)
    owner = wm.account()
    integration = enable(owner)
    hub, sensor = unique_hub(), unique_sensor()
    broker = Broker(server.mqtt_port, username=integration["userThingName"],
                    password=integration["external_password"], tls_port=nimbus_mqtt.tls_port,
                    ca_file=nimbus_mqtt.tls.ca)
    client = MqttClient(broker, version=V311, client_id=hub, tls=True)
    client.connect()
    add_sensor(client, integration, hub, sensor, "Bathroom")
    assert names(devices_of(owner, integration["userThingName"])) == [hub, sensor]
