"""Helpers of the Cayenne identity service tests (docs/cayenne-auth.md): apps made with the admin
CLI, users signed up through `/cayenne/users`, raw `/cayenne` requests, authlib OAuth 2.0 clients
and a small "browser" that walks Nimbus's own sign-in and consent pages the way a user agent does
(cookies kept, HTML forms read with the standard library's html.parser and posted with every
hidden field, redirects inside Nimbus followed, the redirect back to the app stopped at).

Nothing here knows the HTML Nimbus writes beyond what the spec promises: a sign-in form with an
email field and a password field, a consent form with an "allow" and a "deny" button, and a CSRF
field whose value equals the `nimbus_csrf` cookie.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Iterable

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from harness import HTTP_TIMEOUT, NimbusServer, describe
from world import PASSWORD, Project, unique, unique_email

REDIRECT = "https://app.example.test/callback"
OTHER_REDIRECT = "com.example.tank:/oauth2redirect"  # a mobile app's custom scheme
API_HEADERS = {"X-API-Version": "1.0", "Accept": "application/json"}  # what the seed's clients send
REDIRECT_STATUSES = (302, 303)
ACCESS_TOKEN_LIFETIME = 43_200  # a working day (docs/cayenne-auth.md)


# --------------------------------------------------------------------------------------------
# Apps and users


@dataclass
class App:
    id: str
    secret: str | None
    redirect_uris: list[str]
    info: dict[str, Any]

    @property
    def confidential(self) -> bool:
        return self.secret is not None

    @property
    def redirect_uri(self) -> str:
        return self.redirect_uris[0]


@dataclass
class CayenneUser:
    id: str
    email: str
    password: str
    first_name: str
    last_name: str
    info: dict[str, Any] = field(default_factory=dict)  # the sign-up answer


class Cayenne:
    """One project with email accounts on `server`, seen through `/cayenne`."""

    def __init__(self, server: NimbusServer, project: Project | None = None) -> None:
        self.server = server
        self.base = server.base_url
        self.issuer = f"{self.base}/cayenne"
        self.authorize_url = f"{self.base}/cayenne/oauth/authorize"
        self.token_url = f"{self.base}/cayenne/oauth/token"
        self.revoke_url = f"{self.base}/cayenne/oauth/revoke"
        self.introspect_url = f"{self.base}/cayenne/oauth/introspect"
        self.jwks_url = f"{self.base}/.well-known/jwks.json"
        self.project = project or Project(server, "email")
        self.http = requests.Session()
        self.http.headers.update(API_HEADERS)

    # Apps

    def app(self, *, confidential: bool = False, allow_signup: bool = True,
            redirect_uris: Iterable[str] = (REDIRECT,), name: str | None = None) -> App:
        """`nimbus app create --project P --id ID --redirect-uri ... [--confidential] [--allow-signup]`."""
        app_id = unique("cayenne-app")
        uris = list(redirect_uris)
        args: list[Any] = ["app", "create", "--project", self.project.id, "--id", app_id,
                           "--name", name or "Tank Monitor"]
        for uri in uris:
            args += ["--redirect-uri", uri]
        if confidential:
            args.append("--confidential")
        if allow_signup:
            args.append("--allow-signup")
        info = self.server.cli(*args)
        assert isinstance(info, dict) and info.get("id") == app_id, info
        secret = info.get("secret")
        if confidential:
            assert isinstance(secret, str) and secret, f"a confidential app prints its secret: {info}"
        else:
            assert not secret, f"a public app has no secret: {info}"
        return App(app_id, secret, uris, info)

    # Users

    def sign_up(self, app: App, *, email: str | None = None, password: str = PASSWORD,
                first_name: str = "Ada", last_name: str = "Lovelace") -> CayenneUser:
        email = email or unique_email()
        body = {"first_name": first_name, "last_name": last_name, "email": email, "password": password,
                "application_id": app.id}
        resp = self.post("/cayenne/users", json=body)
        info = expect_json(resp, 201)
        assert isinstance(info.get("id"), str) and info["id"], f"user ids are strings: {describe(resp)}"
        return CayenneUser(info["id"], email, password, first_name, last_name, info)

    # Raw requests under the server's base URL, as the seed's clients send them

    def request(self, method: str, path: str, token: str | None = None, scheme: str = "Bearer",
                **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers["Authorization"] = f"{scheme} {token}"
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        return self.http.request(method, self.base + path, headers=headers, **kwargs)

    def get(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("GET", path, token, **kw)

    def post(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("POST", path, token, **kw)

    def put(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.request("PUT", path, token, **kw)

    def token(self, *, auth: Any = None, json_body: dict[str, Any] | None = None,
              **form: Any) -> requests.Response:
        """A raw POST to the token endpoint, as a form (the default) or as JSON."""
        if json_body is not None:
            return self.post("/cayenne/oauth/token", json=json_body, auth=auth)
        return self.post("/cayenne/oauth/token", data=form, auth=auth)

    def password_grant(self, app: App, user: CayenneUser, password: str | None = None,
                       **extra: Any) -> requests.Response:
        """The seed's form: grant_type=password&email=...&password=...&client_id=... (+ secret)."""
        form = {"grant_type": "password", "email": user.email,
                "password": user.password if password is None else password, "client_id": app.id}
        if app.secret:
            form["client_secret"] = app.secret
        form.update(extra)
        return self.token(**form)

    def tokens(self, app: App, user: CayenneUser) -> dict[str, Any]:
        """Signs `user` in to `app` with the password grant; the token answer."""
        return expect_json(self.password_grant(app, user), 200)

    def me(self, access_token: str, scheme: str = "Bearer") -> requests.Response:
        return self.get("/cayenne/users/me", access_token, scheme=scheme)

    # authlib

    def oauth(self, app: App, *, auth_method: str | None = None, **kwargs: Any) -> OAuth2Session:
        """An authlib client of `app`: public apps authenticate with `none` (client_id in the
        body), confidential ones with `client_secret_basic` unless `auth_method` says otherwise."""
        method = auth_method or ("client_secret_basic" if app.secret else "none")
        session = OAuth2Session(client_id=app.id, client_secret=app.secret, token_endpoint_auth_method=method,
                                revocation_endpoint_auth_method=method, **kwargs)
        session.headers.update(API_HEADERS)
        return session

    def authorization_request(self, app: App, *, redirect_uri: str | None = None, scope: str | None = None,
                              response_type: str = "code", pkce: bool = True, state: str | None = None,
                              endpoint: str | None = None) -> tuple[OAuth2Session, str, str, str | None]:
        """authlib builds the authorization URL; returns (client, url, state, code_verifier)."""
        client = self.oauth(app, redirect_uri=redirect_uri or app.redirect_uri, scope=scope,
                            code_challenge_method="S256" if pkce else None)
        verifier = generate_token(64) if pkce and response_type == "code" else None
        url, state = client.create_authorization_url(endpoint or self.authorize_url, state=state,
                                                     code_verifier=verifier, response_type=response_type)
        return client, url, state, verifier

    def code_flow(self, app: App, user: CayenneUser, browser: "Browser | None" = None,
                  scope: str | None = None) -> dict[str, Any]:
        """The whole authorization code flow (PKCE S256) through the HTML pages; the token."""
        browser = browser or Browser(self.server)
        client, url, state, verifier = self.authorization_request(app, scope=scope)
        location = redirect_location(browser.authorize(url, user.email, user.password), app.redirect_uri)
        assert query_of(location).get("state") == state, location
        return client.fetch_token(self.token_url, authorization_response=location, code_verifier=verifier)

    def code(self, app: App, user: CayenneUser, browser: "Browser", *, redirect_uri: str | None = None,
             pkce: bool = True) -> tuple[str, str | None]:
        """An authorization code (and its PKCE verifier) from the HTML flow, not exchanged yet."""
        _, url, state, verifier = self.authorization_request(app, redirect_uri=redirect_uri, pkce=pkce)
        location = redirect_location(browser.authorize(url, user.email, user.password),
                                     redirect_uri or app.redirect_uri)
        query = query_of(location)
        assert query.get("state") == state and query.get("code"), location
        return query["code"], verifier


