"""The authorization matrix of docs/mode.md ("Who may call what").

For every endpoint, every caller that the table does not allow gets a 4xx with a JSON reason, and
nothing changes: a snapshot of the project, read by its owner and an admin key, is the same before
and after. The callers:

    anon          no credential                          -> 401 AUTHORIZATION_REQUIRED
    outsider      a user of another project              -> 404 on that project's objects, where
    other_key     a full project key of another project     the endpoint takes its kind of credential
    stranger      a user of the project, member of another home
    member        a member (not owner) of the home
    owner         the owner of the home
    device        the device in the home (its own key)
    other_device  a device in the stranger's home
    loose_device  a device of the project in no home (claim window open)
    weak_key      a project key with every permission but the one the endpoint needs
                  (every permission, when the table allows no project key at all)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness import NimbusServer, WebSocketRejected, WsClient
from world import ALL_PERMISSIONS, Device, Project, User

USERS = "owner member stranger outsider"
OTHER_PROJECT = {"outsider": "user", "other_key": "key"}  # caller -> kind of credential
VOLATILE_DEVICE_FIELDS = {"isConnected", "lastConnectTime", "lastDisconnectTime"}


@dataclass(frozen=True)
class Case:
    method: str  # an HTTP method, or "WS" for a WebSocket handshake
    path: str  # with {placeholders} from World.ids()
    allowed: str  # caller names, and key:any | key:<permission> when a project key may call
    body: Any = None
    params: dict[str, Any] | None = None
    anon_statuses: tuple[int, ...] = (401,)
    quiet: bool = False  # no event may reach the owner's WebSocket
    note: str = ""  # tells apart two cases of one endpoint

    @property
    def allowed_callers(self) -> set[str]:
        names = set(self.allowed.split())
        if "key:any" in names:
            names.add("weak_key")
        return names

    @property
    def kinds(self) -> set[str]:
        """The kinds of credential the endpoint takes at all: user, device, key."""
        names = self.allowed.split()
        kinds = {"user" for n in names if n in USERS.split()}
        kinds |= {"device" for n in names if n in ("device", "loose_device")}
        kinds |= {"key" for n in names if n.startswith("key:")}
        return kinds

    @property
    def key_permission(self) -> str | None:
        """The permission the weak key lacks (None: the weak key has them all)."""
        for word in self.allowed.split():
            if word.startswith("key:") and word != "key:any":
                return word[4:]
        return None

    def __str__(self) -> str:
        query = "?" + "&".join(f"{k}=" for k in self.params) if self.params else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.method} {self.path}{query}{note}"


CASES = [
    Case("GET", "/users", "key:admin", params={"projectId": "{project}"}),
    Case("GET", "/users/{owner}", "owner key:admin"),
    Case("PATCH", "/users/{owner}", "owner key:admin", body={"name": "Mallory"}),
    Case("GET", "/homes", "owner key:any", params={"userId": "{owner}"}),
    # A user's own homes are no secret to them: test_homes checks what a user sees with ?projectId=.
    Case("GET", "/homes", f"{USERS} key:any", params={"projectId": "{project}"}),
    Case("POST", "/homes", USERS, body={"name": "Intruder"}),
    Case("GET", "/homes/{home}", "owner member key:any"),
    Case("PATCH", "/homes/{home}", "owner key:admin", body={"name": "Taken"}),
    Case("PATCH", "/homes/{home}", "key:admin", body={"deactivated": True}, note="deactivated"),
    Case("GET", "/homes/{home}/members", "owner member key:any"),
    Case("GET", "/homes/{home}/members/{owner}", "owner member key:any"),
    Case("POST", "/homes/{home}/members", "owner key:admin", body={"email": "{stranger_email}", "role": "owner"}),
    Case("PATCH", "/homes/{home}/members/{member}", "owner key:admin", body={"role": "owner"}),
    Case("GET", "/homes/{home}/smartModules", "owner member key:any"),
    Case("GET", "/homes/{home}/smartModules/{module}", "owner member key:any"),
    Case("PUT", "/homes/{home}/event", "key:events", body={"eventType": "intrusion", "eventData": {}}, quiet=True),
    # A claim project: nobody may provision on demand, not even the owner.
    Case("POST", "/homes/{home}/deviceProvisioning", "", body={"deviceClass": "sensor"}),
    Case("GET", "/homes/{home}/kv", "owner member key:any"),
    Case("GET", "/homes/{home}/kv/k1", "owner member key:any"),
    Case("PUT", "/homes/{home}/kv/k1", "owner member key:kv", body={"value": "tampered"}),
    Case("PUT", "/homes/{home}/kv/planted", "owner member key:kv", body={"value": "planted"}),
    Case("GET", "/devices", "owner member key:any", params={"homeId": "{home}"}),
    Case("GET", "/devices", "key:any other_key"),  # each key lists its own project's devices
    Case("POST", "/devices", "owner member", body={"homeId": "{home}", "claimCode": "{loose_code}"},
         anon_statuses=(401, 403)),
    Case("GET", "/devices/{device}", "device owner member key:any"),
    Case("PATCH", "/devices/{device}", "owner member key:admin", body={"name": "Hijacked", "tag": "evil"}),
    Case("PATCH", "/devices/{device}", "key:admin", body={"homeId": "{other_home}"}, note="homeId"),
    Case("GET", "/devices/{device}/kv", "device owner member key:any"),
    Case("GET", "/devices/{device}/kv/dk1", "device owner member key:any"),
    Case("PUT", "/devices/{device}/kv/dk1", "device owner member key:kv", body={"value": "tampered"}),
    Case("PUT", "/devices/{device}/command", "owner member key:events", body={"action": "unlock"}),
    Case("WS", "/devices/{device}/command", "device"),
    Case("PUT", "/devices/{device}/event", "device", body={"eventType": "spoofed", "eventData": {}}, quiet=True),
    Case("POST", "/deviceRegistration", "loose_device", body={"deviceId": "{loose}", "claimable": True,
                                                              "duration": 86400}),
    Case("GET", "/userSession", USERS),
    Case("WS", "/userSession/websocket", USERS),
    Case("DELETE", "/userSession", USERS),
    # Destructive ones last, so that a wrongly allowed one spoils as little as possible.
    Case("DELETE", "/homes/{home}/kv/k1", "owner member key:kv"),
    Case("DELETE", "/devices/{device}/kv/dk1", "device owner member key:kv"),
    Case("DELETE", "/homes/{home}/members/{member}", "owner member key:admin"),
    Case("DELETE", "/devices/{device}", "owner member key:admin"),
    Case("DELETE", "/homes/{home}", "owner key:admin"),
    Case("DELETE", "/users/{owner}", "owner key:admin"),
]


@dataclass
class World:
    server: NimbusServer
    project: Project
    other: Project
    owner: User
    member: User
    stranger: User
    outsider: User
    home: int
    other_home: int
    device: Device
    other_device: Device
    loose: Device
    owner_ws: WsClient
    module: str = "hooks"
    ids: dict[str, Any] = field(default_factory=dict)

    def callers(self, case: Case) -> dict[str, Any]:
        return {
            "anon": self.server.client(),
            "outsider": self.outsider.client,
            "other_key": self.other.key(*ALL_PERMISSIONS).client,
            "stranger": self.stranger.client,
            "member": self.member.client,
            "owner": self.owner.client,
            "device": self.device.client,
            "other_device": self.other_device.client,
            "loose_device": self.loose.client,
            "weak_key": self.project.key_without(case.key_permission).client,
        }


def build_world(server: NimbusServer) -> World:
    project, other = Project(server, "email"), Project(server, "email")
    owner, member, stranger = (project.new_user() for _ in range(3))
    outsider = other.new_user()
    home, other_home = project.new_home(owner), project.new_home(stranger)
    project.add_member(owner, home, member)
    device = project.device_in_home(owner, home)
    other_device = project.device_in_home(stranger, other_home)
    loose = project.new_device()
    project.open_claim_window(loose, duration=3600)
    server.cli("smart-module", "create", "--project", project.id, "--id", "hooks", "--type", "webhooks",
               "--url", "http://127.0.0.1:9/never", "--key", "k", "--events", "never-sent")
    for client, path in ((owner.client, f"/homes/{home}/kv/k1"), (owner.client, f"/devices/{device.id}/kv/dk1")):
        resp = client.put(path, json={"value": "original"})
        assert resp.status_code == 204, resp.text
    owner_ws = server.ws("/userSession/websocket", owner.token)
    world = World(server, project, other, owner, member, stranger, outsider, home, other_home, device,
                  other_device, loose, owner_ws)
    world.ids = {"project": project.id, "owner": owner.id, "member": member.id, "home": home,
                 "other_home": other_home, "device": device.id, "loose": loose.id, "loose_code": loose.claim_code,
                 "stranger_email": stranger.email, "module": "hooks"}
    return world


def fill(value: Any, ids: dict[str, Any]) -> Any:
    """Replaces {placeholders}; a string that is exactly one placeholder takes the id's type."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def snapshot(w: World) -> dict[str, Any]:
    """What the owner and an admin key see of the project; never fails, records errors instead."""
    admin = w.project.key(*ALL_PERMISSIONS).client

    def read(client, path: str, **params: Any) -> Any:
        resp = client.get(path, params=params or None)
        if resp.status_code != 200:
            return f"<{resp.status_code} {resp.text[:120]}>"
        body = resp.json()
        if isinstance(body, list):
            body = sorted(body, key=lambda item: json.dumps(item, sort_keys=True))
        return body

    def without_volatile(devices: Any) -> Any:
        if not isinstance(devices, list):
            return devices
        return [{k: v for k, v in d.items() if k not in VOLATILE_DEVICE_FIELDS} for d in devices]

    return {
        "users": read(admin, "/users", projectId=w.project.id),
        "homes": read(admin, "/homes", projectId=w.project.id),
        "home": read(w.owner.client, f"/homes/{w.home}"),
        "members": read(w.owner.client, f"/homes/{w.home}/members"),
        "home kv": read(w.owner.client, f"/homes/{w.home}/kv"),
        "devices": without_volatile(read(admin, "/devices")),
        "device kv": read(w.owner.client, f"/devices/{w.device.id}/kv"),
        "sessions": {u.id: u.client.get("/userSession").status_code for u in (w.owner, w.member, w.stranger)},
        "device keys": {d.id: d.client.get(f"/devices/{d.id}").status_code
                        for d in (w.device, w.other_device, w.loose)},
    }


