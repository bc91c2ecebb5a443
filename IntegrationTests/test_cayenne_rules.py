"""Rules and alerts (docs/automation.md): created through the seed's `/v1.1/rules` and the executor's `/v1.0/rules…`,
evaluated on every stored reading in the reading's own transaction. A reading over MQTT that crosses a threshold mails
the SMTP sink, texts the SMS gateway and commands another thing over MQTT; the rule does not fire again while the value
stays past it, re-arms when it comes back, and logs what each firing did. A kill -9 between a reading and its mail
still delivers that mail exactly once."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import paho.mqtt.client as paho

from cayenne import Account, App, Cayenne, expect_json, oauth_error
from test_cayenne_limits import push
from test_cayenne_things import paho_client, wait_for


def rule_body(trigger_thing: str, **extra: Any) -> dict[str, Any]:
    """The seed's example: tank level below 20 → notify."""
    return {"title": "Tank low", "triggers": [{"id": trigger_thing, "channel": "1", "unit": "p",
                                               "conditions": [{"operator": "lt", "value": "20"}]}], **extra}


def create(account: Account, body: dict[str, Any], version: str = "v1.1") -> str:
    created = expect_json(account.cayenne.request("POST", f"/cayenne/{version}/rules", account.token, json=body), 201)
    assert set(created) == {"id"} and len(created["id"]) == 24, created
    return created["id"]


def get_rule(account: Account, rule_id: str) -> dict[str, Any]:
    return expect_json(account.call("GET", f"/rules/{rule_id}"), 200)


def channels(account: Account, thing_id: str, *numbers: int) -> None:
    """Gives a thing its channels as a device does, with a first reading on each: rules name existing channels only."""
    expect_json(push(account, thing_id, [{"channel": n, "value": 0} for n in numbers]), 200)


def executor(account: Account, method: str, path: str, **kwargs: Any):
    return account.cayenne.request(method, "/cayenne/v1.0" + path, account.token, **kwargs)


def test_a_threshold_mails_texts_and_commands_once_until_it_re_arms(cayenne: Cayenne, account: Account, mailbox, sms) -> None:
    credentials = account.mqtt_credentials()
    tank, valve = account.thing(name="Tank 1"), account.thing(name="Valve")
    channels(account, tank["id"], 1)
    channels(account, valve["id"], 2)
    email, phone = f"driver-{uuid.uuid4().hex[:8]}@example.com", f"+3161{uuid.uuid4().int % 10**7:07d}"
    rule_id = create(account, rule_body(tank["id"], actions=[{"id": valve["id"], "channel": 2, "unit": "std", "value": 1}],
                                        notifications=[{"method": "email", "value": email},
                                                       {"method": "sms", "value": phone, "body": "Tank 1 is low"}]))
    # The valve listens for its commands as the Cayenne libraries do.
    valve_prefix = f"v1/{credentials['id']}/things/{valve['id']}/"
    commands: list[tuple[str, str]] = []
    listener = paho_client(credentials, valve["id"])
    listener.on_message = lambda c, u, m: commands.append((m.topic, m.payload.decode()))
    listener.connect("127.0.0.1", cayenne.server.mqtt_port)
    listener.loop_start()
    tank_client = paho_client(credentials, tank["id"])
    tank_client.connect("127.0.0.1", cayenne.server.mqtt_port)
    tank_client.loop_start()

    def level(value: float) -> None:
        info = tank_client.publish(f"v1/{credentials['id']}/things/{tank['id']}/data/1", f"tank,p={value}", qos=1)
        info.wait_for_publish(timeout=5)
        assert info.is_published()

    try:
        listener.subscribe(valve_prefix + "cmd/+", qos=1)
        time.sleep(0.3)
        level(55)
        assert get_rule(account, rule_id)["run_count"] == 0, "above the threshold: nothing fires"
        level(17.5)
        mail = mailbox.pop(email)
        assert "Tank low" in mail.subject
        assert '"Tank 1"' in mail.text or "Tank 1" in mail.text, mail.text
        assert "17.5" in mail.text and "channel 1" in mail.text, "the default body names the thing, channel and value"
        assert sms.pop_to(phone).form()["Body"] == "Tank 1 is low", "the rule's own body"
        wait_for(lambda: commands, "the valve's command")
        topic, payload = commands[0]
        assert topic == valve_prefix + "cmd/2" and payload.endswith(",1"), commands[0]
        # Still low: no second firing. Back up: re-armed. Low again: a second firing.
        level(12)
        level(19.9)
        rule = get_rule(account, rule_id)
        assert rule["run_count"] == 1 and rule["active"] is True and rule["last_fired"], rule
        level(40)
        assert get_rule(account, rule_id)["active"] is False
        level(3)
        wait_for(lambda: get_rule(account, rule_id)["run_count"] == 2, "the second firing")
        wait_for(lambda: len(commands) == 2, "the second command")
    finally:
        for client in (listener, tank_client):
            client.loop_stop()
            client.disconnect()
    logs = expect_json(executor(account, "GET", f"/rules/{rule_id}/logs"), 200)
    assert len(logs) == 2, logs
    first = logs[-1]
    assert first["rule_id"] == rule_id and first["trigger"]["value"] == 17.5, first
    assert first["trigger"]["channel"] in ("1", 1)
    results = {r["type"]: r for r in first["results"]}
    assert results["command"]["status"] == "sent" and results["email"]["status"] == "queued" and results["sms"]["status"] == "queued"
    # The second firing came within the notification interval (60 s): commands go, mails and texts wait.
    second = {r["type"]: r for r in logs[0]["results"]}
    assert second["command"]["status"] == "sent" and second["email"]["status"] == "skipped", logs[0]
    assert mailbox.count(email) == 1, "no second mail within the interval (count includes the one taken)"
    assert [entry["id"] for entry in expect_json(executor(account, "GET", "/rule-logs"), 200)][:2] == [logs[0]["id"], logs[1]["id"]]
    assert expect_json(executor(account, "GET", "/rule-logs", params={"limit": 1}), 200)[0]["id"] == logs[0]["id"]


