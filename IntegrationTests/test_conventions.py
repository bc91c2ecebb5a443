"""Conventions every endpoint shares: health, metrics, CORS, error bodies, body size, /auth."""

import requests

from harness import RFC3339_MS, expect, expect_error
from world import Project


def test_health_and_metrics(server):
    health = requests.get(server.base_url + "/health", timeout=5)
    assert health.status_code == 200 and health.json() == {"status": "ok"}, health.text
    metrics = requests.get(server.base_url + "/metrics", timeout=5)
    assert metrics.status_code == 200, metrics.text
    assert metrics.headers.get("Content-Type", "").startswith("text/plain"), metrics.headers
    assert "# TYPE" in metrics.text, metrics.text[:500]


def test_cors_headers_and_preflight(mode):
    resp = mode.get("/auth", headers={"Origin": "http://app.example.test"})
    assert resp.headers.get("Access-Control-Allow-Origin") == "*", resp.headers
    exposed = resp.headers.get("Access-Control-Expose-Headers", "").lower()
    assert "vnd.tinkermode.range" in exposed and "x-xsrf-guard" in exposed, resp.headers
    preflight = mode.request("OPTIONS", "/homes", headers={
        "Origin": "http://app.example.test",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    })
    assert preflight.status_code == 204, preflight.text
    assert preflight.headers.get("Access-Control-Allow-Origin") == "*", preflight.headers
    # Errors carry CORS too, or a browser app could not read their reason.
    error = mode.get("/homes/1")
    assert error.headers.get("Access-Control-Allow-Origin") == "*", error.headers


def test_unknown_routes_answer_json_404(mode):
    expect_error(mode.get("/no/such/route"), [404], "NOT_FOUND")


def test_missing_credential_is_401_before_any_lookup(mode):
    # Whether or not the id exists, a request without a credential is 401.
    expect_error(mode.get("/homes/999999999"), [401], "AUTHORIZATION_REQUIRED")
    expect_error(mode.get("/devices/999999999/kv"), [401], "AUTHORIZATION_REQUIRED")
    expect_error(mode.get("/users/999999999"), [401], "AUTHORIZATION_REQUIRED")


def test_unknown_token_is_401(mode):
    expect_error(mode.with_token("v1.u.not-a-real-token").get("/homes/999999999"), [401], "INVALID_AUTH_TOKEN")
    expect_error(mode.with_token("v1.u.not-a-real-token", scheme="Bearer").get("/userSession"), [401],
                 "INVALID_AUTH_TOKEN")


def test_bearer_scheme_is_accepted(email_project: Project):
    user = email_project.new_user()
    resp = user.client.with_token(user.token, scheme="Bearer").get("/userSession")
    assert expect(resp, 200)["userId"] == user.id


def test_body_over_one_mebibyte_is_413(email_project: Project):
    user = email_project.new_user()
    home = email_project.new_home(user)
    big = '{"value": "' + "x" * (1024 * 1024 + 16) + '"}'
    resp = user.client.put(f"/homes/{home}/kv/big", data=big, content_type="application/json")
    expect_error(resp, [413], "REQUEST_TOO_LARGE")


def test_body_of_exactly_one_mebibyte_is_accepted(email_project: Project):
    user = email_project.new_user()
    device = email_project.device_in_home(user, email_project.new_home(user))
    prefix, suffix = '{"eventType": "big", "eventData": {"blob": "', '"}}'
    body = prefix + "x" * (1024 * 1024 - len(prefix) - len(suffix)) + suffix
    expect(device.client.put(f"/devices/{device.id}/event", data=body, content_type="application/json"), 204)


def test_auth_describes_each_credential(email_project: Project):
    anon = expect(email_project.anon.get("/auth"), 200)
    assert anon["type"] == "nobody", anon

    user = email_project.new_user()
    info = expect(user.client.get("/auth"), 200)
    assert info["type"] == "user" and info["userId"] == user.id, info
    assert info["projectId"] == email_project.id and info["appId"] == email_project.app_id, info

    device = email_project.new_device()
    info = expect(device.client.get("/auth"), 200)
    assert info["type"] == "device" and info["deviceId"] == device.id, info

    key = email_project.key("admin")
    info = expect(key.client.get("/auth"), 200)
    assert info["type"] == "project key" and info["projectId"] == email_project.id, info


def test_created_objects_use_rfc3339_millisecond_timestamps(email_project: Project):
    user = email_project.new_user()
    home = expect(user.client.get(f"/homes/{email_project.new_home(user)}"), 200)
    assert RFC3339_MS.match(home["creationTime"]), home
    session = expect(user.client.get("/userSession"), 200)
    assert RFC3339_MS.match(session["creationTime"]), session


def test_cli_objects_have_the_documented_shape(email_project: Project):
    server = email_project.server
    assert email_project.info["accounts"] == "email" and email_project.info["provisioning"] == "claim"
    key = server.cli("key", "create", "--project", email_project.id, "--name", "shape", "--permissions", "kv,events")
    assert key["key"].startswith("v1.k.") and sorted(key["permissions"]) == ["events", "kv"], key
    assert key["projectId"] == email_project.id, key
    device = email_project.new_device(tag="serial-1", name="Probe")
    assert device.api_key.startswith("v1.d."), device.info
    assert device.info["deviceClass"] == "sensor" and device.info["tag"] == "serial-1", device.info
    code = device.claim_code or ""
    assert len(code) == 9 and code[4] == "-", device.info


def test_ready_answers_once_the_server_serves(server):
    """On SQLite (one process) a server is ready as soon as it runs; test_nodes covers a node not yet listening."""
    resp = requests.get(server.base_url + "/ready", timeout=5)
    assert resp.status_code == 200 and resp.json() == {"status": "ready"}
