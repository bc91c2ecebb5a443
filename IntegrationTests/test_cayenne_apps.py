"""Cayenne applications (OAuth clients, docs/cayenne-auth.md "Applications"): made with the admin
CLI or through `/cayenne/applications` with a project key that has `admin`; secrets shown once;
status; redirect URIs."""

from __future__ import annotations

from cayenne import (OTHER_REDIRECT, REDIRECT, App, Browser, Cayenne, Page, assert_no_redirect, expect_json,
                     oauth_error, query_of, redirect_location)
from harness import describe
from world import PASSWORD, unique_email

APP_FIELDS = {"id", "name", "description", "status", "allow_signup", "confidential", "created_at", "updated_at"}
REDIRECT_FIELDS = {"id", "app_id", "redirect_uri", "created_at", "updated_at"}


def test_the_cli_makes_public_and_confidential_apps(cayenne: Cayenne):
    c = cayenne
    public = c.app(redirect_uris=[REDIRECT, OTHER_REDIRECT])
    assert sorted(public.info.get("redirectUris")) == sorted([REDIRECT, OTHER_REDIRECT]), public.info
    confidential = c.app(confidential=True)
    assert confidential.info["secret"].startswith("v1.c."), confidential.info
    assert confidential.info.get("redirectUris") == [REDIRECT], confidential.info
    admin = c.project.key("admin").key
    listed = {a["id"]: a for a in expect_json(c.get("/cayenne/applications", admin), 200)}
    assert listed[public.id]["confidential"] is False and listed[confidential.id]["confidential"] is True, listed
    assert listed[public.id]["allow_signup"] is True, listed
    assert all("secret" not in a for a in listed.values()), listed


def test_applications_api_lifecycle(cayenne: Cayenne):
    c = cayenne
    admin = c.project.key("admin").key
    body = {"name": "Tank Monitor", "description": "Tank levels", "redirect_uris": [REDIRECT]}
    created = expect_json(c.post("/cayenne/applications", admin, json=body), 201)
    assert APP_FIELDS <= set(created), f"missing {APP_FIELDS - set(created)}: {created}"
    assert created["name"] == "Tank Monitor" and created["description"] == "Tank levels", created
    assert created["status"] == "active" and created["confidential"] is True, "confidential by default"
    assert created["allow_signup"] is False, "no sign-up by default"
    secret = created.get("secret")
    assert isinstance(secret, str) and secret, f"the secret is shown once: {created}"
    app_id = created["id"]

    fetched = expect_json(c.get(f"/cayenne/applications/{app_id}", admin), 200)
    assert fetched["id"] == app_id and "secret" not in fetched, fetched
    assert app_id in [a["id"] for a in expect_json(c.get("/cayenne/applications", admin), 200)]
    active = expect_json(c.get("/cayenne/applications", admin, params={"status": "active"}), 200)
    assert app_id in [a["id"] for a in active] and all(a["status"] == "active" for a in active), active
    assert all("secret" not in a for a in active), active

    # The secret works: client credentials, both ways of authenticating.
    app = App(app_id, secret, [REDIRECT], created)
    client_token = c.oauth(app).fetch_token(c.token_url, grant_type="client_credentials")["access_token"]
    user_body = {"first_name": "A", "last_name": "B", "email": unique_email(), "password": PASSWORD,
                 "application_id": app_id}
    expect_json(c.post("/cayenne/users", client_token, json=user_body), 201)
    expect_json(c.get("/mode/auth", client_token), 200)  # a credential MODE knows (its type is not specified)

    updated = expect_json(c.put(f"/cayenne/applications/{app_id}", admin,
                                json={"name": "Tank Monitor 2", "description": "v2", "allow_signup": True}), 200)
    assert (updated["name"], updated["description"], updated["allow_signup"]) == ("Tank Monitor 2", "v2", True)
    assert "secret" not in updated, updated

    # Deactivated: listed under inactive, no tokens, its client token stops working.
    updated = expect_json(c.put(f"/cayenne/applications/{app_id}", admin, json={"status": "inactive"}), 200)
    assert updated["status"] == "inactive", updated
    inactive = expect_json(c.get("/cayenne/applications", admin, params={"status": "inactive"}), 200)
    assert app_id in [a["id"] for a in inactive], inactive
    assert app_id not in [a["id"] for a in expect_json(c.get("/cayenne/applications", admin), 200)]
    resp = c.token(grant_type="client_credentials", auth=(app_id, secret))
    assert resp.status_code in (400, 401) and resp.json().get("error") in ("invalid_client", "unauthorized_client"), \
        describe(resp)
    # Its client token stops working: introspected by another client of the project it is not
    # active, MODE refuses it, and no sign-up goes through with it (the app now allows sign-up, so
    # the answer may be about the app rather than the token).
    watcher = c.app(confidential=True)
    assert expect_json(c.oauth(watcher).introspect_token(c.introspect_url, token=client_token), 200) == \
        {"active": False}
    no_app = {k: v for k, v in user_body.items() if k != "application_id"}
    for body in (no_app, user_body):
        resp = c.post("/cayenne/users", client_token, json={**body, "email": unique_email()})
        assert resp.status_code in (401, 403, 404) and resp.json().get("error"), \
            f"an inactive app's client token stops working: {describe(resp)}"
    # ... nor sign anyone in, nor show its pages.
    resp = Browser(c.server).open(c.authorization_request(app)[1])
    assert_no_redirect(resp)

    # MODE, where the token was used (and may be cached) while the app was active, refuses it too.
    resp = c.get("/mode/auth", client_token)
    mode_after_deactivation = resp.status_code

    # Active again.
    expect_json(c.put(f"/cayenne/applications/{app_id}", admin, json={"status": "active"}), 200)
    assert c.oauth(app).fetch_token(c.token_url, grant_type="client_credentials")["access_token"]

    oauth_error(c.put(f"/cayenne/applications/{app_id}", admin, json={"status": "sleeping"}), 400,
                "invalid_request")
    oauth_error(c.get("/cayenne/applications/no-such-app", admin), 404, "not_found")
    assert mode_after_deactivation == 401, \
        f"an inactive app's client token still works on /mode (stale credential cache?): {describe(resp)}"


