"""Scheduled jobs (docs/automation.md): `/cayenne/v1.1/jobs` in the seed's shape; a job runs on time (mail, SMS and a
command over MQTT), a one-off job once, a daily job keeps its local time across daylight-saving changes, an inactive
job does not run, and runs missed while the server was down are made once at start, not once each."""

from __future__ import annotations

import sqlite3
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from cayenne import Account, App, Cayenne, expect_json, oauth_error
from test_cayenne_limits import push
from test_cayenne_things import paho_client, wait_for


def utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def seed_date(moment: datetime) -> str:
    """`start_date` as the server writes it: the seed's `2017-04-28 04:16`, with `:ss` only when the seconds are not 0."""
    return moment.strftime("%Y-%m-%d %H:%M") + ("" if moment.second == 0 else moment.strftime(":%S"))


def iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def job_body(start: datetime, **extra: Any) -> dict[str, Any]:
    return {"title": "Pump on", "config": {"type": "interval", "interval": 1, "unit": "minute", "start_date": utc(start),
                                           "tz": "America/Los_Angeles"}, **extra}


def create(account: Account, body: dict[str, Any]) -> dict[str, Any]:
    job = expect_json(account.call("POST", "/jobs", json=body), 200)
    assert job["_id"] and job["active"] is True and job["__v"] == 0, job
    return job


def get_job(account: Account, job_id: str) -> dict[str, Any]:
    return expect_json(account.call("GET", f"/jobs/{job_id}"), 200)


def test_a_job_runs_on_time_with_its_actions_and_notifications(cayenne: Cayenne, account: Account, mailbox, sms) -> None:
    credentials = account.mqtt_credentials()
    pump = account.thing(name="Pump")
    expect_json(push(account, pump["id"], [{"channel": 4, "value": 0}]), 200)  # its channel 4, as a device makes it
    email, phone = f"farm-{uuid.uuid4().hex[:8]}@example.com", f"+3162{uuid.uuid4().int % 10**7:07d}"
    commands: list[tuple[str, str]] = []
    listener = paho_client(credentials, pump["id"])
    listener.on_message = lambda c, u, m: commands.append((m.topic, m.payload.decode()))
    listener.connect("127.0.0.1", cayenne.server.mqtt_port)
    listener.loop_start()
    try:
        listener.subscribe(f"v1/{credentials['id']}/things/{pump['id']}/cmd/+", qos=1)
        start = (datetime.now(timezone.utc) + timedelta(seconds=3)).replace(microsecond=0)
        # The seed's example shape: capitalised `Method`/`Value` as its table writes them, actions by `thing_id`.
        job = create(account, job_body(start, notifications=[{"Method": "email", "Value": email}, {"method": "sms", "value": phone}],
                                       actions=[{"thing_id": pump["id"], "channel": "4", "unit": "float", "value": "25"}]))
        assert iso(job["next_runtime"]) == start and job["config"]["start_date"] == seed_date(start)
        assert [iso(t) for t in job["upcoming_runtimes"][:3]] == [start, start + timedelta(minutes=1), start + timedelta(minutes=2)]
        mail = mailbox.pop(email, timeout=15)
        ran_at = datetime.now(timezone.utc)
        assert "Pump on" in mail.subject and "Pump on" in mail.text
        assert sms.pop_to(phone).form()["Body"].startswith("Pump on")
        wait_for(lambda: commands, "the pump's command")
        assert commands[0][0].endswith("/cmd/4") and commands[0][1].endswith(",25"), commands
        assert ran_at - start < timedelta(seconds=5), "on time"
        after = wait_for(lambda: (j := get_job(account, job["_id"]))["run_count"] == 1 and j, "the run recorded")
        assert iso(after["next_runtime"]) == start + timedelta(minutes=1) and after["last_run"]
        runs = expect_json(account.call("GET", f"/jobs/{job['_id']}/runs"), 200)
        assert len(runs) == 1 and iso(runs[0]["scheduled_for"]) == start
        assert {r["type"]: r["status"] for r in runs[0]["results"]} == {"command": "sent", "email": "queued", "sms": "queued"}
    finally:
        listener.loop_stop()
        listener.disconnect()
    # Inactive: no next runtime; active again: the next time from now on.
    paused = expect_json(account.call("PUT", f"/jobs/{job['_id']}/inactive"), 200)
    assert paused["active"] is False and paused["next_runtime"] is None
    resumed = expect_json(account.call("PUT", f"/jobs/{job['_id']}/active"), 200)
    assert resumed["active"] is True and iso(resumed["next_runtime"]) > datetime.now(timezone.utc)
    assert expect_json(account.call("DELETE", f"/jobs/{job['_id']}"), 200) == {"success": True}
    oauth_error(account.call("GET", f"/jobs/{job['_id']}"), 404, "not_found")


