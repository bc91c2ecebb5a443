"""Webhooks smart module: public listing, signed deliveries of subscribed events, retries."""

import hashlib
import hmac
import time

from harness import RFC3339_MS, expect, expect_error
from world import Project

SECRET = "webhook-secret-key"


def create_module(project: Project, url: str, events: str, module_id: str = "hooks"):
    return project.server.cli("smart-module", "create", "--project", project.id, "--id", module_id,
                              "--type", "webhooks", "--url", url, "--key", SECRET, "--events", events,
                              "--description", "Test hooks")


def signature(url: str, body: bytes) -> str:
    return hmac.new(SECRET.encode(), url.encode() + body, hashlib.sha256).hexdigest()


def deliveries_of(event_type: str):
    """Matches the webhook POSTs that carry an event of `event_type`."""
    def match(request) -> bool:
        try:
            return request.method == "POST" and request.json().get("eventType") == event_type
        except (ValueError, AttributeError):
            return False
    return match


def test_modules_are_listed_with_public_fields_only(email_project: Project, http_sink):
    module = create_module(email_project, http_sink.url("/hook"), "temperature,door")
    assert module["id"] == "hooks" and module["moduleType"] == "webhooks", module
    owner = email_project.new_user()
    home = email_project.new_home(owner)

    resp = owner.client.get(f"/homes/{home}/smartModules")
    listed = expect(resp, 200)
    assert len(listed) == 1 and SECRET not in resp.text and "configData" not in resp.text, resp.text
    public = listed[0]
    assert public["id"] == "hooks" and public["moduleType"] == "webhooks", public
    assert public["description"] == "Test hooks" and public["suspended"] is False, public
    assert sorted(public["subscribedEvents"]) == ["door", "temperature"], public
    assert RFC3339_MS.match(public["creationTime"]), public

    one = owner.client.get(f"/homes/{home}/smartModules/hooks")
    assert expect(one, 200) == public and SECRET not in one.text
    expect_error(owner.client.get(f"/homes/{home}/smartModules/nope"), [404], "NOT_FOUND")
    expect(email_project.key().client.get(f"/homes/{home}/smartModules"), 200)


def test_subscribed_events_are_delivered_signed(email_project: Project, http_sink):
    url = http_sink.url("/hooks/mode")
    create_module(email_project, url, "temperature,door")
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    device = email_project.device_in_home(owner, home)

    def put_event(kind: str):
        return device.client.put(f"/devices/{device.id}/event", json={"eventType": kind, "eventData": {"celsius": 20}})

    expect(put_event("ignored"), 204)
    expect(put_event("temperature"), 204)

    delivery = http_sink.pop(deliveries_of("temperature"), what="webhook delivery")
    assert delivery.path == "/hooks/mode", delivery
    assert delivery.headers.get("content-type", "").startswith("application/json"), delivery.headers
    assert delivery.headers.get("x-mode-signature") == signature(url, delivery.body), delivery.headers
    event = delivery.json()
    assert event["eventData"] == {"celsius": 20} and event["homeId"] == home, event
    assert event["originDeviceId"] == device.id and RFC3339_MS.match(event["timestamp"]), event

    time.sleep(0.5)
    assert http_sink.count(deliveries_of("ignored")) == 0, http_sink.inbox.all()


def test_failed_deliveries_are_retried(email_project: Project, http_sink):
    url = http_sink.url("/retry")
    create_module(email_project, url, "*")
    http_sink.statuses.extend([500, 503])
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    key = email_project.key("events")
    expect(key.client.put(f"/homes/{home}/event", json={"eventType": "anything", "eventData": {"n": 1}}), 204)

    attempts = [http_sink.pop(deliveries_of("anything"), timeout=15, what=f"delivery attempt {i + 1}")
                for i in range(3)]
    assert len({a.body for a in attempts}) == 1, [a.body for a in attempts]
    for attempt in attempts:
        assert attempt.headers.get("x-mode-signature") == signature(url, attempt.body), attempt.headers
    time.sleep(1.5)
    assert http_sink.count(deliveries_of("anything")) == 3, "delivered again after a 2xx"
