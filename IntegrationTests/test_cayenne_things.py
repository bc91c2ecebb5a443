"""The Cayenne platform API and Cayenne MQTT (docs/cayenne.md): things with their child sensors, thing types
with channels, the account's MQTT credentials, the data-type table, and readings sent by real clients — the
vendor's own `cayenne-mqtt` Python library, and paho speaking MQTT 3.1 the way the C and Arduino libraries do —
each stored before it is acknowledged and turning its channel into a child thing that REST clients find."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest

from cayenne import PLATFORM, Account, App, Cayenne, expect_json, oauth_error
from harness import describe
from world import PASSWORD, unique_email

VENDOR = Path(__file__).parent / ".vendor" / "cayenne-mqtt"
# What a Raspberry Pi running the vendor's library does: connect, send three readings with its helpers, go on
# looping until the server has them. `cayenne-mqtt` 1.1.0 needs paho-mqtt 1.x (paho 2 refuses its `Client()`),
# and its package name `cayenne` is taken here by the tests' helper module, so it runs in a process of its own
# from a directory of its own (`pip install --target`).
VENDOR_SCRIPT = """
import sys, time
from cayenne.client import CayenneMQTTClient
username, password, thing, port = sys.argv[1:5]
client = CayenneMQTTClient()
client.begin(username, password, thing, hostname="127.0.0.1", port=int(port))
deadline = time.time() + 10
while not client.connected and time.time() < deadline:
    client.loop()
client.celsiusWrite(1, 20.5)
client.virtualWrite(2, 55, "rel_hum", "p")
client.luxWrite(3, 800)
client.fahrenheitWrite(4, 70.1)
client.kelvinWrite(5, 293.6)
client.pascalWrite(6, 101325)
client.hectoPascalWrite(7, 1013.25)
client.virtualWrite(8, 3)
end = time.time() + float(sys.argv[5])
while time.time() < end:
    client.loop()
    time.sleep(0.05)