# --------------------------------------------------------------------------------------------
# Answers


def expect_json(resp: requests.Response, status: int | Iterable[int]) -> Any:
    """Asserts the status and a JSON body; returns it."""
    statuses = {status} if isinstance(status, int) else set(status)
    assert resp.status_code in statuses, f"expected {sorted(statuses)}: {describe(resp)}"
    try:
        return resp.json()
    except ValueError:
        raise AssertionError(f"answer is not JSON: {describe(resp)}") from None


def oauth_error(resp: requests.Response, status: int | Iterable[int], error: str | Iterable[str]) -> dict[str, Any]:
    """Asserts a Cayenne error: the status, a JSON body whose `error` is one of `error`, with RFC 6749 §5.2's
    `error_description` and the `statusCode` (the same status) and `message` that Boom-style clients read."""
    body = expect_json(resp, status)
    errors = {error} if isinstance(error, str) else set(error)
    assert isinstance(body, dict) and body.get("error") in errors, \
        f"expected error {sorted(errors)}: {describe(resp)}"
    assert "application/json" in resp.headers.get("Content-Type", ""), f"error is not JSON: {resp.headers}"
    assert body.get("statusCode") == resp.status_code, f"statusCode is not the status: {describe(resp)}"
    assert isinstance(body.get("error_description"), str) and body.get("message") == body["error_description"], body
    return body


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True))


