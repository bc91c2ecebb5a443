"""Telemetry as Cayenne's clients read it (docs/telemetry.md): the latest reading of each channel, kept with the
reading in one transaction, through the history service's `devices/{id}/state` (the sample app's status screen)
and the platform's `telemetry/{device}/sensors/{sensor}/summaries?type=latest` (the public clients T1–T4)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import paho.mqtt.client as paho

from cayenne import PLATFORM, Account, App, Cayenne, expect_json, oauth_error
from test_cayenne_limits import push
from test_cayenne_things import paho_client, publish_once, uplink, wait_for
from world import PASSWORD, unique_email

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def state(account: Account, thing_id: str) -> dict[str, dict[str, Any]]:
    """The thing's channel states by channel (as text)."""
    return {str(s["channel"]): s for s in expect_json(account.call_auth("GET", f"/cayenne/devices/{thing_id}/state"), 200)}


def test_state_shows_the_latest_reading_of_each_channel(cayenne: Cayenne, account: Account) -> None:
    credentials = account.mqtt_credentials()
    thing = account.thing(name="Greenhouse")
    assert state(account, thing["id"]) == {}, "no reading yet"
    prefix = f"v1/{credentials['id']}/things/{thing['id']}/"
    for topic, payload in (("data/1", "temp,c=20.5"), ("digital/2", "1"), ("data/3", "gps,lat,lon,alt=52.37,4.89,12.5")):
        publish_once(paho_client(credentials, thing["id"]), "127.0.0.1", cayenne.server.mqtt_port, prefix + topic, payload)
    expect_json(push(account, thing["id"], [{"channel": 1, "value": 21.5, "type": "temp", "unit": "c"}]), 200)

    channels = state(account, thing["id"])
    sensors = account.children(thing["id"])
    assert list(channels) == ["1", "2", "3"], "every channel that reported, in channel order"
    assert channels["1"]["value"] == 21.5 and channels["1"]["type"] == "temp" and channels["1"]["unit"] == "c", channels["1"]
    assert channels["1"]["sensor_id"] == sensors["1"]["id"] and TS.match(channels["1"]["timestamp"])
    assert channels["2"]["value"] == 1 and channels["2"]["type"] == "digital_sensor"
    assert channels["3"]["value"] == [52.37, 4.89, 12.5], "a GPS reading keeps its values"
    one = expect_json(account.call_auth("GET", f"/cayenne/devices/{thing['id']}/channels/1/state"), 200)
    assert one == channels["1"]
    oauth_error(account.call_auth("GET", f"/cayenne/devices/{thing['id']}/channels/9/state"), 404, "not_found")

    # The platform's summaries, as the public clients read them: one element, `v` a number, `ts` to the millisecond.
    latest = expect_json(account.call("GET", f"/telemetry/{thing['id']}/sensors/{sensors['1']['id']}/summaries?type=latest"), 200)
    assert len(latest) == 1 and latest[0]["v"] == 21.5 and TS.match(latest[0]["ts"]), latest
    assert latest[0]["unit"] == "c" and latest[0]["device_type"] == "analog", latest
    digital = expect_json(account.call("GET", f"/telemetry/{thing['id']}/sensors/{sensors['2']['id']}/summaries?type=latest&endDateLatest=true"), 200)
    assert digital[0]["v"] == 1 and digital[0]["device_type"] == "digital", digital
    gps = expect_json(account.call("GET", f"/telemetry/{thing['id']}/sensors/{sensors['3']['id']}/summaries?type=latest"), 200)
    assert gps[0]["v"] == 52.37, "a number where the clients format one"
    oauth_error(account.call("GET", f"/telemetry/{thing['id']}/sensors/{sensors['1']['id']}/summaries?type=custom&startDate=0&endDate=1"),
                400, "invalid_request")
    oauth_error(account.call("GET", f"/telemetry/{thing['id']}/sensors/{uuid.uuid4()}/summaries?type=latest"), 404, "not_found")


def test_a_late_reading_does_not_replace_a_newer_one(cayenne: Cayenne, account: Account) -> None:
    from cayennelpp import LppFrame
    credentials = account.mqtt_credentials()
    auth = (credentials["id"], credentials["clear_secret"])
    thing = account.thing(name="Tank", hardware_id="70B3D57ED0009999", properties={"codec": "lpp"})

    def temperature(value: float, received_at: str) -> None:
        frame = LppFrame()
        frame.add_temperature(1, value)
        expect_json(cayenne.post("/cayenne/lora/ttn/uplink", json=uplink("70B3D57ED0009999", bytes(frame), received_at), auth=auth), 200)

    temperature(20.0, "2026-12-05T10:00:00.000Z")
    temperature(18.0, "2026-12-05T09:00:00.000Z")  # a gateway's backlog, delivered late
    assert state(account, thing["id"])["1"]["value"] == 20.0
    assert state(account, thing["id"])["1"]["timestamp"] == "2026-12-05T10:00:00.000Z"
    temperature(22.0, "2026-12-05T11:00:00.000Z")
    assert state(account, thing["id"])["1"]["value"] == 22.0


def test_other_accounts_and_sub_users_without_history(cayenne: Cayenne, app: App, account: Account) -> None:
    thing = account.thing(name="Mine")
    expect_json(push(account, thing["id"], [{"channel": 1, "value": 5}]), 200)
    other = Account(cayenne, app)
    oauth_error(other.call_auth("GET", f"/cayenne/devices/{thing['id']}/state"), 404, "not_found")
    sensor = account.children(thing["id"])["1"]["id"]
    oauth_error(other.call("GET", f"/telemetry/{thing['id']}/sensors/{sensor}/summaries?type=latest"), 404, "not_found")
    oauth_error(cayenne.get(f"/cayenne/devices/{thing['id']}/state"), 401, "invalid_token")
    # A sub-user who may see devices but not their history.
    email = unique_email()
    expect_json(account.call_auth("POST", "/cayenne/users", json={
        "first_name": "No", "last_name": "History", "email": email, "password": PASSWORD,
        "permissions": {"devices": ["view"], "history": []}}), 201)
    token = expect_json(cayenne.token(grant_type="password", email=email, password=PASSWORD, client_id=app.id), 200)["access_token"]
    oauth_error(cayenne.request("GET", f"/cayenne/devices/{thing['id']}/state", token), 403, "access_denied")
    assert expect_json(cayenne.request("GET", PLATFORM + f"/things/{thing['id']}", token), 200)["id"] == thing["id"]


def test_the_latest_values_survive_kill_9(server_factory) -> None:
    server = server_factory()
    cayenne = Cayenne(server)
    account = Account(cayenne, cayenne.app())
    thing = account.thing(name="Durable")
    assert expect_json(push(account, thing["id"], [{"channel": 1, "value": 7.5}, {"channel": 2, "value": 8.5}]), 200)["readings"] == 2
    server.kill()
    server.start()
    channels = state(account, thing["id"])
    assert {c: s["value"] for c, s in channels.items()} == {"1": 7.5, "2": 8.5}, "acknowledged readings and their latest values"
