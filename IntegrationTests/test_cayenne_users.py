"""Cayenne users (docs/cayenne-auth.md "Users" and "Password reset"): sign-up into apps that allow
it or with the app's client-credentials token, the profile, password reset by email (both reset
paths, single use, every sign-in ended)."""

from __future__ import annotations

import time

import pytest
import requests

from cayenne import (RESET_PATH, Browser, Cayenne, Page, expect_json, oauth_error, query_of, redirect_location,
                     reset_link)
from harness import describe
from world import PASSWORD, unique_email

USER_FIELDS = {"id", "email", "first_name", "last_name", "last_login", "phone_number", "created_at", "updated_at",
               "user_class_id"}


def test_sign_up_answers_the_user_and_a_first_sign_in(cayenne: Cayenne):
    c = cayenne
    app = c.app(allow_signup=True)
    user = c.sign_up(app, first_name="Grace", last_name="Hopper")
    info = user.info
    assert info["first_name"] == "Grace" and info["last_name"] == "Hopper" and info["email"] == user.email, info
    assert info["application_id"] == app.id, info
    assert info["created_at"] and info["updated_at"], info
    assert "password" not in info, info
    me = expect_json(c.me(info["access_token"]), 200)
    assert me["id"] == user.id, me
    refreshed = expect_json(c.token(grant_type="refresh_token", refresh_token=info["refresh_token"],
                                    client_id=app.id), 200)
    assert refreshed["access_token"], refreshed
    # Verified at once: the password grant works straight away.
    expect_json(c.password_grant(app, user), 200)


def test_sign_up_validation(cayenne: Cayenne):
    c = cayenne
    app = c.app(allow_signup=True)

    def sign_up(**fields):
        body = {"first_name": "A", "last_name": "B", "email": unique_email(), "password": PASSWORD,
                "application_id": app.id}
        body.update(fields)
        return c.post("/cayenne/users", json={k: v for k, v in body.items() if v is not None})

    for missing in ("first_name", "last_name", "email", "password"):
        body = oauth_error(sign_up(**{missing: None}), 400, "invalid_request")
        assert missing in body.get("error_description", ""), f"the description names {missing}: {body}"
    oauth_error(sign_up(password="short"), 400, "invalid_request")
    oauth_error(sign_up(email="not-an-email"), 400, "invalid_request")
    oauth_error(sign_up(application_id=None), (400, 401, 403), ["invalid_request", "invalid_token", "access_denied",
                                                                  "invalid_client"])
    resp = sign_up(application_id="no-such-app")
    assert resp.status_code in (400, 401, 403, 404) and "error" in resp.json(), describe(resp)

    email = unique_email()
    expect_json(sign_up(email=email), 201)
    oauth_error(sign_up(email=email), 409, "conflict")
    oauth_error(sign_up(email=email.upper()), 409, "conflict")
    # client_id names the app as well as application_id does.
    expect_json(sign_up(application_id=None, client_id=app.id), 201)
    # A form body, as HTML forms post it.
    resp = c.post("/cayenne/users", data={"first_name": "F", "last_name": "L", "email": unique_email(),
                                          "password": PASSWORD, "application_id": app.id})
    expect_json(resp, 201)


def test_sign_up_into_an_app_without_allow_signup_needs_its_client_token(cayenne: Cayenne):
    c = cayenne
    closed = c.app(confidential=True, allow_signup=False)
    closed_public = c.app(allow_signup=False)
    body = {"first_name": "A", "last_name": "B", "password": PASSWORD}
    for app in (closed, closed_public):
        resp = c.post("/cayenne/users", json={**body, "email": unique_email(), "application_id": app.id})
        assert resp.status_code in (401, 403) and resp.json().get("error"), describe(resp)

    client_token = c.oauth(closed).fetch_token(c.token_url, grant_type="client_credentials")["access_token"]
    email = unique_email()
    created = expect_json(c.post("/cayenne/users", token=client_token,
                                 json={**body, "email": email, "application_id": closed.id}), 201)
    assert created["email"] == email and created["application_id"] == closed.id, created
    # Without application_id: the app of the client token.
    created = expect_json(c.post("/cayenne/users", token=client_token, json={**body, "email": unique_email()}), 201)
    assert created["application_id"] == closed.id, created
    # Any confidential app of the project may (its backend may always create users) ...
    other = c.app(confidential=True, allow_signup=False)
    other_token = c.oauth(other).fetch_token(c.token_url, grant_type="client_credentials")["access_token"]
    created = expect_json(c.post("/cayenne/users", token=other_token,
                                 json={**body, "email": unique_email(), "application_id": closed_public.id}), 201)
    assert created["application_id"] == closed_public.id, created
    # ... but not one of another project.
    elsewhere = Cayenne(c.server)
    foreign = elsewhere.app(confidential=True)
    foreign_token = elsewhere.oauth(foreign).fetch_token(c.token_url, grant_type="client_credentials")["access_token"]
    resp = c.post("/cayenne/users", token=foreign_token,
                  json={**body, "email": unique_email(), "application_id": closed_public.id})
    assert resp.status_code in (401, 403, 404) and resp.json().get("error"), describe(resp)
    # A bogus bearer token is refused as such.
    oauth_error(c.post("/cayenne/users", token="bogus",
                       json={**body, "email": unique_email(), "application_id": closed.id}), 401, "invalid_token")


