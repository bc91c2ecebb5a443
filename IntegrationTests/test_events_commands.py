"""Events to user WebSockets and commands to device WebSockets, connection state, revocation."""

from dataclasses import dataclass

import pytest

from harness import RFC3339_MS, WebSocketRejected, expect, expect_error, wait_until
from world import Device, Project, User, open_user_ws


@dataclass
class Household:
    project: Project
    owner: User
    member: User
    stranger: User
    home: int
    device: Device


@pytest.fixture
def household(email_project: Project) -> Household:
    """An owner and a member of one home with one device, and a user of the project outside it."""
    owner, member, stranger = (email_project.new_user() for _ in range(3))
    home = email_project.new_home(owner)
    email_project.add_member(owner, home, member)
    device = email_project.device_in_home(owner, home)
    return Household(email_project, owner, member, stranger, home, device)


def device_state(h: Household, device: Device | None = None) -> dict:
    device = device or h.device
    return expect(h.owner.client.get(f"/devices/{device.id}"), 200)


def send_command(client, device: Device, action: str = "light", parameters=None):
    body = {"action": action}
    if parameters is not None:
        body["parameters"] = parameters
    return client.put(f"/devices/{device.id}/command", json=body)


# ---------------------------------------------------------------------------------------------
# Events


def test_device_event_reaches_every_member_with_server_fields(household: Household):
    h, server = household, household.project.server
    with open_user_ws(server, h.owner) as owner_ws, open_user_ws(server, h.member, via="header") as member_ws, \
            open_user_ws(server, h.stranger) as stranger_ws:
        resp = h.device.client.put(f"/devices/{h.device.id}/event",
                                   json={"eventType": "temperature", "eventData": {"celsius": 21.5, "ok": True}})
        expect(resp, 204)
        event = owner_ws.recv_json()
        assert event["eventType"] == "temperature" and event["eventData"] == {"celsius": 21.5, "ok": True}, event
        assert event["homeId"] == h.home and event["originDeviceId"] == h.device.id, event
        assert event["originDeviceClass"] == h.project.device_class, event
        assert RFC3339_MS.match(event["timestamp"]), event
        assert member_ws.recv_json() == event
        stranger_ws.expect_quiet()


def test_project_key_event_reaches_the_home(household: Household):
    h = household
    key = h.project.key("events")
    with open_user_ws(h.project.server, h.owner) as ws:
        expect(key.client.put(f"/homes/{h.home}/event", json={"eventType": "sprinkler-status",
                                                              "eventData": {"zones": [0, 1]}}), 204)
        event = ws.recv_json()
    assert event["eventType"] == "sprinkler-status" and event["eventData"] == {"zones": [0, 1]}, event
    assert event["homeId"] == h.home and RFC3339_MS.match(event["timestamp"]), event
    assert event["originProjectKeyId"] in (key.id, str(key.id)), event
    assert event["originProjectKeyName"] == key.name and "originDeviceId" not in event, event


def test_events_keep_their_order(household: Household):
    h = household
    with open_user_ws(h.project.server, h.owner) as ws:
        for n in range(20):
            expect(h.device.client.put(f"/devices/{h.device.id}/event",
                                       json={"eventType": "tick", "eventData": {"n": n}}), 204)
        assert [ws.recv_json()["eventData"]["n"] for _ in range(20)] == list(range(20))


def test_event_input_rules(household: Household):
    h = household
    path = f"/devices/{h.device.id}/event"
    put = h.device.client.put
    expect_error(put(path, json={"eventType": "x", "eventData": [1, 2]}), [403], "INVALID_INPUT")
    expect_error(put(path, json={"eventType": "x", "eventData": "text"}), [403], "INVALID_INPUT")
    expect_error(put(path, json={"eventType": "", "eventData": {}}), [403], "INVALID_INPUT")
    expect_error(put(path, json={"eventType": "x" * 257, "eventData": {}}), [403], "INVALID_INPUT")
    expect_error(put(path, json={"eventData": {}}), [403], "INVALID_INPUT")
    with open_user_ws(h.project.server, h.owner) as ws:
        expect(put(path, json={"eventType": "y" * 256}), 204)
        event = ws.recv_json()
        assert event["eventType"] == "y" * 256 and event["eventData"] == {}, event
        expect(put(path, form={"eventType": "form-event", "eventData": {"a": 1}}), 204)
        event = ws.recv_json()
        assert event["eventType"] == "form-event" and event["eventData"] == {"a": 1}, event


def test_event_from_a_device_in_no_home_is_accepted(email_project: Project):
    device = email_project.new_device()
    expect(device.client.put(f"/devices/{device.id}/event", json={"eventType": "lonely", "eventData": {}}), 204)


