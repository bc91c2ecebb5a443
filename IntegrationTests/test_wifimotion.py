"""The WiFi Motion App Cloud API, phase 1 (docs/wifimotion.md): the official sample client's calls,
sessions (`multi`, refresh, sign-out, raw and `Bearer` tokens, trailing slashes), users (sign-up
with its confirmation mail, password reset, read/change/delete), networks, scene configs,
memberships and invites, who may do what (owner, member, non-member), bad input of every kind
(`{error, message}` with the right status, and nothing changed) and the limits (429).

Every test signs up users of its own through `POST /users` on the shared server; the dialect made
its project (`wifimotion`) when the server started. The schemathesis run of the OpenAPI document
is in test_openapi.py.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any, Callable

import pytest
import requests

from harness import HTTP_TIMEOUT, NimbusServer, expect
from wifimotion import (SCENE_AWAY, SCENE_HOME, SCENE_HOURS, SCENE_MINUTES, Account, WiFiMotion,
                        assert_membership, assert_network, assert_scene_config, assert_session, assert_user,
                        confirmation_token, expect_empty, expect_error, expect_json, no_mail_to, reset_token, roles)
from world import PASSWORD, unique, unique_email

NOT_JSON = "{this is not json"


@pytest.fixture
def wm(server: NimbusServer) -> WiFiMotion:
    return WiFiMotion(server)


def sorted_by_id(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: str(item["id"]))


# --------------------------------------------------------------------------------------------
# The official sample client (cayenne-clients.md §10.1, W1–W5), call by call


def test_the_official_sample_client_runs_its_calls_in_order(wm: WiFiMotion):
    """The sample client's own requests, as it makes them with `requests`: a form sign-in (W1), the
    raw token in `Authorization`, `GET /networks` and the fields it reads from `data[0]` (W2), the
    network sent back as a form of `str()`-ed values with `"None"` for the empty ones, `live_enabled`
    as Python's `False` and `scene_id=4` (W3), the scene config by the id it read from
    `network_scene_config` (W4) and sent back as a form of raw values (W5). Every call answers what
    the client reads, and sending the values back changes nothing."""
    user = wm.sign_up(first_name="Grace", last_name="Hopper")
    email = user["email"]
    URL = wm.base  # the sample's "https://" + CLOUD_SPACE

    # W1: POST /sessions, a form; "system generates new token on every call".
    response = requests.post(URL + "/sessions", data={"email": email, "password": PASSWORD}, timeout=HTTP_TIMEOUT)
    data = expect_json(response, 200)
    assert_session(data, email)
    assert data["user"]["id"] == user["id"] and data["user"]["confirmed_at"] is None, data
    token_str = data["token"]
    header = {"Authorization": token_str}

    # W2: GET /networks, and what the client reads of data[0].
    response = requests.get(URL + "/networks", headers=header, timeout=HTTP_TIMEOUT)
    general_settings_data = expect_json(response, 200)
    assert set(general_settings_data) == {"data"} and len(general_settings_data["data"]) == 1, general_settings_data
    first = general_settings_data["data"][0]
    assert_network(first)
    hasPet = str(first["pet_size"])  # noqa: N806
    assert hasPet == "none" and first["scene_id"] == SCENE_HOME and first["live_enabled"] is False, first
    for name in ("latitude", "longitude", "address", "timezone", "building_type", "building_size"):
        assert first[name] is None, f"{name} is null until set: {first}"

    sample_client_w3_to_w5(URL, header, first)


def sample_client_w3_to_w5(URL: str, header: dict[str, str], first: dict[str, Any]) -> None:  # noqa: N803 - the sample's names
    """The sample client's W3–W5 after it read `first` = `GET /networks` `data[0]`: the network sent back as a form,
    then its scene config read and sent back; each answer is what the client reads, and nothing changes."""
    id = str(first["id"])  # noqa: A001 - the sample's own name
    network_scene_config_id = str(first["network_scene_config"])
    # W3: PUT /networks/{id}, the form exactly as the sample builds it.
    response = requests.put(
        URL + "/networks/" + id,
        data={
            "id": str(first["id"]),
            "name": str(first["name"]),
            "latitude": str(first["latitude"]),
            "longitude": str(first["longitude"]),
            "address": str(first["address"]),
            "timezone": str(first["timezone"]),
            "pet_size": str(first["pet_size"]),
            "building_type": str(first["building_type"]),
            "building_size": str(first["building_size"]),
            "live_enabled": first["live_enabled"],
            "scene_id": 4,
        },
        headers=header, timeout=HTTP_TIMEOUT)
    assert "None" in response.request.body and "live_enabled=False" in response.request.body, response.request.body
    data = expect_json(response, 200)
    assert data["pet_size"] == "none", "the Network at the top level (the sample's commented code reads pet_size there)"
    assert_network(data, first["id"])
    unchanged = ("name", "latitude", "longitude", "address", "timezone", "pet_size", "building_type",
                 "building_size", "live_enabled", "scene_id", "created_at")
    assert {k: data[k] for k in unchanged} == {k: first[k] for k in unchanged}, \
        f"the texts `None` are no value, and the rest is what was there: {data}"

    # W4: GET /network_scene_configs/{network_scene_config}.
    response = requests.get(URL + "/network_scene_configs/" + network_scene_config_id, headers=header,
                            timeout=HTTP_TIMEOUT)
    scene_settings_data = expect_json(response, 200)
    assert_scene_config(scene_settings_data, first["id"])

    # W5: PUT /network_scene_configs/{id}, the form of raw values (booleans become "True"/"False").
    response = requests.put(
        URL + "/network_scene_configs/" + network_scene_config_id,
        data={
            "id": scene_settings_data["id"],
            "excessive_motion_seconds": scene_settings_data["excessive_motion_seconds"],
            "excessive_motion_enabled": scene_settings_data["excessive_motion_enabled"],
            "guardian_enabled": scene_settings_data["guardian_enabled"],
            "guardian_weekday_start_time_hours": scene_settings_data["guardian_weekday_start_time_hours"],
            "guardian_weekday_start_time_minutes": scene_settings_data["guardian_weekday_start_time_minutes"],
            "guardian_weekday_end_time_hours": scene_settings_data["guardian_weekday_end_time_hours"],
            "guardian_weekday_end_time_minutes": scene_settings_data["guardian_weekday_end_time_minutes"],
            "auto_switching_enabled": scene_settings_data["auto_switching_enabled"],
            "guardian_weekend_start_time_hours": scene_settings_data["guardian_weekend_start_time_hours"],
            "guardian_weekend_start_time_minutes": scene_settings_data["guardian_weekend_start_time_minutes"],
            "guardian_weekend_end_time_hours": scene_settings_data["guardian_weekend_end_time_hours"],
            "guardian_weekend_end_time_minutes": scene_settings_data["guardian_weekend_end_time_minutes"],
        },
        headers=header, timeout=HTTP_TIMEOUT)
    data = expect_json(response, 200)
    assert_scene_config(data, first["id"])
    settings = set(scene_settings_data) - {"updated_at"}
    assert {k: data[k] for k in settings} == {k: scene_settings_data[k] for k in settings}, data


def test_the_sample_clients_forms_carry_python_values_that_are_read_as_such(wm: WiFiMotion):
    """The sample client's forms with values set: floats and ints as Python prints them,
    `True`/`False` as Python prints booleans (capitalised). The network and the scene config take
    them as numbers and booleans; reading them back and sending them again (the sample's round trip)
    keeps them, and `scene_id=4` switches the network back home."""
    owner = wm.account()
    header = {"Authorization": owner.token}
    url = wm.base + f"/networks/{owner.network_id}"
    changed = expect_json(requests.put(url, headers=header, timeout=HTTP_TIMEOUT, data={
        "id": str(owner.network_id), "name": "Lakeside", "latitude": str(45.4215), "longitude": str(-75.6972),
        "address": "24 Sussex Drive", "timezone": "America/Toronto", "pet_size": "small",
        "building_type": "house", "building_size": "1500-2000 sq ft", "live_enabled": True, "scene_id": SCENE_AWAY,
    }), 200)
    assert_network(changed, owner.network_id)
    assert changed["name"] == "Lakeside" and changed["address"] == "24 Sussex Drive", changed
    assert changed["latitude"] == pytest.approx(45.4215) and changed["longitude"] == pytest.approx(-75.6972), changed
    assert changed["timezone"] == "America/Toronto" and changed["pet_size"] == "small", changed
    assert changed["building_type"] == "house" and changed["building_size"] == "1500-2000 sq ft", changed
    assert changed["live_enabled"] is True and changed["scene_id"] == SCENE_AWAY, changed

    # The round trip: every value as the client read it, str()-ed, with scene_id=4.
    read = expect_json(requests.get(wm.base + "/networks", headers=header, timeout=HTTP_TIMEOUT), 200)["data"][0]
    again = expect_json(requests.put(url, headers=header, timeout=HTTP_TIMEOUT, data={
        **{name: str(read[name]) for name in ("id", "name", "latitude", "longitude", "address", "timezone",
                                              "pet_size", "building_type", "building_size")},
        "live_enabled": read["live_enabled"], "scene_id": 4,
    }), 200)
    kept = ("name", "latitude", "longitude", "address", "timezone", "pet_size", "building_type", "building_size",
            "live_enabled")
    assert {k: again[k] for k in kept} == {k: read[k] for k in kept}, again
    assert again["scene_id"] == SCENE_HOME, again

    # The scene config's form with booleans flipped and new hours, as Python prints them.
    config = owner.scene_config()
    flipped = {name: not config[name] for name in ("excessive_motion_enabled", "guardian_enabled",
                                                   "auto_switching_enabled")}
    form = {"id": config["id"], **flipped, "excessive_motion_seconds": 900,
            "guardian_weekday_start_time_hours": 22, "guardian_weekday_start_time_minutes": 30}
    updated = expect_json(requests.put(wm.base + f"/network_scene_configs/{owner.network_id}", data=form,
                                       headers=header, timeout=HTTP_TIMEOUT), 200)
    assert_scene_config(updated, owner.network_id)
    for name, value in flipped.items():
        assert updated[name] is value, f"{name}={value} (sent as {str(value)!r}): {updated}"
    assert updated["excessive_motion_seconds"] == 900, updated
    assert updated["guardian_weekday_start_time_hours"] == 22 and updated["guardian_weekday_start_time_minutes"] == 30
    assert owner.scene_config() == updated


# --------------------------------------------------------------------------------------------
# The project


def test_wifimotion_users_are_core_users_of_the_public_app_wifimotion(server: NimbusServer, wm: WiFiMotion):
    """The dialect made its project at start, with the public app `wifimotion-<project id>` whose sign-ins its
    sessions are (the token's `client_id`): a user who signed up through the dialect is an ordinary core user,
    whom MODE's sign-in with that app knows too."""
    owner = wm.account()
    payload = owner.token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    app_id = claims["client_id"]
    assert re.fullmatch(r"wifimotion-\d+", app_id), claims
    auth = expect(server.client().post("/auth/user", json={"appId": app_id, "email": owner.email,
                                                           "password": PASSWORD}), 200)
    assert auth["userId"] == owner.id and auth["appId"] == app_id, auth


def test_the_setting_names_an_existing_email_project_which_the_dialect_uses(server_factory: Callable[..., NimbusServer]):
    """`--wifimotion-project NAME` with a project of that name already there (email accounts): the
    dialect uses it rather than making one, so its users sign in through that project's own apps."""
    name = unique("wm-project")
    server = server_factory(extra_args=["--wifimotion-project", name], started=False)
    project = server.cli("project", "create", "--name", name, "--accounts", "email")
    app_id = unique("app")
    server.cli("app", "create", "--project", project["id"], "--id", app_id, "--name", "A MODE app")
    server.start()
    owner = WiFiMotion(server).account()
    auth = expect(server.client().post("/auth/user", json={"appId": app_id, "email": owner.email,
                                                           "password": PASSWORD}), 200)
    assert auth["userId"] == owner.id and auth["projectId"] == project["id"], auth


def test_a_project_of_that_name_without_email_accounts_stops_the_start(server_factory: Callable[..., NimbusServer]):
    """A project named `wifimotion` that uses phone accounts cannot be the dialect's: the server
    refuses to start (it exits instead of serving)."""
    server = server_factory(started=False)
    server.cli("project", "create", "--name", "wifimotion", "--accounts", "phone")
    with pytest.raises(AssertionError, match="exited with"):
        server.start(timeout=30)
    assert server.process is not None and server.process.returncode not in (0, None), server.log_tail()


# --------------------------------------------------------------------------------------------
# Sign-up and confirmation


def test_sign_up_makes_an_unconfirmed_user_with_a_network_and_mails_a_confirmation(wm: WiFiMotion, mailbox,
                                                                                    server: NimbusServer):
    """`POST /users` → 201 User (`username` is the email, `confirmed_at` null) and a confirmation
    mail with `<public URL>/wifimotion/api/v1/confirmations?token=…`. The unconfirmed user may sign
    in, and owns one new network named after them, with the defaults (`pet_size` none, `scene_id` 4,
    `live_enabled` false, the rest null). `GET /confirmations?token=` answers the User, confirmed."""
    email = unique_email()
    user = wm.sign_up(email, first_name="Ada", last_name="Lovelace")
    assert user["confirmed_at"] is None, user
    token = confirmation_token(mailbox, server, email)

    session = wm.session(email)
    assert session["user"]["id"] == user["id"] and session["user"]["confirmed_at"] is None, session
    owner = Account(wm, email, PASSWORD, "Ada", "Lovelace", user["id"], session["token"], session["refresh_token"],
                    session["user"])
    networks = owner.networks()
    assert len(networks) == 1, networks
    network = networks[0]
    assert "Ada" in network["name"], f"the network is named after its owner: {network}"
    assert network["owner_email"] == email and network["user_count"] == 1, network
    assert network["pet_size"] == "none" and network["scene_id"] == SCENE_HOME and network["live_enabled"] is False
    for name in ("latitude", "longitude", "address", "timezone", "building_type", "building_size"):
        assert network[name] is None, f"{name} is null until set: {network}"
    owner.network_id = network["id"]
    [membership] = owner.memberships()
    assert_membership(membership, network["id"], user["id"], "owner")

    confirmed = expect_json(wm.get("/confirmations", params={"token": token}), 200)
    assert_user(confirmed, email=email, first_name="Ada", last_name="Lovelace", confirmed=True)
    assert confirmed["id"] == user["id"], confirmed
    me = expect_json(owner.get(f"/users/{owner.id}"), 200)
    assert_user(me, email=email, confirmed=True, session=True)


def test_sign_up_takes_a_form(wm: WiFiMotion):
    """The sign-up as a form (the body convention: forms everywhere), then a JSON sign-in."""
    user = wm.sign_up(first_name="Form", last_name="Filler", as_form=True)
    session = wm.session(user["email"], as_form=False)
    assert session["user"]["id"] == user["id"], session


def test_the_confirmation_mail_is_sent_again_on_both_paths(wm: WiFiMotion, mailbox, server: NimbusServer):
    """`POST /confirmation_mails` and `POST /confirmations` with `{email}` → 204 and another
    confirmation mail, whose token confirms. For an unknown email the answer is the same, and no
    mail goes out."""
    user = wm.sign_up()
    email = user["email"]
    confirmation_token(mailbox, server, email)  # the sign-up's
    expect_empty(wm.post("/confirmation_mails", json={"email": email}))
    confirmation_token(mailbox, server, email)
    expect_empty(wm.post("/confirmations", form={"email": email}))
    token = confirmation_token(mailbox, server, email)
    confirmed = expect_json(wm.get("/confirmations", params={"token": token}), 200)
    assert_user(confirmed, email=email, confirmed=True)

    stranger = unique_email()
    expect_empty(wm.post("/confirmation_mails", json={"email": stranger}))
    expect_empty(wm.post("/confirmations", form={"email": stranger}))
    no_mail_to(mailbox, stranger)


def test_a_bad_confirmation_request_is_refused_and_confirms_nothing(wm: WiFiMotion, mailbox, server: NimbusServer):
    """An unknown confirmation token and a missing one are errors (`{error, message}`, no 5xx); a
    resend without an email is `400` naming it. The user stays unconfirmed."""
    owner = wm.account()
    expect_error(wm.get("/confirmations", params={"token": "not-a-confirmation-token"}), (400, 401, 404))
    expect_error(wm.get("/confirmations"), 400, "token")
    expect_error(wm.post("/confirmation_mails", json={}), 400, "email")
    expect_error(wm.post("/confirmations", data=NOT_JSON, content_type="application/json"), 400)
    me = expect_json(owner.get(f"/users/{owner.id}"), 200)
    assert me["confirmed_at"] is None, me


# --------------------------------------------------------------------------------------------
# Password reset


def test_a_password_reset_sets_the_password_and_ends_every_session(wm: WiFiMotion, mailbox, server: NimbusServer):
    """`POST /password_resets {email}` → 204 and a mail with `<public URL>/wifimotion/api/v1/
    password_resets?token=…`; `PUT /password_resets {token, password}` → 204. Every session of the
    user ends (tokens and refresh tokens alike), the old password is refused (401), the new one signs
    in, and the token works once."""
    owner = wm.account()
    second = wm.session(owner.email, multi=True)
    expect_empty(wm.post("/password_resets", json={"email": owner.email}))
    token = reset_token(mailbox, server, owner.email)
    new_password = "a-brand-new-passphrase"
    expect_empty(wm.put("/password_resets", json={"token": token, "password": new_password}))

    for ended in (owner.token, second["token"]):
        expect_error(wm.get("/networks", ended), 401)
    for ended in (owner.refresh_token, second["refresh_token"]):
        expect_error(wm.patch("/sessions", json={"token": ended}), 401)
    expect_error(wm.sign_in(owner.email, PASSWORD), 401)
    wm.session(owner.email, new_password)

    expect_error(wm.put("/password_resets", json={"token": token, "password": "yet-another-passphrase"}),
                 (400, 401, 404))
    wm.session(owner.email, new_password)


def test_a_password_reset_refuses_bad_input_and_changes_nothing(wm: WiFiMotion, mailbox, server: NimbusServer):
    """A short password, a missing field or an unknown token are refused with `{error, message}`;
    the password and the sessions stay as they were. For an unknown email the request answers 204
    like any other, and no mail goes out."""
    owner = wm.account()
    expect_empty(wm.post("/password_resets", form={"email": owner.email}))
    token = reset_token(mailbox, server, owner.email)
    expect_error(wm.put("/password_resets", json={"token": token, "password": "short"}), 400, "password")
    expect_error(wm.put("/password_resets", json={"token": token, "password": "x" * 129}), 400, "password")
    expect_error(wm.put("/password_resets", json={"token": token}), 400, "password")
    expect_error(wm.put("/password_resets", form={"password": "long-enough-password"}), 400, "token")
    expect_error(wm.put("/password_resets", json={"token": "not-a-reset-token", "password": "long-enough-password"}),
                 (400, 401, 404))
    expect_error(wm.post("/password_resets", json={}), 400, "email")

    expect_json(owner.get("/networks"), 200)
    wm.session(owner.email, PASSWORD, multi=True)

    stranger = unique_email()
    expect_empty(wm.post("/password_resets", json={"email": stranger}))
    no_mail_to(mailbox, stranger)


# --------------------------------------------------------------------------------------------
# Sessions


def test_multi_false_ends_the_earlier_sessions_and_multi_true_keeps_them(wm: WiFiMotion):
    """`POST /sessions?multi=true` leaves the user's other sessions working; `multi=false` and no
    `multi` at all (the default) end every earlier one at once, with its refresh token."""
    email = wm.sign_up()["email"]
    first = wm.session(email, multi=False)
    second = wm.session(email, multi=True)
    for session in (first, second):
        expect_json(wm.get("/networks", session["token"]), 200)

    third = wm.session(email)  # no multi: false
    for ended in (first, second):
        expect_error(wm.get("/networks", ended["token"]), 401)
    expect_error(wm.patch("/sessions", json={"token": first["refresh_token"]}), 401)
    expect_json(wm.get("/networks", third["token"]), 200)

    fourth = wm.session(email, multi=False, as_form=False)
    expect_error(wm.get("/networks", third["token"]), 401)
    expect_json(wm.get("/networks", fourth["token"]), 200)


def test_valid_from_is_the_last_sign_in(wm: WiFiMotion):
    """`user.valid_from` is the epoch second of the user's last sign-in, `multi` or not; `GET /users/{id}` shows it
    too."""
    email = wm.sign_up()["email"]
    before = int(time.time())
    first = wm.session(email, multi=False)
    valid_from = first["user"]["valid_from"]
    assert isinstance(valid_from, int) and before - 1 <= valid_from <= time.time() + 1, first["user"]

    time.sleep(1.2)
    kept = wm.session(email, multi=True)
    assert kept["user"]["valid_from"] > valid_from, kept["user"]
    me = expect_json(wm.get(f"/users/{kept['user']['id']}", kept["token"]), 200)
    assert_user(me, email=email, session=True)
    assert me["valid_from"] == kept["user"]["valid_from"], me


def test_a_refresh_gives_a_new_session_and_uses_the_refresh_token_up(wm: WiFiMotion):
    """`PATCH /sessions {token: refresh_token}` (JSON or form, with or without `multi`) → 200 a new
    Session: a new token that works and a new refresh token. A refresh token works once."""
    owner = wm.account()
    refreshed = expect_json(wm.patch("/sessions", json={"token": owner.refresh_token}), 200)
    assert_session(refreshed, owner.email)
    assert refreshed["user"]["id"] == owner.id, refreshed
    assert refreshed["token"] != owner.token and refreshed["refresh_token"] != owner.refresh_token, refreshed
    expect_json(wm.get("/networks", refreshed["token"]), 200)

    again = expect_json(wm.patch("/sessions", form={"token": refreshed["refresh_token"]}, params={"multi": "true"}),
                        200)
    assert_session(again, owner.email)
    assert again["refresh_token"] not in (owner.refresh_token, refreshed["refresh_token"]), again
    expect_json(wm.get("/networks", again["token"]), 200)

    expect_error(wm.patch("/sessions", json={"token": owner.refresh_token}), 401)
    expect_error(wm.patch("/sessions", json={"token": refreshed["refresh_token"]}), 401)


def test_a_refresh_refuses_bad_input(wm: WiFiMotion):
    """No refresh token is `400` naming `token`; an unknown one, or an access token in its place, is
    `401`; a body that is not JSON is `400`."""
    owner = wm.account()
    expect_error(wm.patch("/sessions", json={}), 400, "token")
    expect_error(wm.patch("/sessions", form={"token": "not-a-refresh-token"}), 401)
    expect_error(wm.patch("/sessions", json={"token": owner.token}), 401)
    expect_error(wm.patch("/sessions", data=NOT_JSON, content_type="application/json"), 400)
    expect_json(owner.get("/networks"), 200)


def test_sign_out_ends_the_token_and_its_refresh_token(wm: WiFiMotion):
    """`DELETE /sessions` → 204: that session's token and refresh token stop working, the user's other
    sessions go on. Without a token, or with the ended one, it is `401`."""
    owner = wm.account()
    other = wm.session(owner.email, multi=True)
    expect_empty(owner.delete("/sessions"))
    expect_error(owner.get("/networks"), 401)
    expect_error(wm.patch("/sessions", json={"token": owner.refresh_token}), 401)
    expect_error(owner.delete("/sessions"), 401)
    expect_error(wm.delete("/sessions"), 401)
    expect_json(wm.get("/networks", other["token"]), 200)


def test_the_token_goes_raw_or_as_bearer(wm: WiFiMotion):
    """`Authorization: <token>` (the sample client) and `Authorization: Bearer <token>` are the same
    caller; no token, an unknown one, a token with a forged signature, or another scheme are `401`
    with `{error: "unauthorized", message}`."""
    owner = wm.account()
    raw = expect_json(wm.get("/networks", owner.token), 200)
    bearer = expect_json(wm.get("/networks", owner.token, bearer=True), 200)
    assert raw == bearer and raw["data"][0]["id"] == owner.network_id, (raw, bearer)
    expect_json(wm.put(f"/networks/{owner.network_id}", owner.token, bearer=True, json={"name": "Bearer's"}), 200)

    header, claims, signature = owner.token.split(".")
    forged = f"{header}.{claims}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for refused in (wm.get("/networks"),
                    wm.get("/networks", "not-a-token"),
                    wm.get("/networks", "not-a-token", bearer=True),
                    wm.get("/networks", forged),
                    wm.get("/networks", headers={"Authorization": "Bearer"}),
                    wm.get("/networks", headers={"Authorization": f"Basic {owner.token}"})):
        expect_error(refused, 401)
    assert owner.network()["name"] == "Bearer's"


def test_every_path_answers_with_and_without_a_trailing_slash(wm: WiFiMotion, mailbox):
    """The same calls with a trailing slash (as the sample client calls `/sounding/settings/`) answer
    as without one: reads, changes, sign-in, refresh, sign-up, mails and sign-out."""
    owner = wm.account()
    member = wm.account()
    owner.add_member(member)
    n = owner.network_id
    for path, params in ((("/networks", None)), (f"/networks/{n}", None), (f"/network_scene_configs/{n}", None),
                         (f"/users/{owner.id}", None), ("/network_memberships", {"network_id": n})):
        plain = expect_json(owner.get(path, params=params), 200)
        slashed = expect_json(owner.get(path + "/", params=params), 200)
        assert slashed == plain, f"{path}/ answers as {path}: {slashed} != {plain}"

    renamed = expect_json(owner.put(f"/networks/{n}/", json={"name": "Slashed"}), 200)
    assert renamed["name"] == "Slashed", renamed
    config = expect_json(owner.put(f"/network_scene_configs/{n}/", json={"excessive_motion_seconds": 1200}), 200)
    assert config["excessive_motion_seconds"] == 1200, config
    expect_json(owner.post("/network_memberships/", json={"network_id": n, "user_id": member.id, "role": "owner"}),
                201)
    expect_json(owner.post("/member_invites/", json={"network_id": n, "emails": [unique_email()]}), 200)
    expect_empty(member.delete(f"/network_memberships/{n}-{member.id}/"))
    expect_json(owner.put(f"/users/{owner.id}/", json={"first_name": "Slash"}), 200)

    session = expect_json(wm.post("/sessions/", form={"email": owner.email, "password": PASSWORD},
                                  params={"multi": "true"}), 200)
    assert_session(session, owner.email)
    refreshed = expect_json(wm.patch("/sessions/", json={"token": session["refresh_token"]}, params={"multi": "true"}),
                            200)
    expect_json(wm.post("/users/", json={"email": unique_email(), "password": PASSWORD, "first_name": "S",
                                         "last_name": "Lash"}), 201)
    expect_empty(wm.post("/confirmation_mails/", json={"email": owner.email}))
    expect_empty(wm.post("/confirmations/", json={"email": owner.email}))
    expect_empty(wm.post("/password_resets/", json={"email": owner.email}))
    expect_error(wm.get("/confirmations/", params={"token": "not-a-confirmation-token"}), (400, 401, 404))
    expect_empty(wm.delete("/sessions/", refreshed["token"]))
    expect_error(wm.get("/networks/", refreshed["token"]), 401)
    expect_json(owner.get("/networks/"), 200)


# --------------------------------------------------------------------------------------------
# Users


def test_a_user_reads_only_their_own_user(wm: WiFiMotion):
    """`GET /users/{id}` answers one's own User (with `sub` and `valid_from`); another user's id,
    an unknown id and a malformed one are `404` (or `400` for the malformed one), and another user
    cannot be changed or deleted either."""
    owner, other = wm.account(), wm.account()
    me = expect_json(owner.get(f"/users/{owner.id}"), 200)
    assert_user(me, email=owner.email, first_name=owner.first_name, last_name=owner.last_name, session=True)
    assert me["id"] == owner.id, me

    expect_error(owner.get(f"/users/{other.id}"), 404)
    expect_error(owner.get("/users/999999999"), 404)
    expect_error(owner.get("/users/not-a-number"), (400, 404))
    expect_error(owner.put(f"/users/{other.id}", json={"first_name": "Mallory"}), 404)
    expect_error(owner.delete(f"/users/{other.id}", params={"delete_claimed_network": "true"}), 404)
    them = expect_json(other.get(f"/users/{other.id}"), 200)
    assert them["first_name"] == other.first_name, them
    expect_json(other.get(f"/networks/{other.network_id}"), 200)


def test_a_user_changes_names_email_and_password(wm: WiFiMotion, mailbox, server: NimbusServer):
    """`PUT /users/{id}` with any of the fields answers the User: names (as a form), a new email
    (unconfirmed again; the old one no longer signs in), a new password (the old one is refused). The
    password change also sends `current_password`, which Nimbus's rule for password changes asks for
    (docs/security.md) and which a server without that rule ignores."""
    owner = wm.account(first_name="Ada", last_name="Lovelace")
    token = confirmation_token(mailbox, server, owner.email)
    expect_json(wm.get("/confirmations", params={"token": token}), 200)

    renamed = expect_json(owner.put(f"/users/{owner.id}", form={"first_name": "Augusta", "last_name": "King"}), 200)
    assert_user(renamed, email=owner.email, first_name="Augusta", last_name="King", confirmed=True)

    new_email = unique_email()
    moved = expect_json(owner.put(f"/users/{owner.id}", json={"email": new_email}), 200)
    assert_user(moved, email=new_email, first_name="Augusta", confirmed=False)
    expect_error(wm.sign_in(owner.email, multi=True), 401)
    wm.session(new_email, multi=True)

    new_password = "another-long-passphrase"
    changed = expect_json(owner.put(f"/users/{owner.id}", json={"password": new_password,
                                                                "current_password": PASSWORD}), 200)
    assert_user(changed, email=new_email)
    expect_error(wm.sign_in(new_email, PASSWORD, multi=True), 401)
    wm.session(new_email, new_password, multi=True)


def test_user_changes_are_validated_and_change_nothing(wm: WiFiMotion):
    """An email in use is `409 conflict`; a malformed email, a password of 7 or 129 characters and a
    body that is not JSON are `400` naming the field. The user is as before (`valid_from` aside: a
    checked current password may count as a sign-in), and the password too."""
    owner, other = wm.account(), wm.account()
    before = expect_json(owner.get(f"/users/{owner.id}"), 200)
    before.pop("valid_from")
    expect_error(owner.put(f"/users/{owner.id}", json={"email": other.email}), 409)
    expect_error(owner.put(f"/users/{owner.id}", json={"email": "not-an-email"}), 400, "email")
    expect_error(owner.put(f"/users/{owner.id}", form={"password": "seven77", "current_password": PASSWORD}), 400,
                 "password")
    expect_error(owner.put(f"/users/{owner.id}", json={"password": "x" * 129, "current_password": PASSWORD}), 400,
                 "password")
    expect_error(owner.put(f"/users/{owner.id}", data=NOT_JSON, content_type="application/json"), 400)
    after = expect_json(owner.get(f"/users/{owner.id}"), 200)
    after.pop("valid_from")
    assert after == before
    wm.session(owner.email, PASSWORD, multi=True)


def test_deleting_a_user_with_delete_claimed_network_deletes_their_networks(wm: WiFiMotion):
    """`DELETE /users/{id}?delete_claimed_network=true` → 204: the user's sessions end, they cannot
    sign in, and the network they owned is gone with its memberships (its member gets 404)."""
    owner, member = wm.account(), wm.account()
    owner.add_member(member)
    assert owner.network_id in [n["id"] for n in member.networks()]

    expect_empty(owner.delete(f"/users/{owner.id}", params={"delete_claimed_network": "true"}))
    expect_error(owner.get("/networks"), 401)
    expect_error(wm.sign_in(owner.email, multi=True), 401)
    expect_error(member.get(f"/networks/{owner.network_id}"), 404)
    expect_error(member.get(f"/network_scene_configs/{owner.network_id}"), 404)
    expect_error(member.get("/network_memberships", params={"network_id": owner.network_id}), 404)
    assert [n["id"] for n in member.networks()] == [member.network_id]


def test_deleting_a_user_without_delete_claimed_network_keeps_networks_for_other_owners(wm: WiFiMotion):
    """`DELETE /users/{id}?delete_claimed_network=false` → 204: a network the user owned with another
    owner stays, with the other owner alone in it."""
    owner, co_owner = wm.account(), wm.account()
    owner.add_member(co_owner, role="owner")

    expect_empty(owner.delete(f"/users/{owner.id}", params={"delete_claimed_network": "false"}))
    expect_error(owner.get("/networks"), 401)
    network = co_owner.network(owner.network_id)
    assert network["user_count"] == 1 and network["owner_email"] == co_owner.email, network
    assert roles(co_owner.memberships(owner.network_id)) == {co_owner.id: "owner"}


# --------------------------------------------------------------------------------------------
# Networks


def test_networks_are_listed_oldest_first(wm: WiFiMotion):
    """`GET /networks` → `{data: [Network]}`, the networks the caller belongs to, oldest first: a
    network one joins later but that is older than one's own comes first."""
    older, newer = wm.account(), wm.account()
    older.add_member(newer)
    listed = newer.networks()
    assert [n["id"] for n in listed] == [older.network_id, newer.network_id], listed
    assert listed[0]["created_at"] <= listed[1]["created_at"], listed
    assert listed[0]["user_count"] == 2 and listed[0]["owner_email"] == older.email, listed[0]


def test_an_owner_changes_a_network_with_json_and_forms(wm: WiFiMotion):
    """`PUT /networks/{id}` with any of the fields answers the Network: every field set in JSON (the
    body's `id` ignored), then single fields as forms (the rest unchanged); `live_enabled` takes 0/1
    and true/false, `scene_id` 1 (away) and 4 (home)."""
    owner = wm.account()
    n = owner.network_id
    before = owner.network()
    changed = expect_json(owner.put(f"/networks/{n}", json={
        "id": 999999999, "name": "Cottage", "latitude": 45.4215, "longitude": -75.6972, "address": "1 Main St",
        "timezone": "America/Toronto", "pet_size": "large", "building_type": "house",
        "building_size": "1500-2000 sq ft", "live_enabled": True, "scene_id": SCENE_AWAY}), 200)
    assert_network(changed, n)
    assert changed["latitude"] == pytest.approx(45.4215) and changed["longitude"] == pytest.approx(-75.6972), changed
    expected = {"name": "Cottage", "address": "1 Main St", "timezone": "America/Toronto", "pet_size": "large",
                "building_type": "house", "building_size": "1500-2000 sq ft", "live_enabled": True,
                "scene_id": SCENE_AWAY, "created_at": before["created_at"]}
    assert {k: changed[k] for k in expected} == expected, changed
    assert changed["updated_at"] >= before["updated_at"], changed
    assert owner.network() == changed

    steps: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"live_enabled": "0"}, {"live_enabled": False}),
        ({"live_enabled": "1"}, {"live_enabled": True}),
        ({"live_enabled": "false"}, {"live_enabled": False}),
        ({"live_enabled": "true"}, {"live_enabled": True}),
        ({"scene_id": "4"}, {"scene_id": SCENE_HOME}),
        ({"pet_size": "medium", "timezone": "Europe/Berlin"}, {"pet_size": "medium", "timezone": "Europe/Berlin"}),
        ({"name": "Cabin"}, {"name": "Cabin"}),
    ]
    current = changed
    for form, effect in steps:
        answer = expect_json(owner.put(f"/networks/{n}", form=form), 200)
        assert_network(answer, n)
        want = {**{k: current[k] for k in ("name", "latitude", "longitude", "address", "timezone", "pet_size",
                                            "building_type", "building_size", "live_enabled", "scene_id")}, **effect}
        assert {k: answer[k] for k in want} == want, f"form {form}: {answer}"
        current = answer
    answer = expect_json(owner.put(f"/networks/{n}", json={"live_enabled": 0, "scene_id": SCENE_AWAY}), 200)
    assert answer["live_enabled"] is False and answer["scene_id"] == SCENE_AWAY, answer


