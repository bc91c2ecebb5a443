"""Scenario builders: projects (via the admin CLI), users, homes and devices (via the MODE API).

Each test makes its own project, so tests never see each other's users, homes or devices.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from harness import HttpSink, Mailbox, ModeClient, NimbusServer, SmsGateway, WsClient, expect, wait_until

PASSWORD = "correct-horse-battery"
ALL_PERMISSIONS = ("byou", "events", "kv", "admin")
DEVICE_CLASS = "sensor"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def unique_email() -> str:
    return f"{unique('user')}@example.test"


def unique_phone() -> str:
    return f"+1555{random.SystemRandom().randrange(10**7):07d}"


@dataclass
class User:
    id: int
    token: str
    client: ModeClient
    name: str
    email: str | None = None
    phone: str | None = None
    password: str | None = None


@dataclass
class Device:
    id: int
    api_key: str
    client: ModeClient
    claim_code: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProjectKey:
    id: int
    key: str
    name: str
    permissions: tuple[str, ...]
    client: ModeClient


class Project:
    """A project made with the admin CLI, with one app and one device class."""

    def __init__(self, server: NimbusServer, accounts: str = "email", provisioning: str = "claim",
                 mailbox: Mailbox | None = None, sms: SmsGateway | None = None) -> None:
        self.server = server
        self.accounts = accounts
        self.provisioning = provisioning
        self.mailbox = mailbox or server.mailbox
        self.sms = sms or server.sms
        self.info = server.cli("project", "create", "--name", unique("project"), "--accounts", accounts,
                               "--provisioning", provisioning)
        self.id: int = self.info["id"]
        self.app_id = unique("app")
        server.cli("app", "create", "--project", self.id, "--id", self.app_id, "--name", "Test app")
        server.cli("device-class", "create", "--project", self.id, "--id", DEVICE_CLASS, "--name", "Sensor")
        self.device_class = DEVICE_CLASS
        self._keys: dict[tuple[str, ...], ProjectKey] = {}
        self.anon = server.client()

    # Project keys

    def key(self, *permissions: str) -> ProjectKey:
        """A project key with exactly these permissions (made once, then reused)."""
        perms = tuple(sorted(permissions))
        if perms not in self._keys:
            args = ["key", "create", "--project", self.id, "--name", unique("key")]
            if perms:
                args += ["--permissions", ",".join(perms)]
            info = self.server.cli(*args)
            self._keys[perms] = ProjectKey(info["id"], info["key"], info["name"], perms,
                                           self.server.client(info["key"]))
        return self._keys[perms]

    def key_without(self, permission: str | None) -> ProjectKey:
        """A key with every permission but `permission` (every permission when None)."""
        return self.key(*(p for p in ALL_PERMISSIONS if p != permission))

    # Users

    def new_user(self, name: str | None = None) -> User:
        """Signs up and signs in a user the way this project's account mode does it."""
        name = name or unique("name")
        if self.accounts == "email":
            email = unique_email()
            self.sign_up_email(email, name=name)
            return self.sign_in_email(email)
        if self.accounts == "phone":
            phone = unique_phone()
            expect(self.anon.post("/users", json={"projectId": self.id, "phoneNumber": phone, "name": name}), 201)
            code = self.sms.code_for(phone)
            return self.sign_in_phone(phone, code)
        if self.accounts == "byou":
            key = self.key("byou").client
            user = expect(key.post("/users", json={"projectId": self.id, "externalKey": unique("ext"),
                                                   "name": name}), 201)
            auth = expect(key.post("/auth/user", json={"projectId": self.id, "userId": user["id"],
                                                       "appId": self.app_id}), 200)
            return self._user(auth, name)
        raise ValueError(self.accounts)

    def sign_up_email(self, email: str, password: str = PASSWORD, name: str = "Someone") -> dict[str, Any]:
        body = {"projectId": self.id, "email": email, "password": password, "name": name}
        return expect(self.anon.post("/users", json=body), 201)

    def sign_in_email(self, email: str, password: str = PASSWORD) -> User:
        auth = expect(self.anon.post("/auth/user", json={"appId": self.app_id, "email": email,
                                                         "password": password}), 200)
        return self._user(auth, None, email=email, password=password)

    def sign_in_phone(self, phone: str, code: str) -> User:
        auth = expect(self.anon.post("/auth/user", form={"appId": self.app_id, "phoneNumber": phone,
                                                         "code": code}), 200)
        return self._user(auth, None, phone=phone)

    def _user(self, auth: dict[str, Any], name: str | None, **extra: Any) -> User:
        assert isinstance(auth.get("token"), str) and isinstance(auth.get("userId"), int), auth
        return User(auth["userId"], auth["token"], self.server.client(auth["token"]), name or "", **extra)

    # Homes

    def new_home(self, owner: User, name: str | None = None) -> int:
        home = expect(owner.client.post("/homes", json={"name": name or unique("home")}), 201)
        return home["id"]

    def add_member(self, owner: User, home_id: int, member: User, role: str = "member") -> dict[str, Any]:
        body: dict[str, Any] = {"role": role}
        if self.accounts == "email":
            body["email"] = member.email
        elif self.accounts == "phone":
            body["phoneNumber"] = member.phone
        else:
            body["userId"] = member.id
        return expect(owner.client.post(f"/homes/{home_id}/members", json=body), 201)

    # Devices

    def new_device(self, tag: str | None = None, name: str | None = None) -> Device:
        """A pre-provisioned device made with the CLI (in no home yet)."""
        args = ["device", "create", "--project", self.id, "--class", self.device_class]
        if tag:
            args += ["--tag", tag]
        if name:
            args += ["--name", name]
        info = self.server.cli(*args)
        return Device(info["id"], info["apiKey"], self.server.client(info["apiKey"]), info.get("claimCode"), info)

    def open_claim_window(self, device: Device, duration: int = 60) -> dict[str, Any]:
        return expect(device.client.post("/deviceRegistration", json={"deviceId": device.id, "claimable": True,
                                                                      "duration": duration}), 200)

    def claim(self, user: User, home_id: int, device: Device) -> dict[str, Any]:
        self.open_claim_window(device)
        return expect(user.client.post("/devices", json={"homeId": home_id, "claimCode": device.claim_code}), 201)

    def provision(self, user: User, home_id: int, tag: str | None = None) -> Device:
        """On-demand provisioning: token from the member, then the device exchanges it."""
        body = {"deviceClass": self.device_class}
        if tag:
            body["deviceTag"] = tag
        grant = expect(user.client.post(f"/homes/{home_id}/deviceProvisioning", json=body), 200)
        info = expect(self.anon.post("/devices", json={"token": grant["token"]}), 201)
        return Device(info["id"], info["apiKey"], self.server.client(info["apiKey"]), None, info)

    def device_in_home(self, user: User, home_id: int) -> Device:
        """A device in `home_id`, by claiming or by on-demand provisioning as the project does it."""
        if self.provisioning == "on-demand":
            return self.provision(user, home_id)
        device = self.new_device()
        device.info = self.claim(user, home_id, device)
        return device

    def connect_device(self, device: Device, via: str = "header") -> WsClient:
        """Opens the device's command WebSocket and waits until the server reports it connected."""
        ws = self.server.ws(f"/devices/{device.id}/command", device.api_key, via=via)
        wait_until(lambda: expect(device.client.get(f"/devices/{device.id}"), 200).get("isConnected") is True,
                   timeout=5, what=f"device {device.id} isConnected")
        return ws


