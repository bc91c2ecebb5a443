"""The server-rendered HTML pages of both dialects (MODE's email verification and password reset
pages, Cayenne's sign-in, consent and password pages) are sent with the security headers: a
Content-Security-Policy that allows no script and no framing, X-Frame-Options DENY, no caching, no
referrer, no content sniffing. The sign-in and consent forms end in a redirect to the app, which
Chrome and Safari hold to `form-action`, so their policy names the app's redirect origin."""

from __future__ import annotations

import requests

from cayenne import OTHER_REDIRECT, REDIRECT, Browser, Cayenne, Page
from harness import HTTP_TIMEOUT, NimbusServer, describe
from world import Project, unique_email

VERIFY_PATH = "/mode/auth/user/emailVerification"


def policy(resp: requests.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive -> sources."""
    directives: dict[str, list[str]] = {}
    for part in resp.headers.get("Content-Security-Policy", "").split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_secure_page(resp: requests.Response, form_targets: tuple[str, ...] = ()) -> None:
    assert resp.headers.get("Content-Type", "").startswith("text/html"), describe(resp)
    csp = policy(resp)
    assert csp.get("default-src") == ["'none'"], resp.headers
    assert csp.get("frame-ancestors") == ["'none'"], resp.headers
    assert "script-src" not in csp, "the pages run no script"
    assert sorted(csp.get("form-action", [])) == sorted(["'self'", *form_targets]), resp.headers
    assert resp.headers.get("X-Frame-Options") == "DENY", resp.headers
    assert "no-store" in resp.headers.get("Cache-Control", ""), resp.headers
    assert resp.headers.get("Referrer-Policy") == "no-referrer", resp.headers
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", resp.headers


def test_mode_account_pages_send_the_security_headers(server: NimbusServer, email_project: Project, mailbox):
    reset = requests.get(server.base_url + "/mode/auth/user/passwordReset", params={"token": "v1.x.y"}, timeout=HTTP_TIMEOUT)
    assert reset.status_code == 200 and "<form" in reset.text, describe(reset)
    assert_secure_page(reset)

    expired = requests.get(server.base_url + VERIFY_PATH, params={"token": "v1.x.bogus"}, timeout=HTTP_TIMEOUT)
    assert expired.status_code == 403, describe(expired)
    assert_secure_page(expired)

    email = unique_email()
    email_project.sign_up_email(email)
    verified = requests.get(mailbox.pop(email).link(VERIFY_PATH), timeout=HTTP_TIMEOUT)
    assert verified.status_code == 200, describe(verified)
    assert_secure_page(verified)


def test_cayenne_sign_in_and_consent_pages_send_the_security_headers(cayenne: Cayenne):
    c = cayenne
    for redirect_uri, origin in ((REDIRECT, "https://app.example.test"), (OTHER_REDIRECT, "com.example.tank:")):
        app = c.app(redirect_uris=(redirect_uri,))
        user = c.sign_up(app)
        browser = Browser(c.server)
        _, url, _, _ = c.authorization_request(app)
        sign_in = browser.open(url)
        assert sign_in.status_code == 200 and Page.of(sign_in).sign_in_form is not None, describe(sign_in)
        assert_secure_page(sign_in, (origin,))
        consent = browser.sign_in(sign_in, user.email, user.password)
        assert consent.status_code == 200 and Page.of(consent).consent_form() is not None, describe(consent)
        assert_secure_page(consent, (origin,))


def test_cayenne_error_and_password_pages_send_the_security_headers(cayenne: Cayenne):
    base = cayenne.server.base_url
    unknown_client = requests.get(base + "/cayenne/oauth/authorize", params={"response_type": "code", "client_id": "nobody"},
                                  timeout=HTTP_TIMEOUT)
    assert unknown_client.status_code == 400, describe(unknown_client)
    assert_secure_page(unknown_client)
    reset = requests.get(base + "/cayenne/password/reset", params={"token": "v1.x.y"}, timeout=HTTP_TIMEOUT)
    assert reset.status_code == 200 and "<form" in reset.text, describe(reset)
    assert_secure_page(reset)