def test_none_in_a_form_is_no_value(wm: WiFiMotion):
    """In a form the text `None` (Python's `str(None)`) is no value: `None` for fields that always
    have one (`pet_size`, `scene_id`, `live_enabled`, `name`) is not a change and not an error."""
    owner = wm.account()
    set_up = expect_json(owner.put(f"/networks/{owner.network_id}", json={
        "name": "Kept", "pet_size": "small", "scene_id": SCENE_AWAY, "live_enabled": True}), 200)
    answer = expect_json(owner.put(f"/networks/{owner.network_id}", form={
        "name": "None", "pet_size": "None", "scene_id": "None", "live_enabled": "None", "timezone": "None",
        "latitude": "None", "building_size": "None"}), 200)
    for name in ("name", "pet_size", "scene_id", "live_enabled", "timezone", "latitude", "building_size"):
        assert answer[name] == set_up[name], f"{name}=None changed it: {answer}"


BAD_NETWORK_FIELDS = [
    ("pet_size", "huge"),
    ("pet_size", "None-ish"),
    ("timezone", "Mars/Olympus_Mons"),
    ("scene_id", 2),
    ("scene_id", "home"),
    ("live_enabled", "maybe"),
    ("latitude", "north"),
    ("latitude", 91),
    ("longitude", "west"),
    ("longitude", -181),
]