print("connected" if client.connected else "not connected")
"""


def vendor_library() -> Path:
    """The `cayenne-mqtt` package with paho-mqtt 1.x in a directory of their own, installed on first use."""
    if not (VENDOR / "cayenne" / "client.py").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--target", str(VENDOR),
                        "cayenne-mqtt==1.1.0", "paho-mqtt>=1.6,<2"], check=True)
    return VENDOR


def wait_for(condition, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --------------------------------------------------------------------------------------------
# REST: the sample app's setup flow


def test_mqtt_credentials_are_the_same_on_every_call_until_rotated(account: Account) -> None:
    first = account.mqtt_credentials()
    assert uuid.UUID(first["id"]) and len(first["clear_secret"]) >= 32, first
    assert account.mqtt_credentials() == first, "POST /clients answers the same credentials again (the sample app calls it at every sign-in)"
    assert expect_json(account.call("GET", "/clients"), 200) == first
    rotated = expect_json(account.call("POST", "/clients/rotate", json={}), 200)
    assert rotated["id"] == first["id"] and rotated["clear_secret"] != first["clear_secret"]
    assert account.mqtt_credentials()["clear_secret"] == rotated["clear_secret"]


def sub_user(account: Account, app: App, **body: Any) -> str:
    """A sub-user of `account` made by its owner (`permission_role_id`, `permissions` in `body`), signed in; its access token."""
    email = unique_email()
    expect_json(account.call_auth("POST", "/cayenne/users", json={
        "first_name": "Sub", "last_name": "User", "email": email, "password": PASSWORD, **body}), 201)
    return expect_json(account.cayenne.token(grant_type="password", email=email, password=PASSWORD, client_id=app.id), 200)["access_token"]


def files_containing(directory: Path, needle: bytes) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file() and needle in path.read_bytes()]


def test_the_mqtt_secret_is_sealed_at_rest_rotated_by_owners_only_and_kept_across_a_restart(server_factory) -> None:
    """The secret is shown again on every `POST /clients`, so the store keeps it sealed with `secrets.key` (mode 0600):
    its clear text is in no file of the data dir. Only an owner rotates it; the old one is refused at CONNECT from
    then on, and the rotated one is what `POST /clients` answers after a restart."""
    server = server_factory()
    cayenne = Cayenne(server)
    app = cayenne.app()
    owner = Account(cayenne, app)
    first = owner.mqtt_credentials()
    name = f"Sealed {uuid.uuid4().hex}"
    thing = owner.thing(name=name)
    assert connack(paho_client(first, thing["id"], paho.MQTTv311), "127.0.0.1", server.mqtt_port) == 0

    key = server.data_dir / "secrets.key"
    assert key.stat().st_mode & 0o777 == 0o600 and key.stat().st_size == 32, oct(key.stat().st_mode)
    assert files_containing(server.data_dir, name.encode()), "the scan reads the store's files (the thing's name is there)"
    assert files_containing(server.data_dir, first["clear_secret"].encode()) == [], "the secret is never written in clear"

    # An admin of the account is given the same credentials (devices: add_edit) but may not rotate them.
    admin = sub_user(owner, app, permission_role_id=2)
    assert expect_json(cayenne.request("POST", PLATFORM + "/clients", admin, json={}), 200) == first
    oauth_error(cayenne.request("POST", PLATFORM + "/clients/rotate", admin, json={}), 403, "access_denied")
    assert owner.mqtt_credentials() == first, "a refused rotation changes nothing"

    rotated = expect_json(owner.call("POST", "/clients/rotate", json={}), 200)
    assert rotated["id"] == first["id"] and rotated["clear_secret"] != first["clear_secret"]
    assert connack(paho_client(first, thing["id"], paho.MQTTv311), "127.0.0.1", server.mqtt_port) == 0x86, \
        "the old secret is refused at CONNECT (bad user name or password)"
    assert connack(paho_client(rotated, thing["id"], paho.MQTTv311), "127.0.0.1", server.mqtt_port) == 0
    for secret in (first["clear_secret"], rotated["clear_secret"]):
        assert files_containing(server.data_dir, secret.encode()) == [], "neither secret is written in clear"

    server.restart()
    assert owner.mqtt_credentials() == rotated, "the same credentials after a restart: the sealed secret opens again"
    assert connack(paho_client(rotated, thing["id"]), "127.0.0.1", server.mqtt_port) == 0


def test_gateway_and_child_sensors_as_the_sample_app_makes_them(account: Account) -> None:
    account.mqtt_credentials()
    gateway = account.thing(name="Tank gateway", hardware_id="00-11-22-33", active=1, status="ACTIVATED",
                            properties={"codec": "lpp", "network": "ttn", "location.lat": None})
    assert gateway["status"] == "ACTIVATED" and gateway["active"] == 1 and gateway["children"] == []
    assert gateway["hardware_id"] == "00-11-22-33" and gateway["parent_id"] is None
    sensor = account.thing(name="Level", parent_id=gateway["id"], active=1, status="ACTIVATED",
                           device_type_id="8f93f0f0-db59-44c1-aaa4-bd48707de97b", properties={"channel": 3})
    assert sensor["parent_id"] == gateway["id"] and sensor["properties"]["channel"] == 3, sensor

    listed = account.things()
    assert isinstance(listed, list) and [t["id"] for t in listed] == [gateway["id"]], "a bare array of the top-level things"
    assert all(isinstance(t["children"], list) for t in listed), "every item has children"
    assert [c["id"] for c in listed[0]["children"]] == [sensor["id"]]
    assert listed[0]["children"][0]["properties"]["channel"] == 3, "the child echoes properties.channel"

    renamed = expect_json(account.call("PUT", f"/things/{gateway['id']}", json={"name": "North tank"}), 200)
    assert renamed["name"] == "North tank" and renamed["hardware_id"] == "00-11-22-33", "a partial update keeps the rest"
    retired = account.thing(name="Old level", parent_id=gateway["id"], properties={"channel": 4})
    expect_json(account.call("DELETE", f"/things/{retired['id']}"), 200)

    deleted = expect_json(account.call("DELETE", f"/things/{gateway['id']}"), 200)
    assert deleted["status"] == "DEACTIVATED" and deleted["active"] == 0 and deleted["deactivated_at"]
    assert account.things() == [], "only activated things are listed"
    kept = expect_json(account.call("GET", f"/things/{gateway['id']}"), 200)
    assert kept["status"] == "DEACTIVATED" and {c["status"] for c in kept["children"]} == {"DEACTIVATED"}, "a soft delete, children too"

    # A deactivated thing is activated again through PUT (`active: 1`, as the sample app writes it), and listed again.
    again = expect_json(account.call("PUT", f"/things/{gateway['id']}", json={"active": 1}), 200)
    assert again["status"] == "ACTIVATED" and again["active"] == 1 and again["deactivated_at"] is None, again
    assert again["name"] == "North tank" and again["hardware_id"] == "00-11-22-33"
    assert [t["id"] for t in account.things()] == [gateway["id"]]
    statuses = {c["id"]: c["status"] for c in again["children"]}
    assert statuses == {sensor["id"]: "ACTIVATED", retired["id"]: "DEACTIVATED"}, \
        "the children deleted with it come back with it; one deleted on its own before stays deleted"


def test_things_of_another_account_are_not_found(cayenne: Cayenne, app: App, account: Account) -> None:
    thing = account.thing()
    other = Account(cayenne, app)
    for method in ("GET", "PUT", "DELETE"):
        oauth_error(other.call(method, f"/things/{thing['id']}", json={"name": "mine"}), 404, "not_found")
    assert other.things() == []
    oauth_error(other.call("POST", "/things", json={"name": "x", "parent_id": thing["id"]}), 400, "invalid_request")
    oauth_error(account.cayenne.get(PLATFORM + "/things"), 401, "invalid_token")

    # The account's own thing types and its things' commands are "not found" to another account too.
    own_type = expect_json(account.call("POST", "/things/types", json={"name": "Private type"}), 201)
    channel = expect_json(account.call("POST", f"/things/types/{own_type['id']}/channels", json={"name": "Level", "channel": 1}), 201)
    command = expect_json(account.call("POST", f"/things/{thing['id']}/cmd", json={"channel": 1, "value": 1}), 200)
    type_path, channel_path = f"/things/types/{own_type['id']}", f"/things/types/{own_type['id']}/channels"
    for method, path in (("GET", type_path), ("PUT", type_path), ("DELETE", type_path), ("GET", channel_path), ("POST", channel_path),
                         ("PUT", f"{channel_path}/{channel['id']}"), ("DELETE", f"{channel_path}/{channel['id']}"),
                         ("POST", f"/things/{thing['id']}/cmd"), ("GET", f"/things/{thing['id']}/cmd"),
                         ("GET", f"/things/{thing['id']}/cmd/{command['id']}")):
        oauth_error(other.call(method, path, json={"name": "mine", "channel": 2, "value": 0}), 404, "not_found")
    oauth_error(other.call("POST", "/things", json={"name": "x", "device_type_id": own_type["id"]}), 404, "not_found")
    assert own_type["id"] not in [row["id"] for row in expect_json(other.call("GET", "/things/types"), 200)["rows"]]
    assert other.things() == []
    kept = expect_json(account.call("GET", type_path), 200)
    assert kept["name"] == "Private type" and [c["name"] for c in kept["channels"]] == ["Level"], "nothing changed"
    assert [c["id"] for c in expect_json(account.call("GET", f"/things/{thing['id']}/cmd"), 200)] == [command["id"]], "no command was added"


@pytest.mark.parametrize("body, field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x", "device_type_id": "not-a-uuid"}, "device_type_id"),
    ({"name": "x", "device_type_id": str(uuid.uuid4())}, "thing type"),
    ({"name": "x", "status": "SLEEPING"}, "status"),
    ({"name": "x", "active": 7}, "active"),
    ({"name": "x", "properties": "[1]"}, "properties"),
    ({"name": "x", "properties": {"blob": "x" * 20_000}}, "properties"),
])
def test_bad_things_are_refused_and_change_nothing(account: Account, body: dict[str, Any], field: str) -> None:
    resp = account.call("POST", "/things", json=body)
    error = expect_json(resp, (400, 404))
    assert field in error["message"], describe(resp)
    assert error["statusCode"] == resp.status_code
    assert account.things() == []


# --------------------------------------------------------------------------------------------
# Thing types and the data-type table


def test_thing_types_with_channels(account: Account) -> None:
    listed = expect_json(account.call("GET", "/things/types"), 200)
    assert isinstance(listed["rows"], list) and listed["count"] == len(listed["rows"]), "the sample app reads rows"
    assert "8f93f0f0-db59-44c1-aaa4-bd48707de97b" in [row["id"] for row in listed["rows"]], "the generic sensor type is built in"

    created = expect_json(account.call("POST", "/things/types", json={
        "name": "Tank monitor", "description": "LoRa tank level", "transport_protocol": "lorawan", "category": "sensor",
        "codec": "lpp", "parent_constraint": "NOT_ALLOWED", "child_constraint": "ALLOWED", "version": 2}), 201)
    type_id = created["id"]
    assert created["codec"] == "lpp" and created["version"] == "2" and created["channels"] == []
    assert (created["parent_constraint"], created["child_constraint"]) == ("NOT_ALLOWED", "ALLOWED"), created
    assert (created["category"], created["transport_protocol"]) == ("sensor", "lorawan"), created
    channel = expect_json(account.call("POST", f"/things/types/{type_id}/channels",
                                       json={"name": "Level", "channel": 1, "datatype": "tl"}), 201)
    assert channel["channel"] == 1 and channel["datatype"] == "tl"
    oauth_error(account.call("POST", f"/things/types/{type_id}/channels", json={"name": "Again", "channel": "1"}), 409, "conflict")
    assert [c["name"] for c in expect_json(account.call("GET", f"/things/types/{type_id}/channels"), 200)] == ["Level"]

    # A channel is changed and deleted by its id; it may not take another channel's number.
    spare = expect_json(account.call("POST", f"/things/types/{type_id}/channels", json={"name": "Spare", "channel": "2"}), 201)
    changed = expect_json(account.call("PUT", f"/things/types/{type_id}/channels/{channel['id']}", json={"name": "Depth", "datatype": "len"}), 200)
    assert changed["id"] == channel["id"] and changed["name"] == "Depth" and changed["datatype"] == "len" and changed["channel"] == 1
    oauth_error(account.call("PUT", f"/things/types/{type_id}/channels/{spare['id']}", json={"channel": 1}), 409, "conflict")
    assert expect_json(account.call("DELETE", f"/things/types/{type_id}/channels/{spare['id']}"), 200) == {"success": True}
    assert [(c["name"], c["channel"]) for c in expect_json(account.call("GET", f"/things/types/{type_id}/channels"), 200)] == [("Depth", 1)]
    oauth_error(account.call("DELETE", f"/things/types/{type_id}/channels/{spare['id']}"), 404, "not_found")

    thing = account.thing(device_type_id=type_id)
    assert thing["device_type_id"] == type_id
    oauth_error(account.call("DELETE", f"/things/types/{type_id}"), 409, "conflict")
    oauth_error(account.call("PUT", "/things/types/8f93f0f0-db59-44c1-aaa4-bd48707de97b", json={"name": "mine"}), 403, "access_denied")
    updated = expect_json(account.call("PUT", f"/things/types/{type_id}", json={"description": "v2", "child_constraint": "not_allowed"}), 200)
    assert updated["description"] == "v2" and updated["name"] == "Tank monitor" and len(updated["channels"]) == 1
    assert (updated["parent_constraint"], updated["child_constraint"]) == ("NOT_ALLOWED", "NOT_ALLOWED"), updated
    assert expect_json(account.call("GET", f"/things/types/{type_id}"), 200) == updated, "GET answers the type with its channels"

    # Bad bodies answer 400 naming the field and change nothing.
    count = expect_json(account.call("GET", "/things/types"), 200)["count"]
    for method, path, body, field in (("POST", "/things/types", {"name": "x", "parent_constraint": "SOMETIMES"}, "parent_constraint"),
                                      ("POST", "/things/types", {"description": "no name"}, "name"),
                                      ("POST", "/things/types", {"name": ""}, "name"),
                                      ("PUT", f"/things/types/{type_id}", {"name": "y", "child_constraint": "MAYBE"}, "child_constraint"),
                                      ("PUT", f"/things/types/{type_id}", {"name": ""}, "name")):
        error = oauth_error(account.call(method, path, json=body), 400, "invalid_request")
        assert field in error["message"], (body, error)
    assert expect_json(account.call("GET", "/things/types"), 200)["count"] == count
    assert expect_json(account.call("GET", f"/things/types/{type_id}"), 200) == updated

    # A type no thing uses is deleted.
    unused = expect_json(account.call("POST", "/things/types", json={"name": "Unused"}), 201)
    assert expect_json(account.call("DELETE", f"/things/types/{unused['id']}"), 200) == {"success": True}
    oauth_error(account.call("GET", f"/things/types/{unused['id']}"), 404, "not_found")
    assert unused["id"] not in [row["id"] for row in expect_json(account.call("GET", "/things/types"), 200)["rows"]]


def test_data_types_are_public_and_name_every_unit(cayenne: Cayenne) -> None:
    tables = [expect_json(cayenne.get(path), 200) for path in ("/cayenne/v1.1/ui/datatypes", "/cayenne/ui/datatypes")]
    assert tables[0] == tables[1], "both paths serve the same table"
    table = tables[0]
    temp = next(t for t in table if t["payload_type"] == "temp")
    assert {u["payload_unit"] for u in temp["units"]} == {"c", "f", "k"}
    assert next(u for u in temp["units"] if u["payload_unit"] == "c")["unit_label"] == "Celsius"
    assert any(u["payload_unit"] == "null" for t in table for u in t["units"]), "no unit is listed as null"

    # Every type: a label, at least one unit, exactly one default; every unit but `null` has a label.
    assert len(table) > 100 and len({t["payload_type"] for t in table}) == len(table), "each type once"
    for data_type in table:
        assert data_type["payload_type"] and data_type["label"] and data_type["units"], data_type
        assert [u["default"] for u in data_type["units"]].count(True) == 1, data_type
        assert all(u["payload_unit"] and (u["unit_label"] or u["payload_unit"] == "null") for u in data_type["units"]), data_type
    labels = {(t["payload_type"], u["payload_unit"]): (t["label"], u["unit_label"]) for t in table for u in t["units"]}
    assert labels[("rel_hum", "p")] == ("Relative Humidity", "%")
    assert labels[("bp", "hpa")] == ("Barometric pressure", "Hectopascal")
    assert labels[("lum", "lux")] == ("Luminosity", "Lux")
    assert labels[("voltage", "v")] == ("Voltage", "Volts")
    assert labels[("digital_sensor", "d")] == ("Digital Sensor", "Digital (0/1)")
    assert labels[("analog_sensor", "null")] == ("Analog Sensor", "")
    defaults = {t["payload_type"]: next(u["payload_unit"] for u in t["units"] if u["default"]) for t in table}
    assert (defaults["temp"], defaults["bp"], defaults["lum"], defaults["lt_lum"]) == ("c", "hpa", "lux", "p"), "Appendix A's defaults"


# --------------------------------------------------------------------------------------------
# Cayenne MQTT


def test_the_vendor_python_library_sends_readings(cayenne: Cayenne, account: Account) -> None:
    credentials = account.mqtt_credentials()
    thing = account.thing(name="Pi")
    env = {**os.environ, "PYTHONPATH": str(vendor_library())}
    run = subprocess.run([sys.executable, "-c", VENDOR_SCRIPT, credentials["id"], credentials["clear_secret"], thing["id"],
                          str(cayenne.server.mqtt_port), "1.5"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "not connected" not in run.stdout, f"{run.stdout}\n{run.stderr}"
    sensors = wait_for(lambda: len(account.children(thing["id"])) == 8 and account.children(thing["id"]), "a child thing per channel")
    assert set(sensors) == {str(channel) for channel in range(1, 9)}, "every helper of the library: celsius, virtual, lux, fahrenheit, kelvin, pascal, hectopascal"
    shown = expect_json(account.call("GET", f"/things/{thing['id']}"), 200)
    assert shown["last_online"], "the thing reported"
    assert shown["properties"]["sys"] == {"model": "Python", "version": "1.1.0"}, "the library's sys/* on connect are kept"


def paho_client(credentials: dict[str, Any], thing_id: str, protocol=paho.MQTTv31) -> paho.Client:
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=thing_id, protocol=protocol)
    client.username_pw_set(credentials["id"], credentials["clear_secret"])
    return client


def connack(client: paho.Client, host: str, port: int) -> int:
    """Connects and returns the CONNACK's reason code (0 accepted), or -1 when the connection itself fails."""
    codes: list[int] = []
    client.on_connect = lambda c, u, f, rc, p=None: codes.append(rc.value if hasattr(rc, "value") else int(rc))
    try:
        client.connect(host, port)
    except Exception:
        return -1
    client.loop_start()
    try:
        wait_for(lambda: codes, "CONNACK")
    finally:
        client.loop_stop()
        client.disconnect()
    return codes[0]