def test_the_profile_read_and_update(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app, first_name="Ada", last_name="Lovelace")
    access = c.tokens(app, user)["access_token"]

    me = expect_json(c.me(access), 200)
    assert USER_FIELDS <= set(me), f"missing {USER_FIELDS - set(me)}: {me}"
    assert (me["id"], me["email"], me["first_name"], me["last_name"]) == (user.id, user.email, "Ada", "Lovelace")
    assert "password" not in me and "password_hash" not in me, me
    assert expect_json(c.get(f"/cayenne/users/{user.id}", access), 200)["id"] == user.id

    updated = expect_json(c.put(f"/cayenne/users/{user.id}", access, json={"first_name": "Augusta"}), 200)
    assert updated["first_name"] == "Augusta" and updated["last_name"] == "Lovelace", updated
    updated = expect_json(c.put(f"/cayenne/users/{user.id}", access,
                                json={"last_name": "King", "phone_number": "+15551234567"}), 200)
    assert updated["last_name"] == "King" and updated["phone_number"] == "+15551234567", updated
    me = expect_json(c.me(access), 200)
    assert (me["first_name"], me["last_name"]) == ("Augusta", "King"), me

    # The email stays; an unchanged one may be sent along.
    expect_json(c.put(f"/cayenne/users/{user.id}", access, json={"email": user.email, "first_name": "Ada"}), 200)
    oauth_error(c.put(f"/cayenne/users/{user.id}", access, json={"email": unique_email()}), 400, "invalid_request")
    oauth_error(c.put(f"/cayenne/users/{user.id}", access, json={"password": "a-new-password"}), 400,
                "invalid_request")
    assert expect_json(c.me(access), 200)["email"] == user.email
    expect_json(c.password_grant(app, user), 200)  # the password did not change