@pytest.mark.parametrize("as_form", [False, True], ids=["json", "form"])
def test_network_changes_are_validated_and_change_nothing(wm: WiFiMotion, as_form: bool):
    """A bad `pet_size`, a timezone that is no IANA zone, a `scene_id` other than 1 and 4, a
    `live_enabled` that is no boolean, a latitude or longitude that is no coordinate: each `400
    invalid_request` naming the field, in JSON and in a form, and the network is as before (also
    the good fields sent along). A body that is not JSON, or not an object, is `400`; an unknown
    network is `404`."""
    owner = wm.account()
    n = owner.network_id
    before = owner.network()
    for name, value in BAD_NETWORK_FIELDS:
        body = {"name": "Should not stick", name: value}
        resp = owner.put(f"/networks/{n}", form={k: str(v) for k, v in body.items()}) if as_form \
            else owner.put(f"/networks/{n}", json=body)
        expect_error(resp, 400, name)
    expect_error(owner.put(f"/networks/{n}", data=NOT_JSON, content_type="application/json"), 400)
    expect_error(owner.put(f"/networks/{n}", json=["name", "Array"]), 400)
    expect_error(owner.put("/networks/999999999", json={"name": "Nowhere"}), 404)
    expect_error(owner.get("/networks/999999999"), 404)
    expect_error(owner.get("/networks/not-a-number"), (400, 404))
    assert owner.network() == before