def publish_once(client: paho.Client, host: str, port: int, topic: str, payload: str) -> None:
    """Connects, publishes at QoS 1, waits for the PUBACK (the reading is stored by then) and disconnects."""
    client.connect(host, port)
    client.loop_start()
    try:
        info = client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=5)
        assert info.is_published(), f"{topic} acknowledged"
    finally:
        client.loop_stop()
        client.disconnect()


def test_mqtt31_clients_publish_like_the_c_library(cayenne: Cayenne, account: Account) -> None:
    credentials = account.mqtt_credentials()
    thing = account.thing(name="Arduino")
    prefix = f"v1/{credentials['id']}/things/{thing['id']}/"
    client = paho_client(credentials, thing["id"])
    client.connect("127.0.0.1", cayenne.server.mqtt_port)
    client.loop_start()
    try:
        for topic, payload in [("data/4", "temp,c=21.5"), ("digital/5", "1"), ("analog/6", "0.25"),
                               ("data/7", "gps,lat,lon,alt=52.37,4.89,12.5"), ("data/json", '[{"channel": 8, "value": 3.3, "type": "voltage", "unit": "v"}]'),
                               ("sys/model", "Arduino Uno"), ("sys/cpu/model", "ATmega328P"), ("sys/cpu/speed", "16000000"),
                               ("sys/conn", "W5100"), ("response", "ok,2otoExGxnMJz0Jn")]:
            info = client.publish(prefix + topic, payload, qos=1, retain=True)
            info.wait_for_publish(timeout=5)
            assert info.is_published(), f"{topic} acknowledged"
        children = account.children(thing["id"])
        assert set(children) == {"4", "5", "6", "7", "8"}, "readings are stored before the PUBACK"
        assert account.call("GET", f"/things/{thing['id']}").json()["properties"]["sys"] == {
            "model": "Arduino Uno", "cpu_model": "ATmega328P", "cpu_speed": "16000000", "conn": "W5100"}
        # The libraries subscribe to commands, and to the digital and analog commands and configuration when enabled.
        subacks: list[Any] = []
        client.on_subscribe = lambda c, u, mid, codes, p=None: subacks.extend(codes)
        filters = [prefix + f"{kind}/+" for kind in ("cmd", "digital-cmd", "analog-cmd", "digital-conf", "analog-conf")]
        client.subscribe([(topic_filter, 0) for topic_filter in filters])
        wait_for(lambda: subacks, "SUBACK")
        assert [code.value for code in subacks] == [0] * len(filters), f"every filter granted at QoS 0: {subacks}"
        # Refused payloads are acknowledged (MQTT 3.1 cannot say no), logged, counted, and store nothing.
        refused_before = refused_count(cayenne)
        bad = [("data/9", "temp,c=warm"), ("data/010", "1"), ("data/json", "{}"), ("data/10", "")]
        for topic, payload in bad:
            client.publish(prefix + topic, payload, qos=1, retain=True).wait_for_publish(timeout=5)
        assert refused_count(cayenne) - refused_before == len(bad), "each refusal is counted (nimbus_cayenne_mqtt_refused_total)"
        for topic, _ in bad:
            assert logged_refusal(cayenne, prefix + topic), f"the refusal of {topic} is logged with its reason"
        # A refusal made past the payload's parsing (a sys/model longer than 64 bytes) is counted and logged too.
        client.publish(prefix + "sys/model", "x" * 65, qos=1, retain=True).wait_for_publish(timeout=5)
        assert refused_count(cayenne) - refused_before == len(bad) + 1
        assert logged_refusal(cayenne, prefix + "sys/model")
        assert set(account.children(thing["id"])) == set(children)
        assert account.call("GET", f"/things/{thing['id']}").json()["properties"]["sys"]["model"] == "Arduino Uno"
    finally:
        client.loop_stop()
        client.disconnect()

    # The broker kept the thing's retained data: it comes back when the thing connects and subscribes again
    # (what the Arduino library relies on instead of syncing); refused payloads were not kept.
    retained: dict[str, tuple[str, bool]] = {}
    again = paho_client(credentials, thing["id"])
    again.on_message = lambda c, u, m: retained.__setitem__(m.topic[len(prefix):], (m.payload.decode(), m.retain))
    again.connect("127.0.0.1", cayenne.server.mqtt_port)
    again.loop_start()
    try:
        again.subscribe(prefix + "data/+", qos=0)
        wait_for(lambda: {"data/4", "data/7", "data/json"} <= set(retained), "the retained data")
        time.sleep(0.3)
    finally:
        again.loop_stop()
        again.disconnect()
    assert retained["data/4"] == ("temp,c=21.5", True) and retained["data/7"] == ("gps,lat,lon,alt=52.37,4.89,12.5", True), retained
    assert not {"data/9", "data/010", "data/10"} & set(retained), f"a refused payload is not retained: {retained}"
    assert retained["data/json"][0].startswith("["), "the good data/json is retained, not the refused `{}` after it"