def test_user_websocket_answers_pings_and_ignores_client_frames(household: Household):
    h = household
    with open_user_ws(h.project.server, h.owner) as ws:
        assert ws.ping(b"ts=1234") == b"ts=1234"
        ws.send_text('{"eventType": "from-client"}')
        ws.send_text("not even json")
        ws.expect_quiet(0.3)
        expect(h.device.client.put(f"/devices/{h.device.id}/event", json={"eventType": "after", "eventData": {}}), 204)
        assert ws.recv_json()["eventType"] == "after"


# ---------------------------------------------------------------------------------------------
# Commands and connection state


def test_commands_reach_the_connected_device(household: Household):
    h = household
    assert device_state(h)["isConnected"] is False
    with h.project.connect_device(h.device, via="header") as ws:
        state = device_state(h)
        assert state["isConnected"] is True and RFC3339_MS.match(state["lastConnectTime"]), state

        expect(send_command(h.owner.client, h.device, "light", {"on": True, "level": 3}), 204)
        assert ws.recv_json() == {"action": "light", "parameters": {"on": True, "level": 3}}
        expect(send_command(h.member.client, h.device, "fan", {}), 204)
        assert ws.recv_json()["action"] == "fan"
        expect(send_command(h.project.key("events").client, h.device, "reboot"), 204)
        assert ws.recv_json()["action"] == "reboot"
        assert ws.ping(b"keepalive") == b"keepalive"

    wait_until(lambda: device_state(h)["isConnected"] is False, timeout=5, what="isConnected false after close")
    state = device_state(h)
    assert RFC3339_MS.match(state.get("lastDisconnectTime") or ""), state
    expect_error(send_command(h.owner.client, h.device), [409], "DEVICE_OFFLINE")


def test_command_to_a_device_never_connected_is_409(household: Household):
    expect_error(send_command(household.owner.client, household.device), [409], "DEVICE_OFFLINE")


def test_command_input_rules(household: Household):
    h = household
    with h.project.connect_device(h.device):
        expect_error(h.owner.client.put(f"/devices/{h.device.id}/command", json={"parameters": {}}), [403],
                     "INVALID_INPUT")
        expect_error(h.owner.client.put(f"/devices/{h.device.id}/command", json={"action": ""}), [403],
                     "INVALID_INPUT")
        expect_error(send_command(h.owner.client, h.device, "x", [1, 2]), [403], "INVALID_INPUT")


def test_device_websocket_with_auth_token_query(household: Household):
    h = household
    with h.project.connect_device(h.device, via="query") as ws:
        expect(send_command(h.owner.client, h.device, "ping"), 204)
        assert ws.recv_json()["action"] == "ping"


def test_is_connected_while_any_connection_is_open(household: Household):
    h = household
    first = h.project.connect_device(h.device)
    second = h.project.connect_device(h.device)
    first.close()
    expect(send_command(h.owner.client, h.device, "still-there"), 204)
    assert second.recv_json()["action"] == "still-there"
    assert device_state(h)["isConnected"] is True
    second.close()
    wait_until(lambda: device_state(h)["isConnected"] is False, timeout=5, what="isConnected false")


def test_device_websocket_rejects_other_credentials(household: Household):
    h = household
    other = h.project.device_in_home(h.owner, h.home)
    path = f"/devices/{h.device.id}/command"
    for token, statuses in ((None, {401}), (other.api_key, {403, 404}), (h.owner.token, {403, 404}),
                            (h.project.key("events").key, {403, 404}), ("v1.d.bogus", {401})):
        with pytest.raises(WebSocketRejected) as rejected:
            h.project.server.ws(path, token, via="header").close()
        rejected.value.assert_refused(statuses)


def test_deleting_a_device_closes_its_websocket_and_revokes_its_key(household: Household):
    h = household
    ws = h.project.connect_device(h.device)
    expect(h.owner.client.delete(f"/devices/{h.device.id}"), 204)
    assert ws.wait_closed(5) == 1008
    expect_error(h.device.client.put(f"/devices/{h.device.id}/event", json={"eventType": "x"}), [401],
                 "INVALID_AUTH_TOKEN")
    expect_error(h.owner.client.get(f"/devices/{h.device.id}"), [404], "NOT_FOUND")


def test_member_updates_device_name_and_tag(household: Household):
    h = household
    expect(h.member.client.patch(f"/devices/{h.device.id}", json={"name": "Porch", "tag": "front"}), 204)
    state = device_state(h)
    assert state["name"] == "Porch" and state["tag"] == "front" and state["homeId"] == h.home, state
