"""User sessions: info, termination (token and WebSockets), the user WebSocket's credentials."""

import pytest

from harness import RFC3339_MS, WebSocketRejected, expect, expect_error
from world import Project, open_user_ws


def test_session_info(email_project: Project):
    user = email_project.new_user()
    info = expect(user.client.get("/userSession"), 200)
    assert info["userId"] == user.id and info["appId"] == email_project.app_id, info
    assert info["projectId"] == email_project.id and RFC3339_MS.match(info["creationTime"]), info


def test_terminating_a_session_revokes_its_token_and_closes_its_websocket(email_project: Project):
    user = email_project.new_user()
    other_session = email_project.sign_in_email(user.email)
    ws = open_user_ws(email_project.server, user)
    other_ws = open_user_ws(email_project.server, other_session)

    expect(user.client.delete("/userSession"), 204)
    expect_error(user.client.get("/userSession"), [401], "INVALID_AUTH_TOKEN")
    expect_error(user.client.get("/homes", params={"userId": user.id}), [401], "INVALID_AUTH_TOKEN")
    assert ws.wait_closed(5) == 1008

    # Only that session ends.
    expect(other_session.client.get("/userSession"), 200)
    assert other_ws.ping(b"alive") == b"alive"
    other_ws.close()
    with pytest.raises(WebSocketRejected) as rejected:
        open_user_ws(email_project.server, user, settle=0)
    rejected.value.assert_refused(401, "INVALID_AUTH_TOKEN")


def test_user_websocket_needs_a_user_session(email_project: Project):
    device = email_project.new_device()
    cases = [(None, 401, "AUTHORIZATION_REQUIRED"), ("v1.u.bogus", 401, "INVALID_AUTH_TOKEN"),
             (device.api_key, 403, "INSUFFICIENT_AUTH"), (email_project.key("admin").key, 403, "INSUFFICIENT_AUTH")]
    for token, status, reason in cases:
        with pytest.raises(WebSocketRejected) as rejected:
            email_project.server.ws("/userSession/websocket", token).close()
        rejected.value.assert_refused(status, reason)


def test_user_session_endpoints_need_a_user(email_project: Project):
    device = email_project.new_device()
    expect_error(email_project.anon.get("/userSession"), [401], "AUTHORIZATION_REQUIRED")
    expect_error(device.client.get("/userSession"), [403], "INSUFFICIENT_AUTH")
    expect_error(device.client.delete("/userSession"), [403], "INSUFFICIENT_AUTH")


def test_deleting_a_user_ends_sessions_and_memberships(email_project: Project):
    owner, member = email_project.new_user(), email_project.new_user()
    home = email_project.new_home(owner)
    email_project.add_member(owner, home, member)
    ws = open_user_ws(email_project.server, member)
    expect(member.client.delete(f"/users/{member.id}"), 204)
    assert ws.wait_closed(5) == 1008
    expect_error(member.client.get("/userSession"), [401], "INVALID_AUTH_TOKEN")
    members = expect(owner.client.get(f"/homes/{home}/members"), 200)
    assert [m["userId"] for m in members] == [owner.id], members