def test_an_mqtt5_thing_is_told_0x99_for_a_bad_payload_and_a_half_bad_message_stores_nothing(cayenne: Cayenne, account: Account) -> None:
    from mqtt import V5, Broker, MqttClient
    credentials = account.mqtt_credentials()
    thing = account.thing(name="ESP32")
    prefix = f"v1/{credentials['id']}/things/{thing['id']}/"
    broker = Broker(cayenne.server.mqtt_port, username=credentials["id"], password=credentials["clear_secret"])
    refused_before = refused_count(cayenne)
    with MqttClient(broker, version=V5, client_id=thing["id"]) as client:
        client.connect()
        accepted = {0x00, 0x10}  # success, or "no matching subscribers"
        assert client.publish(prefix + "data/1", "temp,c=20.5", qos=1) in accepted
        assert client.publish(prefix + "data/2", "temp,c=warm", qos=1) == 0x99, "Payload format invalid"
        mixed = json.dumps([{"channel": 3, "value": 21, "type": "temp", "unit": "c"}, {"channel": 4, "value": "warm"}])
        assert client.publish(prefix + "data/json", mixed, qos=1) == 0x99, "one bad reading refuses the whole message"
        assert client.publish(prefix + "digital/5", "on", qos=1) == 0x99
        assert client.publish(prefix + "digital-cmd/5", "1", qos=1) == 0x99, "an unknown topic"
        too_many = json.dumps([{"channel": channel, "value": channel} for channel in range(10, 75)])
        assert client.publish(prefix + "data/json", too_many, qos=1) == 0x99, "more than 64 readings in one message"
        assert client.publish(prefix + "data/6", "1", qos=1) in accepted, "the connection goes on"
        assert client.connected
    assert set(account.children(thing["id"])) == {"1", "6"}, "nothing of a refused message is stored, channel 3 included"
    assert refused_count(cayenne) - refused_before == 5, "data/2, the mixed data/json, digital/5, digital-cmd/5 and 65 readings are counted"
    for topic in ("data/2", "data/json", "digital/5", "digital-cmd/5"):
        assert logged_refusal(cayenne, prefix + topic), f"the refusal of {topic} is logged with its reason"


def refused_count(cayenne: Cayenne) -> float:
    """`nimbus_cayenne_mqtt_refused_total` of the server's `/metrics` (0 before the first refusal)."""
    text = cayenne.get("/metrics").text
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith("nimbus_cayenne_mqtt_refused_total")]
    return sum(values)


def logged_refusal(cayenne: Cayenne, topic: str) -> bool:
    """Whether the server's log has a refused Cayenne publication on `topic`, with its reason."""
    return any("refused a Cayenne publication" in line and topic in line and "reason" in line
               for line in cayenne.server.log_path.read_text(errors="replace").splitlines())


def test_mqtt_over_tls_with_the_account_credentials(nimbus_mqtt) -> None:
    """The C and Arduino libraries' secure variants connect to port 8883 with TLS: the same credentials, topics and
    readings as plain MQTT (on the MQTT tests' server, which has a TLS listener)."""
    cayenne = Cayenne(nimbus_mqtt.server)
    account = Account(cayenne, cayenne.app())
    credentials = account.mqtt_credentials()
    thing = account.thing(name="Secure gateway")
    for channel, protocol in ((1, paho.MQTTv31), (2, paho.MQTTv311)):
        client = paho_client(credentials, thing["id"], protocol)
        client.tls_set(ca_certs=str(nimbus_mqtt.tls.ca))
        publish_once(client, "localhost", nimbus_mqtt.tls_port, f"v1/{credentials['id']}/things/{thing['id']}/data/{channel}", "temp,c=18.5")
    assert set(account.children(thing["id"])) == {"1", "2"}
    wrong = paho_client({**credentials, "clear_secret": "wrong"}, thing["id"], paho.MQTTv311)
    wrong.tls_set(ca_certs=str(nimbus_mqtt.tls.ca))
    assert connack(wrong, "localhost", nimbus_mqtt.tls_port) not in (0, -1), "a wrong secret is refused over TLS too"


def test_mqtt_over_websocket_with_the_account_credentials(cayenne: Cayenne, account: Account) -> None:
    credentials = account.mqtt_credentials()
    thing = account.thing(name="Browser gateway")
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=thing["id"], protocol=paho.MQTTv311, transport="websockets")
    client.ws_set_options(path="/mqtt")
    client.username_pw_set(credentials["id"], credentials["clear_secret"])
    publish_once(client, "127.0.0.1", cayenne.server.http_port, f"v1/{credentials['id']}/things/{thing['id']}/data/2", "temp,c=19.5")
    assert set(account.children(thing["id"])) == {"2"}