# --------------------------------------------------------------------------------------------
# Scene configs


def test_an_owner_changes_the_scene_config(wm: WiFiMotion):
    """`GET /network_scene_configs/{id}` → SceneConfig (its id is the network's); `PUT` with any
    settings answers it changed (JSON booleans, hours and minutes), and a form with `true`/`false`
    text changes single settings, leaving the rest."""
    owner = wm.account()
    n = owner.network_id
    config = owner.scene_config()
    changes = {
        "excessive_motion_seconds": 900, "excessive_motion_enabled": not config["excessive_motion_enabled"],
        "guardian_enabled": True, "auto_switching_enabled": True,
        "guardian_weekday_start_time_hours": 22, "guardian_weekday_start_time_minutes": 30,
        "guardian_weekday_end_time_hours": 6, "guardian_weekday_end_time_minutes": 15,
        "guardian_weekend_start_time_hours": 23, "guardian_weekend_start_time_minutes": 45,
        "guardian_weekend_end_time_hours": 8, "guardian_weekend_end_time_minutes": 5,
    }
    updated = expect_json(owner.put(f"/network_scene_configs/{n}", json=changes), 200)
    assert_scene_config(updated, n)
    assert {k: updated[k] for k in changes} == changes, updated
    assert updated["created_at"] == config["created_at"], updated
    assert owner.scene_config() == updated

    partial = expect_json(owner.put(f"/network_scene_configs/{n}", form={
        "guardian_enabled": "false", "guardian_weekday_start_time_hours": "0"}), 200)
    assert partial["guardian_enabled"] is False and partial["guardian_weekday_start_time_hours"] == 0, partial
    rest = set(changes) - {"guardian_enabled", "guardian_weekday_start_time_hours"}
    assert {k: partial[k] for k in rest} == {k: changes[k] for k in rest}, partial


