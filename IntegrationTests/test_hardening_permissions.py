"""Issue 11, defect 7 (docs/cayenne-auth.md, "Multi-tenant accounts"): nobody grants a permission they
do not hold — through overrides, a role they assign or a role they create — and nobody changes their
own permissions. The documented admin role holds everything but deleting users, so an admin can
never come to delete users. Refusals are Cayenne's 403 and change nothing."""

from __future__ import annotations

from cayenne import Cayenne, expect_json
from test_cayenne_permissions import ALL, Account, create_user, new_account, refused
from world import unique_email

ADMIN_USERS = ["view", "add_edit"]


def users_grant(a: Account, member) -> list[str]:
    return sorted(a.permissions_of(member)["permissions"]["users"])


def test_an_admin_cannot_grant_itself_or_others_delete_users(cayenne: Cayenne):
    a = new_account(cayenne)
    admin = a.add(role=2)
    sub = a.add(role=3)
    grant_delete = {"permissions": {"users": ALL}}

    # Its own permissions: not even within what it holds.
    refused(a.c.put(f"/cayenne/users/{admin.id}/permissions", admin.token, json=grant_delete))
    refused(a.c.put(f"/cayenne/users/{admin.id}/permissions", admin.token, json={"permissions": {"devices": ["view"]}}))
    # Another member's override, a new sub-user's, a role it creates.
    refused(a.c.put(f"/cayenne/users/{sub.id}/permissions", admin.token, json=grant_delete))
    email = unique_email()
    refused(create_user(a.c, admin, role=3, permissions={"users": ALL}, email=email))
    refused(a.c.post("/cayenne/roles", admin.token, json={"name": "deleters", "permissions": {"users": ALL}}))

    # Nothing changed, and the admin still cannot delete a member.
    assert users_grant(a, admin) == sorted(ADMIN_USERS)
    assert a.permissions_of(sub)["permission_overrides"] == {}
    assert email not in {u["email"] for u in a.users().values()}
    roles = expect_json(a.c.get("/cayenne/roles", a.owner.token), 200)
    assert "deleters" not in {r["name"] for r in roles}, roles
    refused(a.c.request("DELETE", f"/cayenne/users/{sub.id}", admin.token))
    assert sub.id in a.users()


def test_an_admin_cannot_assign_a_role_that_deletes_users(cayenne: Cayenne):
    a = new_account(cayenne)
    admin = a.add(role=2)
    sub = a.add(role=3)
    # The owner may make such a role and assign it; the admin may do neither.
    role = expect_json(a.c.post("/cayenne/roles", a.owner.token,
                                json={"name": "user-managers", "permissions": {"users": ALL}}), 201)
    refused(a.c.put(f"/cayenne/users/{sub.id}/permissions", admin.token, json={"permission_role_id": role["id"]}))
    refused(create_user(a.c, admin, role=role["id"]))
    assert a.permissions_of(sub)["permission_role_id"] == 3

    # What the admin holds it may still hand out.
    made = a.add(by=admin, role=3, permissions={"users": ["view"]})
    assert made.info["permission_overrides"] == {"users": ["view"]}, made.info
    granted = expect_json(a.c.put(f"/cayenne/users/{sub.id}/permissions", admin.token,
                                  json={"permission_role_id": 2}), 200)
    assert granted["permission_role_id"] == 2, granted

    # The owner may grant anything to others.
    promoted = expect_json(a.c.put(f"/cayenne/users/{sub.id}/permissions", a.owner.token,
                                   json={"permission_role_id": role["id"]}), 200)
    assert sorted(promoted["permissions"]["users"]) == sorted(ALL), promoted


def test_nobody_changes_their_own_permissions(cayenne: Cayenne):
    a = new_account(cayenne)
    limited = a.add(role=2, permissions={"devices": ["view"]})
    refused(a.c.put(f"/cayenne/users/{limited.id}/permissions", limited.token,
                    json={"permissions": {"devices": ["view", "add_edit"]}}))
    refused(a.c.put(f"/cayenne/users/{limited.id}/permissions", limited.token, json={"permission_role_id": 3}))
    assert a.permissions_of(limited)["permission_overrides"] == {"devices": ["view"]}
    assert a.permissions_of(limited)["permission_role_id"] == 2
