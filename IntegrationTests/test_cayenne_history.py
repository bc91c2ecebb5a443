"""The history service's reads over ranges (docs/telemetry.md "History service"): a thing's readings a page at a time,
a channel in buckets of any interval (against the same computation in Python), where things are (`map-state`) and the
track each has left; readings sent by LoRaWAN uplinks with their own times, by MQTT and by HTTP push."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from cayennelpp import LppFrame

from cayenne import Account, App, Cayenne, expect_json, oauth_error
from test_cayenne_limits import push
from test_cayenne_things import paho_client, publish_once, uplink

BASE = datetime(2026, 11, 30, tzinfo=timezone.utc)  # a Monday


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def walk(account: Account, path: str, **query: Any) -> list[dict[str, Any]]:
    """Every item of a paged history read, following `next`."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        page = expect_json(account.call_auth("GET", path, params=params), 200)
        items += page["items"]
        cursor = page["next"]
        if cursor is None:
            return items
        assert page["items"], "a page with a next is not empty"


class Tracker:
    """A LoRaWAN tracker that reports a temperature on channel 1 and its position on channel 2, each uplink at its own
    time."""

    def __init__(self, cayenne: Cayenne, account: Account, dev_eui: str) -> None:
        credentials = account.mqtt_credentials()
        self.cayenne, self.dev_eui = cayenne, dev_eui
        self.auth = (credentials["id"], credentials["clear_secret"])
        self.thing = account.thing(name="Tracker", hardware_id=dev_eui, properties={"codec": "lpp"})
        self.sent: list[tuple[datetime, float, tuple[float, ...]]] = []

    def send(self, at: datetime, temperature: float, position: tuple[float, float, float]) -> None:
        frame = LppFrame()
        frame.add_temperature(1, temperature)
        frame.add_gps(2, *position)
        expect_json(self.cayenne.post("/cayenne/lora/ttn/uplink", json=uplink(self.dev_eui, bytes(frame), stamp(at)), auth=self.auth), 200)
        # What the frame carries, as pycayennelpp decodes it (LPP keeps 4 decimals of a coordinate, truncated).
        decoded = {item.channel: item.value for item in LppFrame.from_bytes(bytes(frame)).data}
        self.sent.append((at, decoded[1][0], decoded[2]))


def tracker_with_history(cayenne: Cayenne, account: Account, count: int = 120) -> Tracker:
    tracker = Tracker(cayenne, account, "70B3D57ED000" + uuid.uuid4().hex[:4].upper())
    rng = random.Random(7)
    moments = sorted(BASE + timedelta(seconds=second) for second in rng.sample(range(3 * 3600), count))
    for index, at in enumerate(moments):
        tracker.send(at, round(rng.uniform(-10, 40), 1), (round(52.3 + index / 1000, 4), round(4.8 + index / 1000, 4), 10.0))
    return tracker


def test_readings_page_newest_first_over_every_channel(cayenne: Cayenne, account: Account) -> None:
    tracker = tracker_with_history(cayenne, account)
    path = f"/cayenne/devices/{tracker.thing['id']}/readings"
    everything = walk(account, path, limit=37)
    assert len(everything) == 2 * len(tracker.sent), "every reading once, across pages"
    assert len({(item["timestamp"], item["channel"]) for item in everything}) == len(everything), "no reading twice"
    assert [item["timestamp"] for item in everything] == sorted((item["timestamp"] for item in everything), reverse=True)
    temperatures = walk(account, path, channel="1", limit=1000)
    assert [item["value"] for item in temperatures] == [t for _, t, _ in reversed(tracker.sent)]
    assert all(item["type"] == "temp" and item["channel"] == 1 for item in temperatures)
    gps = expect_json(account.call_auth("GET", path, params={"channel": "2", "limit": 1}), 200)
    assert gps["items"][0]["value"] == list(tracker.sent[-1][2]) and gps["next"], gps

    window = walk(account, path, channel="1", startDate=ms(BASE + timedelta(hours=1)), endDate=ms(BASE + timedelta(hours=2)))
    expected = [t for at, t, _ in reversed(tracker.sent) if BASE + timedelta(hours=1) <= at <= BASE + timedelta(hours=2)]
    assert [item["value"] for item in window] == expected and expected


