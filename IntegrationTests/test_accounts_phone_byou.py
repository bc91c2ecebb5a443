"""Phone account mode (SMS codes through the gateway sink) and BYOU (project key with `byou`)."""

import base64

from harness import expect, expect_error
from world import Project, unique_phone


def sign_up_phone(project: Project, phone: str, name: str = "Grace"):
    return project.anon.post("/users", json={"projectId": project.id, "phoneNumber": phone, "name": name})


def sign_in_phone(project: Project, phone: str, code: str):
    return project.anon.post("/auth/user", form={"appId": project.app_id, "phoneNumber": phone, "code": code})


def test_phone_sign_up_sends_a_code_over_the_gateway(phone_project: Project, sms):
    phone = unique_phone()
    user = expect(sign_up_phone(phone_project, phone), 201)
    assert user["phoneNumber"] == phone and user["verified"] is False, user

    message = sms.pop_to(phone)
    assert message.method == "POST" and message.path == "/sms", message
    form = message.form()
    assert form["From"] == sms.FROM, form
    expected_auth = "Basic " + base64.b64encode(f"{sms.USER}:{sms.PASSWORD}".encode()).decode()
    assert message.headers.get("authorization") == expected_auth, message.headers
    code = sms.code_in(message)

    auth = expect(sign_in_phone(phone_project, phone, code), 200)
    assert auth["userId"] == user["id"] and auth["token"].startswith("v1.u."), auth
    client = phone_project.server.client(auth["token"])
    assert expect(client.get(f"/users/{user['id']}"), 200)["verified"] is True
    # A code works once.
    expect_error(sign_in_phone(phone_project, phone, code), [403], "INVALID_AUTH_CODE")


def test_sms_sign_in_with_a_new_code(phone_project: Project, sms):
    phone = unique_phone()
    expect(sign_up_phone(phone_project, phone), 201)
    sms.code_for(phone)
    receipt = phone_project.anon.post("/auth/user/sms", form={"projectId": phone_project.id, "phoneNumber": phone})
    assert expect(receipt, 200) == {"recipient": phone}
    code = sms.code_for(phone)
    expect(sign_in_phone(phone_project, phone, code), 200)


def test_wrong_codes_are_refused_then_throttled(phone_project: Project, sms):
    phone = unique_phone()
    expect(sign_up_phone(phone_project, phone), 201)
    code = sms.code_for(phone)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        expect_error(sign_in_phone(phone_project, phone, wrong), [403], "INVALID_AUTH_CODE")
    expect_error(sign_in_phone(phone_project, phone, code), [429], "TOO_MANY_ATTEMPTS")


def test_phone_sign_up_validation(phone_project: Project):
    expect_error(sign_up_phone(phone_project, "555-1234"), [403], "INVALID_PHONE_NUMBER")
    expect_error(sign_up_phone(phone_project, "+12"), [403], "INVALID_PHONE_NUMBER")
    expect_error(sign_up_phone(phone_project, "+1234567890123456"), [403], "INVALID_PHONE_NUMBER")


def test_a_phone_number_signs_up_once(phone_project: Project, sms):
    phone = unique_phone()
    first = expect(sign_up_phone(phone_project, phone), 201)
    sms.code_for(phone)
    # Until the number is verified, signing up again is how a lost code (or an invited number)
    # gets a new one: same user, new code (docs/mode.md, Accounts).
    again = expect(sign_up_phone(phone_project, phone, name="Grace H"), 201)
    assert again["id"] == first["id"] and again["name"] == "Grace H", again
    expect(sign_in_phone(phone_project, phone, sms.code_for(phone)), 200)
    expect_error(sign_up_phone(phone_project, phone), [403], "PHONE_NUMBER_IN_USE")


def test_sms_code_for_an_unknown_number_is_refused(phone_project: Project):
    expect_error(phone_project.anon.post("/auth/user/sms", json={"projectId": phone_project.id,
                                                                 "phoneNumber": unique_phone()}),
                 [403], ["UNKNOWN_USER", "INVALID_PHONE_NUMBER"])


def test_email_sign_up_is_refused_in_a_phone_project(phone_project: Project):
    expect_error(phone_project.anon.post("/users", json={"projectId": phone_project.id, "email": "a@example.test",
                                                         "password": "long-enough-pw", "name": "x"}), [403])


def test_byou_users_are_created_and_signed_in_with_a_byou_key(byou_project: Project):
    key = byou_project.key("byou").client
    user = expect(key.post("/users", json={"projectId": byou_project.id, "externalKey": "ext-42",
                                           "name": "Linus"}), 201)
    assert user["verified"] is True and user["name"] == "Linus", user
    auth = expect(key.post("/auth/user", json={"projectId": byou_project.id, "userId": user["id"],
                                               "appId": byou_project.app_id}), 200)
    assert auth["userId"] == user["id"] and auth["token"].startswith("v1.u."), auth
    session = expect(byou_project.server.client(auth["token"]).get("/userSession"), 200)
    assert session["userId"] == user["id"], session


def test_byou_needs_a_byou_key_of_the_same_project(byou_project: Project, make_project):
    body = {"projectId": byou_project.id, "name": "Nobody"}
    expect_error(byou_project.anon.post("/users", json=body), [401, 403])
    expect_error(byou_project.key_without("byou").client.post("/users", json=body), [403])
    other = make_project("byou")
    expect_error(other.key("byou").client.post("/users", json=body), [403, 404])

    user = byou_project.new_user()
    auth_body = {"projectId": byou_project.id, "userId": user.id, "appId": byou_project.app_id}
    expect_error(byou_project.anon.post("/auth/user", json=auth_body), [401, 403])
    expect_error(byou_project.key_without("byou").client.post("/auth/user", json=auth_body), [403])
    expect_error(other.key("byou").client.post("/auth/user", json=auth_body), [403, 404])
    expect_error(byou_project.key("byou").client.post("/auth/user", json={**auth_body, "userId": 987654321}),
                 [403, 404])