def fragment_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).fragment, keep_blank_values=True))


def redirect_location(resp: requests.Response, redirect_uri: str) -> str:
    """Asserts that `resp` sends the user agent back to `redirect_uri`; the Location."""
    assert resp.status_code in REDIRECT_STATUSES, f"expected a redirect to {redirect_uri}: {describe(resp)}"
    location = resp.headers.get("Location", "")
    base = location.split("#")[0].split("?")[0]
    assert base == redirect_uri, f"redirected to {location!r}, not to {redirect_uri!r}"
    return location


def assert_no_redirect(resp: requests.Response, status: int = 400) -> None:
    """An HTML error page of Nimbus: `status`, no Location at all."""
    assert resp.status_code == status, f"expected an HTML {status} page: {describe(resp)}"
    assert "Location" not in resp.headers, f"must not redirect anywhere: {resp.headers.get('Location')}"
    assert "html" in resp.headers.get("Content-Type", ""), f"expected an HTML page: {resp.headers}"


def set_cookies(resp: requests.Response) -> list[str]:
    """Every Set-Cookie header of one response, unmerged."""
    raw = resp.raw.headers if resp.raw is not None else None
    if raw is not None and hasattr(raw, "getlist"):
        return list(raw.getlist("Set-Cookie"))
    value = resp.headers.get("Set-Cookie")
    return [value] if value else []


def cookie_attributes(header: str) -> tuple[str, str, dict[str, str]]:
    """(name, value, {lower-case attribute: value}) of one Set-Cookie header."""
    parts = [p.strip() for p in header.split(";")]
    name, _, value = parts[0].partition("=")
    attributes = {}
    for part in parts[1:]:
        key, _, val = part.partition("=")
        attributes[key.strip().lower()] = val.strip()
    return name.strip(), value.strip(), attributes


# --------------------------------------------------------------------------------------------
# HTML pages


@dataclass
class Form:
    action: str
    method: str
    inputs: list[dict[str, str]] = field(default_factory=list)  # <input>, <select>, <textarea> attrs
    buttons: list[dict[str, str]] = field(default_factory=list)  # submit buttons, with "label"

    def fields(self) -> dict[str, str]:
        """What a browser sends without the submit button: every named non-button input's value
        (checkboxes and radios only when checked)."""
        values: dict[str, str] = {}
        for attrs in self.inputs:
            kind = attrs.get("type", "text").lower()
            if not attrs.get("name") or kind in ("submit", "button", "image", "reset"):
                continue
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                continue
            values[attrs["name"]] = attrs.get("value", "on" if kind in ("checkbox", "radio") else "")
        return values

    def input_named(self, pattern: str, kinds: Iterable[str] = ()) -> str | None:
        for attrs in self.inputs:
            name = attrs.get("name", "")
            if name and (attrs.get("type", "text").lower() in kinds or re.search(pattern, name, re.I)):
                return name
        return None

    @property
    def password_field(self) -> str | None:
        for attrs in self.inputs:
            if attrs.get("type", "").lower() == "password" and attrs.get("name"):
                return attrs["name"]
        return None

    @property
    def email_field(self) -> str | None:
        return self.input_named(r"^(email|username|login|user)$", kinds=("email",))

    def button(self, pattern: str) -> dict[str, str] | None:
        """The first submit button whose name, value or label matches `pattern` (for "allow", one
        that does not also say no, like "Don't allow")."""
        for attrs in self.buttons:
            text = " ".join((attrs.get("name", ""), attrs.get("value", ""), attrs.get("label", "")))
            if not re.search(pattern, text, re.I):
                continue
            if pattern == ALLOW and re.search(DENY + r"|\b(not|don't|no)\b", text, re.I):
                continue
            return attrs
        return None


