"""Issue 11, defect 11 and the last owner's account (docs/security.md, "Accounts and permissions"):
`PATCH /mode/users/{id}` changes a password only with the current one, and then ends every other
session and OAuth sign-in of the user; the last owner of a home cannot delete their account."""

from __future__ import annotations

from cayenne import Cayenne, expect_json, oauth_error
from harness import expect, expect_error
from world import PASSWORD, Project

NEW_PASSWORD = "a-brand-new-password"


def test_password_change_needs_the_current_password_and_ends_other_sign_ins(server_factory):
    # Wrong current passwords are failed sign-ins: a server of its own.
    server = server_factory()
    c = Cayenne(server)
    app = c.app()
    user = c.sign_up(app)
    project = c.project
    mine, other = project.sign_in_email(user.email), project.sign_in_email(user.email)
    oauth = c.tokens(app, user)
    path = f"/users/{int(user.id)}"

    expect_error(mine.client.patch(path, json={"password": NEW_PASSWORD}), [403], "INVALID_INPUT")
    expect_error(mine.client.patch(path, json={"password": NEW_PASSWORD, "currentPassword": "not-the-password"}),
                 [403], "INCORRECT_PASSWORD")
    # Nothing changed: the old password works, every sign-in too.
    project.sign_in_email(user.email, PASSWORD)
    expect(other.client.get("/userSession"), 200)

    expect(mine.client.patch(path, json={"password": NEW_PASSWORD, "currentPassword": PASSWORD}), 204)
    expect(mine.client.get("/userSession"), 200)  # the caller's own session stays
    expect_error(other.client.get("/userSession"), [401], "INVALID_AUTH_TOKEN")
    oauth_error(c.token(grant_type="refresh_token", refresh_token=oauth["refresh_token"], client_id=app.id),
                400, "invalid_grant")
    expect_error(project.anon.post("/auth/user", json={"appId": project.app_id, "email": user.email,
                                                       "password": PASSWORD}), [403], "INCORRECT_PASSWORD")
    project.sign_in_email(user.email, NEW_PASSWORD)

    # Cayenne's profile update does not take a password at all.
    token = c.tokens(app, user.__class__(user.id, user.email, NEW_PASSWORD, user.first_name, user.last_name))
    resp = c.put(f"/cayenne/users/{user.id}", token["access_token"], json={"password": "yet-another-password"})
    oauth_error(resp, 400, "invalid_request")
    project.sign_in_email(user.email, NEW_PASSWORD)


def test_wrong_current_passwords_are_throttled(server_factory):
    server = server_factory()
    project = Project(server, "email")
    user = project.new_user()
    for attempt in range(10):
        expect_error(user.client.patch(f"/users/{user.id}", json={"password": NEW_PASSWORD,
                                                                  "currentPassword": f"guess-{attempt}"}),
                     [403], "INCORRECT_PASSWORD")
    expect_error(user.client.patch(f"/users/{user.id}", json={"password": NEW_PASSWORD, "currentPassword": PASSWORD}),
                 [429], "TOO_MANY_ATTEMPTS")
    expect(user.client.get("/userSession"), 200)


def test_the_last_owner_of_a_home_cannot_delete_their_account(email_project: Project):
    owner, other = email_project.new_user(), email_project.new_user()
    home = email_project.new_home(owner)
    admin = email_project.key("admin").client
    for caller in (owner.client, admin):
        expect_error(caller.delete(f"/users/{owner.id}"), [403], "LAST_OWNER")
    # Nothing was deleted.
    expect(owner.client.get(f"/users/{owner.id}"), 200)
    members = expect(owner.client.get(f"/homes/{home}/members"), 200)
    assert [m["userId"] for m in members] == [owner.id], members

    # With a second owner, the first may go.
    email_project.add_member(owner, home, other, role="owner")
    expect(owner.client.delete(f"/users/{owner.id}"), 204)
    members = expect(other.client.get(f"/homes/{home}/members"), 200)
    assert [(m["userId"], m["role"]) for m in members] == [(other.id, "owner")], members


def test_a_cayenne_account_owner_cannot_delete_themselves(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    token = user.info["access_token"]
    mode = c.server.client(token).with_token(token, "Bearer")
    expect_error(mode.delete(f"/users/{int(user.id)}"), [403], "LAST_OWNER")
    oauth_error(c.request("DELETE", f"/cayenne/users/{user.id}", token), 409, "conflict")
    assert expect_json(c.me(token), 200)["id"] == user.id
