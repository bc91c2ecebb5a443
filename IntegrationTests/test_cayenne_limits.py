"""What one Cayenne account can make the server hold (docs/cayenne.md, "Limits"): things, channels per thing,
readings per message, thing types and their channels, properties, registry entries and commands. Each bound is a
setting; a server with small values shows each one holding (`409 limit_reached` or `400 invalid_request` in
Cayenne's error format, nothing stored) while another account, or the same account within its bounds, is still
served."""

from __future__ import annotations

import base64
import time
from typing import Any, Callable

import paho.mqtt.client as paho
import pytest

from cayenne import Account, Cayenne, expect_json, oauth_error
from harness import NimbusServer
from test_cayenne_things import paho_client

LIMITS = {
    "--cayenne-max-things": 4, "--cayenne-max-channels": 2, "--cayenne-max-readings-per-message": 3,
    "--cayenne-max-thing-types": 2, "--cayenne-max-type-channels": 2, "--cayenne-max-properties-bytes": 256,
    "--cayenne-max-registry-entries": 3, "--cayenne-max-waiting-commands": 2, "--cayenne-kept-commands": 3,
    "--cayenne-command-lifetime": 2,
}


@pytest.fixture(scope="module")
def limited(server_factory: Callable[..., NimbusServer]) -> NimbusServer:
    return server_factory(extra_args=[str(part) for pair in LIMITS.items() for part in pair])


@pytest.fixture
def accounts(limited: NimbusServer) -> tuple[Account, Account]:
    cayenne = Cayenne(limited)
    app = cayenne.app()
    return Account(cayenne, app), Account(cayenne, app)


def limit_reached(resp) -> dict[str, Any]:
    body = oauth_error(resp, 409, "limit_reached")
    assert "the most" in body["message"], body
    return body


def push(account: Account, thing_id: str, readings: list[dict[str, Any]]):
    credentials = account.mqtt_credentials()
    pair = base64.b64encode(f"{credentials['id']}:{credentials['clear_secret']}".encode()).decode()
    return account.cayenne.post(f"/cayenne/things/{thing_id}/data", json=readings, headers={"Authorization": f"Basic {pair}"})


def test_things_per_account_count_children_and_deactivated_things(accounts: tuple[Account, Account]) -> None:
    mine, other = accounts
    device = mine.thing(name="Gateway")
    mine.thing(name="Sensor", parent_id=device["id"], properties={"channel": 1})
    gone = mine.thing(name="Old")
    expect_json(mine.call("DELETE", f"/things/{gone['id']}"), 200)
    mine.thing(name="Fourth")
    limit_reached(mine.call("POST", "/things", json={"name": "Fifth"}))
    # A first reading of a new channel would make a fifth thing: refused, nothing stored.
    limit_reached(push(mine, device["id"], [{"channel": 2, "value": 1}]))
    assert set(mine.children(device["id"])) == {"1"}
    # Readings of the channel it has are still taken, and another account is served.
    assert expect_json(push(mine, device["id"], [{"channel": 1, "value": 20.5}]), 200)["readings"] == 1
    other.thing(name="Theirs")


def test_channels_per_thing_over_http_and_mqtt(accounts: tuple[Account, Account]) -> None:
    mine, _ = accounts
    thing = mine.thing(name="Weather")
    assert expect_json(push(mine, thing["id"], [{"channel": 1, "value": 1}, {"channel": 2, "value": 2}]), 200)["readings"] == 2
    limit_reached(push(mine, thing["id"], [{"channel": 3, "value": 3}]))
    limit_reached(mine.call("POST", "/things", json={"name": "Third", "parent_id": thing["id"], "properties": {"channel": 3}}))

    credentials = mine.mqtt_credentials()
    client = paho_client(credentials, thing["id"], paho.MQTTv311)
    client.connect("127.0.0.1", mine.cayenne.server.mqtt_port)
    client.loop_start()
    try:
        prefix = f"v1/{credentials['id']}/things/{thing['id']}/"
        client.publish(prefix + "data/3", "temp,c=21", qos=1).wait_for_publish(5)
        # The refused publication leaves the connection working: the next one is stored and acknowledged.
        client.publish(prefix + "data/1", "temp,c=22", qos=1).wait_for_publish(5)
        assert client.is_connected()
    finally:
        client.loop_stop()
        client.disconnect()
    assert set(mine.children(thing["id"])) == {"1", "2"}