def call(case: Case, client, ids: dict[str, Any], server: NimbusServer) -> tuple[int, bytes]:
    """Makes the call; returns (status, body). A WebSocket that opens counts as status 101."""
    path = fill(case.path, ids)
    if case.method == "WS":
        try:
            ws = WsClient.connect(server.ws_url + path, client.token, via="header")
        except WebSocketRejected as rejected:
            return rejected.status, rejected.body
        ws.close()
        return 101, b""
    kwargs: dict[str, Any] = {"params": fill(case.params, ids) if case.params else None}
    if case.body is not None:
        kwargs["json"] = fill(case.body, ids)
    resp = client.request(case.method, path, **kwargs)
    return resp.status_code, resp.content


def judge(case: Case, caller: str, status: int, body: bytes) -> str | None:
    """What is wrong with a denied caller's answer, or None."""
    if caller == "anon":
        expected = set(case.anon_statuses)
    elif OTHER_PROJECT.get(caller) in case.kinds and "{" in case.path:
        expected = {404}  # a credential of the right kind, but another project's object
    else:
        expected = {401, 403, 404}
    if status not in expected:
        return f"got {status} (expected {sorted(expected)}): {body[:200]!r}"
    try:
        reason = json.loads(body).get("reason")
    except (ValueError, AttributeError):
        reason = None
    if not isinstance(reason, str) or not reason:
        return f"{status} without a JSON reason: {body[:200]!r}"
    if caller == "anon" and status == 401 and reason != "AUTHORIZATION_REQUIRED":
        return f"401 with reason {reason}, expected AUTHORIZATION_REQUIRED"
    return None