def test_rules_are_managed_in_the_seed_and_the_executor_shapes(cayenne: Cayenne, account: Account) -> None:
    tank, pump = account.thing(name="Tank"), account.thing(name="Pump")
    channels(account, tank["id"], 1)
    channels(account, pump["id"], 3, 4)
    seed = create(account, rule_body(tank["id"]))
    # The older format: operator and values on the trigger, uppercase operators, OR between triggers, `_id` answers.
    older = create(account, {"title": "Pump odd", "triggers_condition": "OR", "triggers": [
        {"id": pump["id"], "channel": 3, "operator": "EQ", "values": ["0"]},
        {"id": pump["id"], "channel": 4, "operator": "BETWEEN", "values": [10, 20]}]}, version="v1.0")
    rules = expect_json(account.call("GET", "/rules"), 200)
    assert [r["id"] for r in rules] == [seed, older]
    stored = expect_json(executor(account, "GET", f"/rules/{older}"), 200)
    assert stored["_id"] == older and stored["triggers_condition"] == "OR" and stored["enabled"] is True
    assert [t["conditions"] for t in stored["triggers"]] == [[{"operator": "eq", "value": "0"}],
                                                            [{"operator": "between", "values": ["10", "20"]}]]
    assert all(t["id"] == pump["id"] and t["_id"] for t in stored["triggers"])
    # Partial update, enable/disable, filters.
    assert expect_json(account.call("PUT", f"/rules/{seed}", json={"title": "Tank very low"}), 200) == {"success": True}
    assert get_rule(account, seed)["title"] == "Tank very low" and get_rule(account, seed)["triggers"][0]["id"] == tank["id"]
    assert expect_json(executor(account, "PUT", f"/rules/{seed}/disable"), 200)["enabled"] is False
    assert [r["id"] for r in expect_json(account.call("GET", "/rules", params={"enabled": "true"}), 200)] == [older]
    assert [r["id"] for r in expect_json(account.call("GET", "/rules", params={"thing_id": tank["id"]}), 200)] == [seed]
    # A disabled rule does not fire; enabled again, it does.
    expect_json(push(account, tank["id"], [{"channel": 1, "value": 5}]), 200)
    assert get_rule(account, seed)["run_count"] == 0
    assert expect_json(executor(account, "PUT", f"/rules/{seed}/enable"), 200)["enabled"] is True
    expect_json(push(account, tank["id"], [{"channel": 1, "value": 6}]), 200)
    assert get_rule(account, seed)["run_count"] == 1
    # OR: either channel of the pump fires the older rule; readings arrive in one message.
    expect_json(push(account, pump["id"], [{"channel": 3, "value": 1}, {"channel": 4, "value": 15}]), 200)
    assert get_rule(account, older)["run_count"] == 1
    assert expect_json(executor(account, "DELETE", f"/rules/{older}"), 200) == {"success": True}
    oauth_error(account.call("GET", f"/rules/{older}"), 404, "not_found")
    assert [r["id"] for r in expect_json(account.call("GET", "/rules"), 200)] == [seed]