BAD_SCENE_FIELDS = [
    (SCENE_HOURS[0], 24),
    (SCENE_HOURS[1], -1),
    (SCENE_HOURS[2], "noon"),
    (SCENE_MINUTES[0], 60),
    (SCENE_MINUTES[3], -1),
    ("guardian_enabled", "maybe"),
    ("auto_switching_enabled", "sometimes"),
    ("excessive_motion_seconds", "ten"),
]


@pytest.mark.parametrize("as_form", [False, True], ids=["json", "form"])
def test_scene_config_changes_are_validated_and_change_nothing(wm: WiFiMotion, as_form: bool):
    """Hours outside 0–23, minutes outside 0–59, booleans that are none, seconds that are no number:
    each `400 invalid_request` naming the field, in JSON and in a form; the scene config is as
    before. An unknown id is `404`."""
    owner = wm.account()
    n = owner.network_id
    before = owner.scene_config()
    for name, value in BAD_SCENE_FIELDS:
        body = {"excessive_motion_seconds": 1234, name: value}
        resp = owner.put(f"/network_scene_configs/{n}", form={k: str(v) for k, v in body.items()}) if as_form \
            else owner.put(f"/network_scene_configs/{n}", json=body)
        expect_error(resp, 400, name)
    expect_error(owner.put(f"/network_scene_configs/{n}", data=NOT_JSON, content_type="application/json"), 400)
    expect_error(owner.get("/network_scene_configs/999999999"), 404)
    expect_error(owner.put("/network_scene_configs/999999999", json={"guardian_enabled": True}), 404)
    assert owner.scene_config() == before