ALLOW = r"\b(allow|authori[sz]e|accept|approve|grant)\b"
DENY = r"\b(deny|cancel|reject|decline|refuse)\b"


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._button: dict[str, str] | None = None
        self._textarea: dict[str, str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v if v is not None else "") for k, v in attrs}
        form = self.forms[-1] if self.forms else None
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), (a.get("method") or "get").upper()))
        elif tag == "input" and form is not None:
            if a.get("type", "text").lower() in ("submit", "image"):
                form.buttons.append({**a, "label": a.get("value", "")})
            else:
                form.inputs.append(a)
        elif tag == "button" and form is not None:
            if a.get("type", "submit").lower() == "submit":
                self._button = {**a, "label": ""}
                form.buttons.append(self._button)
        elif tag in ("textarea", "select") and form is not None and a.get("name"):
            self._textarea = {**a, "type": tag, "value": a.get("value", "")}
            form.inputs.append(self._textarea)
        elif tag == "option" and self._textarea is not None and self._textarea["type"] == "select":
            if "selected" in a or not self._textarea.get("value"):
                self._textarea["value"] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._button = None
        elif tag in ("textarea", "select"):
            self._textarea = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._button is not None:
            self._button["label"] = (self._button["label"] + " " + data.strip()).strip()
        if self._textarea is not None and self._textarea["type"] == "textarea":
            self._textarea["value"] += data


@dataclass
class Page:
    resp: requests.Response
    forms: list[Form]
    text: str

    @classmethod
    def of(cls, resp: requests.Response) -> "Page":
        parser = _FormParser()
        parser.feed(resp.text)
        return cls(resp, parser.forms, " ".join(parser.text))

    @property
    def sign_in_form(self) -> Form | None:
        return next((f for f in self.forms if f.password_field), None)

    def consent_form(self, pattern: str = ALLOW) -> Form | None:
        return next((f for f in self.forms if not f.password_field and f.button(pattern)), None)