def test_public_app_from_the_api_and_its_redirect_uris(cayenne: Cayenne):
    c = cayenne
    admin = c.project.key("admin").key
    created = expect_json(c.post("/cayenne/applications", admin,
                                 json={"name": "Phone app", "description": "", "redirect_uris": [REDIRECT],
                                       "confidential": False, "allow_signup": True}), 201)
    assert created["confidential"] is False and not created.get("secret"), created
    app_id = created["id"]

    added = expect_json(c.post(f"/cayenne/applications/{app_id}/redirects", admin,
                               json={"redirect_uri": OTHER_REDIRECT}), 201)
    assert REDIRECT_FIELDS <= set(added), f"missing {REDIRECT_FIELDS - set(added)}: {added}"
    assert added["app_id"] == app_id and added["redirect_uri"] == OTHER_REDIRECT, added
    seed_style = expect_json(c.post(f"/cayenne/applications/{app_id}/redirects", admin,
                                    json={"redirect_uri": "http://localhost:8080"}), 201)
    listed = expect_json(c.get(f"/cayenne/applications/{app_id}/redirects", admin), 200)
    assert {r["redirect_uri"] for r in listed} >= {REDIRECT, OTHER_REDIRECT, "http://localhost:8080"}, listed
    assert seed_style["id"] in [r["id"] for r in listed], listed

    for bad in ("https://app.example.test/cb#fragment", "not a uri", "/relative/path", ""):
        oauth_error(c.post(f"/cayenne/applications/{app_id}/redirects", admin, json={"redirect_uri": bad}),
                    400, "invalid_request")

    # The new URI is usable: a whole flow through it.
    app = App(app_id, None, [OTHER_REDIRECT], created)
    user = c.sign_up(app)
    client, url, state, verifier = c.authorization_request(app)
    location = redirect_location(Browser(c.server).authorize(url, user.email, user.password), OTHER_REDIRECT)
    assert query_of(location)["state"] == state
    token = client.fetch_token(c.token_url, authorization_response=location, code_verifier=verifier)
    assert token["access_token"]


def test_the_applications_api_needs_an_admin_key_of_the_project(cayenne: Cayenne):
    c = cayenne
    app = c.app(confidential=True)
    user = c.sign_up(app)
    user_token = c.tokens(app, user)["access_token"]
    client_token = c.oauth(app).fetch_token(c.token_url, grant_type="client_credentials")["access_token"]
    body = {"name": "X", "description": "", "redirect_uris": [REDIRECT]}
    oauth_error(c.get("/cayenne/applications"), 401, "invalid_token")
    oauth_error(c.get("/cayenne/applications", "bogus"), 401, "invalid_token")
    for token in (c.project.key("kv", "events").key, user_token, client_token):
        resp = c.get("/cayenne/applications", token)
        oauth_error(resp, 403, ["insufficient_scope", "access_denied"])
        oauth_error(c.post("/cayenne/applications", token, json=body), 403, ["insufficient_scope", "access_denied"])
    # Another project's admin key sees none of this project's apps.
    other = Cayenne(c.server)
    foreign_admin = other.project.key("admin").key
    assert app.id not in [a["id"] for a in expect_json(c.get("/cayenne/applications", foreign_admin), 200)]
    oauth_error(c.get(f"/cayenne/applications/{app.id}", foreign_admin), 404, "not_found")
    oauth_error(c.put(f"/cayenne/applications/{app.id}", foreign_admin, json={"status": "inactive"}), 404,
                "not_found")
    oauth_error(c.post(f"/cayenne/applications/{app.id}/redirects", foreign_admin,
                       json={"redirect_uri": "https://evil.example.test/cb"}), 404, "not_found")
    # The app is untouched: the evil URI was not added.
    _, url, _, _ = c.authorization_request(app, redirect_uri="https://evil.example.test/cb")
    assert_no_redirect(Browser(c.server).open(url))


def test_sign_up_follows_allow_signup_changes(cayenne: Cayenne):
    c = cayenne
    admin = c.project.key("admin").key
    app = c.app(allow_signup=False)
    body = {"first_name": "A", "last_name": "B", "password": PASSWORD, "application_id": app.id}
    resp = c.post("/cayenne/users", json={**body, "email": unique_email()})
    assert resp.status_code in (401, 403), describe(resp)
    expect_json(c.put(f"/cayenne/applications/{app.id}", admin, json={"allow_signup": True}), 200)
    expect_json(c.post("/cayenne/users", json={**body, "email": unique_email()}), 201)
    # And the consent page shows the app's name.
    user = c.sign_up(app)
    expect_json(c.put(f"/cayenne/applications/{app.id}", admin, json={"name": "Renamed Monitor"}), 200)
    browser = Browser(c.server)
    _, url, _, _ = c.authorization_request(app)
    consent = browser.sign_in(browser.open(url), user.email, user.password)
    assert "Renamed Monitor" in Page.of(consent).text, consent.text
