"""Cayenne multi-tenant accounts (docs/cayenne-auth.md, "Multi-tenant accounts: sub-users, roles and
permissions"): the owner's account is a home, sub-users get a role whose permissions can be
overridden per feature, the core enforces them on the MODE device API at every request, roles and
owners follow their rules, accounts and projects are isolated, and bad input changes nothing.

Every sub-user here signs in with the password grant and uses its Cayenne JWT on /mode
(`Authorization: Bearer …`, once `ModeCloud …`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cayenne import App, Cayenne, CayenneUser, expect_json, oauth_error
from harness import ModeClient, describe, expect, expect_error
from world import PASSWORD, Device, unique_email

FEATURES = ("devices", "rules", "jobs", "alerts", "history", "users")
ALL = ["view", "add_edit", "delete"]
DENIED = ["access_denied", "insufficient_scope"]
HIDDEN = DENIED + ["not_found"]  # "the caller may not do this" or "may not know it exists"
BUILT_IN = {
    1: ("owner", {f: ALL for f in FEATURES}),
    2: ("admin", {**{f: ALL for f in FEATURES}, "users": ["view", "add_edit"]}),
    3: ("user", {"devices": ALL, "rules": ALL, "jobs": ALL, "alerts": ALL, "history": ["view"], "users": []}),
}


# --------------------------------------------------------------------------------------------
# Helpers


@dataclass
class Member:
    """A user of an account, signed in: its Cayenne answer and access token."""
    user: CayenneUser
    token: str
    info: dict[str, Any]
    base: str  # the server's base URL

    @property
    def id(self) -> str:
        return self.user.id

    def mode(self, scheme: str = "Bearer") -> ModeClient:
        """MODE with the Cayenne access token (`Bearer` or `ModeCloud`)."""
        return ModeClient(self.base, self.token, scheme)


@dataclass
class Account:
    c: Cayenne
    app: App
    owner: Member
    home: int  # the owner's account, as MODE shows it under /mode/homes

    def add(self, by: Member | None = None, role: int | None = None, permissions: dict[str, Any] | None = None,
            **extra: Any) -> Member:
        """`by` (the owner by default) creates a sub-user, which then signs in (password grant)."""
        by = by or self.owner
        resp = create_user(self.c, by, role=role, permissions=permissions, **extra)
        info = expect_json(resp, 201)
        assert isinstance(info.get("id"), str) and info["id"], describe(resp)
        user = CayenneUser(info["id"], info["email"], PASSWORD, info["first_name"], info["last_name"], info)
        return Member(user, sign_in(self.c, self.app, user), info, base=self.c.base)

    def users(self, by: Member | None = None) -> dict[str, dict[str, Any]]:
        """GET /cayenne/users as `by` (the owner): id -> account user."""
        listed = expect_json(self.c.get("/cayenne/users", (by or self.owner).token), 200)
        assert isinstance(listed, list), listed
        return {u["id"]: u for u in listed}

    def permissions_of(self, member: Member) -> dict[str, Any]:
        return expect_json(self.c.get(f"/cayenne/users/{member.id}/permissions", self.owner.token), 200)

    def device_ids(self, by: Member | None = None) -> list[int]:
        listed = expect((by or self.owner).mode().get("/devices", params={"homeId": self.home}), 200)
        return sorted(d["id"] for d in listed)

    def loose_device(self) -> Device:
        """A device of the project in no home, its claim window open."""
        device = self.c.project.new_device()
        self.c.project.open_claim_window(device, duration=600)
        return device

    def claimed_device(self) -> Device:
        device = self.loose_device()
        device.info = expect(claim(self.owner, self.home, device), 201)
        return device


def create_user(c: Cayenne, by: Member, role: int | None = None, permissions: dict[str, Any] | None = None,
                **extra: Any):
    body: dict[str, Any] = {"first_name": "Sub", "last_name": "User", "email": unique_email(), "password": PASSWORD}
    if role is not None:
        body["permission_role_id"] = role
    if permissions is not None:
        body["permissions"] = permissions
    body.update(extra)
    return c.post("/cayenne/users", by.token, json=body)


def sign_in(c: Cayenne, app: App, user: CayenneUser) -> str:
    """The password grant with `username` (the Keycloak-era name of the field)."""
    resp = c.token(grant_type="password", username=user.email, password=user.password, client_id=app.id)
    return expect_json(resp, 200)["access_token"]


def new_account(c: Cayenne, app: App | None = None) -> Account:
    app = app or c.app(allow_signup=True)
    user = c.sign_up(app)
    owner = Member(user, user.info["access_token"], user.info, base=c.base)
    homes = expect(owner.mode().get("/homes"), 200)
    assert isinstance(homes, list) and len(homes) == 1, f"sign-up makes one account, a home: {homes}"
    account = Account(c, app, owner, homes[0]["id"])
    me = account.users()[owner.id]
    assert me["permission_role_id"] == 1 and me["role"] == "owner", me
    assert me["account_id"] == account.home, f"the account is the owner's home {account.home}: {me}"
    return account


def claim(member: Member, home: int, device: Device, scheme: str = "Bearer"):
    return member.mode(scheme).post("/devices", json={"homeId": home, "claimCode": device.claim_code})


def command(member: Member, device: Device, action: str = "light"):
    return member.mode().put(f"/devices/{device.id}/command", json={"action": action, "parameters": {"on": True}})


def refused(resp, statuses=(403,), errors=DENIED) -> dict[str, Any]:
    """A /cayenne refusal: one of `statuses`, JSON {"error": one of `errors`}."""
    return oauth_error(resp, statuses, errors)


@pytest.fixture
def account(cayenne: Cayenne) -> Account:
    return new_account(cayenne)


# --------------------------------------------------------------------------------------------
# 1. View-only devices


def test_view_only_sub_user_sees_devices_but_cannot_change_them(account: Account):
    a = account
    viewer = a.add(role=3, permissions={"devices": ["view"]})
    assert viewer.info["permission_role_id"] == 3 and viewer.info["role"] == "user", viewer.info
    assert viewer.info["account_id"] == a.home, viewer.info
    assert viewer.info["permission_overrides"] == {"devices": ["view"]}, viewer.info
    assert viewer.info["permissions"]["devices"] == ["view"], viewer.info
    assert set(viewer.info["permissions"]) == set(FEATURES), viewer.info

    device = a.claimed_device()

    # Viewing: the list and the device, with both schemes.
    for scheme in ("Bearer", "ModeCloud"):
        listed = expect(viewer.mode(scheme).get("/devices", params={"homeId": a.home}), 200)
        assert [d["id"] for d in listed] == [device.id], listed
        shown = expect(viewer.mode(scheme).get(f"/devices/{device.id}"), 200)
        assert shown["id"] == device.id and shown["homeId"] == a.home, shown
    expect(viewer.mode().get(f"/devices/{device.id}/kv"), 200)

    # Adding: a device whose claim window is open is refused to the viewer, and the owner can claim it.
    second = a.loose_device()
    expect_error(claim(viewer, a.home, second), [403])
    expect_error(claim(viewer, a.home, second, scheme="ModeCloud"), [403])
    assert a.device_ids() == [device.id], "a refused claim adds nothing"
    expect(claim(a.owner, a.home, second), 201)
    assert a.device_ids() == sorted([device.id, second.id])

    # Renaming.
    before = expect(a.owner.mode().get(f"/devices/{device.id}"), 200)
    expect_error(viewer.mode().patch(f"/devices/{device.id}", json={"name": "Hijacked"}), [403])
    expect_error(viewer.mode("ModeCloud").patch(f"/devices/{device.id}", json={"name": "Hijacked"}), [403])
    expect_error(viewer.mode().put(f"/devices/{device.id}/kv/k1", json={"value": "x"}), [403])
    assert expect(a.owner.mode().get(f"/devices/{device.id}"), 200).get("name") == before.get("name")
    expect(a.owner.mode().patch(f"/devices/{device.id}", json={"name": "Porch"}), 204)
    assert expect(viewer.mode().get(f"/devices/{device.id}"), 200)["name"] == "Porch"

    # Commanding: refused to the viewer before anything reaches the device; the owner's arrives.
    with a.c.project.connect_device(device) as ws:
        expect_error(command(viewer, device, "unlock"), [403])
        ws.expect_quiet(0.3)
        expect(command(a.owner, device, "light"), 204)
        assert ws.recv_json()["action"] == "light"

    # Deleting.
    expect_error(viewer.mode().delete(f"/devices/{device.id}"), [403])
    expect_error(viewer.mode("ModeCloud").delete(f"/devices/{second.id}"), [403])
    assert a.device_ids() == sorted([device.id, second.id]), "a refused delete deletes nothing"
    expect(a.owner.mode().delete(f"/devices/{device.id}"), 204)
    assert a.device_ids() == [second.id]
    assert a.device_ids(by=viewer) == [second.id]


# --------------------------------------------------------------------------------------------
# 2. Overrides take effect at the next request


def test_overridden_permissions_apply_at_the_next_request(account: Account):
    a = account
    sub = a.add(role=3, permissions={"devices": ["view"]})
    doomed, kept = a.claimed_device(), a.claimed_device()
    expect_error(sub.mode().delete(f"/devices/{doomed.id}"), [403])

    changed = expect_json(a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token,
                                  json={"permissions": {"devices": ["view", "add_edit", "delete"]}}), 200)
    assert changed["id"] == sub.id and sorted(changed["permissions"]["devices"]) == sorted(ALL), changed
    assert sorted(changed["permission_overrides"]["devices"]) == sorted(ALL), changed
    assert changed["permission_role_id"] == 3, changed

    # Same access token, no new sign-in.
    expect(sub.mode().delete(f"/devices/{doomed.id}"), 204)
    assert a.device_ids() == [kept.id]

    changed = expect_json(a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token,
                                  json={"permissions": {"devices": []}}), 200)
    assert changed["permissions"]["devices"] == [], changed
    expect_error(sub.mode().get("/devices", params={"homeId": a.home}), [403, 404])
    expect_error(sub.mode("ModeCloud").get(f"/devices/{kept.id}"), [403, 404])
    expect_error(sub.mode().delete(f"/devices/{kept.id}"), [403, 404])
    assert a.device_ids() == [kept.id]

    # Back to view: seen again, still at once.
    expect_json(a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token,
                        json={"permissions": {"devices": ["view"]}}), 200)
    assert a.device_ids(by=sub) == [kept.id]


def test_role_change_applies_at_the_next_request(account: Account):
    a = account
    sub = a.add(role=3)  # the user role: devices all
    device = a.claimed_device()
    expect(sub.mode().patch(f"/devices/{device.id}", json={"name": "Mine"}), 204)
    viewer = expect_json(a.c.post("/cayenne/roles", a.owner.token,
                                  json={"name": "viewer", "permissions": {"devices": ["view"]}}), 201)
    changed = expect_json(a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token,
                                  json={"permission_role_id": viewer["id"]}), 200)
    assert changed["permission_role_id"] == viewer["id"] and changed["role"] == "viewer", changed
    expect_error(sub.mode().patch(f"/devices/{device.id}", json={"name": "Again"}), [403])
    expect(sub.mode().get(f"/devices/{device.id}"), 200)


# --------------------------------------------------------------------------------------------
# 3. Roles


def test_built_in_roles_are_listed(account: Account):
    a = account
    for member in (a.owner, a.add(role=3)):
        roles = expect_json(a.c.get("/cayenne/roles", member.token), 200)
        assert isinstance(roles, list), roles
        by_id = {r["id"]: r for r in roles}
        for role_id, (name, permissions) in BUILT_IN.items():
            role = by_id.get(role_id)
            assert role is not None, f"role {role_id} missing: {roles}"
            assert role["name"] == name and role["built_in"] is True, role
            got = {f: sorted(v) for f, v in role["permissions"].items()}
            assert got == {f: sorted(v) for f, v in permissions.items()}, role


def test_the_user_role_has_its_default_permissions(account: Account):
    a = account
    sub = a.add()  # permission_role_id defaults to 3
    assert sub.info["permission_role_id"] == 3 and sub.info["role"] == "user", sub.info
    assert sub.info["permission_overrides"] == {}, sub.info
    got = {f: sorted(v) for f, v in sub.info["permissions"].items()}
    assert got == {f: sorted(v) for f, v in BUILT_IN[3][1].items()}, sub.info
    # devices: all.
    device = a.loose_device()
    expect(claim(sub, a.home, device), 201)
    expect(sub.mode().patch(f"/devices/{device.id}", json={"name": "Shed"}), 204)
    expect(sub.mode().delete(f"/devices/{device.id}"), 204)
    assert a.device_ids() == []


def test_custom_roles(account: Account):
    a = account
    role = expect_json(a.c.post("/cayenne/roles", a.owner.token,
                                json={"name": "installer", "permissions": {"devices": ["view", "add_edit"]}}), 201)
    assert isinstance(role["id"], int) and role["id"] >= 101, role
    assert role["name"] == "installer" and role["built_in"] is False, role
    assert sorted(role["permissions"]["devices"]) == ["add_edit", "view"], role
    assert all(not role["permissions"].get(f) for f in FEATURES if f != "devices"), role
    other = expect_json(a.c.post("/cayenne/roles", a.owner.token,
                                 json={"name": "auditor", "permissions": {"history": ["view"]}}), 201)
    assert other["id"] >= 101 and other["id"] != role["id"], other

    listed = {r["id"]: r for r in expect_json(a.c.get("/cayenne/roles", a.owner.token), 200)}
    assert {1, 2, 3, role["id"], other["id"]} <= set(listed), listed
    assert listed[role["id"]]["name"] == "installer" and listed[role["id"]]["built_in"] is False, listed

    installer = a.add(role=role["id"])
    assert installer.info["permission_role_id"] == role["id"] and installer.info["role"] == "installer", \
        installer.info
    assert sorted(installer.info["permissions"]["devices"]) == ["add_edit", "view"], installer.info
    assert installer.info["permissions"]["users"] == [], installer.info
    assert a.users()[installer.id]["role"] == "installer"

    # Enforced: may add and rename, may not delete.
    device = a.loose_device()
    expect(claim(installer, a.home, device), 201)
    expect(installer.mode().patch(f"/devices/{device.id}", json={"name": "Pump"}), 204)
    expect_error(installer.mode().delete(f"/devices/{device.id}"), [403])
    assert a.device_ids() == [device.id]

    # Also assignable with PUT .../permissions.
    sub = a.add(role=3)
    changed = expect_json(a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token,
                                  json={"permission_role_id": other["id"]}), 200)
    assert changed["permission_role_id"] == other["id"] and changed["role"] == "auditor", changed
    assert changed["permissions"]["devices"] == [], changed


def test_unknown_role_id_is_refused(account: Account):
    a = account
    sub = a.add(role=3)
    for role_id in (0, 4, 100, 101, 9999, -1):
        email = unique_email()
        oauth_error(create_user(a.c, a.owner, role=role_id, email=email), 400, "invalid_request")
        assert email not in {u["email"] for u in a.users().values()}, f"role {role_id}: nobody was created"
        oauth_error(a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token,
                            json={"permission_role_id": role_id}), 400, "invalid_request")
        assert a.permissions_of(sub)["permission_role_id"] == 3


def test_a_custom_role_of_another_account_cannot_be_assigned(cayenne: Cayenne):
    a = new_account(cayenne)
    b = new_account(cayenne, a.app)
    foreign = expect_json(a.c.post("/cayenne/roles", a.owner.token,
                                   json={"name": "a-only", "permissions": {"devices": ALL}}), 201)
    sub = b.add(role=3)
    resp = b.c.put(f"/cayenne/users/{sub.id}/permissions", b.owner.token, json={"permission_role_id": foreign["id"]})
    assert resp.status_code in (400, 403, 404), describe(resp)
    assert b.permissions_of(sub)["permission_role_id"] == 3
    assert foreign["id"] not in {r["id"] for r in expect_json(b.c.get("/cayenne/roles", b.owner.token), 200)}


def test_user_role_cannot_manage_users(account: Account):
    a = account
    sub = a.add(role=3)
    before = a.users()
    email = unique_email()
    refused(create_user(a.c, sub, role=3, email=email))
    refused(a.c.get("/cayenne/users", sub.token))
    refused(a.c.post("/cayenne/roles", sub.token, json={"name": "mine", "permissions": {"users": ALL}}))
    refused(a.c.put(f"/cayenne/users/{sub.id}/permissions", sub.token, json={"permission_role_id": 2}))
    refused(a.c.request("DELETE", f"/cayenne/users/{a.owner.id}", sub.token))
    # It may read itself, though.
    mine = expect_json(a.c.get(f"/cayenne/users/{sub.id}/permissions", sub.token), 200)
    assert mine["permission_role_id"] == 3, mine
    assert set(a.users()) == set(before), "nothing changed"
    assert a.permissions_of(sub)["permission_role_id"] == 3


def test_admin_creates_and_lists_but_only_the_owner_deletes(account: Account):
    a = account
    admin = a.add(role=2)
    assert admin.info["role"] == "admin", admin.info
    made = a.add(by=admin, role=3, permissions={"devices": ["view"]})
    assert made.info["account_id"] == a.home, made.info
    listed = a.users(by=admin)
    assert {a.owner.id, admin.id, made.id} <= set(listed), listed
    assert listed[made.id]["permission_overrides"] == {"devices": ["view"]}, listed[made.id]
    expect_json(a.c.get(f"/cayenne/users/{made.id}", admin.token), 200)

    device = a.claimed_device()
    assert a.device_ids(by=made) == [device.id]

    refused(a.c.request("DELETE", f"/cayenne/users/{made.id}", admin.token))
    assert made.id in a.users()

    done = expect_json(a.c.request("DELETE", f"/cayenne/users/{made.id}", a.owner.token), 200)
    assert done == {"success": True}, done
    assert made.id not in a.users()
    # Out of the account: its devices are out of reach.
    expect_error(made.mode().get("/devices", params={"homeId": a.home}), [403, 404])
    expect_error(made.mode().get(f"/devices/{device.id}"), [403, 404])


def test_only_an_owner_makes_or_changes_owners(account: Account):
    a = account
    admin = a.add(role=2)
    sub = a.add(role=3)
    email = unique_email()
    refused(create_user(a.c, admin, role=1, email=email))
    assert email not in {u["email"] for u in a.users().values()}
    refused(a.c.put(f"/cayenne/users/{sub.id}/permissions", admin.token, json={"permission_role_id": 1}))
    refused(a.c.put(f"/cayenne/users/{admin.id}/permissions", admin.token, json={"permission_role_id": 1}))
    refused(a.c.put(f"/cayenne/users/{a.owner.id}/permissions", admin.token, json={"permission_role_id": 3}))
    assert a.permissions_of(sub)["permission_role_id"] == 3
    assert a.permissions_of(admin)["permission_role_id"] == 2
    assert a.permissions_of(a.owner)["permission_role_id"] == 1

    # The owner may.
    co_owner = a.add(role=1)
    assert co_owner.info["role"] == "owner", co_owner.info
    promoted = expect_json(a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token,
                                   json={"permission_role_id": 1}), 200)
    assert promoted["role"] == "owner" and promoted["permission_role_id"] == 1, promoted
    # An admin cannot demote nor remove an owner either.
    refused(a.c.put(f"/cayenne/users/{co_owner.id}/permissions", admin.token, json={"permission_role_id": 2}))
    refused(a.c.request("DELETE", f"/cayenne/users/{co_owner.id}", admin.token))
    assert a.permissions_of(co_owner)["permission_role_id"] == 1


def test_the_last_owner_cannot_be_demoted_or_removed(account: Account):
    a = account
    for role_id in (2, 3):
        resp = a.c.put(f"/cayenne/users/{a.owner.id}/permissions", a.owner.token, json={"permission_role_id": role_id})
        oauth_error(resp, (400, 403, 409), ["invalid_request", "access_denied", "insufficient_scope", "conflict"])
        assert a.permissions_of(a.owner)["permission_role_id"] == 1
    resp = a.c.request("DELETE", f"/cayenne/users/{a.owner.id}", a.owner.token)
    oauth_error(resp, (400, 403, 409), ["invalid_request", "access_denied", "insufficient_scope", "conflict"])
    assert a.owner.id in a.users()

    # With a second owner, the first may step down.
    second = a.add(role=1)
    stepped = expect_json(a.c.put(f"/cayenne/users/{a.owner.id}/permissions", second.token,
                                  json={"permission_role_id": 2}), 200)
    assert stepped["role"] == "admin", stepped
    resp = a.c.put(f"/cayenne/users/{second.id}/permissions", second.token, json={"permission_role_id": 3})
    assert resp.status_code in (400, 403, 409), describe(resp)
    listed = a.users(by=second)
    assert listed[second.id]["permission_role_id"] == 1, listed[second.id]


def test_overrides_do_not_lock_out_an_owner(account: Account):
    a = account
    device = a.claimed_device()
    resp = a.c.put(f"/cayenne/users/{a.owner.id}/permissions", a.owner.token,
                   json={"permissions": {"devices": [], "users": []}})
    assert resp.status_code in (200, 400, 403), describe(resp)
    me = a.permissions_of(a.owner)
    assert me["permission_role_id"] == 1, me
    assert all(sorted(me["permissions"][f]) == sorted(ALL) for f in FEATURES), me
    assert a.device_ids() == [device.id]
    a.users()


# --------------------------------------------------------------------------------------------
# 4. Accounts and projects are isolated


def test_no_access_across_accounts(cayenne: Cayenne):
    a = new_account(cayenne)
    b = new_account(cayenne, a.app)
    assert a.home != b.home
    device = a.claimed_device()
    sub = a.add(role=3, permissions={"devices": ["view"]})
    b_device = b.claimed_device()
    intruder = b.owner

    # MODE devices.
    expect_error(intruder.mode().get("/devices", params={"homeId": a.home}), [403, 404])
    expect_error(intruder.mode("ModeCloud").get(f"/devices/{device.id}"), [403, 404])
    expect_error(intruder.mode().patch(f"/devices/{device.id}", json={"name": "Mine"}), [403, 404])
    expect_error(command(intruder, device), [403, 404])
    expect_error(intruder.mode().delete(f"/devices/{device.id}"), [403, 404])
    loose = a.loose_device()
    expect_error(claim(intruder, a.home, loose), [403, 404])
    assert a.device_ids() == [device.id]
    assert expect(a.owner.mode().get(f"/devices/{device.id}"), 200).get("name") != "Mine"
    # ...and A's sub-user cannot reach B's.
    expect_error(sub.mode().get("/devices", params={"homeId": b.home}), [403, 404])
    expect_error(sub.mode().get(f"/devices/{b_device.id}"), [403, 404])

    # Cayenne users.
    before = a.permissions_of(sub)
    for path in (f"/cayenne/users/{sub.id}", f"/cayenne/users/{sub.id}/permissions",
                 f"/cayenne/users/{a.owner.id}/permissions"):
        refused(a.c.get(path, intruder.token), (403, 404), HIDDEN)
    refused(a.c.put(f"/cayenne/users/{sub.id}/permissions", intruder.token,
                    json={"permissions": {"devices": ALL}}), (403, 404), HIDDEN)
    refused(a.c.put(f"/cayenne/users/{sub.id}/permissions", intruder.token,
                    json={"permission_role_id": 2}), (403, 404), HIDDEN)
    refused(a.c.request("DELETE", f"/cayenne/users/{sub.id}", intruder.token), (403, 404), HIDDEN)
    refused(a.c.get("/cayenne/users", intruder.token, params={"account_id": a.home}), (403, 404), HIDDEN)
    email = unique_email()
    refused(create_user(a.c, intruder, role=1, email=email, account_id=a.home), (403, 404), HIDDEN)
    refused(a.c.post("/cayenne/roles", intruder.token,
                     json={"name": "sneaky", "permissions": {"devices": ALL}, "account_id": a.home}), (403, 404),
            HIDDEN)
    assert a.permissions_of(sub) == before
    listed_a = a.users()
    assert set(listed_a) == {a.owner.id, sub.id}, listed_a
    assert email not in {u["email"] for u in listed_a.values()}
    assert {r["id"] for r in expect_json(a.c.get("/cayenne/roles", a.owner.token), 200)} == {1, 2, 3}
    # B sees only its own account.
    assert set(b.users()) == {b.owner.id}, b.users()
    # The sub-user of A cannot use B's account either.
    refused(a.c.get("/cayenne/users", sub.token, params={"account_id": b.home}), (403, 404), HIDDEN)
    refused(a.c.get(f"/cayenne/users/{b.owner.id}/permissions", sub.token), (403, 404), HIDDEN)


def test_no_access_across_projects(cayenne: Cayenne, cayenne_server):
    a = new_account(cayenne)
    device = a.claimed_device()
    sub = a.add(role=3, permissions={"devices": ["view"]})
    other = Cayenne(cayenne_server)  # a second project with its own app
    assert other.project.id != cayenne.project.id
    x = new_account(other)
    outsider = x.owner

    expect_error(outsider.mode().get("/devices", params={"homeId": a.home}), [403, 404])
    expect_error(outsider.mode().get(f"/devices/{device.id}"), [403, 404])
    expect_error(outsider.mode().patch(f"/devices/{device.id}", json={"name": "Mine"}), [403, 404])
    expect_error(command(outsider, device), [403, 404])
    expect_error(outsider.mode().delete(f"/devices/{device.id}"), [403, 404])
    expect_error(outsider.mode().get(f"/homes/{a.home}"), [403, 404])
    expect_error(claim(outsider, a.home, a.loose_device()), [403, 404])
    assert a.device_ids() == [device.id]

    before = a.permissions_of(sub)
    for path in (f"/cayenne/users/{a.owner.id}", f"/cayenne/users/{sub.id}", f"/cayenne/users/{sub.id}/permissions"):
        refused(a.c.get(path, outsider.token), (403, 404), HIDDEN)
    refused(a.c.put(f"/cayenne/users/{sub.id}/permissions", outsider.token,
                    json={"permissions": {"devices": ALL}}), (403, 404), HIDDEN)
    refused(a.c.request("DELETE", f"/cayenne/users/{sub.id}", outsider.token), (403, 404), HIDDEN)
    refused(a.c.get("/cayenne/users", outsider.token, params={"account_id": a.home}), (403, 404), HIDDEN)
    refused(create_user(a.c, outsider, role=3, account_id=a.home), (403, 404), HIDDEN)
    assert a.permissions_of(sub) == before
    assert set(a.users()) == {a.owner.id, sub.id}
    assert set(x.users()) == {x.owner.id}
    # And the other way round.
    expect_error(sub.mode().get("/devices", params={"homeId": x.home}), [403, 404])
    refused(a.c.get(f"/cayenne/users/{x.owner.id}", a.owner.token), (403, 404), HIDDEN)


# --------------------------------------------------------------------------------------------
# 5. Bad input changes nothing


BAD_PERMISSIONS = [
    {"gizmos": ["view"]},
    {"devices": ["fly"]},
    {"devices": ["view", "teleport"]},
    {"devices": ["view", "add_edit", "delete"], "gizmos": ["view"]},  # a good part does not go through
    {"devices": "view"},
    {"devices": [1]},
    {"Devices": ["view"]},
    ["devices"],
    "devices:view",
]


def test_bad_permissions_change_nothing(account: Account):
    a = account
    sub = a.add(role=3, permissions={"devices": ["view"]})
    device = a.claimed_device()
    before = a.permissions_of(sub)
    assert before["permission_overrides"] == {"devices": ["view"]}, before

    for bad in BAD_PERMISSIONS:
        resp = a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token, json={"permissions": bad})
        body = oauth_error(resp, 400, "invalid_request")
        assert body.get("error_description"), describe(resp)
        # With a valid role next to it, the role does not change either.
        resp = a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token,
                       json={"permission_role_id": 2, "permissions": bad})
        oauth_error(resp, 400, "invalid_request")
        after = a.permissions_of(sub)
        assert (after["permission_role_id"], after["permission_overrides"], after["permissions"]) == \
               (before["permission_role_id"], before["permission_overrides"], before["permissions"]), (bad, after)
    # Still enforced as before.
    expect_error(sub.mode().delete(f"/devices/{device.id}"), [403])
    assert a.device_ids(by=sub) == [device.id]

    # Creating a user or a role with bad permissions creates nothing.
    users = set(a.users())
    roles = {r["id"] for r in expect_json(a.c.get("/cayenne/roles", a.owner.token), 200)}
    for bad in BAD_PERMISSIONS[:4]:
        email = unique_email()
        oauth_error(create_user(a.c, a.owner, role=3, permissions=bad, email=email), 400, "invalid_request")
        oauth_error(a.c.post("/cayenne/roles", a.owner.token, json={"name": "broken", "permissions": bad}),
                    400, "invalid_request")
    assert set(a.users()) == users
    assert {r["id"] for r in expect_json(a.c.get("/cayenne/roles", a.owner.token), 200)} == roles


# --------------------------------------------------------------------------------------------
# MODE homes and Cayenne accounts are one thing


def test_mode_members_and_cayenne_roles_match(account: Account):
    a = account
    sub = a.add(role=3)
    members = {m["userId"]: m["role"] for m in expect(a.owner.mode().get(f"/homes/{a.home}/members"), 200)}
    assert members == {int(a.owner.id): "owner", int(sub.id): "member"}, members

    # A user added as a MODE member is a Cayenne "user"; a MODE owner is a Cayenne "owner".
    joiner = a.c.sign_up(a.app)
    expect(a.owner.mode().post(f"/homes/{a.home}/members", json={"email": joiner.email, "role": "member"}), 201)
    co_owner = a.c.sign_up(a.app)
    expect(a.owner.mode().post(f"/homes/{a.home}/members", json={"email": co_owner.email, "role": "owner"}), 201)
    listed = a.users()
    assert listed[joiner.id]["permission_role_id"] == 3 and listed[joiner.id]["role"] == "user", listed[joiner.id]
    assert listed[joiner.id]["account_id"] == a.home, listed[joiner.id]
    assert listed[co_owner.id]["permission_role_id"] == 1 and listed[co_owner.id]["role"] == "owner", \
        listed[co_owner.id]

    # The MODE member's Cayenne permissions apply to it on MODE too.
    device = a.claimed_device()
    member = Member(joiner, joiner.info["access_token"], joiner.info, a.c.base)
    expect_json(a.c.put(f"/cayenne/users/{joiner.id}/permissions", a.owner.token,
                        json={"permissions": {"devices": ["view"]}}), 200)
    assert a.device_ids(by=member) == [device.id]
    expect_error(member.mode().delete(f"/devices/{device.id}"), [403])
    assert a.device_ids() == [device.id]


# --------------------------------------------------------------------------------------------
# Rules, alerts and jobs (docs/automation.md "Who may do what")


def test_rules_alerts_and_jobs_permissions_apply(account: Account):
    a = account
    thing = expect_json(a.c.post("/cayenne/v1.1/things", a.owner.token, json={"name": "Tank"}), 201)
    expect_json(a.c.post("/cayenne/v1.1/things", a.owner.token, json={"name": "Level", "parent_id": thing["id"], "properties": {"channel": 1}}), 201)
    rule = {"title": "Low", "triggers": [{"id": thing["id"], "channel": 1, "conditions": [{"operator": "lt", "value": 5}]}]}
    alert = {**rule, "title": "Low alert", "notifications": [{"method": "email", "value": "driver@example.com"}]}
    job = {"title": "Hourly", "config": {"type": "interval", "interval": 1, "unit": "hour", "start_date": "2030-01-01 00:00"}}
    viewer = a.add(role=3, permissions={"rules": ["view"], "alerts": ["view"], "jobs": ["view"]})
    rules_only = a.add(role=3, permissions={"rules": ALL, "alerts": ["view"], "jobs": []})
    # Viewing lets one list, not add; a rule needs `rules`, an alert also `alerts`.
    refused(a.c.post("/cayenne/v1.1/rules", viewer.token, json=rule))
    created = expect_json(a.c.post("/cayenne/v1.1/rules", rules_only.token, json=rule), 201)
    refused(a.c.post("/cayenne/v1.1/rules", rules_only.token, json=alert))
    owned_alert = expect_json(a.c.post("/cayenne/v1.1/rules", a.owner.token, json=alert), 201)
    assert [r["id"] for r in expect_json(a.c.get("/cayenne/v1.1/rules", viewer.token), 200)] == [created["id"], owned_alert["id"]]
    refused(a.c.request("DELETE", f"/cayenne/v1.1/rules/{created['id']}", viewer.token))
    refused(a.c.request("PUT", f"/cayenne/v1.1/rules/{owned_alert['id']}", rules_only.token, json={"title": "mine now"}))
    refused(a.c.request("DELETE", f"/cayenne/v1.1/rules/{owned_alert['id']}", rules_only.token))
    assert expect_json(a.c.request("DELETE", f"/cayenne/v1.1/rules/{created['id']}", rules_only.token), 200) == {"success": True}
    # Jobs: none for `rules_only`, view for the viewer.
    refused(a.c.post("/cayenne/v1.1/jobs", rules_only.token, json=job))
    refused(a.c.get("/cayenne/v1.1/jobs", rules_only.token))
    refused(a.c.post("/cayenne/v1.1/jobs", viewer.token, json=job))
    made = expect_json(a.c.post("/cayenne/v1.1/jobs", a.owner.token, json=job), 200)
    assert [j["_id"] for j in expect_json(a.c.get("/cayenne/v1.1/jobs", viewer.token), 200)] == [made["_id"]]
    refused(a.c.request("PUT", f"/cayenne/v1.1/jobs/{made['_id']}/inactive", viewer.token))
