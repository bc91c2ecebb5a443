"""Issue 11, defect 6: SMS codes and emails to an address the caller chooses are limited per target
(10 per hour by default, counted in the database, so the count survives a restart) and per client
address, refused with 429 in the dialect's format; wrong SMS codes count across re-issued codes
(docs/security.md, "Sign-in, codes and messages").

The sinks are shared by the session, so each test uses addresses of its own; each test has a
server of its own, as it exhausts limits on purpose."""

from __future__ import annotations

import http.client
import json
import time

from cayenne import Cayenne, oauth_error
from harness import expect, expect_error, wait_until
from world import Project, unique_email, unique_phone

PER_TARGET = 10  # the default of --message-limit-per-target


def sms_count(project: Project, phone: str) -> int:
    return project.sms.count(lambda r: r.form().get("To") == phone)


def settle() -> None:
    """Gives the outbox a moment to deliver what was accepted, before counting the sinks."""
    time.sleep(1.0)


def test_sms_codes_to_one_number_are_limited_and_the_count_survives_a_restart(server_factory):
    server = server_factory()
    project = Project(server, "phone")
    phone, other = unique_phone(), unique_phone()
    expect(project.anon.post("/users", json={"projectId": project.id, "phoneNumber": phone, "name": "P"}), 201)
    expect(project.anon.post("/users", json={"projectId": project.id, "phoneNumber": other, "name": "Q"}), 201)

    def ask(number: str):
        return project.anon.post("/auth/user/sms", json={"projectId": project.id, "phoneNumber": number})

    for _ in range(PER_TARGET - 1):  # the sign-up sent the first
        expect(ask(phone), 200)
    expect_error(ask(phone), [429], "TOO_MANY_ATTEMPTS")
    wait_until(lambda: sms_count(project, phone) >= PER_TARGET, what=f"{PER_TARGET} SMS to {phone}")
    settle()
    assert sms_count(project, phone) == PER_TARGET
    # Another number is still served.
    expect(ask(other), 200)

    server.restart()
    expect_error(ask(phone), [429], "TOO_MANY_ATTEMPTS")
    expect(ask(other), 200)
    settle()
    assert sms_count(project, phone) == PER_TARGET


def test_wrong_codes_count_across_reissued_codes(server_factory):
    server = server_factory()
    project = Project(server, "phone")
    phone = unique_phone()
    expect(project.anon.post("/users", json={"projectId": project.id, "phoneNumber": phone, "name": "P"}), 201)
    first = project.sms.code_for(phone)

    def sign_in(code: str):
        return project.anon.post("/auth/user", json={"appId": project.app_id, "phoneNumber": phone, "code": code})

    def wrong(code: str) -> str:
        return "000000" if code != "000000" else "111111"

    for _ in range(4):
        expect_error(sign_in(wrong(first)), [403], "INVALID_AUTH_CODE")
    expect(project.anon.post("/auth/user/sms", json={"projectId": project.id, "phoneNumber": phone}), 200)
    second = project.sms.code_for(phone)
    expect_error(sign_in(wrong(second)), [403], "INVALID_AUTH_CODE")
    # Five wrong codes for the number within the window: a new code bought no new guesses.
    expect_error(sign_in(second), [429], "TOO_MANY_ATTEMPTS")


def test_emails_to_one_address_are_limited_on_every_path(server_factory):
    server = server_factory()
    project = Project(server, "email")
    mailbox = project.mailbox
    owner = project.new_user()
    home = project.new_home(owner)
    target = unique_email()
    anon = project.anon

    sent = [lambda: expect(anon.post("/users", json={"projectId": project.id, "email": target,
                                                     "password": "long-enough-password", "name": "T"}), 201)]
    sent += [lambda: expect(anon.post("/auth/user/emailVerification/start",
                                      json={"projectId": project.id, "email": target}), 200)] * 3
    sent += [lambda: expect(anon.post("/auth/user/passwordReset/start",
                                      json={"projectId": project.id, "email": target}), 200)] * 3
    for send in sent:
        send()
    member = None
    for _ in range(PER_TARGET - len(sent)):  # invitations: add, remove, add again
        member = expect(owner.client.post(f"/homes/{home}/members", json={"email": target}), 201)
        expect(owner.client.delete(f"/homes/{home}/members/{member['userId']}"), 204)
    assert member is not None

    expect_error(owner.client.post(f"/homes/{home}/members", json={"email": target}), [429], "TOO_MANY_ATTEMPTS")
    assert all(m["userId"] != member["userId"] for m in expect(owner.client.get(f"/homes/{home}/members"), 200))
    expect_error(anon.post("/auth/user/passwordReset/start", json={"projectId": project.id, "email": target}),
                 [429], "TOO_MANY_ATTEMPTS")
    expect_error(anon.post("/auth/user/emailVerification/start", json={"projectId": project.id, "email": target}),
                 [429], "TOO_MANY_ATTEMPTS")
    wait_until(lambda: mailbox.count(target) >= PER_TARGET, what=f"{PER_TARGET} mails to {target}")
    settle()
    assert mailbox.count(target) == PER_TARGET
    # Another address is still served.
    expect(anon.post("/auth/user/passwordReset/start", json={"projectId": project.id, "email": owner.email}), 200)


def test_cayenne_forgot_is_limited_alike_for_known_and_unknown_addresses(server_factory):
    server = server_factory()
    c = Cayenne(server)
    app = c.app()
    user = c.sign_up(app)
    unknown = unique_email()
    for email in (user.email, unknown):
        for _ in range(PER_TARGET):
            assert expect(c.post("/cayenne/password/forgot", json={"email": email}), 200) == {"success": True}
        oauth_error(c.post("/cayenne/password/forgot", json={"email": email}), 429, "too_many_attempts")
    wait_until(lambda: c.server.mailbox.count(user.email) >= PER_TARGET, what="reset mails")
    settle()
    assert c.server.mailbox.count(user.email) == PER_TARGET
    assert c.server.mailbox.count(unknown) == 0


def post_from(source: str, port: int, path: str, body: dict) -> tuple[int, dict]:
    """A POST from another loopback address (`127.0.0.2`), as a second client."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_one_client_address_cannot_spray_many_targets(server_factory):
    per_address = 5
    server = server_factory(extra_args=["--message-limit-per-address", str(per_address)])
    project = Project(server, "email")

    def sign_up(email: str):
        return project.anon.post("/users", json={"projectId": project.id, "email": email,
                                                 "password": "long-enough-password", "name": "S"})

    for _ in range(per_address):
        expect(sign_up(unique_email()), 201)
    sprayed = unique_email()
    expect_error(sign_up(sprayed), [429], "TOO_MANY_ATTEMPTS")
    settle()
    assert project.mailbox.count(sprayed) == 0
    # A client at another address is still served.
    status, body = post_from("127.0.0.2", server.http_port, "/mode/users",
                             {"projectId": project.id, "email": unique_email(), "password": "long-enough-password"})
    assert status == 201, body
