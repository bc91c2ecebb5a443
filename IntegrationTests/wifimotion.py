"""Helpers of the WiFi Motion App Cloud API tests (docs/wifimotion.md): raw requests under
`/wifimotion/api/v1` with the token as the official sample client sends it (`Authorization: <token>`)
or as `Bearer <token>`, sign-up and sign-in, accounts with their own network, the links of the
confirmation and reset mails, and checks of the objects and of the `{error, message}` answers.

The dialect makes its project (`wifimotion-project`, default `wifimotion`) when the server starts, so
nothing here uses the admin CLI: a test signs its users up through `POST /users`, with fresh
addresses, and never sees another test's users or networks.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Iterable

import requests

from harness import HTTP_TIMEOUT, RFC3339_MS, Mailbox, NimbusServer, describe
from world import PASSWORD, unique_email

BASE = "/wifimotion/api/v1"
CONFIRM_PATH = BASE + "/confirmations"
RESET_PATH = BASE + "/password_resets"

# docs/wifimotion.md, "Conventions": each status's error code.
ERROR_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               409: "conflict", 429: "too_many_requests"}

SCENE_AWAY, SCENE_HOME = 1, 4
PET_SIZES = ("none", "small", "medium", "large")

USER_FIELDS = {"id", "username", "email", "first_name", "last_name", "created_at", "updated_at", "confirmed_at"}
SESSION_USER_FIELDS = USER_FIELDS | {"sub", "valid_from"}
NETWORK_FIELDS = {"id", "name", "created_at", "updated_at", "external_id", "user_count", "latitude", "longitude",
                  "address", "timezone", "pet_size", "building_type", "building_size", "live_enabled",
                  "subscription_id", "scene_id", "network_scene_config", "owner_email", "present_count", "claimed"}
# The SceneConfig fields a client may change (all but id, network_id and the times).
SCENE_BOOLEANS = ("excessive_motion_enabled", "guardian_enabled", "auto_switching_enabled")
SCENE_HOURS = tuple(f"guardian_{part}_{edge}_time_hours" for part in ("weekday", "weekend") for edge in ("start", "end"))
SCENE_MINUTES = tuple(f"guardian_{part}_{edge}_time_minutes" for part in ("weekday", "weekend")
                      for edge in ("start", "end"))
SCENE_SETTINGS = ("excessive_motion_seconds", *SCENE_BOOLEANS, *SCENE_HOURS, *SCENE_MINUTES)
SCENE_CONFIG_FIELDS = {"id", "network_id", "created_at", "updated_at", *SCENE_SETTINGS}
MEMBERSHIP_FIELDS = {"id", "role", "user", "network", "created_at", "updated_at", "is_present"}

_NOTHING = object()


# --------------------------------------------------------------------------------------------
# Requests


class WiFiMotion:
    """Raw requests to `{server}/wifimotion/api/v1`."""

    def __init__(self, server: NimbusServer) -> None:
        self.server = server
        self.base = server.base_url + BASE
        self.http = requests.Session()

    def url(self, path: str) -> str:
        return self.base + path

    def request(self, method: str, path: str, token: str | None = None, *, bearer: bool = False,
                json: Any = _NOTHING, form: dict[str, Any] | None = None, data: bytes | str | None = None,
                content_type: str | None = None, params: Any = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        """`token` goes in `Authorization` raw (the sample client's way), or as `Bearer <token>`.
        `form` is sent the way `requests` encodes `data=` dicts (what the sample client does:
        `str()` of each value, `None` values left out)."""
        hdrs: dict[str, str] = {}
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}" if bearer else token
        if content_type:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        kwargs: dict[str, Any] = {"params": params, "headers": hdrs, "timeout": HTTP_TIMEOUT,
                                  "allow_redirects": False}
        if json is not _NOTHING:
            kwargs["json"] = json
        elif form is not None:
            kwargs["data"] = form
        elif data is not None:
            kwargs["data"] = data
        return self.http.request(method, self.url(path), **kwargs)

    def get(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("GET", path, token, **kw)

    def post(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("POST", path, token, **kw)

    def put(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("PUT", path, token, **kw)

    def patch(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, token, **kw)

    def delete(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, token, **kw)

    # Accounts

    def sign_up(self, email: str | None = None, password: str = PASSWORD, first_name: str = "Ada",
                last_name: str = "Lovelace", *, as_form: bool = False) -> dict[str, Any]:
        """`POST /users` → 201; the new (unconfirmed) User."""
        body = {"email": email or unique_email(), "password": password, "first_name": first_name,
                "last_name": last_name}
        resp = self.post("/users", form=body) if as_form else self.post("/users", json=body)
        user = expect_json(resp, 201)
        assert_user(user, email=body["email"], first_name=first_name, last_name=last_name)
        return user

    def sign_in(self, email: str, password: str = PASSWORD, multi: bool | None = None,
                *, as_form: bool = True) -> requests.Response:
        """`POST /sessions[?multi=…]` as a form (the sample client's way) or as JSON."""
        params = None if multi is None else {"multi": "true" if multi else "false"}
        body = {"email": email, "password": password}
        if as_form:
            return self.post("/sessions", form=body, params=params)
        return self.post("/sessions", json=body, params=params)

    def session(self, email: str, password: str = PASSWORD, multi: bool | None = None,
                *, as_form: bool = True) -> dict[str, Any]:
        """A new Session (200), checked."""
        session = expect_json(self.sign_in(email, password, multi, as_form=as_form), 200)
        assert_session(session, email)
        return session

    def account(self, first_name: str = "Ada", last_name: str = "Lovelace", email: str | None = None,
                password: str = PASSWORD) -> "Account":
        """A signed-up user, signed in with `multi=true` (so that a later sign-in of the test does not
        end this session unless it asks to), with the network sign-up gave them."""
        user = self.sign_up(email, password, first_name, last_name)
        session = self.session(user["email"], password, multi=True)
        account = Account(self, user["email"], password, first_name, last_name, user["id"], session["token"],
                          session["refresh_token"], session["user"])
        networks = account.networks()
        assert len(networks) == 1, f"sign-up makes exactly one network: {networks}"
        account.network_id = networks[0]["id"]
        return account


@dataclass
class Account:
    wm: WiFiMotion
    email: str
    password: str
    first_name: str
    last_name: str
    id: int
    token: str
    refresh_token: str
    user: dict[str, Any]
    network_id: int = 0  # the network sign-up made for them
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.wm.get(path, self.token, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.wm.post(path, self.token, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.wm.put(path, self.token, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.wm.patch(path, self.token, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.wm.delete(path, self.token, **kw)

    def networks(self) -> list[dict[str, Any]]:
        body = expect_json(self.get("/networks"), 200)
        assert isinstance(body, dict) and set(body) == {"data"} and isinstance(body["data"], list), body
        for network in body["data"]:
            assert_network(network)
        return body["data"]

    def network(self, network_id: int | None = None) -> dict[str, Any]:
        network = expect_json(self.get(f"/networks/{network_id or self.network_id}"), 200)
        assert_network(network)
        return network

    def scene_config(self, network_id: int | None = None) -> dict[str, Any]:
        config = expect_json(self.get(f"/network_scene_configs/{network_id or self.network_id}"), 200)
        assert_scene_config(config, network_id or self.network_id)
        return config

    def memberships(self, network_id: int | None = None, expand: Iterable[str] = ()) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"network_id": network_id or self.network_id}
        if expand:
            params["expand[]"] = list(expand)
        body = expect_json(self.get("/network_memberships", params=params), 200)
        assert isinstance(body, dict) and set(body) == {"data"} and isinstance(body["data"], list), body
        for membership in body["data"]:
            assert_membership(membership)
        return body["data"]

    def add_member(self, other: "Account", role: str = "member", network_id: int | None = None) -> dict[str, Any]:
        """`POST /network_memberships` (201) of `other` to this account's network."""
        network_id = network_id or self.network_id
        membership = expect_json(self.post("/network_memberships", json={"network_id": network_id,
                                                                          "user_id": other.id, "role": role}), 201)
        assert_membership(membership, network_id, other.id, role)
        return membership


# --------------------------------------------------------------------------------------------
# Answers


def expect_json(resp: requests.Response, status: int | Iterable[int]) -> Any:
    """Asserts the status and a JSON body (`application/json`); returns it."""
    statuses = {status} if isinstance(status, int) else set(status)
    assert resp.status_code in statuses, f"expected {sorted(statuses)}: {describe(resp)}"
    assert resp.headers.get("Content-Type", "").startswith("application/json"), \
        f"expected a JSON answer: {resp.headers.get('Content-Type')!r}: {describe(resp)}"
    try:
        return resp.json()
    except ValueError:
        raise AssertionError(f"answer is not JSON: {describe(resp)}") from None


def expect_empty(resp: requests.Response, status: int = 204) -> None:
    assert resp.status_code == status, f"expected {status}: {describe(resp)}"
    assert not resp.content, f"a {status} has no body: {describe(resp)}"


def expect_error(resp: requests.Response, status: int | Iterable[int], field: str | None = None) -> dict[str, Any]:
    """Asserts an error answer: the status (one of `status`), `{"error": <the status's code>,
    "message": <text>}` as JSON, and, for a 400, that the message names `field`."""
    body = expect_json(resp, status)
    assert isinstance(body, dict), f"an error body is an object: {describe(resp)}"
    assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str) and body["message"], \
        f"an error is {{error, message}}: {describe(resp)}"
    assert body["error"] == ERROR_CODES[resp.status_code], \
        f"a {resp.status_code} is `{ERROR_CODES[resp.status_code]}`: {describe(resp)}"
    if field is not None:
        assert field in body["message"], f"the message names `{field}`: {describe(resp)}"
    return body


def assert_time(value: Any, what: str) -> None:
    assert isinstance(value, str) and RFC3339_MS.match(value), f"{what} is RFC 3339 UTC with milliseconds: {value!r}"


def assert_user(user: Any, *, email: str | None = None, first_name: str | None = None,
                last_name: str | None = None, confirmed: bool | None = None, session: bool = False) -> None:
    """A User: its fields and types; `session` (inside a session, or `GET /users/{id}`) adds `sub`
    and `valid_from`."""
    assert isinstance(user, dict), user
    missing = (SESSION_USER_FIELDS if session else USER_FIELDS) - set(user)
    assert not missing, f"User lacks {sorted(missing)}: {user}"
    assert "password" not in user, user
    assert isinstance(user["id"], int) and not isinstance(user["id"], bool), user
    assert user["username"] == user["email"], f"username is the email: {user}"
    if email is not None:
        assert user["email"] == email, user
    if first_name is not None:
        assert user["first_name"] == first_name, user
    if last_name is not None:
        assert user["last_name"] == last_name, user
    assert_time(user["created_at"], "created_at")
    assert_time(user["updated_at"], "updated_at")
    if user["confirmed_at"] is not None:
        assert_time(user["confirmed_at"], "confirmed_at")
    if confirmed is not None:
        assert (user["confirmed_at"] is not None) == confirmed, f"confirmed_at should be {'set' if confirmed else 'null'}: {user}"
    if session:
        assert user["sub"] == str(user["id"]), f"sub is the user id as text: {user}"
        assert user["valid_from"] is None or (isinstance(user["valid_from"], int)
                                              and not isinstance(user["valid_from"], bool)), user


# docs/wifimotion.md says the token lives "15 minutes, the core's access-token lifetime"; the core's default
# (setting `access-token-lifetime`, which the harness leaves alone) is 12 hours. Either is accepted until the
# two agree: the token expires, at the earliest in 15 minutes and at the latest in 12 hours.
TOKEN_LIFETIME = (840, 43_200 + 60)


def assert_session(session: Any, email: str | None = None) -> None:
    """A Session: `{token, refresh_token, user}`, the token a signed JWT that expires (see TOKEN_LIFETIME)."""
    assert isinstance(session, dict) and {"token", "refresh_token", "user"} <= set(session), session
    assert isinstance(session["token"], str) and isinstance(session["refresh_token"], str), session
    assert session["refresh_token"] and session["refresh_token"] != session["token"], session
    assert_user(session["user"], email=email, session=True)
    header, claims = jwt_parts(session["token"])
    assert isinstance(header.get("alg"), str) and header["alg"].lower() != "none", f"a signed JWT: {header}"
    assert isinstance(claims.get("exp"), (int, float)), f"the JWT has an expiry: {claims}"
    lifetime = claims["exp"] - claims["iat"] if isinstance(claims.get("iat"), (int, float)) else claims["exp"] - time.time()
    assert TOKEN_LIFETIME[0] <= lifetime <= TOKEN_LIFETIME[1], f"the token's lifetime: {claims}"


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a JWT, unverified; fails unless `token` is three base64url parts of JSON."""
    parts = token.split(".")
    assert len(parts) == 3 and all(parts), f"the token is a JWT: {token[:40]}…"

    def decode(part: str) -> dict[str, Any]:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        assert isinstance(value, dict), value
        return value

    return decode(parts[0]), decode(parts[1])


def assert_network(network: Any, network_id: int | None = None) -> None:
    """A Network: every field of docs/wifimotion.md, with the always-null and always-0/true ones."""
    assert isinstance(network, dict), network
    missing = NETWORK_FIELDS - set(network)
    assert not missing, f"Network lacks {sorted(missing)}: {network}"
    assert isinstance(network["id"], int), network
    if network_id is not None:
        assert network["id"] == network_id, network
    assert isinstance(network["name"], str), network
    assert_time(network["created_at"], "created_at")
    assert_time(network["updated_at"], "updated_at")
    assert network["external_id"] is None and network["subscription_id"] is None, network
    assert network["present_count"] == 0 and network["claimed"] is True, network
    assert isinstance(network["user_count"], int) and network["user_count"] >= 1, network
    assert network["pet_size"] in PET_SIZES, network
    assert network["scene_id"] in (SCENE_AWAY, SCENE_HOME), network
    assert isinstance(network["live_enabled"], bool), network
    # The sample client uses it as the scene config's id (`/network_scene_configs/` + str(it)); a
    # scene config's id is its network's.
    assert network["network_scene_config"] == network["id"], f"network_scene_config is the network's id: {network}"
    for name in ("latitude", "longitude"):
        assert network[name] is None or (isinstance(network[name], (int, float))
                                         and not isinstance(network[name], bool)), network


def assert_scene_config(config: Any, network_id: int) -> None:
    """A SceneConfig of `network_id`: its id is the network's, booleans are JSON booleans, hours
    0–23 and minutes 0–59."""
    assert isinstance(config, dict), config
    missing = SCENE_CONFIG_FIELDS - set(config)
    assert not missing, f"SceneConfig lacks {sorted(missing)}: {config}"
    assert config["id"] == network_id and config["network_id"] == network_id, config
    for name in SCENE_BOOLEANS:
        assert isinstance(config[name], bool), f"{name} is a JSON boolean: {config}"
    for name in SCENE_HOURS:
        assert isinstance(config[name], int) and 0 <= config[name] <= 23, f"{name}: {config}"
    for name in SCENE_MINUTES:
        assert isinstance(config[name], int) and 0 <= config[name] <= 59, f"{name}: {config}"
    assert isinstance(config["excessive_motion_seconds"], int) and not isinstance(config["excessive_motion_seconds"], bool), config
    assert_time(config["created_at"], "created_at")
    assert_time(config["updated_at"], "updated_at")


def assert_membership(membership: Any, network_id: int | None = None, user_id: int | None = None,
                      role: str | None = None) -> None:
    """A Membership: `id` is `<network>-<user>`; `user` and `network` are ids unless expanded."""
    assert isinstance(membership, dict), membership
    missing = MEMBERSHIP_FIELDS - set(membership)
    assert not missing, f"Membership lacks {sorted(missing)}: {membership}"
    assert membership["role"] in ("owner", "member"), membership
    assert membership["is_present"] is False, membership
    assert_time(membership["created_at"], "created_at")
    assert_time(membership["updated_at"], "updated_at")
    user = membership["user"]["id"] if isinstance(membership["user"], dict) else membership["user"]
    network = membership["network"]["id"] if isinstance(membership["network"], dict) else membership["network"]
    assert isinstance(user, int) and isinstance(network, int), membership
    assert membership["id"] == f"{network}-{user}", f"a membership's id is <network>-<user>: {membership}"
    if network_id is not None:
        assert network == network_id, membership
    if user_id is not None:
        assert user == user_id, membership
    if role is not None:
        assert membership["role"] == role, membership


def roles(memberships: list[dict[str, Any]]) -> dict[int, str]:
    """{user id: role} of a membership list (ids not expanded)."""
    return {m["user"]["id"] if isinstance(m["user"], dict) else m["user"]: m["role"] for m in memberships}


# --------------------------------------------------------------------------------------------
# Mail


def mail_link(mailbox: Mailbox, email: str, path: str) -> str:
    """The link to `path` of the next mail to `email` that has one (other mails, such as the
    sign-up confirmation before a reset mail, are skipped)."""
    while True:
        mail = mailbox.pop(email)
        for link in mail.links():
            if urllib.parse.urlsplit(link).path == path:
                return link


def link_token(link: str) -> str:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    assert query.get("token") and query["token"][0], f"the link carries a token: {link}"
    return query["token"][0]


def confirmation_token(mailbox: Mailbox, server: NimbusServer, email: str) -> str:
    """The token of the next confirmation mail to `email`, whose link is
    `<public URL>/wifimotion/api/v1/confirmations?token=…` (the harness's public URL is the base URL)."""
    link = mail_link(mailbox, email, CONFIRM_PATH)
    assert link.startswith(server.base_url + CONFIRM_PATH + "?"), link
    return link_token(link)


def reset_token(mailbox: Mailbox, server: NimbusServer, email: str) -> str:
    """The token of the next password reset mail to `email`
    (`<public URL>/wifimotion/api/v1/password_resets?token=…`)."""
    link = mail_link(mailbox, email, RESET_PATH)
    assert link.startswith(server.base_url + RESET_PATH + "?"), link
    return link_token(link)


def no_mail_to(mailbox: Mailbox, email: str, wait: float = 1.5) -> None:
    """Asserts that nothing is sent to `email` within `wait` seconds (mail goes out through the
    outbox, so an absence can only be shown by waiting)."""
    time.sleep(wait)
    assert mailbox.count(email) == 0, f"no mail should go to {email}"
