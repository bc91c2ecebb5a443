"""The Cayenne auth service as real clients call it (cayenne-clients.md §2, docs/cayenne-auth.md "Clients that
name no app"): sign-up and password grants without `client_id` go to the app named by `--cayenne-default-app`,
a refresh without `client_id` belongs to the app that issued the token, JSON, form and multipart bodies, the
`user_id` claim, the Keycloak-style paths, and access tokens that last a working day yet stop at once when their
sign-in is revoked. Then the sample app's whole setup flow, as its code makes the calls."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from cayenne import Cayenne, expect_json, oauth_error
from harness import describe
from world import PASSWORD, unique, unique_email

KEYCLOAK = "/cayenne/auth/realms/cayenne/protocol/openid-connect"


APP_ID = unique("tank-monitor")


@pytest.fixture(scope="module")
def cayenne_default(server_factory) -> Cayenne:
    """A project on a server of its own whose default Cayenne app (`--cayenne-default-app`) is the project's public
    app `APP_ID`, open to sign-up, as the sample app's `APP_KEY` would be."""
    server = server_factory(extra_args=["--cayenne-default-app", APP_ID])
    cayenne = Cayenne(server)
    info = server.cli("app", "create", "--project", cayenne.project.id, "--id", APP_ID, "--name", "Tank Monitor",
                      "--redirect-uri", "sample://implicit", "--allow-signup")
    assert info["id"] == APP_ID, info
    return cayenne


def claims(access_token: str) -> dict[str, Any]:
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_sample_app_setup_flow_without_a_client_id(cayenne_default: Cayenne) -> None:
    c = cayenne_default
    email = unique_email()
    # create-email screen: POST users without application_id; the answer carries the tokens.
    signed_up = expect_json(c.post("/cayenne/users", json={"email": email, "password": PASSWORD, "first_name": "Ada", "last_name": "L"}), 201)
    access = signed_up["access_token"]
    assert claims(access)["user_id"] == signed_up["id"], "the sample app reads user_id from the JWT"
    assert claims(access)["exp"] - claims(access)["iat"] == 43_200, "tokens last a working day"
    platform = lambda method, path, **kw: c.request(method, "/cayenne/v1.1" + path, access, **kw)  # noqa: E731
    # splash / create-email: POST clients with {user_id}, at every sign-in.
    mqtt = expect_json(platform("POST", "/clients", json={"user_id": claims(access)["user_id"]}), 200)
    assert mqtt["id"] and mqtt["clear_secret"]
    # gateway-setup and sensor-setup.
    types = expect_json(platform("GET", "/things/types"), 200)["rows"]
    assert types and all({"id", "name", "codec"} <= set(t) for t in types)
    gateway = expect_json(platform("POST", "/things", json={
        "name": "Tank", "device_type_id": types[0]["id"], "hardware_id": "70B3D57ED0009999", "application_id": "x",
        "user_id": signed_up["id"], "properties": {"codec": "lpp", "deveui": "70B3D57ED0009999", "network": "ttn",
                                                   "activation": "activated", "location.lat": None}, "active": 1, "status": "ACTIVATED"}), 201)
    expect_json(platform("POST", "/things", json={
        "name": "Level", "parent_id": gateway["id"], "active": 1, "status": "ACTIVATED",
        "device_type_id": "8f93f0f0-db59-44c1-aaa4-bd48707de97b", "properties": {"channel": 1}}), 201)
    things = expect_json(platform("GET", "/things"), 200)
    assert [child["properties"]["channel"] for child in things[0]["children"]] == [1]
    # A command to the gateway's channel 1 (the device is offline: it waits for it). The app reads `success`.
    sent = expect_json(platform("POST", f"/things/{gateway['id']}/cmd", json={"channel": 1, "value": 1}), 200)
    assert sent["success"] is True and sent["status"] == "pending" and sent["seq"], sent
    assert [c["id"] for c in expect_json(platform("GET", f"/things/{gateway['id']}/cmd"), 200)] == [sent["id"]]
    # The interceptor's refresh: JSON, no client id; the sample app requires 200 and keeps the new tokens.
    refreshed = expect_json(c.token(json_body={"grant_type": "refresh_token", "refresh_token": signed_up["refresh_token"]}), 200)
    assert refreshed["refresh_token"] != signed_up["refresh_token"]
    assert expect_json(c.me(refreshed["access_token"]), 200)["email"] == email


