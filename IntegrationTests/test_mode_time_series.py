"""MODE's time-series module (docs/telemetry.md "MODE"): device events whose type a `tsdb` smart module subscribes to
become readings (each numeric field a channel, `timeSeriesData` items at their own time, lat/lon a location), read back
through `/homes/{id}/smartModules/{module}/timeSeries…` raw and in buckets that agree with a Python computation over
the same readings."""

import random
from datetime import datetime, timedelta, timezone

import pytest

from harness import RFC3339_MS, expect, expect_error
from test_mqtt_mode import House, ModeDevice
from world import Project

BASE = datetime(2026, 11, 2, 0, 0, 0, tzinfo=timezone.utc)  # a Monday


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


@pytest.fixture
def series_house(email_project: Project) -> House:
    email_project.server.cli("smart-module", "create", "--project", email_project.id, "--id", "tsdb",
                             "--type", "tsdb", "--events", "sensors")
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    return House(email_project, owner, home, email_project.device_in_home(owner, home))


def send(house: House, data: dict, event_type: str = "sensors") -> None:
    expect(house.device.client.put(f"/devices/{house.device.id}/event",
                                   json={"eventType": event_type, "eventData": data}), 204)


def base_url(house: House, module: str = "tsdb") -> str:
    return f"/homes/{house.home}/smartModules/{module}/timeSeries"


def python_buckets(points: list[tuple[datetime, float]], seconds: int) -> dict[str, dict[str, float]]:
    buckets: dict[int, list[float]] = {}
    for moment, value in points:
        start = int(moment.timestamp()) // seconds * seconds
        buckets.setdefault(start, []).append(value)
    return {rfc3339(datetime.fromtimestamp(start, timezone.utc)): {
        "min": min(values), "max": max(values), "avg": sum(values) / len(values), "count": len(values), "sum": sum(values),
    } for start, values in buckets.items()}


def test_numeric_fields_become_series_read_back_raw_and_in_buckets(series_house: House):
    house, owner = series_house, series_house.owner
    rng = random.Random(14)
    points = sorted((BASE + timedelta(seconds=rng.randrange(3 * 3600), milliseconds=rng.randrange(1000)),
                     round(rng.uniform(-20, 40), 3)) for _ in range(300))
    for start in range(0, len(points), 60):
        send(house, {"timeSeriesData": [{"seriesId": "pm25", "timestamp": rfc3339(moment), "value": value}
                                        for moment, value in points[start:start + 60]]})
    send(house, {"temperature": 21.5, "humidity": 40, "label": "kitchen", "on": True, "lat": 35.68, "lon": 139.76})
    send(house, {"temperature": 99}, event_type="not-subscribed")

    device = house.device.id
    listed = expect(owner.client.get(base_url(house)), 200)
    assert sorted(s["id"] for s in listed) == [f"{device}-{c}" for c in ("humidity", "location", "pm25", "temperature")], listed
    assert all(s["homeId"] == house.home and s["moduleId"] == "tsdb" and s["timeZone"] == "UTC" for s in listed), listed
    assert expect(owner.client.get(f"{base_url(house)}/{device}-pm25"), 200)["id"] == f"{device}-pm25"

    span = expect(owner.client.get(f"{base_url(house)}/{device}-pm25/timeRange"), 200)
    assert span == {"seriesId": f"{device}-pm25", "begin": rfc3339(points[0][0]), "end": rfc3339(points[-1][0])}, span

    # The unsubscribed event made no reading: the temperature is the subscribed event's.
    raw = expect(owner.client.get(f"{base_url(house)}/{device}-temperature/data", params={"ts": "2000-01-01T00:00:00Z", "limit": 10}), 200)
    assert [value for _, value in raw["data"]] == [21.5] and raw["limit"] == 10, raw

    raw = expect(owner.client.get(f"{base_url(house)}/{device}-pm25/data", params={"ts": rfc3339(points[10][0]), "limit": 25}), 200)
    assert raw["data"] == [[rfc3339(moment), value] for moment, value in points[10:35]], raw["data"][:3]
    assert all(RFC3339_MS.match(ts) for ts, _ in raw["data"])

    begin, end = BASE - timedelta(minutes=5), BASE + timedelta(hours=3)
    for resolution, seconds in (("1hour", 3600), ("10min", 600), ("15sec", 15), ("1day", 86400)):
        expected = python_buckets(points, seconds)
        for aggregation in ("avg", "min", "max", "count", "sum"):
            answer = expect(owner.client.get(f"{base_url(house)}/{device}-pm25/data", params={
                "begin": rfc3339(begin), "end": rfc3339(end), "aggregation": aggregation, "resolution": resolution}), 200)
            assert answer["aggregation"] == aggregation and answer["resolution"] == resolution, answer
            got = {ts: value for ts, value in answer["data"]}
            assert list(got) == sorted(got), "oldest first"
            assert got.keys() == expected.keys(), (resolution, sorted(got)[:3], sorted(expected)[:3])
            for ts, value in got.items():
                assert value == pytest.approx(expected[ts][aggregation], rel=1e-9, abs=1e-9), (resolution, aggregation, ts)

    week = expect(owner.client.get(f"{base_url(house)}/{device}-pm25/data", params={
        "begin": rfc3339(BASE + timedelta(days=2)), "end": rfc3339(BASE + timedelta(days=3)), "aggregation": "count",
        "resolution": "1week"}), 200)
    assert week["data"] == [[rfc3339(BASE), 300]], "a week bucket starts on its Monday and counts it whole"