def test_mqtt_credentials_and_topics_are_confined_to_the_account(cayenne: Cayenne, app: App, account: Account) -> None:
    credentials = account.mqtt_credentials()
    thing = account.thing()
    other = Account(cayenne, app)
    other_credentials = other.mqtt_credentials()
    other_thing = other.thing()

    def connect_code(username: str, password: str, client_id: str) -> int:
        client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv311)
        client.username_pw_set(username, password)
        return connack(client, "127.0.0.1", cayenne.server.mqtt_port)

    assert connect_code(credentials["id"], credentials["clear_secret"], thing["id"]) == 0
    assert connect_code(credentials["id"], "wrong", thing["id"]) != 0, "a wrong secret is refused"
    assert connect_code(credentials["id"], credentials["clear_secret"], other_thing["id"]) != 0, "another account's thing is refused"
    assert connect_code(credentials["id"], credentials["clear_secret"], str(uuid.uuid4())) != 0, "an unknown thing is refused"
    expect_json(account.call("DELETE", f"/things/{thing['id']}"), 200)
    assert connect_code(credentials["id"], credentials["clear_secret"], thing["id"]) != 0, "a deactivated thing is refused"
    expect_json(account.call("PUT", f"/things/{thing['id']}", json={"status": "ACTIVATED"}), 200)
    assert connect_code(credentials["id"], credentials["clear_secret"], thing["id"]) == 0, "a thing activated again connects again"

    # Publishing or subscribing outside its own prefix: into another account's thing, or a sibling thing of its own
    # account (the same credentials, another client id).
    live = account.thing(name="live")
    sibling = account.thing(name="sibling")
    client = paho_client(credentials, live["id"], paho.MQTTv311)
    subacks: dict[int, list[Any]] = {}
    client.on_subscribe = lambda c, u, mid, codes, p=None: subacks.__setitem__(mid, codes)

    def suback(topic_filter: str) -> Any:
        _, mid = client.subscribe(topic_filter, qos=0)
        return wait_for(lambda: subacks.get(mid), f"SUBACK of {topic_filter}")[0]

    own = f"v1/{credentials['id']}/things/{live['id']}/"
    client.connect("127.0.0.1", cayenne.server.mqtt_port)
    client.loop_start()
    try:
        assert suback(f"v1/{other_credentials['id']}/things/{other_thing['id']}/cmd/+").is_failure, \
            "another account's topics cannot be subscribed to"
        for topic_filter in (f"v1/{credentials['id']}/things/{sibling['id']}/cmd/+", f"v1/{credentials['id']}/things/{sibling['id']}/#",
                             f"v1/{credentials['id']}/things/+/cmd/+", f"v1/{credentials['id']}/#"):
            assert suback(topic_filter).is_failure, f"{topic_filter}: a sibling thing's topics cannot be subscribed to"
        assert not suback(own + "cmd/+").is_failure, "its own topics can"
        client.publish(f"v1/{other_credentials['id']}/things/{other_thing['id']}/data/1", "temp,c=99", qos=1)
        client.publish(f"v1/{credentials['id']}/things/{sibling['id']}/data/1", "temp,c=99", qos=1)
        client.publish(f"v1/{credentials['id']}/things/{sibling['id']}/sys/model", "Hijacked", qos=1)
        # Its own reading, published after them on the same connection, is stored: the refused ones were handled by then.
        info = client.publish(own + "data/2", "temp,c=20", qos=1)
        info.wait_for_publish(timeout=5)
        assert info.is_published()
    finally:
        client.loop_stop()
        client.disconnect()
    assert set(account.children(live["id"])) == {"2"}
    assert other.children(other_thing["id"]) == {}, "nothing reached the other account"
    assert account.children(sibling["id"]) == {}, "nothing reached the sibling thing"
    assert "sys" not in expect_json(account.call("GET", f"/things/{sibling['id']}"), 200)["properties"]


# --------------------------------------------------------------------------------------------
# HTTP push and LoRaWAN uplinks


def test_http_push_with_basic_credentials_encoded_or_as_the_docs_print_them(cayenne: Cayenne, account: Account) -> None:
    import base64
    credentials = account.mqtt_credentials()
    thing = account.thing(name="Wind station")
    pair = f"{credentials['id']}:{credentials['clear_secret']}"
    body = [{"channel": 1, "value": 12.5, "type": "wind_speed", "unit": "kmh"}, {"channel": 2, "value": "270", "type": "wind_direction", "unit": "deg"}]
    for authorization in (f"Basic {base64.b64encode(pair.encode()).decode()}", f"Basic {pair}"):
        resp = cayenne.post(f"/cayenne/things/{thing['id']}/data", json=body, headers={"Authorization": authorization})
        assert expect_json(resp, 200) == {"success": True, "readings": 2}
    assert set(account.children(thing["id"])) == {"1", "2"}

    wrong = base64.b64encode(f"{credentials['id']}:wrong".encode()).decode()
    resp = cayenne.post(f"/cayenne/things/{thing['id']}/data", json=body, headers={"Authorization": f"Basic {wrong}"})
    oauth_error(resp, 401, "invalid_client")
    assert resp.headers.get("WWW-Authenticate", "").startswith("Basic")
    oauth_error(cayenne.post(f"/cayenne/things/{thing['id']}/data", json=body), 401, "invalid_client")
    auth = {"Authorization": f"Basic {pair}"}
    oauth_error(cayenne.post(f"/cayenne/things/{uuid.uuid4()}/data", json=body, headers=auth), 404, "not_found")
    for bad in ({"channel": 3, "value": 1}, [{"channel": 3}], [{"channel": 3, "value": "warm"}], [{"value": 1}], [{"channel": 3, "value": 1}] * 65):
        oauth_error(cayenne.post(f"/cayenne/things/{thing['id']}/data", json=bad, headers=auth), 400, "invalid_request")
    assert set(account.children(thing["id"])) == {"1", "2"}, "refused pushes store nothing"