class WorldHolder:
    """Keeps one world for the module, and builds a new one after a case changed the old one."""

    def __init__(self, server: NimbusServer) -> None:
        self.server = server
        self.world: World | None = None

    def get(self) -> World:
        if self.world is None:
            self.world = build_world(self.server)
        return self.world

    def spoil(self) -> None:
        if self.world is not None:
            self.world.owner_ws.close()
        self.world = None


@pytest.fixture(scope="module")
def worlds(server: NimbusServer):
    holder = WorldHolder(server)
    yield holder
    holder.spoil()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_denied_callers_get_4xx_and_change_nothing(worlds: WorldHolder, case: Case):
    w = worlds.get()
    before = snapshot(w)
    failures = []
    for caller, client in w.callers(case).items():
        if caller in case.allowed_callers:
            continue
        status, body = call(case, client, w.ids, w.server)
        problem = judge(case, caller, status, body)
        if problem:
            failures.append(f"{caller}: {problem}")
    if case.quiet:
        try:
            w.owner_ws.expect_quiet(0.3)
        except AssertionError as e:
            failures.append(f"an event reached the owner: {e}")
    after = snapshot(w)
    changed = [f"{part}: {before[part]!r}\n    -> {after[part]!r}" for part in before if before[part] != after[part]]
    if changed:
        worlds.spoil()
        failures.append("data changed:\n  " + "\n  ".join(changed))
    assert not failures, f"{case}:\n" + "\n".join(failures)