# --------------------------------------------------------------------------------------------
# Memberships


def test_memberships_are_listed_with_ids_or_expanded(wm: WiFiMotion):
    """`GET /network_memberships?network_id=` → `{data: [Membership]}` (ids `<network>-<user>`,
    roles, `is_present` false), for owners and members alike; `expand[]=user` and
    `expand[]=network` put the objects in place of the ids, alone or together."""
    owner, member = wm.account(), wm.account()
    owner.add_member(member)
    n = owner.network_id
    listed = owner.memberships()
    assert roles(listed) == {owner.id: "owner", member.id: "member"}, listed
    assert {m["id"] for m in listed} == {f"{n}-{owner.id}", f"{n}-{member.id}"}, listed
    assert all(m["network"] == n for m in listed), listed
    assert sorted_by_id(member.memberships(n)) == sorted_by_id(listed)

    with_users = owner.memberships(expand=["user"])
    for m in with_users:
        assert isinstance(m["user"], dict) and m["network"] == n, m
        assert_user(m["user"])
    assert {m["user"]["email"] for m in with_users} == {owner.email, member.email}, with_users

    with_networks = owner.memberships(expand=["network"])
    for m in with_networks:
        assert isinstance(m["user"], int), m
        assert_network(m["network"], n)

    with_both = owner.memberships(expand=["user", "network"])
    assert all(isinstance(m["user"], dict) and isinstance(m["network"], dict) for m in with_both), with_both


def test_an_owner_adds_members_and_changes_their_role(wm: WiFiMotion):
    """`POST /network_memberships` (owner) → 201 Membership: the user sees the network and counts in
    `user_count`; posting again for a member (here as a form) gives them the new role: as an owner
    they may change the network."""
    owner, member = wm.account(), wm.account()
    n = owner.network_id
    membership = owner.add_member(member)
    assert membership["id"] == f"{n}-{member.id}", membership
    assert n in [x["id"] for x in member.networks()]
    assert owner.network()["user_count"] == 2
    expect_error(member.put(f"/networks/{n}", json={"name": "Not yet"}), 403)

    promoted = expect_json(owner.post("/network_memberships", form={"network_id": n, "user_id": member.id,
                                                                    "role": "owner"}), 201)
    assert_membership(promoted, n, member.id, "owner")
    assert promoted["id"] == membership["id"], promoted
    assert roles(owner.memberships()) == {owner.id: "owner", member.id: "owner"}
    assert expect_json(member.put(f"/networks/{n}", json={"name": "Shared"}), 200)["name"] == "Shared"
    assert owner.network()["user_count"] == 2


