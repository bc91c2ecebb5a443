"""Email account mode: sign-up, verification (POST and link), sign-in, password reset, profile."""

import requests

from harness import expect, expect_error
from world import PASSWORD, Project, unique_email

VERIFY_PATH = "/mode/auth/user/emailVerification"
RESET_PATH = "/mode/auth/user/passwordReset"


def test_sign_up_sends_a_verification_mail_whose_token_verifies_once(email_project: Project, mailbox, server):
    email = unique_email()
    user = email_project.sign_up_email(email, name="Ada")
    assert user["email"] == email and user["name"] == "Ada" and user["verified"] is False, user
    assert user["projectId"] == email_project.id and isinstance(user["id"], int), user
    assert "password" not in user, user

    mail = mailbox.pop(email)
    assert mail.link(VERIFY_PATH).startswith(server.base_url + VERIFY_PATH), mail.text
    token = mail.token(VERIFY_PATH)
    verified = expect(email_project.anon.post("/auth/user/emailVerification", json={"token": token}), 200)
    assert verified == {"projectId": email_project.id, "email": email}, verified

    signed_in = email_project.sign_in_email(email)
    assert expect(signed_in.client.get(f"/users/{signed_in.id}"), 200)["verified"] is True
    expect_error(email_project.anon.post("/auth/user/emailVerification", json={"token": token}), [403],
                 "INVALID_TOKEN")


def test_verification_link_opened_in_a_browser_verifies(email_project: Project, mailbox):
    email = unique_email()
    email_project.sign_up_email(email)
    page = requests.get(mailbox.pop(email).link(VERIFY_PATH), timeout=10)
    assert page.status_code == 200, page.text
    assert page.headers.get("Content-Type", "").startswith("text/html"), page.headers
    user = email_project.sign_in_email(email)
    assert expect(user.client.get(f"/users/{user.id}"), 200)["verified"] is True


def test_verification_mail_can_be_sent_again(email_project: Project, mailbox):
    email = unique_email()
    email_project.sign_up_email(email)
    mailbox.pop(email)
    resp = email_project.anon.post("/auth/user/emailVerification/start",
                                   form={"projectId": email_project.id, "email": email})
    expect(resp, 200)
    token = mailbox.pop(email).token(VERIFY_PATH)
    expect(email_project.anon.post("/auth/user/emailVerification", form={"token": token}), 200)


def test_sign_in_returns_client_authentication(email_project: Project):
    email = unique_email()
    email_project.sign_up_email(email)
    # JSON without projectId (it follows from the app) ...
    auth = expect(email_project.anon.post("/auth/user", json={"appId": email_project.app_id, "email": email,
                                                              "password": PASSWORD}), 200)
    assert auth["token"].startswith("v1.u.") and isinstance(auth["userId"], int), auth
    assert auth["projectId"] == email_project.id and auth["appId"] == email_project.app_id, auth
    # ... and as a form with projectId, as MODE's web SDK sends it.
    form_auth = expect(email_project.anon.post("/auth/user", form={
        "projectId": email_project.id, "appId": email_project.app_id, "email": email, "password": PASSWORD}), 200)
    assert form_auth["userId"] == auth["userId"] and form_auth["token"] != auth["token"], form_auth
    session = expect(email_project.server.client(auth["token"]).get("/userSession"), 200)
    assert session["userId"] == auth["userId"] and session["appId"] == email_project.app_id, session
    assert session["projectId"] == email_project.id, session


def test_wrong_password_and_unknown_email_are_refused(email_project: Project):
    email = unique_email()
    email_project.sign_up_email(email)
    post = email_project.anon.post
    expect_error(post("/auth/user", json={"appId": email_project.app_id, "email": email,
                                          "password": "wrong-password"}), [403], "INCORRECT_PASSWORD")
    expect_error(post("/auth/user", json={"appId": email_project.app_id, "email": unique_email(),
                                          "password": PASSWORD}), [403], "UNKNOWN_EMAIL")
    expect_error(post("/auth/user", json={"appId": "no-such-app", "email": email, "password": PASSWORD}),
                 [403, 404])