def test_aggregations_agree_with_the_readings(cayenne: Cayenne, account: Account) -> None:
    tracker = tracker_with_history(cayenne, account)
    path = f"/cayenne/devices/{tracker.thing['id']}/aggregations"
    for interval, seconds in (("15minute", 900), ("1hour", 3600), ("30second", 30), ("1day", 86400)):
        buckets = expect_json(account.call_auth("GET", path, params={
            "channel": "1", "interval": interval, "startDate": ms(BASE), "endDate": ms(BASE + timedelta(hours=3))}), 200)
        expected: dict[str, list[float]] = {}
        for at, temperature, _ in tracker.sent:
            start = datetime.fromtimestamp(int(at.timestamp()) // seconds * seconds, timezone.utc)
            expected.setdefault(stamp(start), []).append(temperature)
        assert [b["ts"] for b in buckets] == sorted(expected), (interval, "oldest first, only buckets with readings")
        for bucket in buckets:
            values = expected[bucket["ts"]]
            assert bucket["count"] == len(values), (interval, bucket)
            assert abs(bucket["min"] - min(values)) < 1e-9 and abs(bucket["max"] - max(values)) < 1e-9, (interval, bucket)
            assert abs(bucket["avg"] - sum(values) / len(values)) < 1e-9 and abs(bucket["sum"] - sum(values)) < 1e-9, bucket
    week = expect_json(account.call_auth("GET", path, params={"channel": "1", "interval": "1week"}), 200)
    assert [(b["ts"], b["count"]) for b in week] == [(stamp(BASE), len(tracker.sent))]


def test_map_state_and_tracks_from_uplinks_and_mqtt(cayenne: Cayenne, account: Account) -> None:
    tracker = tracker_with_history(cayenne, account, count=60)
    credentials = account.mqtt_credentials()
    car = account.thing(name="Car")
    publish_once(paho_client(credentials, car["id"]), "127.0.0.1", cayenne.server.mqtt_port,
                 f"v1/{credentials['id']}/things/{car['id']}/data/5", "gps,m=48.85,2.35,35")
    quiet = account.thing(name="Quiet")
    expect_json(push(account, quiet["id"], [{"channel": 1, "value": 3}]), 200)

    ids = [quiet["id"], car["id"], tracker.thing["id"]]
    located = expect_json(account.call_auth("GET", "/cayenne/devices/map-state", params={"devices": ",".join(ids)}), 200)
    assert [entry["thing_id"] for entry in located] == [car["id"], tracker.thing["id"]], "things with a location, in the order asked"
    assert located[0]["geo"] == {"lat": 48.85, "lon": 2.35, "alt": 35}, located[0]
    last_at, _, last_position = tracker.sent[-1]
    assert located[1]["timestamp"] == stamp(last_at) and located[1]["geo"] == dict(zip(("lat", "lon", "alt"), last_position))

    track = walk(account, f"/cayenne/devices/{tracker.thing['id']}/locations", limit=25)
    assert [(p["timestamp"], p["geo"]["lat"], p["geo"]["lon"]) for p in track] == [
        (stamp(at), position[0], position[1]) for at, _, position in tracker.sent], "oldest first, every point once"
    assert all(p["channel"] == 2 and p["sensor_id"] == account.children(tracker.thing["id"])["2"]["id"] for p in track[:1])
    assert walk(account, f"/cayenne/devices/{quiet['id']}/locations") == []


def test_bad_ranges_unknown_ids_and_other_accounts(cayenne: Cayenne, app: App, account: Account) -> None:
    thing = account.thing(name="Probe")
    expect_json(push(account, thing["id"], [{"channel": 1, "value": 1.5}]), 200)
    base = f"/cayenne/devices/{thing['id']}"
    for path, params in (
        ("readings", {"startDate": 10, "endDate": 5}), ("readings", {"limit": 0}), ("readings", {"limit": 1001}),
        ("readings", {"cursor": "yesterday"}), ("readings", {"startDate": "soon"}), ("locations", {"limit": "x"}),
        ("aggregations", {}), ("aggregations", {"channel": "1", "interval": "fortnight"}),
        ("aggregations", {"channel": "1", "interval": "0hour"}),
        ("aggregations", {"channel": "1", "interval": "1second", "startDate": 0}),
    ):
        oauth_error(account.call_auth("GET", f"{base}/{path}", params=params), 400, "invalid_request")
    oauth_error(account.call_auth("GET", f"{base}/readings", params={"channel": "9"}), 404, "not_found")
    oauth_error(account.call_auth("GET", f"{base}/aggregations", params={"channel": "9"}), 404, "not_found")
    for bad in ("", "x", ",".join(str(uuid.uuid4()) for _ in range(101))):
        oauth_error(account.call_auth("GET", "/cayenne/devices/map-state", params={"devices": bad}), 400, "invalid_request")
    other = Account(cayenne, app)
    for path in ("readings", "locations", "aggregations?channel=1"):
        oauth_error(other.call_auth("GET", f"{base}/{path}"), 404, "not_found")
        oauth_error(account.call_auth("GET", f"/cayenne/devices/{uuid.uuid4()}/{path}"), 404, "not_found")
    oauth_error(other.call_auth("GET", "/cayenne/devices/map-state", params={"devices": thing["id"]}), 404, "not_found")
    oauth_error(cayenne.get(f"{base}/readings"), 401, "invalid_token")


def test_rollups_stay_consistent_with_the_readings_after_kill_9(server_factory) -> None:
    server = server_factory()
    cayenne = Cayenne(server)
    account = Account(cayenne, cayenne.app())
    thing = account.thing(name="Durable")
    values = [round(random.uniform(0, 100), 2) for _ in range(50)]
    for start in range(0, len(values), 10):
        expect_json(push(account, thing["id"], [{"channel": 1, "value": v} for v in values[start:start + 10]]), 200)
    server.kill()
    server.start()
    since = ms(datetime.now(timezone.utc) - timedelta(days=1))
    stored = [item["value"] for item in walk(account, f"/cayenne/devices/{thing['id']}/readings", channel="1", limit=1000)]
    assert sorted(stored) == sorted(values), "every acknowledged reading"
    for interval in ("1minute", "1hour", "1day"):
        buckets = expect_json(account.call_auth("GET", f"/cayenne/devices/{thing['id']}/aggregations",
                                                params={"channel": "1", "interval": interval, "startDate": since}), 200)
        assert sum(b["count"] for b in buckets) == len(values), (interval, buckets)
        assert abs(sum(b["sum"] for b in buckets) - sum(values)) < 1e-6 and min(b["min"] for b in buckets) == min(values)


def test_readings_acknowledged_over_mqtt_survive_kill_9(server_factory) -> None:
    """Four things publish QoS 1 readings on `data/1` (the value a sequence number) as fast as they are acknowledged;
    after 300 PUBACKs the server gets SIGKILL. After a restart, every reading whose PUBACK a thing had received is
    stored, and nothing that was never published."""
    from mqtt import V311, Broker, MqttClient, qos1_storm_then_stop
    server = server_factory()
    cayenne = Cayenne(server)
    account = Account(cayenne, cayenne.app())
    credentials = account.mqtt_credentials()
    things = [account.thing(name=f"Storm {index}") for index in range(4)]
    broker = Broker(server.mqtt_port, username=credentials["id"], password=credentials["clear_secret"])

    def connect(index: int) -> MqttClient:
        client = MqttClient(broker, version=V311, client_id=things[index]["id"], max_inflight=200)
        client.connect()
        return client

    def publish(client: MqttClient, index: int, seq: int):
        topic = f"v1/{credentials['id']}/things/{things[index]['id']}/data/1"
        return client.paho.publish(topic, f"counter,null={seq}", qos=1), f"{index}-{seq}"

    result = qos1_storm_then_stop(broker, publish, server.kill, publishers=len(things), stop_after_acks=300, connect=connect)
    assert result.acked_count >= 300, result.acked_count
    server.start()
    stored = {f"{index}-{int(item['value'])}" for index, thing in enumerate(things)
              for item in walk(account, f"/cayenne/devices/{thing['id']}/readings", channel="1", limit=1000)}
    missing = result.acknowledged - stored
    assert not missing, f"{len(missing)} of {result.acked_count} acknowledged readings lost, e.g. {sorted(missing)[:5]}"
    assert stored <= set(result.published.values()), "readings that were never published"


def test_retention_deletes_old_readings_and_keeps_the_rollups(server_factory) -> None:
    """A project that keeps readings 15 days and minute rollups 30: a retention pass (every second here) deletes what
    is older, and hour and day rollups and the latest values stay."""
    import pytest
    from harness import wait_until
    server = server_factory(extra_args=["--reading-retention-interval", "1"])
    cayenne = Cayenne(server)
    account = Account(cayenne, cayenne.app())
    tracker = Tracker(cayenne, account, "70B3D57ED000" + uuid.uuid4().hex[:4].upper())
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for days_ago, count in ((40, 3), (20, 2), (0, 1)):
        for index in range(count):
            tracker.send(now - timedelta(days=days_ago, minutes=index), 10.0 * days_ago + index, (52.0, 4.0, 1.0))
    thing = tracker.thing["id"]
    readings_path, aggregations = f"/cayenne/devices/{thing}/readings", f"/cayenne/devices/{thing}/aggregations"
    assert len(walk(account, readings_path, channel="1")) == 6

    with pytest.raises(AssertionError, match="at least as long"):
        server.cli("project", "retention", "--project", cayenne.project.id, "--readings-days", 15, "--minute-rollups-days", 5)
    assert server.cli("project", "retention", "--project", cayenne.project.id, "--readings-days", 15,
                      "--minute-rollups-days", 30) == {"projectId": cayenne.project.id, "readingsDays": 15, "minuteRollupsDays": 30}
    wait_until(lambda: len(walk(account, readings_path, channel="1")) == 1, timeout=15, what="the readings older than 15 days deleted")
    assert [item["value"] for item in walk(account, readings_path, channel="1")] == [0.0]

    def count(interval: str, start: datetime, end: datetime) -> int:
        buckets = expect_json(account.call_auth("GET", aggregations, params={
            "channel": "1", "interval": interval, "startDate": ms(start), "endDate": ms(end)}), 200)
        return sum(bucket["count"] for bucket in buckets)

    assert count("1day", now - timedelta(days=45), now) == 6, "day rollups are kept"
    assert count("1hour", now - timedelta(days=45), now) == 6, "hour rollups are kept"
    assert count("1minute", now - timedelta(days=21), now - timedelta(days=19)) == 2, "minute rollups of 20 days ago are kept"
    assert count("1minute", now - timedelta(days=41), now - timedelta(days=39)) == 0, "those of 40 days ago are not"
    assert count("30second", now - timedelta(days=21), now - timedelta(days=19)) == 0, "nor are the raw readings"
    assert {s["channel"]: s["value"] for s in expect_json(account.call_auth("GET", f"/cayenne/devices/{thing}/state"), 200)}[1] == 0.0
    assert server.cli("project", "retention", "--project", cayenne.project.id) == {
        "projectId": cayenne.project.id, "readingsDays": None, "minuteRollupsDays": None}, "0 keeps everything again"