class Browser:
    """A user agent on Nimbus's pages: one cookie jar, redirects inside the server followed, the
    redirect to anywhere else returned to the test. `history` keeps every response seen."""

    def __init__(self, server: NimbusServer) -> None:
        self.base = server.base_url
        self.session = requests.Session()
        self.session.headers["Accept"] = "text/html,application/xhtml+xml"
        self.history: list[requests.Response] = []

    def _internal(self, url: str) -> bool:
        return url.startswith(self.base + "/")

    def follow(self, resp: requests.Response) -> requests.Response:
        self.history.append(resp)
        for _ in range(10):
            if resp.status_code not in (301, 302, 303, 307, 308):
                return resp
            target = urllib.parse.urljoin(resp.url, resp.headers.get("Location", ""))
            if not self._internal(target):
                return resp
            resp = self.session.get(target, allow_redirects=False, timeout=HTTP_TIMEOUT)
            self.history.append(resp)
        raise AssertionError(f"redirect loop: {[r.url for r in self.history[-10:]]}")

    def open(self, url: str) -> requests.Response:
        return self.follow(self.session.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT))

    def submit(self, resp: requests.Response, form: Form, values: dict[str, str] | None = None,
               button: dict[str, str] | None = None, drop: Iterable[str] = ()) -> requests.Response:
        """Posts `form` of the page `resp` as a browser would: its fields, `values` over them, the
        clicked `button`'s name=value, without the fields named in `drop`."""
        data = form.fields()
        data.update(values or {})
        if button is not None and button.get("name"):
            data[button["name"]] = button.get("value", "")
        for name in drop:
            data.pop(name, None)
        action = urllib.parse.urljoin(resp.url, form.action or resp.url)
        if form.method == "GET":
            sent = self.session.get(action, params=data, allow_redirects=False, timeout=HTTP_TIMEOUT)
        else:
            sent = self.session.post(action, data=data, allow_redirects=False, timeout=HTTP_TIMEOUT)
        return self.follow(sent)

    def sign_in(self, resp: requests.Response, email: str, password: str, extra: dict[str, str] | None = None,
                drop: Iterable[str] = ()) -> requests.Response:
        """Fills in and posts the sign-in form of the page `resp` (`extra` values over its fields,
        the fields named in `drop` left out)."""
        form = Page.of(resp).sign_in_form
        assert form is not None, f"expected the sign-in form: {describe(resp)}"
        assert form.email_field, f"the sign-in form has no email field: {form}"
        values = {form.email_field: email, form.password_field: password, **(extra or {})}
        return self.submit(resp, form, values, button=form.buttons[0] if form.buttons else None, drop=drop)

    def decide(self, resp: requests.Response, decision: str = "allow", extra: dict[str, str] | None = None,
               drop: Iterable[str] = ()) -> requests.Response:
        """Clicks "allow" (or "deny") on the consent page `resp`."""
        pattern = ALLOW if decision == "allow" else DENY
        form = Page.of(resp).consent_form(pattern)
        assert form is not None, f"expected the consent page with an {decision} button: {describe(resp)}"
        return self.submit(resp, form, extra, button=form.button(pattern), drop=drop)

    def drop_cookie(self, name: str) -> None:
        for cookie in list(self.session.cookies):
            if cookie.name == name:
                self.session.cookies.clear(cookie.domain, cookie.path, cookie.name)

    def authorize(self, url: str, email: str, password: str, decision: str = "allow") -> requests.Response:
        """Opens the authorization URL, signs in if asked, answers the consent page; returns the
        response that leaves Nimbus (or the last page if it never does)."""
        resp = self.open(url)
        if resp.status_code == 200 and Page.of(resp).sign_in_form is not None:
            resp = self.sign_in(resp, email, password)
        if resp.status_code == 200 and Page.of(resp).consent_form(ALLOW if decision == "allow" else DENY):
            resp = self.decide(resp, decision)
        return resp

    def csrf_cookie(self) -> str | None:
        return self.session.cookies.get("nimbus_csrf")

    def csrf_field(self, form: Form) -> str:
        """The name of the form's CSRF field: the input carrying the `nimbus_csrf` cookie's value,
        else a field named like csrf."""
        cookie = self.csrf_cookie()
        for attrs in form.inputs:
            if cookie and attrs.get("name") and attrs.get("value") == cookie:
                return attrs["name"]
        name = form.input_named(r"csrf|xsrf")
        assert name, f"the form has no CSRF field (cookie {cookie!r}): {form}"
        return name


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a JWT, unverified."""
    import base64

    def decode(part: str) -> dict[str, Any]:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    header, claims, _ = token.split(".")
    return decode(header), decode(claims)


RESET_PATH = "/cayenne/password/reset"


def reset_link(mailbox: Any, email: str) -> str:
    """The reset link of the next password reset mail to `email` (other mails skipped)."""
    while True:
        mail = mailbox.pop(email)
        if RESET_PATH in mail.text:
            return mail.link(RESET_PATH)


def reset_token(mailbox: Any, email: str) -> str:
    query = query_of(reset_link(mailbox, email))
    assert query.get("token"), "the reset link carries a token"
    return query["token"]


PLATFORM = "/cayenne/v1.1"


class Account:
    """A signed-up Cayenne user (the owner of their account) with an access token."""

    def __init__(self, cayenne: Cayenne, app: App) -> None:
        self.cayenne = cayenne
        self.user: CayenneUser = cayenne.sign_up(app)
        self.token: str = cayenne.tokens(app, self.user)["access_token"]

    def call(self, method: str, path: str, **kwargs: Any):
        return self.cayenne.request(method, PLATFORM + path, self.token, **kwargs)

    def call_auth(self, method: str, path: str, **kwargs: Any):
        """A call to the auth service (`/cayenne/...`) with this account's token."""
        return self.cayenne.request(method, path, self.token, **kwargs)

    def mqtt_credentials(self) -> dict[str, Any]:
        return expect_json(self.call("POST", "/clients", json={}), 200)

    def thing(self, **body: Any) -> dict[str, Any]:
        return expect_json(self.call("POST", "/things", json={"name": "Tank", **body}), 201)

    def things(self) -> list[dict[str, Any]]:
        return expect_json(self.call("GET", "/things"), 200)

    def children(self, thing_id: str) -> dict[str, dict[str, Any]]:
        """The thing's child sensors, by channel (as text)."""
        thing = expect_json(self.call("GET", f"/things/{thing_id}"), 200)
        return {str(child["properties"]["channel"]): child for child in thing["children"]}
