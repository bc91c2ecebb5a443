"""A smoke scenario with --database pointing at PostgreSQL. Skipped unless NIMBUS_TEST_POSTGRES_URL
(postgres://user:pass@host:port/db, a role that may CREATE DATABASE) is set. Each run makes a fresh
database nimbus_bb_<random> and drops it afterwards."""

from __future__ import annotations

import time
import subprocess
import uuid

import pytest

from harness import NimbusServer, expect, expect_error
from postgres import ADMIN_URL, postgres_url  # noqa: F401 - a fixture
from world import Project, open_user_ws

pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="NIMBUS_TEST_POSTGRES_URL is not set")


@pytest.fixture
def pg_server(postgres_url, nimbus_bin, mailbox, sms, tmp_path):
    server = NimbusServer(nimbus_bin, tmp_path / "data", database=postgres_url, mailbox=mailbox, sms=sms)
    server.start()
    yield server
    server.stop()


def test_postgres_smoke(pg_server, mailbox):
    project = Project(pg_server, "email")
    owner, member = project.new_user(), project.new_user()
    token = mailbox.pop(owner.email).token("/mode/auth/user/emailVerification")
    expect(project.anon.post("/auth/user/emailVerification", json={"token": token}), 200)
    home = project.new_home(owner, "Postgres home")
    project.add_member(owner, home, member)
    device = project.device_in_home(owner, home)
    expect(owner.client.put(f"/homes/{home}/kv/setting", json={"value": [1, 2, 3]}), 204)
    expect_error(owner.client.delete(f"/homes/{home}/members/{owner.id}"), [403], "LAST_OWNER")

    with open_user_ws(pg_server, member) as ws:
        expect(device.client.put(f"/devices/{device.id}/event", json={"eventType": "pg", "eventData": {"n": 1}}), 204)
        event = ws.recv_json()
        assert event["eventType"] == "pg" and event["homeId"] == home, event
    with project.connect_device(device) as ws:
        expect(member.client.put(f"/devices/{device.id}/command", json={"action": "go"}), 204)
        assert ws.recv_json()["action"] == "go"

    pg_server.restart()
    assert expect(owner.client.get(f"/users/{owner.id}"), 200)["verified"] is True
    assert expect(member.client.get(f"/homes/{home}/kv/setting"), 200)["value"] == [1, 2, 3]
    assert expect(owner.client.get(f"/devices/{device.id}"), 200)["homeId"] == home
    project.sign_in_email(member.email)


def test_postgres_telemetry_reads(pg_server):
    """Readings on PostgreSQL through the paths that decode them by position: MODE time series (numbers, a location,
    no type or unit) raw and in buckets, after a restart."""
    project = Project(pg_server, "email")
    pg_server.cli("smart-module", "create", "--project", project.id, "--id", "tsdb", "--type", "tsdb")
    owner = project.new_user()
    home = project.new_home(owner)
    device = project.device_in_home(owner, home)
    for value in (1.5, 2.5, 3.5):
        expect(device.client.put(f"/devices/{device.id}/event",
                                 json={"eventType": "probe", "eventData": {"t": value, "lat": 10.5, "lon": 20.25}}), 204)
    pg_server.restart()
    base = f"/homes/{home}/smartModules/tsdb/timeSeries/{device.id}"
    raw = expect(owner.client.get(f"{base}-t/data", params={"ts": "2000-01-01T00:00:00Z"}), 200)
    assert [value for _, value in raw["data"]] == [1.5, 2.5, 3.5], raw
    located = expect(owner.client.get(f"{base}-location/data", params={"ts": "2000-01-01T00:00:00Z"}), 200)
    assert [value for _, value in located["data"]] == [10.5] * 3, "a location charts its latitude"
    start, end = raw["data"][0][0], raw["data"][-1][0]
    day = expect(owner.client.get(f"{base}-t/data", params={"begin": start, "end": end, "aggregation": "sum", "resolution": "1day"}), 200)
    assert sum(value for _, value in day["data"]) == 7.5, day