def open_user_ws(server: NimbusServer, user: User, via: str = "query", settle: float = 0.2) -> WsClient:
    """The user's event WebSocket. A ping round trip and `settle` seconds give the server time to
    register the listener after the handshake, before the test sends events."""
    ws = server.ws("/userSession/websocket", user.token, via=via)
    if settle:
        ws.ping(b"ready?")
        time.sleep(settle)
    return ws


def storm_devices(server: NimbusServer, sink: HttpSink, count: int = 4) -> tuple[Project, list[Device]]:
    """A project whose webhooks smart module sends every `storm` event to `sink` at `/storm`, and `count` devices of
    one home. The durability tests read stored events back this way: Nimbus has no API that lists them, and a
    delivery is written to the outbox in its event's transaction (sent after a restart if the server died first)."""
    project = Project(server)
    project.server.cli("smart-module", "create", "--project", project.id, "--id", "storm-hooks", "--type", "webhooks",
                       "--url", sink.url("/storm"), "--key", "storm-hooks-key", "--events", "storm")
    owner = project.new_user()
    home = project.new_home(owner)
    return project, [project.device_in_home(owner, home) for _ in range(count)]


def storm_events(sink: HttpSink) -> dict[str, int]:
    """`eventData.n` -> `originDeviceId` of every `storm` event `sink` has been sent so far."""
    found = {}
    for request in sink.inbox.all():
        event = request.json()
        if event.get("eventType") == "storm":
            found[event["eventData"]["n"]] = event["originDeviceId"]
    return found