def test_users_cannot_see_or_change_each_other(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    alice, bob = c.sign_up(app), c.sign_up(app)
    alice_token = c.tokens(app, alice)["access_token"]
    oauth_error(c.get(f"/cayenne/users/{bob.id}", alice_token), 404, "not_found")
    oauth_error(c.put(f"/cayenne/users/{bob.id}", alice_token, json={"first_name": "Mallory"}), 404, "not_found")
    oauth_error(c.get("/cayenne/users/999999999", alice_token), 404, "not_found")
    bob_token = c.tokens(app, bob)["access_token"]
    assert expect_json(c.me(bob_token), 200)["first_name"] == "Ada"
    # No token, a bad token.
    oauth_error(c.get("/cayenne/users/me"), 401, "invalid_token")
    oauth_error(c.get("/cayenne/users/me", "bogus"), 401, "invalid_token")
    # A user of another project is not known here either.
    other = Cayenne(c.server)
    stranger_app = other.app()
    stranger = other.sign_up(stranger_app)
    oauth_error(c.get(f"/cayenne/users/{stranger.id}", alice_token), 404, "not_found")


def test_a_project_admin_key_reads_users_and_a_client_token_is_not_a_user(cayenne: Cayenne):
    c = cayenne
    app = c.app(confidential=True)
    user = c.sign_up(app)
    admin = c.project.key("admin").key
    assert expect_json(c.get(f"/cayenne/users/{user.id}", admin), 200)["email"] == user.email
    updated = expect_json(c.put(f"/cayenne/users/{user.id}", admin, json={"first_name": "Renamed"}), 200)
    assert updated["first_name"] == "Renamed", updated
    kv_only = c.project.key("kv").key
    resp = c.get(f"/cayenne/users/{user.id}", kv_only)
    assert resp.status_code in (403, 404), describe(resp)
    client_token = c.oauth(app).fetch_token(c.token_url, grant_type="client_credentials")["access_token"]
    resp = c.me(client_token)
    assert resp.status_code in (401, 403) and resp.json().get("error"), describe(resp)


def test_without_the_api_version_header_too(cayenne: Cayenne):
    """Every other test sends the seed's X-API-Version: 1.0; it is optional."""
    c = cayenne
    app = c.app()
    body = {"first_name": "A", "last_name": "B", "email": unique_email(), "password": PASSWORD,
            "application_id": app.id}
    assert requests.post(c.base + "/cayenne/users", json=body, timeout=10).status_code == 201
    resp = requests.post(c.token_url, data={"grant_type": "password", "email": body["email"],
                                            "password": PASSWORD, "client_id": app.id}, timeout=10)
    access = expect_json(resp, 200)["access_token"]
    assert requests.get(c.base + "/cayenne/users/me", headers={"Authorization": f"Bearer {access}"},
                        timeout=10).status_code == 200
    for version in ("1.0", "2.0", "garbage"):
        resp = c.get("/cayenne/users/me", access, headers={"X-API-Version": version})
        assert resp.status_code == 200, describe(resp)


# --------------------------------------------------------------------------------------------
# Password reset


def _reset_token(c: Cayenne, mailbox, email: str) -> str:
    assert expect_json(c.post("/cayenne/password/forgot", json={"email": email}), 200) == {"success": True}
    link = reset_link(mailbox, email)
    assert link.startswith(c.base + RESET_PATH + "?"), link
    return query_of(link)["token"]


@pytest.mark.parametrize("path", ["/cayenne/password/reset", "/cayenne/password/rese"])
def test_password_reset_by_email(cayenne_alone: Cayenne, mailbox, path: str):
    c = cayenne_alone
    app = c.app()
    user = c.sign_up(app)
    before = c.tokens(app, user)
    browser = Browser(c.server)
    c.code_flow(app, user, browser)  # signed in with the SSO cookie as well

    token = _reset_token(c, mailbox, user.email)
    answer = expect_json(c.post("/cayenne/password/forgot", json={"email": user.email}), 200)
    assert answer == {"success": True} and "token" not in answer, "the answer never carries the reset token"
    reset_link(mailbox, user.email)  # the second mail; the first token stays valid until used

    new_password = "a-brand-new-password"
    assert expect_json(c.post(path, json={"token": token, "password": new_password}), 200) == {"success": True}
    resp = c.post(path, json={"token": token, "password": "yet-another-password"})
    assert resp.status_code == 400 and resp.json().get("error"), f"single use: {describe(resp)}"

    # Every sign-in ended: refresh token, access token, SSO cookie.
    oauth_error(c.token(grant_type="refresh_token", refresh_token=before["refresh_token"], client_id=app.id),
                400, "invalid_grant")
    oauth_error(c.me(before["access_token"]), 401, "invalid_token")
    _, url, _, _ = c.authorization_request(app)
    assert Page.of(browser.open(url)).sign_in_form is not None, "the SSO session ended with the reset"
    oauth_error(c.password_grant(app, user), 400, "invalid_grant")
    user.password = new_password
    expect_json(c.password_grant(app, user), 200)


def test_forgot_answers_the_same_for_unknown_addresses(cayenne: Cayenne, mailbox):
    c = cayenne
    email = unique_email()
    assert expect_json(c.post("/cayenne/password/forgot", json={"email": email}), 200) == {"success": True}
    assert expect_json(c.post("/cayenne/password/forgot", data={"email": email}), 200) == {"success": True}
    oauth_error(c.post("/cayenne/password/forgot", json={}), 400, "invalid_request")
    time.sleep(0.5)
    assert mailbox.count(email) == 0


def test_password_reset_refusals(cayenne: Cayenne, mailbox):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    token = _reset_token(c, mailbox, user.email)
    oauth_error(c.post(RESET_PATH, json={"token": token, "password": "short"}), 400, "invalid_request")
    oauth_error(c.post(RESET_PATH, json={"token": token}), 400, "invalid_request")
    resp = c.post(RESET_PATH, json={"token": "v1.x.bogus", "password": "long-enough-password"})
    assert resp.status_code == 400 and resp.json().get("error"), describe(resp)
    # The refused attempts did not use the token up.
    expect_json(c.post(RESET_PATH, json={"token": token, "password": "long-enough-password"}), 200)


def test_the_emailed_link_opens_a_form_that_resets(cayenne: Cayenne, mailbox):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    expect_json(c.post("/cayenne/password/forgot", json={"email": user.email, "application_id": app.id}), 200)
    link = reset_link(mailbox, user.email)
    browser = Browser(c.server)
    page = browser.open(link)
    assert page.status_code == 200 and "html" in page.headers.get("Content-Type", ""), describe(page)
    form = next((f for f in Page.of(page).forms if f.password_field), None)
    assert form is not None, page.text
    new_password = "typed-in-the-browser"
    values = {attrs["name"]: new_password for attrs in form.inputs
              if attrs.get("type", "").lower() == "password" and attrs.get("name")}
    resp = browser.submit(page, form, values, button=form.buttons[0] if form.buttons else None)
    assert resp.status_code == 200, describe(resp)
    user.password = new_password
    expect_json(c.password_grant(app, user), 200)


def test_sign_in_after_reset_through_the_pages(cayenne: Cayenne, mailbox):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    token = _reset_token(c, mailbox, user.email)
    expect_json(c.post("/cayenne/password/rese", data={"token": token, "password": "form-posted-password"}), 200)
    user.password = "form-posted-password"
    _, url, state, _ = c.authorization_request(app)
    location = redirect_location(Browser(c.server).authorize(url, user.email, user.password), app.redirect_uri)
    assert query_of(location)["state"] == state