def test_membership_requests_are_validated_and_change_nothing(wm: WiFiMotion):
    """A role other than owner/member, a missing or malformed `network_id` or `user_id`: `400`
    naming the field; an unknown user is refused; a member adding someone is `403`, a non-member
    `404`; the last owner cannot make themselves a member (`409`). The memberships are as before."""
    owner, member, outsider = wm.account(), wm.account(), wm.account()
    owner.add_member(member)
    n = owner.network_id
    before = sorted_by_id(owner.memberships())
    post = lambda who, body: who.post("/network_memberships", json=body)  # noqa: E731
    expect_error(post(owner, {"network_id": n, "user_id": outsider.id, "role": "admin"}), 400, "role")
    expect_error(post(owner, {"network_id": n, "role": "member"}), 400, "user_id")
    expect_error(post(owner, {"user_id": outsider.id, "role": "member"}), 400, "network_id")
    expect_error(post(owner, {"network_id": "abc", "user_id": outsider.id, "role": "member"}), 400, "network_id")
    expect_error(post(owner, {"network_id": n, "user_id": "abc", "role": "member"}), 400, "user_id")
    expect_error(post(owner, {"network_id": n, "user_id": 999999999, "role": "member"}), (400, 404))
    expect_error(owner.post("/network_memberships", data=NOT_JSON, content_type="application/json"), 400)
    expect_error(post(member, {"network_id": n, "user_id": outsider.id, "role": "member"}), 403)
    expect_error(post(outsider, {"network_id": n, "user_id": outsider.id, "role": "owner"}), 404)
    expect_error(post(owner, {"network_id": n, "user_id": owner.id, "role": "member"}), 409)
    assert sorted_by_id(owner.memberships()) == before


def test_members_leave_owners_remove_and_the_last_owner_stays(wm: WiFiMotion):
    """`DELETE /network_memberships/{id}` → 204: a member may leave but not remove another member
    (`403`); an owner removes anyone; a non-member gets `404`; the last owner cannot go (`409
    conflict`, still the owner) until there is another owner."""
    owner, member, other_member, outsider = wm.account(), wm.account(), wm.account(), wm.account()
    n = owner.network_id
    owner.add_member(member)
    owner.add_member(other_member)

    expect_error(member.delete(f"/network_memberships/{n}-{other_member.id}"), 403)
    expect_empty(member.delete(f"/network_memberships/{n}-{member.id}"))
    expect_error(member.get(f"/networks/{n}"), 404)
    expect_empty(owner.delete(f"/network_memberships/{n}-{other_member.id}"))
    expect_error(other_member.get(f"/networks/{n}"), 404)
    expect_error(owner.delete(f"/network_memberships/{n}-{other_member.id}"), 404)
    expect_error(outsider.delete(f"/network_memberships/{n}-{owner.id}"), 404)

    expect_error(owner.delete(f"/network_memberships/{n}-{owner.id}"), 409)
    assert roles(owner.memberships()) == {owner.id: "owner"}
    assert owner.network()["user_count"] == 1

    owner.add_member(outsider, role="owner")
    expect_empty(owner.delete(f"/network_memberships/{n}-{owner.id}"))
    expect_error(owner.get(f"/networks/{n}"), 404)
    assert roles(outsider.memberships(n)) == {outsider.id: "owner"}
    expect_error(outsider.delete(f"/network_memberships/{n}-999999999"), 404)
    expect_error(outsider.delete("/network_memberships/not-a-membership"), (400, 404))


# --------------------------------------------------------------------------------------------
# Invites


def test_invites_mail_every_address_and_report_the_ones_that_failed(wm: WiFiMotion, mailbox, server: NimbusServer):
    """`POST /member_invites {network_id, emails: [...]}` → `{failed_emails}` with the address that
    is none; a user and a new address each get an invitation mail and become members. The new
    address is a placeholder user, who signs up with it (taking that user over) and finds the
    network among theirs."""
    owner, invitee = wm.account(), wm.account()
    n = owner.network_id
    confirmation_token(mailbox, server, invitee.email)  # the sign-up's mail, so the next is the invitation
    newcomer = unique_email()
    result = expect_json(owner.post("/member_invites", json={"network_id": n, "emails": [invitee.email, newcomer,
                                                                                          "not-an-email"]}), 200)
    assert result == {"failed_emails": ["not-an-email"]}, result
    mailbox.pop(invitee.email)
    mailbox.pop(newcomer)

    members = {m["user"]["email"]: m for m in owner.memberships(expand=["user"])}
    assert set(members) == {owner.email, invitee.email, newcomer}, members
    assert members[invitee.email]["role"] == "member" and members[newcomer]["role"] == "member", members
    assert n in [x["id"] for x in invitee.networks()]
    assert owner.network()["user_count"] == 3

    user = wm.sign_up(newcomer, first_name="Newt", last_name="Comer")
    assert user["id"] == members[newcomer]["user"]["id"], f"sign-up takes the placeholder over: {user}"
    session = wm.session(newcomer, multi=True)
    networks = expect_json(wm.get("/networks", session["token"]), 200)["data"]
    assert n in [x["id"] for x in networks], networks


def test_invites_take_one_address_as_text_in_json_and_in_a_form(wm: WiFiMotion, mailbox):
    """`emails` may be one address as text, in JSON and in a form: `{failed_emails: []}`, a mail,
    and a new member."""
    owner = wm.account()
    n = owner.network_id
    by_json, by_form = unique_email(), unique_email()
    assert expect_json(owner.post("/member_invites", json={"network_id": n, "emails": by_json}), 200) \
        == {"failed_emails": []}
    assert expect_json(owner.post("/member_invites", form={"network_id": n, "emails": by_form}), 200) \
        == {"failed_emails": []}
    mailbox.pop(by_json)
    mailbox.pop(by_form)
    members = {m["user"]["email"]: m["role"] for m in owner.memberships(expand=["user"])}
    assert members == {owner.email: "owner", by_json: "member", by_form: "member"}, members


def test_invites_are_for_owners_and_validated(wm: WiFiMotion, mailbox):
    """A member inviting is `403`, a non-member `404`, an unknown network `404`; a missing
    `network_id` or `emails` is `400` naming it, a body that is not JSON `400`. Nobody is invited or
    mailed."""
    owner, member, outsider = wm.account(), wm.account(), wm.account()
    owner.add_member(member)
    n = owner.network_id
    target = unique_email()
    expect_error(member.post("/member_invites", json={"network_id": n, "emails": [target]}), 403)
    expect_error(outsider.post("/member_invites", json={"network_id": n, "emails": [target]}), 404)
    expect_error(owner.post("/member_invites", json={"network_id": 999999999, "emails": [target]}), 404)
    expect_error(owner.post("/member_invites", json={"emails": [target]}), 400, "network_id")
    expect_error(owner.post("/member_invites", form={"network_id": n}), 400, "emails")
    expect_error(owner.post("/member_invites", data=NOT_JSON, content_type="application/json"), 400)
    no_mail_to(mailbox, target)
    assert roles(owner.memberships()) == {owner.id: "owner", member.id: "member"}


# --------------------------------------------------------------------------------------------
# Owner, member, non-member