def test_a_one_off_job_runs_once_and_a_daily_job_keeps_its_local_time(cayenne: Cayenne, account: Account, mailbox) -> None:
    email = f"once-{uuid.uuid4().hex[:8]}@example.com"
    start = (datetime.now(timezone.utc) + timedelta(seconds=2)).replace(microsecond=0)
    once = create(account, {"title": "Once", "config": {"type": "date", "start_date": utc(start), "tz": "UTC"},
                            "notifications": [{"method": "email", "value": email}]})
    mailbox.pop(email, timeout=15)
    done = wait_for(lambda: (j := get_job(account, once["_id"]))["run_count"] == 1 and j, "the one run")
    assert done["next_runtime"] is None and done["upcoming_runtimes"] == []
    time.sleep(1.5)
    assert mailbox.count(email) == 1 and get_job(account, once["_id"])["run_count"] == 1
    # 06:00 in New York: 11:00Z before the change of 2027-03-14, 10:00Z after it; in November back to 11:00Z.
    daily = create(account, {"title": "Morning", "config": {"type": "interval", "interval": 1, "unit": "day",
                                                            "start_date": "2027-03-12 11:00", "tz": "America/New_York"}})
    assert daily["config"]["start_date"] == "2027-03-12 11:00"
    assert daily["upcoming_runtimes"] == ["2027-03-12T11:00:00.000Z", "2027-03-13T11:00:00.000Z", "2027-03-14T10:00:00.000Z",
                                          "2027-03-15T10:00:00.000Z", "2027-03-16T10:00:00.000Z"]
    # The list is the account's, oldest first; another account sees none of them.
    assert [j["_id"] for j in expect_json(account.call("GET", "/jobs"), 200)] == [once["_id"], daily["_id"]]


def test_bad_jobs_are_refused_naming_the_field(cayenne: Cayenne, app: App, account: Account) -> None:
    thing = account.thing(name="Valve")
    other = Account(cayenne, app)
    start = datetime.now(timezone.utc) + timedelta(hours=1)
    good = job_body(start)
    cases: list[tuple[dict[str, Any], str]] = [
        ({k: v for k, v in good.items() if k != "config"}, "config"),
        ({**good, "title": ""}, "title"),
        ({**good, "config": {**good["config"], "tz": "Mars/Olympus"}}, "config.tz"),
        ({**good, "config": {**good["config"], "interval": 0}}, "config.interval"),
        ({**good, "config": {**good["config"], "unit": "fortnight"}}, "config.unit"),
        ({**good, "config": {**good["config"], "type": "cron"}}, "config.type"),
        ({**good, "config": {**good["config"], "start_date": "tomorrow"}}, "config.start_date"),
        ({**good, "config": {"type": "date", "start_date": "2020-01-01 00:00"}}, "config.start_date"),
        ({**good, "notifications": [{"method": "fax", "value": "1"}]}, "notifications[0].method"),
        ({**good, "notifications": [{"method": "email", "value": "nobody"}]}, "notifications.value"),
        ({**good, "actions": [{"thing_id": "x", "channel": 1, "value": 1}]}, "actions[0].thing_id"),
        ({**good, "actions": [{"thing_id": str(uuid.uuid4()), "channel": 1, "value": 1}]}, "actions.id"),
        ({**good, "actions": [{"thing_id": thing["id"], "channel": "a", "value": 1}]}, "channel"),
        ({**good, "http_push": [{"url": "gopher://example.com"}]}, "http_push[0].url"),
    ]
    for body, field in cases:
        error = oauth_error(account.call("POST", "/jobs", json=body), 400, "invalid_request")
        assert field in error["message"], (field, error)
    assert expect_json(account.call("GET", "/jobs"), 200) == [], "nothing was stored"
    mine = create(account, good)
    for method, path in [("GET", f"/jobs/{mine['_id']}"), ("PUT", f"/jobs/{mine['_id']}"), ("DELETE", f"/jobs/{mine['_id']}"),
                         ("PUT", f"/jobs/{mine['_id']}/inactive"), ("GET", f"/jobs/{mine['_id']}/runs")]:
        oauth_error(other.call(method, path, json={"title": "x"}), 404, "not_found")
    oauth_error(account.call("PUT", f"/jobs/{mine['_id']}/sometimes"), 400, "invalid_request")
    oauth_error(account.call("GET", "/jobs/not-a-uuid"), 404, "not_found")
    updated = expect_json(account.call("PUT", f"/jobs/{mine['_id']}", json={"title": "Pump off"}), 200)
    assert updated["title"] == "Pump off" and updated["__v"] == 1 and updated["next_runtime"] == mine["next_runtime"]


def test_runs_missed_while_the_server_was_down_are_made_once(server_factory, mailbox) -> None:
    server = server_factory()
    cayenne = Cayenne(server)
    account = Account(cayenne, cayenne.app())
    email = f"missed-{uuid.uuid4().hex[:8]}@example.com"
    # A one-minute grid that started half an hour ago; its next run is 40 s away, after the server has stopped.
    start = (datetime.now(timezone.utc) - timedelta(minutes=30) + timedelta(seconds=40)).replace(microsecond=0)
    job = create(account, job_body(start, notifications=[{"method": "email", "value": email}]))
    assert iso(job["next_runtime"]) == start + timedelta(minutes=30)
    server.stop()
    # Ten one-minute runs fell while it was down: its next runtime is ten minutes ago.
    missed = datetime.now(timezone.utc) - timedelta(minutes=10)
    with sqlite3.connect(server.data_dir / "nimbus.sqlite") as db:
        changed = db.execute("UPDATE jobs SET next_runtime = ? WHERE id = ?", (missed.timestamp(), job["_id"])).rowcount
    assert changed == 1
    server.start()
    mailbox.pop(email, timeout=15)
    time.sleep(2)
    assert mailbox.count(email) == 1, "one run, not ten"
    after = get_job(account, job["_id"])
    assert after["run_count"] == 1 and iso(after["next_runtime"]) > datetime.now(timezone.utc)
    assert iso(after["next_runtime"]) - datetime.now(timezone.utc) <= timedelta(minutes=1), "the next run on the job's grid"
