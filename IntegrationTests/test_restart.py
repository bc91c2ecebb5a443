"""A restart on the same data dir keeps users, sessions, homes, members, devices, keys and KV; a
SIGTERM with WebSockets open still exits 0 within 10 s."""

from harness import expect
from world import Project, open_user_ws


def test_restart_keeps_everything(private_server):
    project = Project(private_server, "email")
    owner, member = project.new_user(), project.new_user()
    home = project.new_home(owner, "Before restart")
    project.add_member(owner, home, member)
    device = project.device_in_home(owner, home)
    key = project.key("events", "kv")
    expect(owner.client.put(f"/homes/{home}/kv/colour", json={"value": {"hex": "#00ff00"}}), 204)
    expect(device.client.put(f"/devices/{device.id}/kv/firmware", json={"value": "1.0"}), 204)

    private_server.restart()  # asserts exit status 0 within 10 s of SIGTERM

    expect(owner.client.get("/userSession"), 200)
    project.sign_in_email(owner.email)
    assert expect(owner.client.get(f"/homes/{home}"), 200)["name"] == "Before restart"
    members = expect(owner.client.get(f"/homes/{home}/members"), 200)
    assert sorted(m["userId"] for m in members) == sorted([owner.id, member.id]), members
    assert expect(member.client.get(f"/homes/{home}/kv/colour"), 200)["value"] == {"hex": "#00ff00"}
    assert expect(device.client.get(f"/devices/{device.id}/kv/firmware"), 200)["value"] == "1.0"
    assert expect(owner.client.get(f"/devices/{device.id}"), 200)["homeId"] == home
    expect(key.client.put(f"/homes/{home}/kv/colour", json={"value": "red"}), 204)

    with open_user_ws(private_server, member) as ws:
        expect(device.client.put(f"/devices/{device.id}/event", json={"eventType": "after-restart",
                                                                      "eventData": {}}), 204)
        assert ws.recv_json()["eventType"] == "after-restart"
    with project.connect_device(device) as ws:
        expect(owner.client.put(f"/devices/{device.id}/command", json={"action": "hello"}), 204)
        assert ws.recv_json()["action"] == "hello"

    assert project.new_home(owner) != home
    assert project.new_device().id != device.id


def test_sigterm_with_open_websockets_exits_cleanly(private_server):
    project = Project(private_server, "email")
    owner = project.new_user()
    home = project.new_home(owner)
    device = project.device_in_home(owner, home)
    device_ws = project.connect_device(device)
    user_ws = open_user_ws(private_server, owner, settle=0)

    private_server.restart()  # asserts exit status 0 within 10 s of SIGTERM
    device_ws.wait_closed(5)
    user_ws.wait_closed(5)
    # No connection survives a restart, so the device is not connected any more.
    assert expect(owner.client.get(f"/devices/{device.id}"), 200)["isConnected"] is False