def test_and_waits_for_every_trigger(cayenne: Cayenne, account: Account) -> None:
    tank = account.thing(name="Boiler")
    channels(account, tank["id"], 1, 2)
    rule_id = create(account, {"title": "Hot and high", "triggers_condition": "AND", "triggers": [
        {"id": tank["id"], "channel": "1", "conditions": [{"operator": "gt", "value": 80}]},
        {"id": tank["id"], "channel": "2", "conditions": [{"operator": "gte", "value": 2}, {"operator": "lt", "value": 5}]}]})
    expect_json(push(account, tank["id"], [{"channel": 1, "value": 90}]), 200)
    assert get_rule(account, rule_id)["run_count"] == 0, "one trigger of two holds"
    expect_json(push(account, tank["id"], [{"channel": 2, "value": 7}]), 200)
    assert get_rule(account, rule_id)["run_count"] == 0, "the second condition of the range fails"
    expect_json(push(account, tank["id"], [{"channel": 2, "value": 3}]), 200)
    rule = get_rule(account, rule_id)
    assert rule["run_count"] == 1 and [t["state"] for t in rule["triggers"]] == [True, True], rule
    # A trigger on a channel's child sensor (the id REST clients find) watches the same readings.
    sensor = account.children(tank["id"])["1"]
    by_sensor = create(account, {"title": "Cold", "triggers": [{"id": sensor["id"], "channel": "1", "conditions": [{"operator": "lt", "value": 0}]}]})
    expect_json(push(account, tank["id"], [{"channel": 1, "value": -4}]), 200)
    assert get_rule(account, by_sensor)["run_count"] == 1


def test_geofence_rules_fire_on_entering_and_on_leaving_a_circle(cayenne: Cayenne, account: Account) -> None:
    credentials = account.mqtt_credentials()
    car = account.thing(name="Van")
    channels(account, car["id"], 5)
    # A 500 m circle around the depot; the van's GPS on channel 5, as the C library writes it.
    enter = create(account, {"title": "Van at the depot", "triggers": [
        {"id": car["id"], "channel": 5, "geofence": True, "conditions": [{"operator": "enter", "value": "48.8566,2.3522,500"}]}]})
    leave = create(account, {"title": "Van left the depot", "triggers": [
        {"id": car["id"], "channel": 5, "conditions": [{"operator": "outside", "values": [48.8566, 2.3522, 500]}]}]})
    stored = get_rule(account, enter)
    assert stored["triggers"][0]["geofence"] is True
    assert stored["triggers"][0]["conditions"] == [{"operator": "inside", "values": ["48.8566", "2.3522", "500"]}]
    client = paho_client(credentials, car["id"])
    client.connect("127.0.0.1", cayenne.server.mqtt_port)
    client.loop_start()

    def at(lat: float, lon: float) -> None:
        info = client.publish(f"v1/{credentials['id']}/things/{car['id']}/data/5", f"gps,m={lat},{lon},35", qos=1)
        info.wait_for_publish(timeout=5)
        assert info.is_published()

    try:
        at(48.90, 2.40)  # ~6 km away: outside
        assert (get_rule(account, enter)["run_count"], get_rule(account, leave)["run_count"]) == (0, 1)
        at(48.8570, 2.3530)  # ~70 m from the centre: entered
        at(48.8560, 2.3510)  # still inside
        assert (get_rule(account, enter)["run_count"], get_rule(account, leave)["run_count"]) == (1, 1)
        at(48.8600, 2.3522)  # ~380 m north: still inside
        at(48.8700, 2.3522)  # ~1.5 km north: left
        assert (get_rule(account, enter)["run_count"], get_rule(account, leave)["run_count"]) == (1, 2)
    finally:
        client.loop_stop()
        client.disconnect()
    logs = expect_json(executor(account, "GET", f"/rules/{enter}/logs"), 200)
    assert logs[0]["trigger"]["value"][:2] == [48.857, 2.353], logs[0]


