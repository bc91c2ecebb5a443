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
    assert expect_json(account.call("GET", f"/telemetry/{thing['id']}/sensors/{sensors['1']['id']}/summaries?type=custom&startDate=0&endDate=1"),
                       200) == [], "nothing in 1970"
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


def test_ranges_raw_and_rolled_up_agree_with_the_readings(cayenne: Cayenne, account: Account) -> None:
    """A sensor's readings over six hours, sent as LoRaWAN uplinks with their own times, read back raw and rolled up:
    every bucket's count, minimum, maximum and average against the same computation in Python."""
    import random
    from datetime import datetime, timedelta, timezone
    from cayennelpp import LppFrame
    credentials = account.mqtt_credentials()
    auth = (credentials["id"], credentials["clear_secret"])
    thing = account.thing(name="Field", hardware_id="70B3D57ED0007777", properties={"codec": "lpp"})
    base = datetime(2026, 12, 1, tzinfo=timezone.utc)
    rng = random.Random(14)
    sent: list[tuple[datetime, float]] = []
    for _ in range(240):
        at = base + timedelta(seconds=rng.randrange(6 * 3600))
        value = round(rng.uniform(-10, 40), 1)
        frame = LppFrame()
        frame.add_temperature(1, value)
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        expect_json(cayenne.post("/cayenne/lora/ttn/uplink", json=uplink("70B3D57ED0007777", bytes(frame), stamp), auth=auth), 200)
        sent.append((at, value))
    sensor = account.children(thing["id"])["1"]["id"]
    path = f"/telemetry/{thing['id']}/sensors/{sensor}/summaries"
    start, end = int(base.timestamp() * 1000), int((base + timedelta(hours=6)).timestamp() * 1000)

    raw = expect_json(account.call("GET", f"{path}?type=custom&startDate={start}&endDate={end}&points=1000"), 200)
    assert len(raw) == 240 and all(TS.match(item["ts"]) for item in raw)
    assert [item["ts"] for item in raw] == sorted((item["ts"] for item in raw), reverse=True), "newest first"
    assert sorted(round(item["v"], 1) for item in raw) == sorted(value for _, value in sent)
    assert len(expect_json(account.call("GET", f"{path}?type=custom&startDate={start}&endDate={end}&points=50&raw=true"), 200)) == 50

    hourly = expect_json(account.call("GET", f"{path}?type=custom&startDate={start}&endDate={end}&points=10"), 200)
    expected: dict[str, list[float]] = {}
    for at, value in sent:
        expected.setdefault(at.replace(minute=0, second=0).strftime("%Y-%m-%dT%H:%M:%S.000Z"), []).append(value)
    assert [item["ts"] for item in hourly] == sorted(expected, reverse=True), "an hour a point, newest first"
    for item in hourly:
        values = expected[item["ts"]]
        assert item["count"] == len(values) and abs(item["min"] - min(values)) < 1e-6 and abs(item["max"] - max(values)) < 1e-6, item
        assert abs(item["v"] - sum(values) / len(values)) < 1e-6, item

    daily = expect_json(account.call("GET", f"{path}?type=1year&endDateLatest=true&points=5"), 200)
    assert len(daily) == 1 and daily[0]["count"] == 240 and daily[0]["ts"] == "2026-12-01T00:00:00.000Z", daily
    assert abs(daily[0]["v"] - sum(v for _, v in sent) / 240) < 1e-6

    for query in (f"type=custom&startDate={end}&endDate={start}", "type=custom&startDate=x&endDate=1", "type=custom",
                  "type=banana", f"type=custom&startDate={start}&endDate={end}&points=0", "type=1000year"):
        oauth_error(account.call("GET", f"{path}?{query}"), 400, "invalid_request")


def test_several_things_state_at_once(cayenne: Cayenne, app: App, account: Account) -> None:
    first, second, quiet = account.thing(name="First"), account.thing(name="Second"), account.thing(name="Quiet")
    expect_json(push(account, first["id"], [{"channel": 1, "value": 1.5}, {"channel": 2, "value": 2.5}]), 200)
    expect_json(push(account, second["id"], [{"channel": 7, "value": 0.5}]), 200)
    ids = [second["id"], quiet["id"], first["id"]]
    states = expect_json(account.call_auth("GET", f"/cayenne/devices/state?devices={','.join(ids)}"), 200)
    assert [s["thing_id"] for s in states] == ids, "in the order asked"
    assert [c["value"] for c in states[2]["state"]] == [1.5, 2.5] and states[1]["state"] == []
    assert states[0]["state"][0]["value"] == 0.5 and states[0]["state"][0]["channel"] == 7
    other = Account(cayenne, app).thing(name="Theirs")
    oauth_error(account.call_auth("GET", f"/cayenne/devices/state?devices={first['id']},{other['id']}"), 404, "not_found")
    for bad in ("", "not-a-uuid", ",".join(str(uuid.uuid4()) for _ in range(101))):
        oauth_error(account.call_auth("GET", f"/cayenne/devices/state?devices={bad}"), 400, "invalid_request")


def test_csv_export_streams_every_reading_of_a_range(cayenne: Cayenne, account: Account) -> None:
    import csv
    import io
    thing = account.thing(name="Exported")
    expect_json(push(account, thing["id"], [{"channel": 1, "value": 0.5, "type": "temp", "unit": "c"}]), 200)
    for page in range(40):  # 2,560 readings of channel 2 in messages of 64: three pages of the export
        expect_json(push(account, thing["id"], [{"channel": 2, "value": page * 64 + n} for n in range(64)]), 200)
    resp = account.call_auth("GET", f"/cayenne/devices/{thing['id']}/readings/export", stream=True)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv"), resp.headers
    assert "attachment" in resp.headers.get("Content-Disposition", "")
    rows = list(csv.reader(io.StringIO(resp.content.decode())))
    assert rows[0] == ["timestamp", "channel", "value", "type", "unit", "sensor_id"]
    body = rows[1:]
    assert len(body) == 2_561 and body[0][1:5] == ["1", "0.5", "temp", "c"], body[0]
    assert [int(r[2]) for r in body if r[1] == "2"] == list(range(2_560)), "every reading, oldest first, once"
    sensors = account.children(thing["id"])
    assert {r[5] for r in body} == {sensors["1"]["id"], sensors["2"]["id"]} and all(TS.match(r[0]) for r in body)
    # A range: nothing before the first reading, the bad ones refused, other accounts' things not found.
    assert account.call_auth("GET", f"/cayenne/devices/{thing['id']}/readings/export?startDate=0&endDate=1").text.count("\n") == 1
    for query in ("startDate=x", "startDate=2000&endDate=1000", "endDate=-1"):
        oauth_error(account.call_auth("GET", f"/cayenne/devices/{thing['id']}/readings/export?{query}"), 400, "invalid_request")
    oauth_error(account.call_auth("GET", f"/cayenne/devices/{uuid.uuid4()}/readings/export"), 404, "not_found")