def uplink(dev_eui: str, frame: bytes, received_at: str = "2026-12-05T01:02:03.100000000Z") -> dict[str, Any]:
    """The Things Stack v3's uplink webhook body (trimmed to what matters, plus some of what it also sends)."""
    import base64
    return {
        "end_device_ids": {"device_id": "tank-1", "application_ids": {"application_id": "tanks"}, "dev_eui": dev_eui,
                           "join_eui": "0000000000000000", "dev_addr": "260B1234"},
        "correlation_ids": ["as:up:01H"], "received_at": received_at,
        "uplink_message": {"session_key_id": "AYa", "f_port": 1, "f_cnt": 42, "frm_payload": base64.b64encode(frame).decode(),
                           "rx_metadata": [{"gateway_ids": {"gateway_id": "gw"}, "rssi": -42, "snr": 9.5}],
                           "settings": {"data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}}, "frequency": "868100000"},
                           "received_at": received_at},
    }


def test_a_lorawan_uplink_encoded_with_pycayennelpp_is_stored(cayenne: Cayenne, account: Account) -> None:
    from cayennelpp import LppFrame
    credentials = account.mqtt_credentials()
    auth = (credentials["id"], credentials["clear_secret"])
    thing = account.thing(name="Tank", hardware_id="70B3D57ED0001234", properties={"codec": "lpp", "network": "ttn"})
    frame = LppFrame()
    frame.add_temperature(1, 25.5)
    frame.add_humidity(2, 47.5)
    frame.add_gps(3, 52.3715, 4.8987, 12.5)
    frame.add_voltage(4, 3.3)  # an extension type
    assert bytes(frame).hex().startswith("016700ff02685f038807fdc300bf5b0004e2"), "the seed's worked example"

    resp = cayenne.post("/cayenne/lora/ttn/uplink", json=uplink("70b3d57ed0001234", bytes(frame)), auth=auth)
    assert expect_json(resp, 200) == {"success": True, "readings": 4}, describe(resp)
    sensors = account.children(thing["id"])
    assert set(sensors) == {"1", "2", "3", "4"}
    assert sensors["3"]["name"].startswith("gps"), sensors["3"]

    # Bad frames and unknown devices get a clear error and store nothing.
    for bad in (bytes.fromhex("0167"), bytes.fromhex("05ff00"), b""):
        oauth_error(cayenne.post("/cayenne/lora/ttn/uplink", json=uplink("70B3D57ED0001234", bad), auth=auth), 400, "invalid_request")
    oauth_error(cayenne.post("/cayenne/lora/ttn/uplink", json=uplink("0000000000000001", bytes(frame)), auth=auth), 404, "not_found")
    oauth_error(cayenne.post("/cayenne/lora/ttn/uplink", json={"end_device_ids": {}}, auth=auth), 400, "invalid_request")
    oauth_error(cayenne.post("/cayenne/lora/ttn/uplink", json=uplink("70B3D57ED0001234", bytes(frame)), auth=(credentials["id"], "x")),
                401, "invalid_client")
    assert set(account.children(thing["id"])) == {"1", "2", "3", "4"}


# Every LPP type the server decodes (the official ones and pycayennelpp 2.4's extensions, docs/cayenne.md): the
# pycayennelpp helper and its arguments, the stored value, and the type and unit of its MQTT twin. The values encode
# exactly (pycayennelpp truncates value x scale to an integer).
LPP_TYPES = [
    ("add_digital_input", (1,), 1, "digital_sensor", "d"),
    ("add_digital_output", (1,), 1, "digital_actuator", "d"),
    ("add_analog_input", (-12.5,), -12.5, "analog_sensor", None),
    ("add_analog_output", (3.75,), 3.75, "analog_actuator", None),
    ("add_generic", (4_000_000_000,), 4_000_000_000, "analog_sensor", None),
    ("add_luminosity", (800,), 800, "lum", "lux"),
    ("add_presence", (1,), 1, "prox", "d"),
    ("add_temperature", (-4.5,), -4.5, "temp", "c"),
    ("add_humidity", (47.5,), 47.5, "rel_hum", "p"),
    ("add_accelerometer", (0.5, -0.25, 1.0), [0.5, -0.25, 1.0], "accel", "g"),
    ("add_barometer", (1013.2,), 1013.2, "bp", "hpa"),
    ("add_voltage", (3.3,), 3.3, "voltage", "v"),
    ("add_current", (0.125,), 0.125, "current", "a"),
    ("add_frequency", (868,), 868, "freq", "hz"),
    ("add_percentage", (75,), 75, "analog_sensor", "p"),
    ("add_altitude", (-12,), -12, "alt", "m"),
    ("add_load", (-1.5,), -1.5, "weight", "kg"),
    ("add_concentration", (412,), 412, "co2", "ppm"),
    ("add_power", (1500,), 1500, "pow", "w"),
    ("add_distance", (12.345,), 12.345, "len", "m"),
    ("add_energy", (4.25,), 4.25, "energy", "kwh"),
    ("add_direction", (270,), 270, "ori_azim", "deg"),
    ("add_unix_time", (1_764_900_000,), 1_764_900_000, "time", "sec"),
    ("add_gyrometer", (1.5, -2.25, 0), [1.5, -2.25, 0], "gyro", "dps"),
    ("add_colour", (255, 128, 0), [255, 128, 0], "color", None),
    ("add_gps", (52.5, -4.25, 12.5), [52.5, -4.25, 12.5], "gps", "gps"),
    ("add_switch", (1,), 1, "switch", "d"),
]


def test_every_lpp_type_is_stored_with_its_value_type_and_unit(cayenne: Cayenne, account: Account) -> None:
    """One TTS v3 uplink per LPP type, each on a channel of its own; the thing's state shows each stored reading."""
    from cayennelpp import LppFrame
    credentials = account.mqtt_credentials()
    auth = (credentials["id"], credentials["clear_secret"])
    thing = account.thing(name="Every sensor", hardware_id="70B3D57ED000C0DE", properties={"codec": "lpp"})
    for channel, (helper, args, _, _, _) in enumerate(LPP_TYPES, start=1):
        frame = LppFrame()
        getattr(frame, helper)(channel, *args)
        resp = cayenne.post("/cayenne/lora/ttn/uplink", json=uplink("70B3D57ED000C0DE", bytes(frame)), auth=auth)
        assert expect_json(resp, 200) == {"success": True, "readings": 1}, f"{helper}: {describe(resp)}"
    state = {str(s["channel"]): s for s in expect_json(account.call_auth("GET", f"/cayenne/devices/{thing['id']}/state"), 200)}
    assert set(state) == {str(channel) for channel in range(1, len(LPP_TYPES) + 1)}
    for channel, (helper, _, value, data_type, unit) in enumerate(LPP_TYPES, start=1):
        stored = state[str(channel)]
        assert (stored["value"], stored["type"], stored["unit"]) == (value, data_type, unit), f"{helper}: {stored}"
        assert stored["timestamp"] == "2026-12-05T01:02:03.100Z", "the uplink's time"


# --------------------------------------------------------------------------------------------
# The registry and pairing


def test_registry_single_batch_and_csv_then_pairing(cayenne: Cayenne, account: Account) -> None:
    lora_type = expect_json(account.call("POST", "/things/types", json={"name": "LoRa tank", "transport_protocol": "lorawan", "codec": "lpp"}), 201)
    one = expect_json(account.call("POST", "/things/registry", json={
        "hardware_id": "70B3D57ED000AAA1", "device_type_id": lora_type["id"], "codec": "lpp", "application_id": "tank-app", "response_csv": False}), 201)
    assert one["status"] == "PENDING" and one["hardware_id"] == "70B3D57ED000AAA1" and one["codec"] == "lpp", one
    assert expect_json(account.call("GET", f"/things/registry/{one['id']}"), 200) == one
    assert expect_json(account.call("GET", "/things/registry/eui/70B3D57ED000AAA1"), 200)["id"] == one["id"]

    batch = expect_json(account.call("POST", "/things/registry/batch", json={
        "device_type_id": lora_type["id"], "hardware_ids": ["70B3D57ED000AAB1", "70B3D57ED000AAB2"], "response_csv": False}), 201)
    assert [e["hardware_id"] for e in batch] == ["70B3D57ED000AAB1", "70B3D57ED000AAB2"]
    generated = account.call("POST", "/things/registry/batch", json={"device_type_id": lora_type["id"], "count": 3, "response_csv": True})
    assert generated.status_code == 201 and generated.headers["Content-Type"].startswith("text/csv"), describe(generated)
    rows = [line.split(",") for line in generated.text.strip().splitlines()]
    assert rows[0][:3] == ["id", "hardware_id", "device_type_id"] and len(rows) == 4
    assert all(len(row[1]) == 16 and row[5] == "PENDING" for row in rows[1:]), rows

    csv_file = f"hardware_id,device_type_id,codec\r\nSERIAL-0001,{lora_type['id']},lpp\r\n\"SERIAL,0002\",,\r\n"
    uploaded = expect_json(account.cayenne.request("POST", PLATFORM + "/things/registry/csv", account.token,
                                                   files={"file": ("devices.csv", csv_file, "text/csv"), "response_csv": (None, "false")}), 201)
    assert [e["hardware_id"] for e in uploaded] == ["SERIAL-0001", "SERIAL,0002"]
    assert uploaded[1]["device_type_id"] == "5d4c1f2b-7e3a-4c1e-9b2f-0a6e3d9c8b71", "an empty type is the generic device"

    # Already provisioned, all or nothing; past 500; bad types.
    oauth_error(account.call("POST", "/things/registry/batch", json={"hardware_ids": ["NEW-1", "70B3D57ED000AAB1"]}), 409, "conflict")
    oauth_error(account.call("GET", "/things/registry/eui/NEW-1"), 404, "not_found")
    oauth_error(account.call("POST", "/things/registry/batch", json={"count": 501}), 400, "invalid_request")
    oauth_error(account.call("POST", "/things/registry/batch", json={"hardware_ids": ["A", "B"], "count": 3}), 400, "invalid_request")
    oauth_error(account.call("POST", "/things/registry", json={"hardware_id": "X-1", "device_type_id": str(uuid.uuid4())}), 404, "not_found")
    oauth_error(account.call("POST", "/things/registry/batch", json={"hardware_ids": [f"MANY-{n}" for n in range(501)]}), 400, "invalid_request")
    # A CSV that is not well formed, too long, or names a type that is not one: refused whole, naming the file.
    for bad_csv in ('CSV-1,,\r\n"CSV-2,,lpp\r\n', '"CSV-1"x,,\r\n', "CSV-1,not-a-uuid,\r\n",
                    "".join(f"CSV-{n},,\r\n" for n in range(501))):
        refused = account.cayenne.request("POST", PLATFORM + "/things/registry/csv", account.token,
                                          files={"file": ("devices.csv", bad_csv, "text/csv"), "response_csv": (None, "false")})
        assert oauth_error(refused, 400, "invalid_request")["error_description"].startswith("file"), describe(refused)
    oauth_error(account.cayenne.request("POST", PLATFORM + "/things/registry/csv", account.token,
                                        files={"file": ("devices.csv", f"CSV-1,{uuid.uuid4()},\r\n", "text/csv")}), 404, "not_found")
    oauth_error(account.call("GET", "/things/registry/eui/CSV-1"), 404, "not_found")

    # Pairing by hardware id (the seed's form variables) makes the thing in the caller's account.
    paired = expect_json(account.call("POST", "/things/pair", data={"hardware_id": "70B3D57ED000AAA1", "name": "North tank"}), 200)
    assert paired["name"] == "North tank" and paired["hardware_id"] == "70B3D57ED000AAA1" and paired["status"] == "ACTIVATED"
    assert paired["device_type_id"] == lora_type["id"] and paired["properties"]["codec"] == "lpp" and paired["children"] == []
    assert paired["device_registry_id"] == one["id"]
    assert expect_json(account.call("GET", f"/things/registry/{one['id']}"), 200)["status"] == "PAIRED"
    assert [t["id"] for t in account.things()] == [paired["id"]]
    oauth_error(account.call("POST", "/things/pair", json={"hardware_id": "70B3D57ED000AAA1"}), 409, "conflict")
    oauth_error(account.call("POST", "/things/pair", json={"hardware_id": "NEVER-PROVISIONED"}), 404, "not_found")

    # A paired LoRa device's uplinks reach its thing.
    from cayennelpp import LppFrame
    credentials = account.mqtt_credentials()
    frame = LppFrame()
    frame.add_temperature(1, 21.0)
    resp = cayenne.post("/cayenne/lora/ttn/uplink", json=uplink("70b3d57ed000aaa1", bytes(frame)), auth=(credentials["id"], credentials["clear_secret"]))
    assert expect_json(resp, 200)["readings"] == 1
    expect_json(account.call("DELETE", f"/things/registry/{batch[0]['id']}"), 200)
    oauth_error(account.call("GET", f"/things/registry/{batch[0]['id']}"), 404, "not_found")


def test_registry_entries_belong_to_their_account_pairing_to_the_project_and_a_viewer_cannot_pair(
        cayenne: Cayenne, app: App, account: Account) -> None:
    entry = expect_json(account.call("POST", "/things/registry", json={"hardware_id": "SHARED-1"}), 201)
    other = Account(cayenne, app)
    # Another account of the project finds a pending entry by its hardware id (to pair it), but may neither read it
    # by id nor delete it: the entry is the provisioning account's.
    assert expect_json(other.call("GET", "/things/registry/eui/SHARED-1"), 200)["id"] == entry["id"]
    oauth_error(other.call("GET", f"/things/registry/{entry['id']}"), 404, "not_found")
    oauth_error(other.call("DELETE", f"/things/registry/{entry['id']}"), 404, "not_found")
    # Another account of the project may pair a provisioned device (the developer provisions, users pair).
    paired = expect_json(other.call("POST", "/things/pair", json={"hardware_id": "SHARED-1", "name": "Mine"}), 200)
    assert [t["id"] for t in other.things()] == [paired["id"]] and account.things() == []
    # Once paired, only the provisioning account still sees the entry (with the thing it became).
    oauth_error(other.call("GET", "/things/registry/eui/SHARED-1"), 404, "not_found")
    assert expect_json(account.call("GET", f"/things/registry/{entry['id']}"), 200)["status"] == "PAIRED"
    # Another project does not see the entry.
    elsewhere = Cayenne(cayenne.server)
    stranger = Account(elsewhere, elsewhere.app())
    oauth_error(stranger.call("GET", f"/things/registry/{entry['id']}"), 404, "not_found")
    oauth_error(stranger.call("POST", "/things/pair", json={"hardware_id": "SHARED-1"}), 404, "not_found")
    # A sub-user who may only view devices may neither provision nor pair.
    email = unique_email()
    expect_json(account.call_auth("POST", "/cayenne/users", json={
        "first_name": "View", "last_name": "Only", "email": email, "password": PASSWORD, "permissions": {"devices": ["view"]}}), 201)
    viewer = expect_json(cayenne.token(grant_type="password", email=email, password=PASSWORD, client_id=app.id), 200)["access_token"]
    expect_json(account.call("POST", "/things/registry", json={"hardware_id": "SHARED-2"}), 201)
    for path, body in (("/things/pair", {"hardware_id": "SHARED-2"}), ("/things/registry", {"hardware_id": "SHARED-3"}),
                       ("/clients", {}), ("/things", {"name": "mine"}), (f"/things/{paired['id']}/cmd", {"channel": 1, "value": 1})):
        oauth_error(cayenne.request("POST", PLATFORM + path, viewer, json=body), (403, 404), ["access_denied", "not_found"])
    # The MQTT credentials let their holder report as any thing of the account: a viewer is not given them.
    oauth_error(cayenne.request("GET", PLATFORM + "/clients", viewer), 403, "access_denied")
    assert expect_json(cayenne.request("GET", PLATFORM + "/things", viewer), 200) == account.things()

    # Nor may a viewer change or delete the account's things, types and channels, delete a registry entry or rotate
    # the credentials; each is refused (403) and changes nothing.
    mine = account.thing(name="Mine")
    own_type = expect_json(account.call("POST", "/things/types", json={"name": "Tank type"}), 201)
    channel = expect_json(account.call("POST", f"/things/types/{own_type['id']}/channels", json={"name": "Level", "channel": 1}), 201)
    credentials = account.mqtt_credentials()
    pending = expect_json(account.call("GET", "/things/registry/eui/SHARED-2"), 200)
    type_path = f"/things/types/{own_type['id']}"
    for method, path in (("PUT", f"/things/{mine['id']}"), ("DELETE", f"/things/{mine['id']}"), ("POST", "/things/types"),
                         ("PUT", type_path), ("DELETE", type_path), ("POST", f"{type_path}/channels"),
                         ("PUT", f"{type_path}/channels/{channel['id']}"), ("DELETE", f"{type_path}/channels/{channel['id']}"),
                         ("DELETE", f"/things/registry/{pending['id']}"), ("POST", "/clients/rotate")):
        oauth_error(cayenne.request(method, PLATFORM + path, viewer, json={"name": "Hijacked", "channel": 2, "active": 0}),
                    403, "access_denied")
    assert expect_json(account.call("GET", f"/things/{mine['id']}"), 200)["name"] == "Mine"
    assert [t["status"] for t in account.things()] == ["ACTIVATED"]
    kept = expect_json(account.call("GET", type_path), 200)
    assert kept["name"] == "Tank type" and [c["name"] for c in kept["channels"]] == ["Level"]
    assert [row["name"] for row in expect_json(account.call("GET", "/things/types"), 200)["rows"]].count("Hijacked") == 0
    assert expect_json(account.call("GET", f"/things/registry/{pending['id']}"), 200)["status"] == "PENDING"
    assert account.mqtt_credentials() == credentials

    # `add_edit` without `delete`: things are changed but not deleted.
    editor = sub_user(account, app, permissions={"devices": ["view", "add_edit"]})
    assert expect_json(cayenne.request("PUT", PLATFORM + f"/things/{mine['id']}", editor, json={"name": "Renamed"}), 200)["name"] == "Renamed"
    oauth_error(cayenne.request("DELETE", PLATFORM + f"/things/{mine['id']}", editor), 403, "access_denied")
    assert expect_json(account.call("GET", f"/things/{mine['id']}"), 200)["status"] == "ACTIVATED"


# --------------------------------------------------------------------------------------------
# Commands

VENDOR_COMMAND_SCRIPT = """
import sys, time
from cayenne.client import CayenneMQTTClient
username, password, thing, port = sys.argv[1:5]
client = CayenneMQTTClient()
client.on_message = lambda message: print("@@ command", message.channel, message.value, flush=True)
client.begin(username, password, thing, hostname="127.0.0.1", port=int(port))
deadline = time.time() + 10
while not client.connected and time.time() < deadline:
    client.loop()
print("@@ connected" if client.connected else "@@ not connected", flush=True)
end = time.time() + float(sys.argv[5])
while time.time() < end:
    client.loop()
    time.sleep(0.02)
"""


def next_report(device: subprocess.Popen) -> str:
    """The script's next own line (`@@ …`), past what the library prints itself."""
    while True:
        line = device.stdout.readline()
        assert line, "the device script ended early"
        if line.startswith("@@ "):
            return line[3:].strip()


def command_status(account: Account, thing_id: str, command_id: int) -> dict[str, Any]:
    return expect_json(account.call("GET", f"/things/{thing_id}/cmd/{command_id}"), 200)


def test_a_command_reaches_the_vendor_library_which_answers_it(cayenne: Cayenne, account: Account) -> None:
    credentials = account.mqtt_credentials()
    thing = account.thing(name="Relay board")
    env = {**os.environ, "PYTHONPATH": str(vendor_library())}
    device = subprocess.Popen([sys.executable, "-c", VENDOR_COMMAND_SCRIPT, credentials["id"], credentials["clear_secret"], thing["id"],
                               str(cayenne.server.mqtt_port), "20"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert next_report(device) == "connected"
        time.sleep(0.5)  # the library subscribes to cmd/+ right after its CONNACK
        sent = expect_json(account.call("POST", f"/things/{thing['id']}/cmd", json={"channel": 3, "value": 1}), 200)
        assert sent["success"] is True and sent["status"] == "pending" and 1 <= len(sent["seq"]) <= 15
        assert next_report(device).split() == ["command", "3", "1"], "the device's callback saw channel 3, value 1"
        answered = wait_for(lambda: command_status(account, thing["id"], sent["id"])["status"] == "ok" and
                            command_status(account, thing["id"], sent["id"]), "the device's ok")
        assert answered["answered_at"] and answered["delivered_at"]
        assert "3" in wait_for(lambda: account.children(thing["id"]), "the echoed state"), "the library echoes the value on data/3"
    finally:
        device.kill()
        device.wait()


def test_commands_wait_for_an_offline_thing_and_errors_are_kept(cayenne: Cayenne, account: Account) -> None:
    credentials = account.mqtt_credentials()
    thing = account.thing(name="Valve")
    sent = expect_json(account.call("POST", f"/things/{thing['id']}/cmd", json={"channel": "5", "value": "0.75", "Type": "valve", "Unit": "null"}), 200)
    assert command_status(account, thing["id"], sent["id"])["delivered_at"] is None, "nobody was connected"

    prefix = f"v1/{credentials['id']}/things/{thing['id']}/"
    received: list[tuple[str, str]] = []
    client = paho_client(credentials, thing["id"])
    client.on_message = lambda c, u, m: received.append((m.topic, m.payload.decode()))
    client.connect("127.0.0.1", cayenne.server.mqtt_port)
    client.loop_start()
    try:
        client.subscribe(prefix + "cmd/+", qos=0)
        wait_for(lambda: received, "the waiting command")
        assert received[0] == (prefix + "cmd/5", f"{sent['seq']},0.75"), received
        client.publish(prefix + "response", f"error,{sent['seq']}=valve jammed", qos=1).wait_for_publish(timeout=5)
        failed = wait_for(lambda: command_status(account, thing["id"], sent["id"])["status"] == "error" and
                          command_status(account, thing["id"], sent["id"]), "the device's error")
        assert failed["message"] == "valve jammed"
        # Sent while connected: straight through.
        live = expect_json(account.call("POST", f"/things/{thing['id']}/cmd", json={"channel": 6, "value": 1}), 200)
        wait_for(lambda: len(received) == 2, "the live command")
        assert received[1] == (prefix + "cmd/6", f"{live['seq']},1")
        assert [c["id"] for c in expect_json(account.call("GET", f"/things/{thing['id']}/cmd"), 200)] == [live["id"], sent["id"]]
        # The largest command allowed (5 digits of channel, 24 bytes of value) still fits the C library's 134-byte buffer.
        largest = expect_json(account.call("POST", f"/things/{thing['id']}/cmd", json={"channel": "99999", "value": "v" * 24}), 200)
        wait_for(lambda: len(received) == 3, "the largest command")
        topic, payload = received[2]
        assert payload == f"{largest['seq']},{'v' * 24}"
        # fixed header (2) + topic length (2) + topic + packet id (2) + payload
        assert 2 + 2 + len(topic.encode()) + 2 + len(payload.encode()) <= 134, (topic, payload)
    finally:
        client.loop_stop()
        client.disconnect()
    for bad in ({"channel": 3}, {"value": 1}, {"channel": "x", "value": 1}, {"channel": 3, "value": "a,b"}, {"channel": 3, "value": "9" * 25},
                {"channel": "123456", "value": 1}):
        oauth_error(account.call("POST", f"/things/{thing['id']}/cmd", json=bad), 400, "invalid_request")
    oauth_error(account.call("POST", f"/things/{uuid.uuid4()}/cmd", json={"channel": 3, "value": 1}), 404, "not_found")


def test_deleting_a_thing_or_rotating_the_secret_closes_its_connections(cayenne: Cayenne, account: Account) -> None:
    credentials = account.mqtt_credentials()
    first, second = account.thing(name="one"), account.thing(name="two")
    closed: dict[str, bool] = {}

    def connect(thing: dict[str, Any]) -> paho.Client:
        client = paho_client(credentials, thing["id"], paho.MQTTv311)
        client.on_disconnect = lambda c, u, f, rc, p=None: closed.__setitem__(thing["id"], True)
        client.connect("127.0.0.1", cayenne.server.mqtt_port)
        client.loop_start()
        return client

    clients = [connect(first), connect(second)]
    try:
        time.sleep(0.3)
        expect_json(account.call("DELETE", f"/things/{first['id']}"), 200)
        wait_for(lambda: closed.get(first["id"]), "the deleted thing's connection to close")
        assert not closed.get(second["id"])
        expect_json(account.call("POST", "/clients/rotate", json={}), 200)
        wait_for(lambda: closed.get(second["id"]), "the rotated credentials' connections to close")
    finally:
        for client in clients:
            client.loop_stop()
            client.disconnect()