def test_bad_rules_are_refused_naming_the_field_and_store_nothing(cayenne: Cayenne, app: App, account: Account) -> None:
    tank = account.thing(name="Tank")
    channels(account, tank["id"], 1)
    other = Account(cayenne, app)
    foreign = other.thing(name="Not mine")
    good = rule_body(tank["id"])
    bad_cases: list[tuple[dict[str, Any], str]] = [
        ({**good, "title": ""}, "title"),
        ({k: v for k, v in good.items() if k != "triggers"}, "triggers"),
        ({**good, "triggers": [{"id": "nope", "channel": 1, "conditions": [{"operator": "lt", "value": 1}]}]}, "triggers[0].id"),
        ({**good, "triggers": [{"id": foreign["id"], "channel": 1, "conditions": [{"operator": "lt", "value": 1}]}]}, "triggers.id"),
        ({**good, "triggers": [{"id": tank["id"], "channel": 1, "conditions": [{"operator": "like", "value": 1}]}]}, "triggers[0].conditions[0].operator"),
        ({**good, "triggers": [{"id": tank["id"], "channel": 1, "conditions": []}]}, "triggers[0].conditions"),
        ({**good, "triggers": [{"id": tank["id"], "channel": 1, "operator": "BETWEEN", "values": [1]}]}, "triggers.conditions.value"),
        ({**good, "triggers": [{"id": tank["id"], "channel": 1, "geofence": True, "conditions": [{"operator": "lt", "value": 1}]}]}, "triggers[0].conditions"),
        ({**good, "triggers": [{"id": tank["id"], "channel": 1, "conditions": [{"operator": "enter", "value": "95,4.89,500"}]}]}, "triggers.conditions.value"),
        ({**good, "triggers": [{"id": tank["id"], "channel": 1, "conditions": [{"operator": "inside", "values": [52.3, 4.8]}]}]}, "triggers.conditions.value"),
        ({**good, "triggers_condition": "XOR"}, "triggers_condition"),
        ({**good, "notifications": [{"method": "pigeon", "value": "x"}]}, "notifications[0].method"),
        ({**good, "notifications": [{"method": "email", "value": "not-an-address"}]}, "notifications.value"),
        ({**good, "notifications": [{"method": "sms", "value": "12"}]}, "notifications.value"),
        ({**good, "actions": [{"id": tank["id"], "channel": "x", "value": 1}]}, "channel"),
        ({**good, "actions": [{"id": tank["id"], "channel": 1, "value": "a,b"}]}, "value"),
        ({**good, "repeat_interval": 5}, "repeat_interval"),
        ({**good, "triggers": [{"id": tank["id"], "channel": 9, "conditions": [{"operator": "lt", "value": 1}]}]}, "triggers.channel"),
        ({**good, "actions": [{"id": tank["id"], "channel": 7, "value": 1}]}, "actions.channel"),
        ({**good, "enabled": "yes"}, "enabled"),
    ]
    for body, field in bad_cases:
        resp = account.call("POST", "/rules", json=body)
        error = oauth_error(resp, 400, "invalid_request")
        assert field in (error.get("error_description", "") + error.get("message", "")), (field, error)
    oauth_error(account.call("POST", "/rules", data=b"{not json", headers={"Content-Type": "application/json"}), 400, "invalid_request")
    assert expect_json(account.call("GET", "/rules"), 200) == [], "nothing was stored"
    # Another account's rule is not found, for every verb.
    mine = create(account, good)
    for method, path in [("GET", f"/rules/{mine}"), ("PUT", f"/rules/{mine}"), ("DELETE", f"/rules/{mine}")]:
        oauth_error(other.call(method, path, json={"title": "x"}), 404, "not_found")
    oauth_error(executor(other, "GET", f"/rules/{mine}/logs"), 404, "not_found")
    oauth_error(account.call("GET", "/rules/zzz"), 404, "not_found")
    oauth_error(account.call("GET", "/rules", params={"enabled": "maybe"}), 400, "invalid_request")
    oauth_error(executor(account, "GET", "/rule-logs", params={"startDate": "yesterday"}), 400, "invalid_request")
    assert get_rule(account, mine)["title"] == "Tank low"


