"""Issue 11, defect 10: control characters in names and types are refused, not stored or cut off.

`POST /mode/homes {"name": "a\\u0000b"}` used to answer 201, store the NUL and read back "a". Every
name and type a use case checks (homes, devices, users, roles, apps, event types, command actions,
Cayenne first and last names, ...) now refuses control characters other than tab and newline with the
dialect's invalid-input error, and nothing changes."""

import pytest

from cayenne import Cayenne, expect_json, oauth_error
from harness import expect, expect_error
from world import Project, User, unique_email

# NUL, another C0 control, DEL, a bare CR, a C1 control.
REFUSED = ["a\u0000b", "a\u0001b", "a\u007fb", "a\rb", "a\u0085b"]


@pytest.fixture
def owner(email_project: Project) -> User:
    return email_project.new_user()


@pytest.mark.parametrize("name", REFUSED, ids=["nul", "soh", "del", "cr", "nel"])
def test_mode_home_names_with_control_characters_are_refused(email_project: Project, owner: User, name: str):
    before = expect(owner.client.get("/homes"), 200)
    resp = owner.client.post("/homes", json={"name": name})
    assert expect_error(resp, [403], "INVALID_INPUT")
    assert resp.json()["data"]["field"] == "name", resp.text
    assert expect(owner.client.get("/homes"), 200) == before, "a refused home must not be created"

    home = email_project.new_home(owner, "kept")
    expect_error(owner.client.patch(f"/homes/{home}", json={"name": name}), [403], "INVALID_INPUT")
    assert expect(owner.client.get(f"/homes/{home}"), 200)["name"] == "kept", "a refused rename changes nothing"


def test_mode_tab_and_newline_are_kept(email_project: Project, owner: User):
    for name in ["two\twords", "first line\nsecond line"]:
        home = expect(owner.client.post("/homes", json={"name": name}), 201)
        assert home["name"] == name, home
        assert expect(owner.client.get(f"/homes/{home['id']}"), 200)["name"] == name


def test_mode_device_names_event_types_and_actions_refuse_control_characters(email_project: Project, owner: User):
    home = email_project.new_home(owner)
    device = email_project.device_in_home(owner, home)
    path = f"/devices/{device.id}"
    before = expect(owner.client.get(path), 200)
    expect_error(owner.client.patch(path, json={"name": "lamp\u0000x"}), [403], "INVALID_INPUT")
    assert expect(owner.client.get(path), 200) == before
    expect_error(device.client.put(f"{path}/event", json={"eventType": "on\u0000off", "eventData": {}}), [403],
                 "INVALID_INPUT")
    expect_error(device.client.put(f"{path}/event", json={"eventType": "on\roff", "eventData": {}}), [403],
                 "INVALID_INPUT")
    expect(device.client.put(f"{path}/event", json={"eventType": "on\toff", "eventData": {}}), 204)
    with email_project.connect_device(device) as ws:
        expect_error(owner.client.put(f"{path}/command", json={"action": "open\u0000", "parameters": {}}), [403],
                     "INVALID_INPUT")
        ws.expect_quiet(0.3)


def test_mode_user_names_refuse_control_characters(email_project: Project):
    email = unique_email()
    resp = email_project.anon.post("/users", json={"projectId": email_project.id, "email": email,
                                                     "password": "correct horse", "name": "Ada\u0000Lovelace"})
    expect_error(resp, [403], "INVALID_INPUT")
    # Nothing was made: the same address signs up afterwards.
    email_project.sign_up_email(email, name="Ada Lovelace")
    resp = email_project.anon.post("/users", json={"projectId": email_project.id, "email": "x\u0000" + unique_email(),
                                                     "password": "correct horse", "name": "Ada"})
    expect_error(resp, [403], "INVALID_EMAIL")


@pytest.mark.parametrize("name", REFUSED, ids=["nul", "soh", "del", "cr", "nel"])
def test_cayenne_sign_up_refuses_control_characters(cayenne: Cayenne, name: str):
    app = cayenne.app()
    email = unique_email()
    body = {"first_name": name, "last_name": "Lovelace", "email": email, "password": "correct horse",
            "application_id": app.id}
    error = oauth_error(cayenne.post("/cayenne/users", json=body), 400, "invalid_request")
    assert "first_name" in error.get("error_description", ""), error
    # Nothing was made: the address is still free.
    user = cayenne.sign_up(app, email=email, first_name="Ada\tMaria")
    assert user.info.get("first_name") == "Ada\tMaria", user.info


def test_cayenne_profile_update_refuses_control_characters(cayenne: Cayenne):
    app = cayenne.app()
    user = cayenne.sign_up(app, first_name="Ada")
    token = cayenne.tokens(app, user)["access_token"]
    oauth_error(cayenne.put(f"/cayenne/users/{user.id}", token, json={"first_name": "A\u0000da"}), 400,
                "invalid_request")
    assert expect_json(cayenne.me(token), 200).get("first_name") == "Ada"