def test_postgres_mqtt_sessions_queues_and_retained_quotas(postgres_url, nimbus_bin, mailbox, sms, tmp_path):
    """The MQTT stores on PostgreSQL (issue 11): sessions keyed by their owner, a queue trimmed to its byte
    limit in the store, retained messages counted per principal across a restart."""
    from mqtt import V5, V311, Broker, MqttClient, unique_client_id

    server = NimbusServer(nimbus_bin, tmp_path / "data", database=postgres_url, mailbox=mailbox, sms=sms,
                          extra_args=["--mqtt-max-queued-bytes", "3000", "--mqtt-max-client-retained-messages", "2"])
    server.start()
    try:
        project = Project(server, "email")
        owner = project.new_user()
        home = project.new_home(owner)
        device, other = project.device_in_home(owner, home), project.device_in_home(owner, home)
        as_device = Broker(server.mqtt_port, username=str(device.id), password=device.api_key)
        client_id = unique_client_id("pg")
        away = MqttClient(as_device, version=V311, client_id=client_id, clean=False)
        away.connect()
        away.subscribe(f"/devices/{device.id}/command", qos=1)
        away.close()
        backend = MqttClient(Broker(server.mqtt_port, username="apikey", password=project.key("mqtt").key),
                             version=V5, client_id=unique_client_id("backend"))
        backend.connect()
        for i in range(10):
            backend.publish(f"/devices/{device.id}/command", f"{i}".ljust(1000, "."), qos=1, timeout=5)
        backend.close()
        retained = MqttClient(as_device, version=V5, client_id=unique_client_id("r"))
        retained.connect()
        codes = [retained.publish(f"/devices/{device.id}/r/{i}", b"x", qos=1, retain=True, timeout=5) for i in range(3)]
        assert codes[2] == 0x97 and all(code in (0, 0x10) for code in codes[:2]), codes
        retained.close()

        server.restart()
        thief = MqttClient(Broker(server.mqtt_port, username=str(other.id), password=other.api_key), version=V311,
                           client_id=client_id, clean=False)
        assert thief.connect().session_present is False
        thief.close()
        back = MqttClient(as_device, version=V311, client_id=client_id, clean=False)
        assert back.connect().session_present is True
        back.wait_count(1, timeout=5)
        time.sleep(1.0)
        numbers = [int(m.payload.split(b".")[0]) for m in back.take_all()]
        assert numbers == [8, 9], numbers  # 3,000 bytes keep the two newest stored messages of ~1 KB
        back.close()
        again = MqttClient(as_device, version=V5, client_id=unique_client_id("r2"))
        again.connect()
        assert again.publish(f"/devices/{device.id}/r/9", b"x", qos=1, retain=True, timeout=5) == 0x97
        again.close()
    finally:
        server.stop()


def test_two_servers_on_one_postgresql_run_each_job_once(postgres_url, nimbus_bin, mailbox, sms, tmp_path):
    """Issue 15: every server runs the scheduler; the claim (`FOR UPDATE SKIP LOCKED`) lets exactly one of them run each
    due job, whichever it is."""
    from datetime import datetime, timedelta, timezone

    from cayenne import Account, Cayenne, expect_json

    first = NimbusServer(nimbus_bin, tmp_path / "one", database=postgres_url, mailbox=mailbox, sms=sms).start()
    second = NimbusServer(nimbus_bin, tmp_path / "two", database=postgres_url, mailbox=mailbox, sms=sms).start()
    try:
        cayenne = Cayenne(first)
        account = Account(cayenne, cayenne.app())
        start = datetime.now(timezone.utc) + timedelta(seconds=3)
        emails = [f"both-{i}-{uuid.uuid4().hex[:6]}@example.com" for i in range(5)]
        jobs = [expect_json(account.call("POST", "/jobs", json={
            "title": f"Job {i}", "notifications": [{"method": "email", "value": email}],
            "config": {"type": "interval", "interval": 1, "unit": "minute", "start_date": start.strftime("%Y-%m-%d %H:%M:%S"), "tz": "UTC"},
        }), 200) for i, email in enumerate(emails)]
        for email in emails:
            mailbox.pop(email, timeout=20)
        time.sleep(3)
        assert [mailbox.count(email) for email in emails] == [1] * 5, "each job's mail once"
        for job in jobs:
            assert len(expect_json(account.call("GET", f"/jobs/{job['_id']}/runs"), 200)) == 1, "one run in the shared store"
        # Both schedulers were at work: each server's log shows no failed claim, and the second one ran the scheduler
        # against the same jobs (its claims skipped or found nothing due).
        for server in (first, second):
            assert "could not run the scheduled jobs" not in server.log_path.read_text(errors="replace")
    finally:
        second.stop()
        first.stop()