def test_kill_9_between_a_reading_and_its_mail_still_mails_exactly_once(server_factory, mailbox) -> None:
    # The mail server is unreachable at first: the firing's mail waits in the outbox when the server dies.
    server = server_factory(extra_args=["--smtp-url", "smtp://127.0.0.1:9"])
    cayenne = Cayenne(server)
    account = Account(cayenne, cayenne.app())
    tank = account.thing(name="Tank")
    channels(account, tank["id"], 1)
    email = f"night-{uuid.uuid4().hex[:8]}@example.com"
    rule_id = create(account, rule_body(tank["id"], notifications=[{"method": "email", "value": email}]))
    expect_json(push(account, tank["id"], [{"channel": 1, "value": 4}]), 200)
    server.kill()
    server.extra_args = []
    server.start()
    mail = mailbox.pop(email, timeout=90)
    assert "Tank low" in mail.subject
    time.sleep(2)
    assert mailbox.count(email) == 1, "exactly one mail (count includes the one taken)"
    rule = get_rule(account, rule_id)
    assert rule["run_count"] == 1 and rule["active"] is True, "the firing committed with its reading"
    # The reading that caused it is stored too, and a new low reading does not fire again.
    expect_json(push(account, tank["id"], [{"channel": 1, "value": 3}]), 200)
    assert get_rule(account, rule_id)["run_count"] == 1