def test_a_member_reads_only_owners_change_and_others_see_nothing(wm: WiFiMotion):
    """A member reads the network, its scene config and memberships, but changing the network or
    the scene config, adding members or inviting is `403 forbidden`. Another network's owner (a
    non-member) gets `404 not_found` for every call on the network, reading or writing, and does not
    see it listed. Afterwards the network, its scene config and its members are as before."""
    owner, member, other_owner = wm.account(), wm.account(), wm.account()
    owner.add_member(member)
    n = owner.network_id
    network, config = owner.network(), owner.scene_config()
    memberships = sorted_by_id(owner.memberships())

    assert member.network(n) == network
    assert member.scene_config(n) == config
    assert sorted_by_id(member.memberships(n)) == memberships
    for forbidden in (member.put(f"/networks/{n}", json={"name": "Mine now"}),
                      member.put(f"/networks/{n}", form={"scene_id": str(SCENE_AWAY)}),
                      member.put(f"/network_scene_configs/{n}", json={"guardian_enabled": True}),
                      member.post("/network_memberships", json={"network_id": n, "user_id": other_owner.id,
                                                                "role": "member"}),
                      member.post("/network_memberships", json={"network_id": n, "user_id": member.id,
                                                                "role": "owner"}),
                      member.post("/member_invites", json={"network_id": n, "emails": [unique_email()]})):
        expect_error(forbidden, 403)

    for hidden in (other_owner.get(f"/networks/{n}"),
                   other_owner.put(f"/networks/{n}", json={"name": "Taken"}),
                   other_owner.get(f"/network_scene_configs/{n}"),
                   other_owner.put(f"/network_scene_configs/{n}", json={"guardian_enabled": True}),
                   other_owner.get("/network_memberships", params={"network_id": n}),
                   other_owner.post("/network_memberships", json={"network_id": n, "user_id": other_owner.id,
                                                                  "role": "owner"}),
                   other_owner.post("/member_invites", json={"network_id": n, "emails": [unique_email()]}),
                   other_owner.delete(f"/network_memberships/{n}-{member.id}"),
                   other_owner.get(f"/users/{owner.id}")):
        expect_error(hidden, 404)
    assert n not in [x["id"] for x in other_owner.networks()]

    assert owner.network() == network
    assert owner.scene_config() == config
    assert sorted_by_id(owner.memberships()) == memberships


# --------------------------------------------------------------------------------------------
# Bad input everywhere


def test_sign_in_refuses_bad_input_and_a_failed_sign_in_ends_nothing(wm: WiFiMotion):
    """A wrong password and an unknown email are `401 unauthorized`; a missing email or password is
    `400` naming it; a body that is not JSON, or not an object, is `400`. The user's session still
    works: a failed `multi=false` sign-in ends nothing."""
    owner = wm.account()
    expect_error(wm.sign_in(owner.email, "wrong-password-123"), 401)
    expect_error(wm.sign_in(owner.email, "wrong-password-123", multi=False, as_form=False), 401)
    expect_error(wm.sign_in(unique_email(), PASSWORD), 401)
    expect_error(wm.post("/sessions", json={"password": PASSWORD}), 400, "email")
    expect_error(wm.post("/sessions", form={"email": owner.email}), 400, "password")
    expect_error(wm.post("/sessions", data=NOT_JSON, content_type="application/json"), 400)
    expect_error(wm.post("/sessions", json=[owner.email, PASSWORD]), 400)
    expect_json(owner.get("/networks"), 200)


def test_sign_up_refuses_bad_input_and_makes_nothing(wm: WiFiMotion, mailbox):
    """A missing or malformed email, a missing password, one of 7 or of 129 characters, a body that
    is not JSON or not an object: `400` naming the field, no mail, no user (the email signs up
    afterwards). 8 and 72 characters are fine (72 bytes is the core's limit, where docs/wifimotion.md
    says 128); an email in use (even unconfirmed) is `409`."""
    email = unique_email()

    def sign_up(**fields: Any) -> requests.Response:
        body = {"email": email, "password": PASSWORD, "first_name": "Ada", "last_name": "Lovelace", **fields}
        return wm.post("/users", json={k: v for k, v in body.items() if v is not None})

    expect_error(sign_up(email=None), 400, "email")
    expect_error(sign_up(email="not-an-email"), 400, "email")
    expect_error(sign_up(password=None), 400, "password")
    expect_error(sign_up(password="seven77"), 400, "password")
    expect_error(sign_up(password="x" * 129), 400, "password")
    expect_error(wm.post("/users", data=NOT_JSON, content_type="application/json"), 400)
    expect_error(wm.post("/users", json=["not", "an", "object"]), 400)
    no_mail_to(mailbox, email)
    expect_error(wm.sign_in(email), 401)

    wm.sign_up(email, password="8chars!!")
    wm.sign_up(password="y" * 72)
    expect_error(sign_up(), 409)
    expect_error(wm.post("/users", form={"email": email, "password": "another-passphrase", "first_name": "B",
                                         "last_name": "C"}), 409)
    wm.session(email, "8chars!!")


# Every call that takes a body, with bodies that are not a JSON object.
BODY_CALLS = [
    ("POST", "/sessions"), ("PATCH", "/sessions"), ("POST", "/users"), ("PUT", "/users/{user}"),
    ("POST", "/confirmation_mails"), ("POST", "/confirmations"), ("POST", "/password_resets"),
    ("PUT", "/password_resets"), ("PUT", "/networks/{network}"), ("PUT", "/network_scene_configs/{network}"),
    ("POST", "/network_memberships"), ("POST", "/member_invites"),
]
MALFORMED_BODIES = [b"{", b"[1, 2]", b'"text"', b"null", b"\xff\xfe{}", b'{"email": }']


def test_no_call_answers_a_malformed_body_with_anything_but_400(wm: WiFiMotion):
    """Each call that takes a body, sent JSON that is malformed or not an object (cut short, an
    array, a string, `null`, bytes that are no UTF-8): `400 invalid_request` with `{error,
    message}`, never a 5xx. The owner's network and session are untouched."""
    owner = wm.account()
    before = owner.network()
    failures = []
    for method, template in BODY_CALLS:
        path = template.format(user=owner.id, network=owner.network_id)
        for payload in MALFORMED_BODIES:
            resp = wm.request(method, path, owner.token, data=payload, content_type="application/json")
            try:
                expect_error(resp, 400)
            except AssertionError as e:
                failures.append(str(e))
    assert not failures, "\n".join(failures)
    assert owner.network() == before
    expect_json(owner.get("/networks"), 200)


# --------------------------------------------------------------------------------------------
# Limits (429)


def test_failed_sign_ins_of_an_account_are_limited(wm: WiFiMotion):
    """Wrong passwords for one account are `401` until the core's limit, then `429
    too_many_requests`, even with the right password; the sessions the user has go on."""
    owner = wm.account()
    for attempt in range(15):
        resp = wm.sign_in(owner.email, "not-the-password", multi=True)
        if resp.status_code == 429:
            expect_error(resp, 429)
            break
        expect_error(resp, 401)
    else:
        pytest.fail("15 wrong passwords in a row were never refused with 429")
    assert attempt >= 3, "a few wrong passwords are allowed before the limit"
    expect_error(wm.sign_in(owner.email, PASSWORD, multi=True), 429)
    expect_json(owner.get("/networks"), 200)


def test_mails_to_one_address_are_limited(wm: WiFiMotion, mailbox):
    """Mails to one address (the sign-up's confirmation, then reset requests) are sent up to the
    core's hourly limit; past it the request is `429 too_many_requests` and no more mail goes out."""
    owner = wm.account()
    for attempt in range(15):
        resp = wm.post("/password_resets", json={"email": owner.email})
        if resp.status_code == 429:
            expect_error(resp, 429)
            break
        expect_empty(resp)
    else:
        pytest.fail("15 reset requests for one address were never refused with 429")
    assert attempt >= 3, "a few mails are allowed before the limit"
    expect_error(wm.post("/confirmation_mails", json={"email": owner.email}), 429)
    time.sleep(1.5)
    assert mailbox.count(owner.email) <= attempt + 1, "no mail past the limit"