def test_sign_up_validation(email_project: Project, mailbox):
    def sign_up(**fields):
        body = {"projectId": email_project.id, "email": unique_email(), "password": PASSWORD, "name": "N"}
        body.update(fields)
        return email_project.anon.post("/users", json=body)

    expect_error(sign_up(email="not-an-email"), [403], "INVALID_EMAIL")
    expect_error(sign_up(password="short"), [403], "PASSWORD_TOO_SHORT")
    expect_error(sign_up(email=None), [403])
    expect_error(sign_up(projectId=987654321), [403, 404])

    email = unique_email()
    expect(sign_up(email=email), 201)
    expect_error(sign_up(email=email), [403], ["EMAIL_IN_USE", "USER_EXISTS_UNVERIFIED"])
    token = mailbox.pop(email).token(VERIFY_PATH)
    expect(email_project.anon.post("/auth/user/emailVerification", json={"token": token}), 200)
    expect_error(sign_up(email=email), [403], "EMAIL_IN_USE")


def test_password_reset_ends_every_session(email_project: Project, mailbox):
    email = unique_email()
    email_project.sign_up_email(email)
    first, second = email_project.sign_in_email(email), email_project.sign_in_email(email)

    start = email_project.anon.post("/auth/user/passwordReset/start", json={"projectId": email_project.id,
                                                                            "email": email})
    assert expect(start, 200) == {"email": email}
    mail = mailbox.pop(email)
    while RESET_PATH not in mail.text:  # skip the sign-up verification mail
        mail = mailbox.pop(email)
    form_page = requests.get(mail.link(RESET_PATH), timeout=10)
    assert form_page.status_code == 200 and "html" in form_page.headers.get("Content-Type", ""), form_page.text

    new_password = "another-long-password"
    reset = email_project.anon.post("/auth/user/passwordReset", json={"token": mail.token(RESET_PATH),
                                                                      "newPassword": new_password})
    assert expect(reset, 200) == {"projectId": email_project.id, "email": email}

    for old in (first, second):
        expect_error(old.client.get("/userSession"), [401], "INVALID_AUTH_TOKEN")
    expect_error(email_project.anon.post("/auth/user", json={"appId": email_project.app_id, "email": email,
                                                             "password": PASSWORD}), [403], "INCORRECT_PASSWORD")
    email_project.sign_in_email(email, new_password)
    expect_error(email_project.anon.post("/auth/user/passwordReset", json={"token": mail.token(RESET_PATH),
                                                                           "newPassword": "yet-another-one"}),
                 [403], "INVALID_TOKEN")


def test_password_reset_rejects_a_short_password(email_project: Project, mailbox):
    email = unique_email()
    email_project.sign_up_email(email)
    mailbox.pop(email)
    expect(email_project.anon.post("/auth/user/passwordReset/start", form={"projectId": email_project.id,
                                                                           "email": email}), 200)
    token = mailbox.pop(email).token(RESET_PATH)
    expect_error(email_project.anon.post("/auth/user/passwordReset", form={"token": token, "newPassword": "short"}),
                 [403], "PASSWORD_TOO_SHORT")
    expect_error(email_project.anon.post("/auth/user/passwordReset", form={"token": "v1.x.bogus",
                                                                           "newPassword": "long-enough-pw"}),
                 [403], "INVALID_TOKEN")


def test_user_can_read_rename_and_delete_itself(email_project: Project):
    user = email_project.new_user(name="Before")
    me = expect(user.client.get(f"/users/{user.id}"), 200)
    assert me["id"] == user.id and me["name"] == "Before" and me["email"] == user.email, me
    expect(user.client.patch(f"/users/{user.id}", json={"name": "After"}), 204)
    assert expect(user.client.get(f"/users/{user.id}"), 200)["name"] == "After"

    expect(user.client.delete(f"/users/{user.id}"), 204)
    expect_error(user.client.get("/userSession"), [401], "INVALID_AUTH_TOKEN")
    expect_error(email_project.anon.post("/auth/user", json={"appId": email_project.app_id, "email": user.email,
                                                             "password": PASSWORD}), [403], "UNKNOWN_EMAIL")