def test_readings_per_message_and_properties_size(accounts: tuple[Account, Account]) -> None:
    mine, _ = accounts
    thing = mine.thing(name="Meter")
    oauth_error(push(mine, thing["id"], [{"channel": 1, "value": n} for n in range(4)]), 400, "invalid_request")
    assert mine.children(thing["id"]) == {}, "a refused message stores none of its readings"
    assert expect_json(push(mine, thing["id"], [{"channel": 1, "value": n} for n in range(3)]), 200)["readings"] == 3
    oauth_error(mine.call("POST", "/things", json={"name": "Big", "properties": {"note": "x" * 300}}), 400, "invalid_request")
    oauth_error(mine.call("PUT", f"/things/{thing['id']}", json={"properties": {"note": "x" * 300}}), 400, "invalid_request")
    expect_json(mine.call("PUT", f"/things/{thing['id']}", json={"properties": {"note": "x" * 100}}), 200)


def test_thing_types_and_their_channels(accounts: tuple[Account, Account]) -> None:
    mine, other = accounts
    first = expect_json(mine.call("POST", "/things/types", json={"name": "Tank"}), 201)
    expect_json(mine.call("POST", "/things/types", json={"name": "Pump"}), 201)
    limit_reached(mine.call("POST", "/things/types", json={"name": "Valve"}))
    for channel in ("1", "2"):
        expect_json(mine.call("POST", f"/things/types/{first['id']}/channels", json={"name": f"ch {channel}", "channel": channel}), 201)
    limit_reached(mine.call("POST", f"/things/types/{first['id']}/channels", json={"name": "ch 3", "channel": "3"}))
    expect_json(other.call("POST", "/things/types", json={"name": "Theirs"}), 201)


def test_registry_entries_per_account(accounts: tuple[Account, Account]) -> None:
    mine, other = accounts
    expect_json(mine.call("POST", "/things/registry/batch", json={"count": 2}), 201)
    limit_reached(mine.call("POST", "/things/registry/batch", json={"count": 2}))
    entry = expect_json(mine.call("POST", "/things/registry", json={"hardware_id": "LAST-ONE"}), 201)
    limit_reached(mine.call("POST", "/things/registry", json={"hardware_id": "ONE-TOO-MANY"}))
    # Deleting an entry makes room; another account has room of its own.
    expect_json(mine.call("DELETE", f"/things/registry/{entry['id']}"), 200)
    expect_json(mine.call("POST", "/things/registry", json={"hardware_id": "ONE-TOO-MANY"}), 201)
    expect_json(other.call("POST", "/things/registry/batch", json={"count": 3}), 201)


def test_waiting_commands_per_thing_and_commands_kept(accounts: tuple[Account, Account]) -> None:
    mine, _ = accounts
    offline, other_thing = mine.thing(name="Valve"), mine.thing(name="Lamp")
    sent: list[int] = []
    for round_number in range(3):
        for value in (1, 2):
            command = {"channel": 1, "value": round_number * 10 + value}
            sent.append(expect_json(mine.call("POST", f"/things/{offline['id']}/cmd", json=command), 200)["id"])
        limit_reached(mine.call("POST", f"/things/{offline['id']}/cmd", json={"channel": 1, "value": 99}))
        expect_json(mine.call("POST", f"/things/{other_thing['id']}/cmd", json={"channel": 1, "value": 1}), 200)
        if round_number < 2:
            time.sleep(2.5)  # the lifetime (2 s) passes: the waiting commands time out and make room
    listed = expect_json(mine.call("GET", f"/things/{offline['id']}/cmd"), 200)
    # The three newest are kept (the two waiting ones among them); the older finished ones are forgotten.
    assert [c["id"] for c in listed] == list(reversed(sent))[:3], listed
    assert [c["status"] for c in listed[:2]] == ["pending", "pending"] and listed[2]["status"] == "timed_out", listed