def test_events_over_mqtt_and_locations_make_readings(series_house: House):
    client = ModeDevice(series_house.project.server.mqtt_port, str(series_house.device.id), series_house.device.api_key)
    try:
        client.publish(f"/devices/{series_house.device.id}/event",
                       {"eventType": "sensors", "eventData": {"voltage": 3.3, "latitude": -33.86, "longitude": 151.2, "altitude": 58}}, qos=1)
    finally:
        client.close()
    device = series_house.device.id
    owner = series_house.owner
    listed = expect(owner.client.get(base_url(series_house)), 200)
    assert sorted(s["id"] for s in listed) == [f"{device}-location", f"{device}-voltage"], listed
    raw = expect(owner.client.get(f"{base_url(series_house)}/{device}-location/data", params={"ts": "2000-01-01T00:00:00Z"}), 200)
    assert [value for _, value in raw["data"]] == [-33.86], "a location charts its latitude"


def test_bad_requests_and_other_homes_change_nothing(series_house: House, email_project: Project):
    house, owner = series_house, series_house.owner
    send(house, {"temperature": 20})
    series = f"{base_url(house)}/{house.device.id}-temperature"
    good = {"begin": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}
    for params, field in (
        ({**good, "resolution": "7sec"}, "resolution"),
        ({**good, "aggregation": "median"}, "aggregation"),
        ({"begin": good["end"], "end": good["begin"]}, "begin"),
        ({"begin": "yesterday", "end": good["end"]}, "begin"),
        ({"end": good["end"]}, "begin"),
        ({"begin": "2000-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z", "resolution": "5sec"}, "resolution"),
        ({"ts": "2026-01-01T00:00:00Z", "limit": 0}, "limit"),
        ({"ts": "2026-01-01T00:00:00Z", "limit": "ten"}, "limit"),
    ):
        resp = owner.client.get(f"{series}/data", params=params)
        expect_error(resp, [403], "INVALID_INPUT")
        assert resp.json()["data"]["field"] == field, (params, resp.text)

    for path in (f"{base_url(house)}/{house.device.id}-nothing", f"{base_url(house)}/{house.device.id}",
                 f"{base_url(house)}/abc-temperature", f"{base_url(house)}/999999999-temperature/timeRange"):
        expect_error(owner.client.get(path), [404], "NOT_FOUND")
    email_project.server.cli("smart-module", "create", "--project", email_project.id, "--id", "hooks",
                             "--type", "webhooks", "--url", "http://127.0.0.1:9/", "--key", "k")
    expect_error(owner.client.get(base_url(house, "hooks")), [404], "NOT_FOUND")
    expect_error(owner.client.get(base_url(house, "nope")), [404], "NOT_FOUND")

    stranger = email_project.new_user()
    stranger_home = email_project.new_home(stranger)
    expect_error(stranger.client.get(base_url(house)), [404], "NOT_FOUND")
    expect_error(stranger.client.get(f"/homes/{stranger_home}/smartModules/tsdb/timeSeries/{house.device.id}-temperature"),
                 [404], "NOT_FOUND")
    assert expect(stranger.client.get(f"/homes/{stranger_home}/smartModules/tsdb/timeSeries"), 200) == []
    assert len(expect(email_project.key().client.get(base_url(house)), 200)) == 1, "a project key reads every home"


def test_series_survive_kill_9_with_their_buckets(server_factory) -> None:
    """Every acknowledged event's readings, and buckets that agree with them, after the server is killed."""
    server = server_factory()
    project = Project(server, "email")
    server.cli("smart-module", "create", "--project", project.id, "--id", "tsdb", "--type", "tsdb")
    owner = project.new_user()
    home = project.new_home(owner)
    house = House(project, owner, home, project.device_in_home(owner, home))
    values = [round(random.uniform(0, 50), 2) for _ in range(40)]
    for value in values:
        send(house, {"level": value}, event_type="tank")
    server.kill()
    server.start()
    series = f"{base_url(house)}/{house.device.id}-level"
    raw = expect(owner.client.get(f"{series}/data", params={"ts": "2000-01-01T00:00:00Z", "limit": 100}), 200)
    assert [value for _, value in raw["data"]] == values, "every acknowledged event's reading, in order"
    now = datetime.now(timezone.utc)
    day = expect(owner.client.get(f"{series}/data", params={
        "begin": rfc3339(now - timedelta(days=1)), "end": rfc3339(now + timedelta(minutes=1)), "aggregation": "count",
        "resolution": "1day"}), 200)
    assert sum(value for _, value in day["data"]) == len(values), day
