"""Issue 11, defect 5: one sign-in throttle for every dialect (docs/security.md, "Sign-in, codes and
messages"). MODE's email sign-in, its SMS-code sign-in and Cayenne's password grant count failures
per account (project + address or number) and per client address, and answer 429 in the dialect's
error format by the 11th failure; an attempt is counted before its password is checked, so
concurrent guesses cannot get past the limit.

Every test fails sign-ins on purpose from 127.0.0.1, so each has a server of its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from cayenne import Cayenne, oauth_error
from harness import expect, expect_error
from world import PASSWORD, Project, unique_email, unique_phone

LIMIT = 10  # the default of --sign-in-max-failures


def sign_in(project: Project, email: str, password: str):
    return project.anon.post("/auth/user", json={"appId": project.app_id, "email": email, "password": password})


def test_mode_password_sign_in_is_refused_after_ten_failures(server_factory):
    # The address limit is raised so that this test sees the account's limit alone.
    server = server_factory(extra_args=["--sign-in-max-failures-per-address", "1000"])
    project, elsewhere = Project(server, "email"), Project(server, "email")
    email = unique_email()
    project.sign_up_email(email)
    elsewhere.sign_up_email(email)  # the same address in another project is another account
    bystander = unique_email()
    project.sign_up_email(bystander)

    for attempt in range(LIMIT):
        expect_error(sign_in(project, email, f"wrong-password-{attempt}"), [403], "INCORRECT_PASSWORD")
    expect_error(sign_in(project, email, PASSWORD), [429], "TOO_MANY_ATTEMPTS")
    expect_error(sign_in(project, email, "wrong-again"), [429], "TOO_MANY_ATTEMPTS")

    # Only that account is locked: the same email in another project, and another user, sign in.
    elsewhere.sign_in_email(email)
    project.sign_in_email(bystander)


def test_concurrent_guesses_do_not_get_past_the_limit(server_factory):
    server = server_factory(extra_args=["--sign-in-max-failures-per-address", "1000"])
    project = Project(server, "email")
    email = unique_email()
    project.sign_up_email(email)

    def guess(n: int):
        return sign_in(project, email, f"guess-{n}")

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(guess, range(32)))
    statuses = sorted(r.status_code for r in answers)
    evaluated = [r for r in answers if r.status_code == 403]
    assert all(r.json()["reason"] == "INCORRECT_PASSWORD" for r in evaluated), [r.text for r in evaluated]
    assert len(evaluated) <= LIMIT, f"{len(evaluated)} of 32 concurrent guesses were checked: {statuses}"
    assert all(r.status_code in (403, 429) for r in answers), statuses
    assert statuses.count(429) >= 32 - LIMIT, statuses
    expect_error(sign_in(project, email, PASSWORD), [429], "TOO_MANY_ATTEMPTS")


def test_failures_from_one_address_lock_that_address_for_mode(server_factory):
    server = server_factory()
    project = Project(server, "email")
    victims = [unique_email() for _ in range(3)]
    for email in victims:
        project.sign_up_email(email)
    # Spread over accounts, so that no account reaches its own limit.
    for attempt in range(LIMIT):
        expect_error(sign_in(project, victims[attempt % 3], "not-it"), [403], "INCORRECT_PASSWORD")
    expect_error(sign_in(project, victims[0], PASSWORD), [429], "TOO_MANY_ATTEMPTS")


def test_sms_code_sign_in_is_throttled_per_account(server_factory):
    """Wrong codes count for the throttle like wrong passwords; the SMS budget (5 wrong codes per
    number and window, test_hardening_messages.py) is raised here to see the throttle itself."""
    server = server_factory(extra_args=["--sign-in-max-failures-per-address", "1000",
                                        "--sms-code-max-failures", "100"])
    project = Project(server, "phone")
    phone = unique_phone()
    expect(project.anon.post("/users", json={"projectId": project.id, "phoneNumber": phone, "name": "P"}), 201)
    code = project.sms.code_for(phone)
    wrong = "000000" if code != "000000" else "111111"

    def sign_in_phone(value: str):
        return project.anon.post("/auth/user", json={"appId": project.app_id, "phoneNumber": phone, "code": value})

    for _ in range(LIMIT):
        expect_error(sign_in_phone(wrong), [403], "INVALID_AUTH_CODE")
    expect_error(sign_in_phone(code), [429], "TOO_MANY_ATTEMPTS")


def test_one_throttle_for_mode_and_cayenne(server_factory):
    """Failures through MODE's sign-in lock the same account's Cayenne password grant."""
    server = server_factory(extra_args=["--sign-in-max-failures-per-address", "1000"])
    c = Cayenne(server)
    app = c.app()
    user = c.sign_up(app)
    for attempt in range(LIMIT):
        resp = c.project.anon.post("/auth/user", json={"appId": app.id, "email": user.email,
                                                       "password": f"wrong-{attempt}"})
        expect_error(resp, [403], "INCORRECT_PASSWORD")
    oauth_error(c.password_grant(app, user), 429, "too_many_attempts")
    expect_error(sign_in(c.project, user.email, PASSWORD), [429], "TOO_MANY_ATTEMPTS")