def test_http_push_is_signed_bounded_and_kept_off_private_addresses(server_factory, cayenne: Cayenne, http_sink) -> None:
    """`http_push` reaches a local sink only where `http-push-allow` lets it; signed with the account's MQTT secret."""
    import hashlib
    import hmac
    from datetime import datetime, timedelta, timezone

    server = server_factory(extra_args=["--http-push-allow", "127.0.0.1/32", "--cayenne-http-push-per-minute", "3",
                                        "--cayenne-notifications-per-minute", "1"])
    allowed = Cayenne(server)
    account = Account(allowed, allowed.app())
    secret = account.mqtt_credentials()["clear_secret"]
    tank = account.thing(name="Tank")
    channels(account, tank["id"], 1, 2)
    url = http_sink.url("/alerts?tank=1")
    rule_id = create(account, rule_body(tank["id"], http_push=[
        {"url": url, "method": "POST", "headers": {"X-Test": "yes"}, "payload": {"level": "low", "n": 1}},
        {"url": "http://127.0.0.2:9/denied", "method": "PUT"},  # loopback, but outside the allowed range
        {"url": "http://169.254.169.254/latest/meta-data/", "method": "GET"}]))  # cloud metadata
    assert [p["url"] for p in get_rule(account, rule_id)["http_push"]][0] == url
    expect_json(push(account, tank["id"], [{"channel": 1, "value": 5}]), 200)
    received = http_sink.pop(lambda r: r.path.startswith("/alerts"))
    assert received.method == "POST" and received.headers["x-test"] == "yes" and received.headers["content-type"] == "application/json"
    assert json.loads(received.body) == {"level": "low", "n": 1}
    expected = hmac.new(secret.encode(), url.encode() + received.body, hashlib.sha256).hexdigest()
    assert received.headers["x-nimbus-signature"] == expected, "signed like MODE's webhooks, with the account's MQTT secret"
    wait_for(lambda: server.log_path.read_text(errors="replace").count("which pushes may not reach") >= 2, "both refusals")
    time.sleep(1)
    assert http_sink.count() == 1, "the refused pushes never left"
    log = expect_json(executor(account, "GET", f"/rules/{rule_id}/logs"), 200)[0]
    assert [r["status"] for r in log["results"] if r["type"] == "http_push"] == ["queued", "queued", "queued"]
    # Three pushes a minute for the account: the second firing's are skipped and logged so.
    expect_json(push(account, tank["id"], [{"channel": 1, "value": 50}]), 200)
    expect_json(push(account, tank["id"], [{"channel": 1, "value": 5}]), 200)
    log = expect_json(executor(account, "GET", f"/rules/{rule_id}/logs"), 200)[0]
    assert [r["status"] for r in log["results"] if r["type"] == "http_push"] == ["skipped"] * 3, log
    # A job pushes too (the limit is spent: its push is skipped, and says so).
    start = (datetime.now(timezone.utc) + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    job = expect_json(account.call("POST", "/jobs", json={"title": "Ping", "http_push": [{"url": url}],
                                                          "config": {"type": "date", "start_date": start}}), 200)
    assert job["http_push"][0]["method"] == "POST"
    runs = wait_for(lambda: expect_json(account.call("GET", f"/jobs/{job['_id']}/runs"), 200), "the job's run")
    assert runs[0]["results"] == [{"type": "http_push", "target": url, "status": "skipped", "detail": "more than 3 a minute"}]
    # Notifications are bounded per account and minute the same way (here 1): the second mail of a firing waits.
    mailed = create(account, {"title": "Twice", "triggers": [{"id": tank["id"], "channel": 2, "conditions": [{"operator": "gt", "value": 0}]}],
                              "notifications": [{"method": "email", "value": "a@example.com"}, {"method": "email", "value": "b@example.com"}]})
    expect_json(push(account, tank["id"], [{"channel": 2, "value": 1}]), 200)
    results = expect_json(executor(account, "GET", f"/rules/{mailed}/logs"), 200)[0]["results"]
    assert [r["status"] for r in results] == ["queued", "skipped"] and results[1]["detail"] == "more than 1 a minute", results
    # Without the setting (the shared server), loopback is refused.
    other = Account(cayenne, cayenne.app())
    thing = other.thing(name="Tank")
    channels(other, thing["id"], 1)
    create(other, rule_body(thing["id"], http_push=[{"url": http_sink.url("/never")}]))
    expect_json(push(other, thing["id"], [{"channel": 1, "value": 5}]), 200)
    time.sleep(2)
    assert http_sink.count(lambda r: r.path == "/never") == 0


def test_bad_http_pushes_are_refused_naming_the_field(cayenne: Cayenne, account: Account) -> None:
    tank = account.thing(name="Tank")
    channels(account, tank["id"], 1)
    for push_, field in [({"url": "ftp://example.com/x"}, "http_push[0].url"), ({"url": "/relative"}, "http_push[0].url"),
                         ({"method": "POST"}, "http_push[0].url"), ({"url": "http://example.com", "method": "TRACE"}, "http_push[0].method"),
                         ({"url": "http://example.com", "headers": {"X-A": "1\r\nX-B: 2"}}, "http_push[0].headers"),
                         ({"url": "http://example.com", "headers": {"Bad Name": "1"}}, "http_push[0].headers"),
                         ({"url": "http://example.com", "payload": {"blob": "x" * 20000}}, "http_push[0].payload"),
                         ("http://example.com", "http_push[0]")]:
        error = oauth_error(account.call("POST", "/rules", json=rule_body(tank["id"], http_push=[push_])), 400, "invalid_request")
        assert field in error["message"], (field, error)
    assert expect_json(account.call("GET", "/rules"), 200) == []


def test_rule_templates_are_served_to_the_sample_app_as_an_administrator_defined_them(cayenne: Cayenne, app: App, account: Account,
                                                                                       tmp_path) -> None:
    """`nimbus rule-template set` defines the templates of a thing type for an app; the sample app reads them from
    `GET /v1.0/applicationRule/{deviceTypeId}/{appId}` (an empty array when none), fills them in and posts them as rules."""
    type_id = str(uuid.uuid4())
    templates = [
        {"title": "Tank low", "triggers": [{"channel": "1", "query_type": "value", "conditions": [{"operator": "lt", "value": "20"}]}],
         "notifications": []},
        {"title": "Offline", "triggers": [{"query_type": "state", "conditions": [{"operator": "eq", "value": "offline"}]}]},
    ]
    file = tmp_path / "templates.json"
    file.write_text(json.dumps(templates))
    done = cayenne.server.cli("rule-template", "set", "--project", cayenne.project.id, "--thing-type", type_id, "--app", app.id,
                              "--file", str(file))
    assert done["templates"] == templates
    assert expect_json(executor(account, "GET", f"/applicationRule/{type_id}/{app.id}"), 200) == templates
    assert expect_json(executor(account, "GET", f"/applicationRule/{type_id}/other-app"), 200) == []
    # The sample app's step: the first template with its thing's sensor and the user's email, posted as a rule.
    tank = account.thing(name="Tank 7")
    channels(account, tank["id"], 1)
    template = templates[0]
    template["triggers"][0]["id"] = tank["id"]
    template["notifications"].append({"method": "email", "value": account.user.email, "type": "msm-cayenne-notification", "body": None,
                                      "data": {"device_name": "Tank 7", "connection_message ": "This is connected to Tank 7"}})
    rule = expect_json(executor(account, "POST", "/rules", json={**template, "title": "Rule for Tank 7"}), 201)
    assert get_rule(account, rule["id"])["notifications"][0]["value"] == account.user.email
    # Anonymous callers are refused; another project's users see none of these templates.
    oauth_error(cayenne.get(f"/cayenne/v1.0/applicationRule/{type_id}/{app.id}"), 401, ["invalid_request", "invalid_token", "unauthorized"])
    other = Cayenne(cayenne.server)
    stranger = Account(other, other.app())
    assert expect_json(executor(stranger, "GET", f"/applicationRule/{type_id}/{app.id}"), 200) == []
    cayenne.server.cli("rule-template", "set", "--project", cayenne.project.id, "--thing-type", type_id, "--app", app.id, "--clear")
    assert expect_json(executor(account, "GET", f"/applicationRule/{type_id}/{app.id}"), 200) == []


def test_connection_state_rules_fire_when_a_thing_goes_offline_for_a_while_and_comes_back(cayenne: Cayenne, account: Account,
                                                                                          mailbox) -> None:
    credentials = account.mqtt_credentials()
    pump = account.thing(name="Pump")
    email = f"offline-{uuid.uuid4().hex[:8]}@example.com"
    # The sample app's offline rule: query_type state; here offline for 0.05 minutes (3 s) so the test stays short.
    offline = create(account, {"title": "Pump offline", "triggers": [{"id": pump["id"], "query_type": "state",
                                                                      "conditions": [{"operator": "offline", "value": 0.05}]}],
                               "notifications": [{"method": "email", "value": email}]}, version="v1.0")
    online = create(account, {"title": "Pump back", "triggers": [{"id": pump["id"], "query_type": "state",
                                                                 "conditions": [{"operator": "eq", "value": "online"}]}]})
    stored = get_rule(account, offline)
    assert stored["triggers"][0]["query_type"] == "state" and stored["triggers"][0]["channel"] is None
    time.sleep(1.5)
    assert get_rule(account, offline)["run_count"] == 0, "a thing that never connected is not offline"

    def connect() -> paho.Client:
        client = paho_client(credentials, pump["id"])
        client.connect("127.0.0.1", cayenne.server.mqtt_port)
        client.loop_start()
        return client

    def disconnect(client: paho.Client) -> None:
        client.loop_stop()
        client.disconnect()

    client = connect()
    wait_for(lambda: get_rule(account, online)["run_count"] == 1, "online on connect")
    disconnect(client)
    mail = mailbox.pop(email, timeout=15)
    assert "went offline" in mail.text and '"Pump"' in mail.text, mail.text
    rule = get_rule(account, offline)
    assert rule["run_count"] == 1 and rule["active"] is True
    assert get_rule(account, online)["active"] is False
    client = connect()
    wait_for(lambda: get_rule(account, online)["run_count"] == 2, "online again")
    assert get_rule(account, offline)["active"] is False, "re-armed"
    # Away for less than the minutes: no alert.
    disconnect(client)
    client = connect()
    wait_for(lambda: get_rule(account, online)["run_count"] == 3, "back at once")
    time.sleep(4.5)
    assert get_rule(account, offline)["run_count"] == 1
    disconnect(client)
    logs = expect_json(executor(account, "GET", f"/rules/{offline}/logs"), 200)
    assert logs[0]["trigger"]["id"] == pump["id"] and logs[0]["trigger"]["value"] == "offline"
    for bad in [{"operator": "offline", "value": -1}, {"operator": "gt", "value": 1}, {"operator": "offline", "value": "soon"}]:
        oauth_error(account.call("POST", "/rules", json={"title": "x", "triggers": [{"id": pump["id"], "query_type": "state", "conditions": [bad]}]}),
                    400, "invalid_request")
    oauth_error(account.call("POST", "/rules", json={"title": "x", "triggers": [{"id": pump["id"], "query_type": "sometimes", "conditions": []}]}),
                400, "invalid_request")