def test_two_servers_on_one_postgresql_fire_a_rule_once_per_crossing(postgres_url, nimbus_bin, mailbox, sms, tmp_path):
    """Issue 15: each server keeps the account's rules in memory while the database's version of them is the one it
    kept. Readings of one thing alternate between two servers: each crossing fires once, whichever server sees it,
    because a server whose copy another server's firing made stale reads the rules again (and the account's rule lock
    makes them take turns)."""
    import base64
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from cayenne import Account, Cayenne, expect_json

    first = NimbusServer(nimbus_bin, tmp_path / "one", database=postgres_url, mailbox=mailbox, sms=sms).start()
    second = NimbusServer(nimbus_bin, tmp_path / "two", database=postgres_url, mailbox=mailbox, sms=sms).start()
    try:
        cayenne = Cayenne(first)
        account = Account(cayenne, cayenne.app())
        credentials = account.mqtt_credentials()
        basic = base64.b64encode(f"{credentials['id']}:{credentials['clear_secret']}".encode()).decode()
        tank = account.thing(name="Tank")

        def push(server: NimbusServer, value: float) -> None:
            answer = requests.post(f"{server.base_url}/cayenne/things/{tank['id']}/data", timeout=10,
                                   json=[{"channel": 1, "value": value, "type": "temp", "unit": "c"}],
                                   headers={"Authorization": f"Basic {basic}"})
            assert answer.status_code == 200, answer.text

        push(first, 0)
        email = f"both-rules-{uuid.uuid4().hex[:6]}@example.com"
        rule = expect_json(account.cayenne.request("POST", "/cayenne/v1.1/rules", account.token, json={
            "title": "Hot", "triggers": [{"id": tank["id"], "channel": "1", "conditions": [{"operator": "gt", "value": "30"}]}],
            "notifications": [{"method": "email", "value": email}]}), 201)

        def runs() -> int:
            return expect_json(account.call("GET", f"/rules/{rule['id']}"), 200)["run_count"]

        # Each server sees the rule first below, then the other's crossing: a stale copy would fire again at 45.
        for server, value in ((first, 10), (second, 10), (second, 40), (first, 45), (second, 50)):
            push(server, value)
        assert runs() == 1, "one crossing, seen by the second server; the first did not fire again at 45"
        for server, value in ((first, 5), (second, 35), (first, 36), (second, 2), (first, 31)):
            push(server, value)
        assert runs() == 3, "re-armed on the first server, fired on the second, re-armed there, fired on the first"
        # Both at once: a sawtooth from each server, alternating crossings; no error, and every firing is logged once.
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda server: [push(server, v) for v in (10, 40) * 10], (first, second)))
        # Each server's own 40s are separated by its own 10s, so whatever the interleaving there are at least 10 rises.
        logs = expect_json(account.cayenne.request("GET", f"/cayenne/v1.0/rules/{rule['id']}/logs", account.token), 200)
        assert runs() >= 13 and len(logs) == runs(), (runs(), len(logs))
    finally:
        second.stop()
        first.stop()


def test_servers_starting_at_once_make_each_dialects_project_once(postgres_url, nimbus_bin, mailbox, sms, tmp_path):
    """Issue 18's groundwork: WiFi Motion and the console find or make their project and its app at start. Three servers
    starting together on one fresh database all come up, with one project of each name, one app each, and each
    server's console address registered once (the find-or-make runs under one lock, `ProjectRepository.serialize`)."""
    import threading

    servers = [NimbusServer(nimbus_bin, tmp_path / f"node-{index}", database=postgres_url, mailbox=mailbox, sms=sms) for index in range(3)]
    failures: list[BaseException] = []

    def start(server: NimbusServer) -> None:
        try:
            server.start()
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=start, args=(server,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    try:
        assert failures == [], failures
        counts = subprocess.run(["psql", postgres_url, "-qAtc", """
            SELECT (SELECT count(*) FROM projects WHERE name = 'wifimotion'), (SELECT count(*) FROM projects WHERE name = 'cayenne'),
                   (SELECT count(*) FROM apps WHERE id LIKE 'wifimotion-%' OR id LIKE 'console-%'),
                   (SELECT count(*) FROM app_redirects WHERE app_id LIKE 'console-%'),
                   (SELECT count(DISTINCT uri) FROM app_redirects WHERE app_id LIKE 'console-%')"""],
                                capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        assert counts.returncode == 0, counts.stderr
        assert counts.stdout.strip() == "1|1|2|3|3", "one project and one app per dialect, each node's console address once"
    finally:
        for server in servers:
            server.stop()