def test_password_grants_without_a_client_id_in_every_body_encoding(cayenne_default: Cayenne) -> None:
    c = cayenne_default
    email = unique_email()
    expect_json(c.post("/cayenne/users", json={"email": email, "password": PASSWORD, "first_name": "A", "last_name": "B"}), 201)
    json_token = expect_json(c.token(json_body={"grant_type": "password", "email": email, "password": PASSWORD}), 200)
    form_token = expect_json(c.token(grant_type="password", email=email, password=PASSWORD), 200)
    # curl -F: multipart/form-data.
    multipart = c.post("/cayenne/oauth/token", files={"grant_type": (None, "password"), "email": (None, email), "password": (None, PASSWORD)})
    multipart_token = expect_json(multipart, 200)
    # The Keycloak-style token path, with `username` as the docs' curl example sends it.
    keycloak = expect_json(c.post(KEYCLOAK + "/token", data={"grant_type": "password", "username": email, "password": PASSWORD}), 200)
    for token in (json_token, form_token, multipart_token, keycloak):
        assert expect_json(c.me(token["access_token"]), 200)["email"] == email
    # A refresh without a client id, as a form (T1 keeps the new refresh token).
    refreshed = expect_json(c.token(grant_type="refresh_token", refresh_token=form_token["refresh_token"]), 200)
    assert refreshed["access_token"] != form_token["access_token"]
    oauth_error(c.token(grant_type="password", email=email, password="wrong-password"), 400, "invalid_grant")
    oauth_error(c.token(grant_type="refresh_token", refresh_token="v1.r.unknown"), 400, "invalid_grant")
    bad = c.post("/cayenne/oauth/token", data=b"--x\r\nno headers", headers={"Content-Type": "multipart/form-data; boundary=x"})
    oauth_error(bad, 400, "invalid_request")


def test_keycloak_userinfo_and_authorization_paths(cayenne_default: Cayenne) -> None:
    c = cayenne_default
    email = unique_email()
    signed_up = expect_json(c.post("/cayenne/users", json={"email": email, "password": PASSWORD, "first_name": "Grace", "last_name": "Hopper"}), 201)
    info = expect_json(c.get(KEYCLOAK + "/userinfo", signed_up["access_token"]), 200)
    assert info == {"sub": signed_up["id"], "user_id": signed_up["id"], "email": email, "email_verified": True,
                    "given_name": "Grace", "family_name": "Hopper", "name": "Grace Hopper"}, info
    oauth_error(c.get(KEYCLOAK + "/userinfo"), 401, "invalid_token")
    # The Keycloak authorization path opens the same sign-in page as /oauth/authorize.
    params = {"response_type": "token", "client_id": APP_ID, "redirect_uri": "sample://implicit", "state": "s1"}
    page = c.get(KEYCLOAK + "/auth", params=params)
    same = c.get("/cayenne/oauth/authorize", params=params)
    assert page.status_code == same.status_code == 200 and "password" in page.text.lower(), describe(page)
    assert c.get(KEYCLOAK + "/auth", params={**params, "client_id": "unknown-app"}).status_code == 400


def test_revoking_a_sign_in_ends_its_long_lived_access_token_at_once(cayenne_default: Cayenne) -> None:
    c = cayenne_default
    email = unique_email()
    signed_up = expect_json(c.post("/cayenne/users", json={"email": email, "password": PASSWORD, "first_name": "A", "last_name": "B"}), 201)
    expect_json(c.me(signed_up["access_token"]), 200)
    expect_json(c.post("/cayenne/oauth/revoke", data={"token": signed_up["refresh_token"], "client_id": APP_ID}), 200)
    oauth_error(c.me(signed_up["access_token"]), 401, "invalid_token")


def test_without_a_default_app_a_client_id_is_required(cayenne: Cayenne) -> None:
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    body = oauth_error(c.token(grant_type="password", email=user.email, password=user.password), 401, "invalid_client")
    assert "cayenne-default-app" in body["error_description"]
    oauth_error(c.post("/cayenne/users", json={"email": unique_email(), "password": PASSWORD, "first_name": "A", "last_name": "B"}),
                400, "invalid_request")
    # A refresh still needs no client id: the token names its app.
    tokens = c.tokens(app, user)
    expect_json(c.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]), 200)
