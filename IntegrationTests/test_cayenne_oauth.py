"""The Cayenne OAuth 2.0 authorization server (docs/cayenne-auth.md), driven by real clients:
authlib's OAuth2Session for every grant, PyJWT (with cryptography) verifying access tokens against
the published JWKS on its own, and a cookie-keeping "browser" (cayenne.Browser) that reads and posts
Nimbus's sign-in and consent pages.

Failed sign-ins are counted per client address (all of ours are 127.0.0.1) and a good sign-in does
not clear the address's count, so the tests that fail sign-ins on purpose (`cayenne_alone`, the
lockout test) each have a server of their own.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse
from pathlib import Path

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from cryptography.hazmat.primitives.asymmetric import ec

from cayenne import (ACCESS_TOKEN_LIFETIME, OTHER_REDIRECT, REDIRECT, Browser, Cayenne, Page, assert_no_redirect,
                     cookie_attributes, expect_json, fragment_of, jwt_parts, oauth_error, query_of,
                     redirect_location, set_cookies)
from cayenne import reset_token as reset_mail_token
from harness import NimbusServer, describe, expect

REUSED_OR_UNKNOWN = "invalid_grant"


def verify_access_token(c: Cayenne, token: str) -> dict:
    """Verifies `token` with PyJWT against the JWKS alone: ES256, a published kid, the issuer."""
    header = jwt.get_unverified_header(token)
    assert header.get("alg") == "ES256", header
    keys = expect_json(requests.get(c.jwks_url, timeout=10), 200)["keys"]
    assert header.get("kid") in {k.get("kid") for k in keys}, (header, keys)
    signing_key = jwt.PyJWKClient(c.jwks_url, cache_keys=False).get_signing_key_from_jwt(token)
    return jwt.decode(token, signing_key.key, algorithms=["ES256"], issuer=c.issuer,
                      options={"verify_aud": False, "require": ["iss", "sub", "iat", "exp", "jti"]})


def assert_token_answer(token: dict, refresh: bool = True) -> None:
    assert isinstance(token.get("access_token"), str) and token["access_token"].count(".") == 2, token
    assert str(token.get("token_type", "")).lower() == "bearer", token
    assert token.get("expires_in") == ACCESS_TOKEN_LIFETIME, token
    if refresh:
        assert isinstance(token.get("refresh_token"), str) and token["refresh_token"], token
    else:
        assert "refresh_token" not in token, token


def assert_signed_in(c: Cayenne, access_token: str, user) -> None:
    me = expect_json(c.me(access_token), 200)
    assert me["id"] == user.id and me["email"] == user.email, me


def assert_token_refused(c: Cayenne, access_token: str) -> None:
    oauth_error(c.me(access_token), 401, "invalid_token")


def raw_authorize(c: Cayenne, **params) -> str:
    return c.authorize_url + "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})


# --------------------------------------------------------------------------------------------
# Discovery and keys


def test_discovery_metadata_names_the_endpoints(cayenne: Cayenne, monkeypatch):
    c = cayenne
    documents = [expect_json(c.get(path), 200) for path in ("/.well-known/oauth-authorization-server/cayenne",
                                                            "/cayenne/.well-known/oauth-authorization-server")]
    assert documents[0] == documents[1], documents
    meta = documents[0]
    assert meta["issuer"] == c.issuer, meta
    assert meta["authorization_endpoint"] in {c.authorize_url, f"{c.base}/cayenne/oauth/authorization"}, meta
    assert meta["token_endpoint"] == c.token_url, meta
    assert meta["jwks_uri"] in {c.jwks_url, f"{c.base}/cayenne/oauth/jwks"}, meta
    assert meta["revocation_endpoint"] == c.revoke_url, meta
    assert meta["introspection_endpoint"] == c.introspect_url, meta
    assert "S256" in meta["code_challenge_methods_supported"], meta
    assert "plain" not in meta["code_challenge_methods_supported"], meta
    assert {"authorization_code", "refresh_token", "password", "client_credentials"} <= set(
        meta["grant_types_supported"]), meta
    assert {"code", "token"} <= set(meta["response_types_supported"]), meta
    # authlib's RFC 8414 validator (it wants https; the test server is plain http on loopback).
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    AuthorizationServerMetadata(meta).validate()


def test_jwks_publishes_public_p256_keys_only(cayenne: Cayenne):
    c = cayenne
    jwks = expect_json(c.get("/.well-known/jwks.json"), 200)
    assert expect_json(c.get("/cayenne/oauth/jwks"), 200) == jwks
    assert jwks["keys"], jwks
    for key in jwks["keys"]:
        assert key["kty"] == "EC" and key["crv"] == "P-256" and key.get("kid"), key
        assert "d" not in key, "the JWKS must not publish the private key"
        assert key.get("use", "sig") == "sig" and key.get("alg", "ES256") == "ES256", key
    key_set = jwt.PyJWKSet.from_dict(jwks)
    assert all(isinstance(k.key, ec.EllipticCurvePublicKey) for k in key_set.keys)


# --------------------------------------------------------------------------------------------
# Authorization code


def test_authorization_code_with_pkce_for_a_public_app(cayenne: Cayenne):
    c = cayenne
    app = c.app(confidential=False)
    user = c.sign_up(app)
    client, url, state, verifier = c.authorization_request(app)
    assert "code_challenge=" in url and "code_challenge_method=S256" in url, url

    browser = Browser(c.server)
    page = browser.open(url)
    assert page.status_code == 200 and "html" in page.headers.get("Content-Type", ""), describe(page)
    sign_in = Page.of(page).sign_in_form
    assert sign_in is not None and sign_in.email_field and sign_in.password_field, page.text
    consent = browser.sign_in(page, user.email, user.password)
    assert consent.status_code == 200 and Page.of(consent).consent_form() is not None, describe(consent)
    location = redirect_location(browser.decide(consent, "allow"), app.redirect_uri)
    query = query_of(location)
    assert query["state"] == state and query["code"], location

    token = client.fetch_token(c.token_url, authorization_response=location, code_verifier=verifier)
    assert_token_answer(token)
    assert_signed_in(c, token["access_token"], user)


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_authorization_code_for_a_confidential_app(cayenne: Cayenne, auth_method: str):
    c = cayenne
    app = c.app(confidential=True, redirect_uris=[REDIRECT, OTHER_REDIRECT])
    user = c.sign_up(app)
    client = c.oauth(app, auth_method=auth_method, redirect_uri=OTHER_REDIRECT)
    # A confidential client may use PKCE but need not.
    url, state = client.create_authorization_url(c.authorize_url)
    location = redirect_location(Browser(c.server).authorize(url, user.email, user.password), OTHER_REDIRECT)
    assert query_of(location)["state"] == state
    token = client.fetch_token(c.token_url, authorization_response=location)
    assert_token_answer(token)
    assert_signed_in(c, token["access_token"], user)
    claims = verify_access_token(c, token["access_token"])
    assert claims["client_id"] == app.id and claims["sub"] == user.id, claims


@pytest.mark.parametrize("path", ["/cayenne", "/cayenne/oauth/authorization"])
def test_the_seed_authorization_paths_work_too(cayenne: Cayenne, path: str):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    client, url, state, verifier = c.authorization_request(app, endpoint=c.base + path)
    location = redirect_location(Browser(c.server).authorize(url, user.email, user.password), app.redirect_uri)
    token = client.fetch_token(c.token_url, authorization_response=location, code_verifier=verifier)
    assert_token_answer(token)


def test_single_sign_on_cookie_skips_the_sign_in_form(cayenne: Cayenne):
    c = cayenne
    app, other_app = c.app(), c.app()
    user = c.sign_up(app)
    browser = Browser(c.server)
    c.code_flow(app, user, browser)

    sso = [cookie_attributes(h) for r in browser.history for h in set_cookies(r) if h.startswith("nimbus_sso=")]
    assert sso, "a sign-in sets nimbus_sso"
    name, value, attrs = sso[-1]
    assert value, sso
    assert "httponly" in attrs, f"nimbus_sso must be HttpOnly: {attrs}"
    assert attrs.get("samesite", "").lower() == "lax", attrs
    assert attrs.get("path") == "/cayenne", attrs
    assert "secure" not in attrs, "http public URL: no Secure flag"
    week = 7 * 24 * 3600
    if "max-age" in attrs:
        assert abs(int(attrs["max-age"]) - week) <= 120, attrs
    else:
        from email.utils import parsedate_to_datetime
        expires = parsedate_to_datetime(attrs["expires"]).timestamp()
        assert abs(expires - time.time() - week) <= 120, attrs

    # Again, for the same app and for another: straight to the consent page.
    for target in (app, other_app):
        client, url, state, verifier = c.authorization_request(target)
        page = browser.open(url)
        assert page.status_code == 200, describe(page)
        parsed = Page.of(page)
        assert parsed.sign_in_form is None, "signed in already: no sign-in form"
        assert parsed.consent_form() is not None, page.text
        location = redirect_location(browser.decide(page), target.redirect_uri)
        token = client.fetch_token(c.token_url, authorization_response=location, code_verifier=verifier)
        assert_signed_in(c, token["access_token"], user)

    # Without the cookie, the form is back.
    browser.drop_cookie("nimbus_sso")
    _, url, _, _ = c.authorization_request(app)
    assert Page.of(browser.open(url)).sign_in_form is not None


def test_implicit_flow_puts_the_token_in_the_fragment(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    client, url, state, _ = c.authorization_request(app, response_type="token")
    location = redirect_location(Browser(c.server).authorize(url, user.email, user.password), app.redirect_uri)
    assert "?" not in location.split("#")[0], f"the implicit answer goes in the fragment: {location}"
    fragment = fragment_of(location)
    assert fragment["state"] == state and "code" not in fragment, location
    token = client.fetch_token(authorization_response=location)  # authlib reads the fragment, checks state
    assert token["access_token"] == fragment["access_token"]
    assert fragment["token_type"].lower() == "bearer" and int(fragment["expires_in"]) == ACCESS_TOKEN_LIFETIME
    assert "refresh_token" not in fragment, "the implicit flow issues no refresh token"
    assert_signed_in(c, fragment["access_token"], user)


# --------------------------------------------------------------------------------------------
# Password, refresh and client credentials grants


def test_password_grant_with_authlib_and_the_seed_forms(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    # authlib sends username= (the Keycloak-era name).
    token = c.oauth(app).fetch_token(c.token_url, grant_type="password", username=user.email,
                                     password=user.password)
    assert_token_answer(token)
    assert_signed_in(c, token["access_token"], user)
    # The seed's curl: a form with email=.
    form = {"grant_type": "password", "email": user.email, "password": user.password, "client_id": app.id}
    resp = c.post("/cayenne/oauth/token", data=form,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_token_answer(expect_json(resp, 200))
    # And the same as JSON.
    answer = expect_json(c.token(json_body=form), 200)
    assert_token_answer(answer)
    assert_signed_in(c, answer["access_token"], user)
    # Each sign-in is its own: different tokens.
    assert len({token["refresh_token"], answer["refresh_token"]}) == 2


def test_confidential_app_password_grant_needs_its_secret(cayenne: Cayenne):
    c = cayenne
    app = c.app(confidential=True)
    user = c.sign_up(app)
    token = c.oauth(app).fetch_token(c.token_url, grant_type="password", username=user.email, password=user.password)
    assert_token_answer(token)
    resp = c.token(grant_type="password", email=user.email, password=user.password, client_id=app.id)
    oauth_error(resp, 401, "invalid_client")


def test_refresh_tokens_rotate_and_a_replay_revokes_the_family(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    client = c.oauth(app)
    first = dict(client.fetch_token(c.token_url, grant_type="password", username=user.email, password=user.password))
    second = dict(client.refresh_token(c.token_url, refresh_token=first["refresh_token"]))
    assert_token_answer(second)
    assert second["refresh_token"] != first["refresh_token"], "refresh tokens rotate"
    assert second["access_token"] != first["access_token"]
    assert_signed_in(c, second["access_token"], user)
    # An unrelated sign-in of the same user, which must survive the family's revocation.
    bystander = c.tokens(app, user)

    # The old refresh token no longer works ...
    oauth_error(c.token(grant_type="refresh_token", refresh_token=first["refresh_token"], client_id=app.id),
                400, "invalid_grant")
    # ... and having been replayed, the whole family is gone: the new refresh token and every
    # access token of that sign-in.
    oauth_error(c.token(grant_type="refresh_token", refresh_token=second["refresh_token"], client_id=app.id),
                400, "invalid_grant")
    assert_token_refused(c, second["access_token"])
    assert_token_refused(c, first["access_token"])
    assert_signed_in(c, bystander["access_token"], user)
    assert_token_answer(expect_json(c.token(grant_type="refresh_token", refresh_token=bystander["refresh_token"],
                                            client_id=app.id), 200))


def test_refresh_with_json_and_a_confidential_client(cayenne: Cayenne):
    c = cayenne
    app = c.app(confidential=True)
    user = c.sign_up(app)
    first = c.tokens(app, user)
    body = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": app.id,
            "client_secret": app.secret}
    second = expect_json(c.token(json_body=body), 200)
    assert_token_answer(second)
    # The refresh token of a confidential app is bound to it: no secret, no token.
    oauth_error(c.token(grant_type="refresh_token", refresh_token=second["refresh_token"], client_id=app.id),
                401, "invalid_client")


def test_client_credentials_for_a_confidential_app(cayenne: Cayenne):
    c = cayenne
    app = c.app(confidential=True)
    token = c.oauth(app).fetch_token(c.token_url, grant_type="client_credentials")
    assert_token_answer(token, refresh=False)
    claims = verify_access_token(c, token["access_token"])
    assert claims["sub"] == app.id and claims["client_id"] == app.id, claims
    assert claims["project"] == c.project.id or str(claims["project"]) == str(c.project.id), claims
    assert "user_id" not in claims and "email" not in claims, claims
    # With client_secret_post too.
    token = c.oauth(app, auth_method="client_secret_post").fetch_token(c.token_url, grant_type="client_credentials")
    assert_token_answer(token, refresh=False)
    # A public app has no client credentials.
    public = c.app()
    resp = c.token(grant_type="client_credentials", client_id=public.id)
    body = expect_json(resp, (400, 401))
    assert body.get("error") in ({"unauthorized_client", "invalid_client"} if resp.status_code == 400
                                 else {"invalid_client"}), describe(resp)


# --------------------------------------------------------------------------------------------
# Access tokens


def test_access_tokens_verify_against_the_published_jwks(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    token = c.tokens(app, user)
    claims = verify_access_token(c, token["access_token"])
    assert claims["iss"] == c.issuer
    assert claims["sub"] == user.id and str(claims["user_id"]) == user.id, claims
    assert claims["exp"] - claims["iat"] == ACCESS_TOKEN_LIFETIME, claims
    assert abs(claims["iat"] - time.time()) < 60, claims
    assert str(claims["project"]) == str(c.project.id), claims
    assert claims["client_id"] == app.id and claims["email"] == user.email, claims
    assert isinstance(claims["scope"], str), claims
    assert claims["sid"] and claims["jti"], claims
    # Every token has its own id.
    other = verify_access_token(c, c.tokens(app, user)["access_token"])
    assert other["jti"] != claims["jti"] and other["sid"] != claims["sid"], (claims, other)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_forged_and_tampered_tokens_are_refused(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    real = c.tokens(app, user)["access_token"]
    header, claims = jwt_parts(real)
    # Signed by another P-256 key under the real kid.
    forged = jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256",
                        headers={"kid": header["kid"]})
    # The real signature over changed claims.
    head, _, signature = real.split(".")
    tampered = ".".join([head, _b64(json.dumps({**claims, "sub": "1", "user_id": "1"}).encode()), signature])
    # alg=none.
    unsigned = ".".join([_b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()),
                         _b64(json.dumps(claims).encode()), ""])
    # HS256 keyed with the public JWKS text (the classic algorithm confusion).
    jwks_text = requests.get(c.jwks_url, timeout=10).content
    confused = ".".join([_b64(json.dumps({"alg": "HS256", "kid": header["kid"]}).encode()),
                         _b64(json.dumps(claims).encode())])
    import hmac
    import hashlib
    confused += "." + _b64(hmac.new(jwks_text, confused.encode(), hashlib.sha256).digest())
    # Expired, signed by a foreign key (still must be refused).
    for bad in (forged, tampered, unsigned, confused, "not.a.jwt", "garbage"):
        assert_token_refused(c, bad)
        resp = c.server.client(bad).get("/auth")
        assert resp.status_code == 401, describe(resp)
    assert_signed_in(c, real, user)


def test_access_token_works_on_mode(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    access = c.tokens(app, user)["access_token"]
    for scheme in ("Bearer", "ModeCloud"):
        mode = c.server.client(access).with_token(access, scheme)
        info = expect(mode.get("/auth"), 200)
        assert info["type"] == "user" and info["userId"] == int(user.id), info
        assert info["projectId"] == c.project.id and info["appId"] == app.id, info
    mode = c.server.client(access).with_token(access, "Bearer")
    home = expect(mode.post("/homes", json={"name": "Tank farm"}), 201)
    homes = expect(mode.get("/homes", params={"userId": int(user.id)}), 200)
    assert home["id"] in [h["id"] for h in homes], homes  # next to the account home of the sign-up
    # The same user signs in to MODE with the same password.
    signed_in = expect(c.project.anon.post("/auth/user", json={"appId": c.project.app_id, "email": user.email,
                                                              "password": user.password}), 200)
    assert signed_in["userId"] == int(user.id), signed_in


# --------------------------------------------------------------------------------------------
# Revocation and introspection


def test_revoking_a_refresh_token_ends_the_sign_in(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    client = c.oauth(app)
    token = dict(client.fetch_token(c.token_url, grant_type="password", username=user.email, password=user.password))
    other = c.tokens(app, user)
    resp = client.revoke_token(c.revoke_url, token=token["refresh_token"], token_type_hint="refresh_token")
    assert resp.status_code == 200, describe(resp)
    oauth_error(c.token(grant_type="refresh_token", refresh_token=token["refresh_token"], client_id=app.id),
                400, "invalid_grant")
    assert_token_refused(c, token["access_token"])
    resp = c.server.client(token["access_token"]).get("/auth")
    assert resp.status_code == 401, f"a revoked sign-in's token stops working on /mode at once: {describe(resp)}"
    assert_signed_in(c, other["access_token"], user)
    # Unknown and already revoked tokens: still 200.
    for unknown in (token["refresh_token"], "no-such-token"):
        resp = client.revoke_token(c.revoke_url, token=unknown)
        assert resp.status_code == 200, describe(resp)


def test_revoking_an_access_token_ends_the_sign_in(cayenne: Cayenne):
    c = cayenne
    app = c.app(confidential=True)
    user = c.sign_up(app)
    client = c.oauth(app)
    token = dict(client.fetch_token(c.token_url, grant_type="password", username=user.email, password=user.password))
    resp = client.revoke_token(c.revoke_url, token=token["access_token"], token_type_hint="access_token")
    assert resp.status_code == 200, describe(resp)
    assert_token_refused(c, token["access_token"])
    oauth_error(c.token(grant_type="refresh_token", refresh_token=token["refresh_token"], client_id=app.id,
                        client_secret=app.secret), 400, "invalid_grant")
    # Revocation authenticates the client like the token endpoint.
    resp = c.post("/cayenne/oauth/revoke", data={"token": "x", "client_id": app.id, "client_secret": "wrong"})
    oauth_error(resp, 401, "invalid_client")


def test_introspection(cayenne: Cayenne):
    c = cayenne
    app = c.app(confidential=True)
    user = c.sign_up(app)
    client = c.oauth(app)
    token = dict(client.fetch_token(c.token_url, grant_type="password", username=user.email, password=user.password))
    claims = verify_access_token(c, token["access_token"])

    info = expect_json(client.introspect_token(c.introspect_url, token=token["access_token"]), 200)
    assert info["active"] is True, info
    assert info["client_id"] == app.id and info["sub"] == user.id and info["iss"] == c.issuer, info
    assert info["exp"] == claims["exp"] and info["iat"] == claims["iat"], (info, claims)
    assert str(info["project"]) == str(c.project.id) and str(info["user_id"]) == user.id, info
    assert "scope" in info and "token_type" in info, info
    refresh_info = expect_json(client.introspect_token(c.introspect_url, token=token["refresh_token"],
                                                       token_type_hint="refresh_token"), 200)
    assert refresh_info["active"] is True and refresh_info["sub"] == user.id, refresh_info

    assert expect_json(client.introspect_token(c.introspect_url, token="no-such-token"), 200) == {"active": False}
    assert client.revoke_token(c.revoke_url, token=token["refresh_token"]).status_code == 200
    for revoked in (token["access_token"], token["refresh_token"]):
        assert expect_json(client.introspect_token(c.introspect_url, token=revoked), 200) == {"active": False}

    # Only a confidential client may ask.
    oauth_error(c.post("/cayenne/oauth/introspect", data={"token": token["access_token"]}), 401, "invalid_client")
    # A public client (which authenticates with nothing) may not: the spec says "the caller
    # authenticates as a confidential client" without the status; RFC 7662 §2.1 suggests 401,
    # the spec's table 400 unauthorized_client for "may not".
    public = c.app()
    resp = c.post("/cayenne/oauth/introspect", data={"token": token["access_token"], "client_id": public.id})
    oauth_error(resp, (400, 401), "unauthorized_client" if resp.status_code == 400 else "invalid_client")
    oauth_error(c.post("/cayenne/oauth/introspect", data={"token": token["access_token"]},
                       auth=(app.id, "wrong-secret")), 401, "invalid_client")


# --------------------------------------------------------------------------------------------
# Authorization endpoint errors, in the spec's order


def test_unknown_or_missing_client_gets_an_error_page_and_no_redirect(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    browser = Browser(c.server)
    for client_id in ("no-such-app", None, ""):
        resp = browser.open(raw_authorize(c, response_type="code", client_id=client_id, redirect_uri=REDIRECT,
                                          state="s", code_challenge="x" * 43, code_challenge_method="S256"))
        assert_no_redirect(resp)
    # The app exists but belongs to MODE only (no redirect URIs): nowhere to send the user either.
    resp = browser.open(raw_authorize(c, response_type="code", client_id=c.project.app_id, redirect_uri=REDIRECT,
                                      state="s", code_challenge="x" * 43, code_challenge_method="S256"))
    assert_no_redirect(resp)
    assert app.id  # the known app is fine with the same request
    resp = browser.open(raw_authorize(c, response_type="code", client_id=app.id, redirect_uri=REDIRECT, state="s",
                                      code_challenge="x" * 43, code_challenge_method="S256"))
    assert resp.status_code == 200 and Page.of(resp).sign_in_form is not None, describe(resp)


def test_unregistered_or_missing_redirect_uri_gets_an_error_page_and_no_redirect(cayenne: Cayenne):
    c = cayenne
    app = c.app(redirect_uris=[REDIRECT, OTHER_REDIRECT])
    browser = Browser(c.server)
    for uri in ("https://evil.example.test/callback", REDIRECT + "/more", REDIRECT + "?x=1", REDIRECT.upper(),
                "https://app.example.test/", None, ""):
        # Even with an otherwise bad request, no redirect to an unregistered address.
        for response_type in ("code", "bogus"):
            resp = browser.open(raw_authorize(c, response_type=response_type, client_id=app.id, redirect_uri=uri,
                                              state="s", code_challenge="x" * 43, code_challenge_method="S256"))
            assert_no_redirect(resp)


def test_bad_authorization_requests_are_sent_back_with_an_error(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    confidential = c.app(confidential=True)
    browser = Browser(c.server)
    pkce = {"code_challenge": "E9Melhoa2OwvFrEMTJguCHoeS9qHbhQZzVZaOzxnuPk", "code_challenge_method": "S256"}

    def sent_back(expected_error: str, where: str = "query", **params):
        resp = browser.open(raw_authorize(c, client_id=app.id, redirect_uri=REDIRECT, **params))
        location = redirect_location(resp, REDIRECT)
        answer = query_of(location) if where == "query" else fragment_of(location)
        assert answer.get("error") == expected_error, location
        assert answer.get("state") == params.get("state"), location
        assert "code" not in answer and "access_token" not in answer, location
        return answer

    sent_back("unsupported_response_type", response_type="id_token", state="st1", **pkce)
    sent_back("unsupported_response_type", response_type="code token", state="st2", **pkce)
    missing = browser.open(raw_authorize(c, client_id=app.id, redirect_uri=REDIRECT, state="st3", **pkce))
    assert query_of(redirect_location(missing, REDIRECT)).get("error") in {"unsupported_response_type",
                                                                          "invalid_request"}
    sent_back("invalid_request", response_type="code", **pkce)  # no state
    sent_back("invalid_request", where="fragment", response_type="token")  # no state, implicit: fragment
    sent_back("invalid_request", response_type="code", state="st4")  # public app without PKCE
    sent_back("invalid_request", response_type="code", state="st5", code_challenge="plain-verifier-" + "x" * 40,
              code_challenge_method="plain")
    sent_back("invalid_request", response_type="code", state="st6", code_challenge=pkce["code_challenge"],
              code_challenge_method="S512")

    # What is fine: a confidential app without PKCE, and the implicit flow without PKCE.
    resp = browser.open(raw_authorize(c, client_id=confidential.id, redirect_uri=REDIRECT, response_type="code",
                                      state="ok"))
    assert resp.status_code == 200 and Page.of(resp).sign_in_form is not None, describe(resp)
    resp = browser.open(raw_authorize(c, client_id=app.id, redirect_uri=REDIRECT, response_type="token", state="ok"))
    assert resp.status_code == 200 and Page.of(resp).sign_in_form is not None, describe(resp)


def test_denying_consent_sends_access_denied(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    for response_type, part in (("code", query_of), ("token", fragment_of)):
        _, url, state, _ = c.authorization_request(app, response_type=response_type)
        location = redirect_location(Browser(c.server).authorize(url, user.email, user.password, decision="deny"),
                                     app.redirect_uri)
        answer = part(location)
        assert answer.get("error") == "access_denied" and answer.get("state") == state, location
        assert "code" not in answer and "access_token" not in answer, location


def test_wrong_password_on_the_sign_in_page_shows_the_form_again(cayenne_alone: Cayenne):
    c = cayenne_alone
    app = c.app()
    user = c.sign_up(app)
    browser = Browser(c.server)
    _, url, state, _ = c.authorization_request(app)
    page = browser.open(url)
    resp = browser.sign_in(page, user.email, "not-the-password")
    assert resp.status_code in (200, 400, 401), describe(resp)
    assert "Location" not in resp.headers, resp.headers
    assert Page.of(resp).sign_in_form is not None, "the form again, to retry"
    assert browser.session.cookies.get("nimbus_sso") is None
    # The right password on the new form goes on.
    resp = browser.sign_in(resp, user.email, user.password)
    resp = browser.decide(resp)
    assert query_of(redirect_location(resp, app.redirect_uri))["state"] == state


# --------------------------------------------------------------------------------------------
# CSRF


def test_sign_in_form_without_the_csrf_token_or_with_another_is_refused(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    browser = Browser(c.server)
    _, url, state, _ = c.authorization_request(app)
    page = browser.open(url)
    form = Page.of(page).sign_in_form
    assert form is not None, describe(page)
    cookie = browser.csrf_cookie()
    assert cookie, "the sign-in page sets nimbus_csrf"
    csrf = browser.csrf_field(form)
    assert form.fields()[csrf] == cookie, "double submit: the form carries the cookie's value"

    refused = [browser.sign_in(page, user.email, user.password, drop=[csrf]),
               browser.sign_in(page, user.email, user.password, extra={csrf: "A" * len(cookie)}),
               browser.sign_in(page, user.email, user.password, extra={csrf: ""})]
    for resp in refused:
        assert_no_redirect(resp)
        assert "code=" not in resp.text
    assert browser.session.cookies.get("nimbus_sso") is None, "a refused post signs nobody in"

    # The field without the cookie (another site posting with a token it read somewhere).
    browser.drop_cookie("nimbus_csrf")
    assert_no_redirect(browser.sign_in(page, user.email, user.password))
    assert browser.session.cookies.get("nimbus_sso") is None

    # A fresh page and an honest post still work.
    page = browser.open(url)
    resp = browser.decide(browser.sign_in(page, user.email, user.password))
    assert query_of(redirect_location(resp, app.redirect_uri))["state"] == state


def test_consent_form_needs_the_csrf_token(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    browser = Browser(c.server)
    _, url, state, _ = c.authorization_request(app)
    consent = browser.sign_in(browser.open(url), user.email, user.password)
    form = Page.of(consent).consent_form()
    assert form is not None, describe(consent)
    csrf = browser.csrf_field(form)
    for resp in (browser.decide(consent, drop=[csrf]), browser.decide(consent, extra={csrf: "forged"})):
        assert_no_redirect(resp)
    resp = browser.decide(consent)
    assert query_of(redirect_location(resp, app.redirect_uri))["state"] == state


# --------------------------------------------------------------------------------------------
# Token endpoint errors


def test_token_endpoint_errors(cayenne_alone: Cayenne):
    c = cayenne_alone
    app = c.app()
    user = c.sign_up(app)
    oauth_error(c.token(grant_type="bogus", client_id=app.id), 400, "unsupported_grant_type")
    oauth_error(c.token(json_body={"grant_type": "bogus", "client_id": app.id}), 400, "unsupported_grant_type")
    oauth_error(c.token(client_id=app.id, email=user.email, password=user.password), 400,
                ["invalid_request", "unsupported_grant_type"])
    oauth_error(c.token(grant_type="password", client_id=app.id, email=user.email), 400, "invalid_request")
    oauth_error(c.token(grant_type="password", client_id=app.id, password=user.password), 400, "invalid_request")
    oauth_error(c.token(grant_type="authorization_code", client_id=app.id, redirect_uri=REDIRECT,
                        code_verifier="v" * 43), 400, "invalid_request")
    oauth_error(c.token(grant_type="refresh_token", client_id=app.id), 400, "invalid_request")
    oauth_error(c.token(grant_type="authorization_code", client_id=app.id, code="no-such-code",
                        redirect_uri=REDIRECT, code_verifier="v" * 43), 400, "invalid_grant")
    oauth_error(c.token(grant_type="refresh_token", client_id=app.id, refresh_token="no-such-token"), 400,
                "invalid_grant")
    oauth_error(c.password_grant(app, user, password="wrong-password"), 400, "invalid_grant")
    oauth_error(c.token(grant_type="password", email="nobody@example.test", password="whatever-pw",
                        client_id=app.id), 400, "invalid_grant")
    oauth_error(c.token(grant_type="password", email=user.email, password=user.password, client_id="no-such-app"),
                401, "invalid_client")
    resp = c.token(grant_type="password", email=user.email, password=user.password)  # no client at all
    assert resp.status_code in (400, 401) and resp.json().get("error") in ("invalid_request", "invalid_client"), \
        describe(resp)
    # authlib turns the same answers into OAuthError with the code.
    with pytest.raises(OAuthError) as raised:
        c.oauth(app).fetch_token(c.token_url, grant_type="password", username=user.email, password="")
    assert raised.value.error in ("invalid_request", "invalid_grant"), raised.value


def test_a_wrong_client_secret_is_invalid_client(cayenne: Cayenne):
    c = cayenne
    app = c.app(confidential=True)
    user = c.sign_up(app)
    resp = c.token(grant_type="password", email=user.email, password=user.password, auth=(app.id, "wrong-secret"))
    oauth_error(resp, 401, "invalid_client")
    assert resp.headers.get("WWW-Authenticate", "").lower().startswith("basic"), resp.headers
    oauth_error(c.token(grant_type="client_credentials", client_id=app.id, client_secret="wrong-secret"),
                401, "invalid_client")
    oauth_error(c.token(grant_type="client_credentials", auth=(app.id, app.secret + "x")), 401, "invalid_client")
    oauth_error(c.token(grant_type="client_credentials", auth=("no-such-app", app.secret)), 401, "invalid_client")
    with pytest.raises(OAuthError) as raised:
        OAuth2Session(client_id=app.id, client_secret="wrong").fetch_token(c.token_url, grant_type="client_credentials")
    assert raised.value.error == "invalid_client"


def test_authorization_codes_are_single_use_and_bound_to_their_request(cayenne: Cayenne):
    c = cayenne
    app = c.app(redirect_uris=[REDIRECT, OTHER_REDIRECT])
    other_app = c.app()
    user = c.sign_up(app)
    browser = Browser(c.server)

    def exchange(code, verifier, client_id=app.id, redirect_uri=REDIRECT, **extra):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "client_id": client_id, "code_verifier": verifier, **extra}
        return c.token(**{k: v for k, v in form.items() if v is not None})

    code, verifier = c.code(app, user, browser)
    assert_token_answer(expect_json(exchange(code, verifier), 200))
    oauth_error(exchange(code, verifier), 400, "invalid_grant")  # used once already

    code, verifier = c.code(app, user, browser)
    oauth_error(exchange(code, verifier, redirect_uri=OTHER_REDIRECT), 400, "invalid_grant")
    code, verifier = c.code(app, user, browser)
    oauth_error(exchange(code, verifier, redirect_uri=None), 400, ["invalid_grant", "invalid_request"])
    code, verifier = c.code(app, user, browser)
    oauth_error(exchange(code, "w" * 64), 400, "invalid_grant")
    code, verifier = c.code(app, user, browser)
    oauth_error(exchange(code, None), 400, ["invalid_grant", "invalid_request"])
    code, verifier = c.code(app, user, browser)
    oauth_error(exchange(code, verifier, client_id=other_app.id), 400, "invalid_grant")

    # A code asked for with OTHER_REDIRECT is exchanged with OTHER_REDIRECT only.
    code, verifier = c.code(app, user, browser, redirect_uri=OTHER_REDIRECT)
    oauth_error(exchange(code, verifier, redirect_uri=REDIRECT), 400, "invalid_grant")
    code, verifier = c.code(app, user, browser, redirect_uri=OTHER_REDIRECT)
    assert_token_answer(expect_json(exchange(code, verifier, redirect_uri=OTHER_REDIRECT), 200))


# --------------------------------------------------------------------------------------------
# Scopes and the consent page


def test_scopes_are_shown_and_granted(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    browser = Browser(c.server)
    # The seed's commas here; RFC 6749's spaces (form-encoded as "+") in
    # test_authorization_request_parameters_are_form_decoded.
    for asked in ("read,write", "write,read,read"):
        client, url, state, verifier = c.authorization_request(app, scope=asked)
        page = browser.open(url)
        if Page.of(page).sign_in_form is not None:
            page = browser.sign_in(page, user.email, user.password)
        consent = Page.of(page)
        assert consent.consent_form() is not None, describe(page)
        assert re.search(r"\bread\b", consent.text) and re.search(r"\bwrite\b", consent.text), consent.text
        location = redirect_location(browser.decide(page), app.redirect_uri)
        token = client.fetch_token(c.token_url, authorization_response=location, code_verifier=verifier)
        assert set(re.split(r"[ ,]+", token["scope"])) == {"read", "write"}, token
        assert set(re.split(r"[ ,]+", verify_access_token(c, token["access_token"])["scope"])) == {"read", "write"}
    token = expect_json(c.password_grant(app, user, scope="read"), 200)
    assert token["scope"] == "read", token
    token = expect_json(c.password_grant(app, user, scope="read write"), 200)
    assert set(token["scope"].split()) == {"read", "write"}, token


def test_authorization_request_parameters_are_form_decoded(cayenne: Cayenne):
    """authlib (like most clients) form-encodes the query: a space is "+" (RFC 6749 Appendix B),
    so "read write" arrives as scope=read+write and a state with a space as ...+...; both must come
    back decoded, the state exactly as sent."""
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    state = "s&t=a te/ü?#"
    client, url, state, verifier = c.authorization_request(app, scope="read write", state=state)
    assert "scope=read+write" in url, url
    resp = Browser(c.server).authorize(url, user.email, user.password)
    location = redirect_location(resp, app.redirect_uri)
    assert query_of(location).get("state") == state and "error" not in query_of(location), location
    token = client.fetch_token(c.token_url, authorization_response=location, code_verifier=verifier)
    assert set(token["scope"].split()) == {"read", "write"}, token


def test_the_consent_page_escapes_the_app_name(cayenne: Cayenne):
    c = cayenne
    app = c.app(name='<script>alert("pwned")</script> Tank & Co')
    user = c.sign_up(app)
    browser = Browser(c.server)
    _, url, _, _ = c.authorization_request(app)
    sign_in = browser.open(url)
    consent = browser.sign_in(sign_in, user.email, user.password)
    for page in (sign_in, consent):
        assert "<script>alert" not in page.text, "the app name must be HTML-escaped"
    assert "Tank & Co" in Page.of(consent).text, Page.of(consent).text


# --------------------------------------------------------------------------------------------
# Servers of their own


def test_repeated_failures_lock_sign_in(server_factory):
    server = server_factory()
    c = Cayenne(server)
    app = c.app()
    user, bystander = c.sign_up(app), c.sign_up(app)
    durations = []
    for attempt in range(1, 11):
        started = time.monotonic()
        resp = c.password_grant(app, user, password=f"wrong-password-{attempt}")
        durations.append(time.monotonic() - started)
        if attempt < 10:
            oauth_error(resp, 400, "invalid_grant")
        else:
            oauth_error(resp, (400, 429), ["invalid_grant", "too_many_attempts"])
    assert all(d < 0.9 for d in durations[:4]), f"no delay before the 5th failure: {durations}"
    delayed = sum(d >= 0.9 for d in durations[4:])
    assert 4 <= delayed <= 6, f"about one second per attempt after the 5th failure: {durations}"

    oauth_error(c.password_grant(app, user), 429, "too_many_attempts")
    # The address is locked out as well, for every account.
    oauth_error(c.password_grant(app, bystander), 429, "too_many_attempts")
    # The HTML flow sends the user back to the app.
    _, url, state, _ = c.authorization_request(app)
    resp = Browser(server).authorize(url, user.email, user.password)
    answer = query_of(redirect_location(resp, app.redirect_uri))
    assert answer.get("error") == "access_denied" and answer.get("state") == state, answer
    assert "too many" in answer.get("error_description", "").lower(), answer


def test_access_token_lifetime_flag_and_expiry(server_factory):
    """Takes half a minute: the flag's least value is 30 s."""
    lifetime = 30
    server = server_factory(extra_args=["--access-token-lifetime", str(lifetime)])
    c = Cayenne(server)
    app = c.app()
    user = c.sign_up(app)
    token = c.tokens(app, user)
    assert token["expires_in"] == lifetime, token
    claims = verify_access_token(c, token["access_token"])
    assert claims["exp"] - claims["iat"] == lifetime, claims
    assert_signed_in(c, token["access_token"], user)
    time.sleep(max(0.0, claims["exp"] - time.time()) + 1.5)
    assert_token_refused(c, token["access_token"])
    assert c.server.client(token["access_token"]).get("/auth").status_code == 401
    fresh = expect_json(c.token(grant_type="refresh_token", refresh_token=token["refresh_token"], client_id=app.id),
                        200)
    assert_signed_in(c, fresh["access_token"], user)


def test_the_signing_key_and_tokens_survive_a_restart(server_factory):
    server = server_factory()
    c = Cayenne(server)
    app = c.app()
    user = c.sign_up(app)
    token = c.tokens(app, user)
    jwks = expect_json(c.get("/.well-known/jwks.json"), 200)
    server.restart()
    assert expect_json(c.get("/.well-known/jwks.json"), 200) == jwks, "the key is kept in the store"
    verify_access_token(c, token["access_token"])
    assert_signed_in(c, token["access_token"], user)
    assert_token_answer(expect_json(c.token(grant_type="refresh_token", refresh_token=token["refresh_token"],
                                            client_id=app.id), 200))


def test_rotated_signing_keys_keep_old_tokens_valid(server_factory):
    server = server_factory()
    c = Cayenne(server)
    app = c.app()
    user = c.sign_up(app)
    before = c.tokens(app, user)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    server.stop()
    server.cli("signing-key", "rotate")
    server.start()
    kids = {k["kid"] for k in expect_json(c.get("/.well-known/jwks.json"), 200)["keys"]}
    assert old_kid in kids and len(kids) >= 2, kids
    after = c.tokens(app, user)
    new_kid = jwt.get_unverified_header(after["access_token"])["kid"]
    assert new_kid != old_kid and new_kid in kids, (old_kid, new_kid, kids)
    for token in (before, after):
        verify_access_token(c, token["access_token"])
        assert_signed_in(c, token["access_token"], user)


def test_no_oauth_secret_reaches_the_log(nimbus_bin: Path, mailbox, sms, tmp_path: Path):
    server = NimbusServer(nimbus_bin, tmp_path / "data", mailbox=mailbox, sms=sms, log_level="trace")
    server.start()
    secrets: dict[str, str] = {}
    try:
        c = Cayenne(server)
        app = c.app(confidential=True)
        public = c.app()
        user = c.sign_up(app)
        secrets.update({"client secret": app.secret, "password": user.password,
                        "sign-up access token": user.info.get("access_token", ""),
                        "sign-up refresh token": user.info.get("refresh_token", "")})
        browser = Browser(server)
        client = c.oauth(app, redirect_uri=REDIRECT)
        url, state = client.create_authorization_url(c.authorize_url)
        location = redirect_location(browser.authorize(url, user.email, user.password), REDIRECT)
        secrets["authorization code"] = query_of(location)["code"]
        token = dict(client.fetch_token(c.token_url, authorization_response=location))
        secrets["access token"], secrets["refresh token"] = token["access_token"], token["refresh_token"]
        secrets["sso cookie"] = browser.session.cookies.get("nimbus_sso") or ""
        refreshed = expect_json(c.token(grant_type="refresh_token", refresh_token=token["refresh_token"],
                                        client_id=app.id, client_secret=app.secret), 200)
        secrets["rotated refresh token"] = refreshed["refresh_token"]
        _, url, _, _ = c.authorization_request(public, response_type="token")
        implicit = fragment_of(redirect_location(browser.authorize(url, user.email, user.password), REDIRECT))
        secrets["implicit access token"] = implicit["access_token"]
        secrets["client credentials token"] = c.oauth(app).fetch_token(
            c.token_url, grant_type="client_credentials")["access_token"]
        expect_json(client.introspect_token(c.introspect_url, token=refreshed["access_token"]), 200)
        expect_json(c.post("/cayenne/password/forgot", json={"email": user.email}), 200)
        secrets["reset token"] = reset_token = reset_mail_token(mailbox, user.email)
        new_password = "a-brand-new-password"
        secrets["new password"] = new_password
        expect_json(c.post("/cayenne/password/reset", json={"token": reset_token, "password": new_password}), 200)
        expect_json(c.password_grant(app, user, password=new_password), 200)
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    assert "trace" in log or "debug" in log, "the server ran at trace level"
    for name, secret in secrets.items():
        assert secret, f"the flow produced no {name}"
        assert secret not in log, f"the {name} appears in the server log"
        if secret.count(".") == 2:  # a JWT: not even its signature
            assert secret.split(".")[2] not in log, f"the {name}'s signature appears in the server log"


# --------------------------------------------------------------------------------------------
# Boundaries between projects, apps and sign-ins


def test_single_sign_on_does_not_cross_projects(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    browser = Browser(c.server)
    c.code_flow(app, user, browser)
    elsewhere = Cayenne(c.server)  # another project on the same server
    foreign_app = elsewhere.app()
    _, url, _, _ = elsewhere.authorization_request(foreign_app)
    page = browser.open(url)
    assert Page.of(page).sign_in_form is not None, "the SSO session of one project does not sign in to another"
    # The same address in the other project is another account: the first one's password is no key.
    elsewhere.sign_up(foreign_app, email=user.email, password="the-other-accounts-password")
    token = expect_json(elsewhere.password_grant(foreign_app, user, password="the-other-accounts-password"), 200)
    claims = verify_access_token(c, token["access_token"])
    assert claims["sub"] != user.id and str(claims["project"]) == str(elsewhere.project.id), claims


def test_refresh_tokens_and_codes_belong_to_their_client(cayenne: Cayenne):
    c = cayenne
    app, other = c.app(), c.app()
    user = c.sign_up(app)
    token = c.tokens(app, user)
    oauth_error(c.token(grant_type="refresh_token", refresh_token=token["refresh_token"], client_id=other.id),
                400, "invalid_grant")
    # The failed attempt by another client is not a replay by the owner: it still works for the owner
    # (or, if Nimbus treats it as theft, the family is gone; either way nothing reaches the other client).
    resp = c.token(grant_type="refresh_token", refresh_token=token["refresh_token"], client_id=app.id)
    assert resp.status_code in (200, 400), describe(resp)


def test_a_tampered_consent_form_gains_nothing(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    browser = Browser(c.server)
    _, url, state, _ = c.authorization_request(app)
    consent = browser.sign_in(browser.open(url), user.email, user.password)
    form = Page.of(consent).consent_form()
    assert form is not None, describe(consent)
    redirect_field = next((a["name"] for a in form.inputs if a.get("value") == REDIRECT), None)
    if redirect_field is not None:  # the form carries the request again: a changed one is checked again
        assert_no_redirect(browser.decide(consent, extra={redirect_field: "https://evil.example.test/cb"}))
    challenge_field = next((a["name"] for a in form.inputs if a.get("name") == "code_challenge"), None)
    if challenge_field is not None:  # dropping PKCE from a public client's request is refused
        resp = browser.decide(consent, drop=[challenge_field, "code_challenge_method"])
        assert "code" not in query_of(resp.headers.get("Location", "")), resp.headers
    resp = browser.decide(consent)
    assert query_of(redirect_location(resp, REDIRECT))["state"] == state


def test_token_answers_are_not_cached(cayenne: Cayenne):
    """RFC 6749 §5.1: the token answer carries Cache-Control: no-store."""
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    resp = c.password_grant(app, user)
    expect_json(resp, 200)
    assert "no-store" in resp.headers.get("Cache-Control", ""), resp.headers
    error = c.password_grant(app, user, grant_type="bogus")
    oauth_error(error, 400, "unsupported_grant_type")


def test_deleting_the_user_in_mode_ends_every_cayenne_sign_in(cayenne: Cayenne):
    c = cayenne
    app = c.app()
    user = c.sign_up(app)
    browser = Browser(c.server)
    token = c.code_flow(app, user, browser)
    other = c.tokens(app, user)
    mode = c.server.client(other["access_token"]).with_token(other["access_token"], "Bearer")
    # The user is the last owner of their account (a home): it goes first.
    for home in expect(mode.get("/homes"), 200):
        expect(mode.delete(f"/homes/{home['id']}"), 204)
    expect(mode.delete(f"/users/{int(user.id)}"), 204)
    for access in (token["access_token"], other["access_token"]):
        assert_token_refused(c, access)
    oauth_error(c.token(grant_type="refresh_token", refresh_token=token["refresh_token"], client_id=app.id),
                400, "invalid_grant")
    _, url, _, _ = c.authorization_request(app)
    assert Page.of(browser.open(url)).sign_in_form is not None, "the SSO session ended with the account"


def test_sign_up_needs_a_project_with_email_accounts(cayenne: Cayenne):
    from world import Project
    c = Cayenne(cayenne.server, Project(cayenne.server, "phone"))
    app = c.app()
    resp = c.post("/cayenne/users", json={"first_name": "A", "last_name": "B", "email": "a@example.test",
                                          "password": "long-enough-password", "application_id": app.id})
    assert resp.status_code in (400, 403) and resp.json().get("error"), describe(resp)


def test_an_https_public_url_names_the_issuer_and_secures_the_cookies(server_factory):
    public = "https://nimbus.example.test"
    server = server_factory(extra_args=["--public-url", public])
    c = Cayenne(server)
    meta = expect_json(c.get("/.well-known/oauth-authorization-server/cayenne"), 200)
    assert meta["issuer"] == public + "/cayenne" and meta["token_endpoint"] == public + "/cayenne/oauth/token", meta
    app = c.app()
    user = c.sign_up(app)
    claims = jwt_parts(c.tokens(app, user)["access_token"])[1]
    assert claims["iss"] == public + "/cayenne", claims
    _, url, _, _ = c.authorization_request(app)
    page = requests.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, describe(page)
    csrf = [cookie_attributes(h) for h in set_cookies(page) if h.startswith("nimbus_csrf=")]
    assert csrf and "secure" in csrf[0][2] and "httponly" in csrf[0][2], set_cookies(page)
    # Post the sign-in form by hand (requests would not send a Secure cookie over http).
    form = Page.of(page).sign_in_form
    data = {**form.fields(), form.email_field: user.email, form.password_field: user.password}
    resp = requests.post(urllib.parse.urljoin(url, form.action), data=data, allow_redirects=False, timeout=10,
                         headers={"Cookie": f"nimbus_csrf={csrf[0][1]}"})
    sso = [cookie_attributes(h) for h in set_cookies(resp) if h.startswith("nimbus_sso=")]
    assert sso, describe(resp)
    assert "secure" in sso[0][2] and "httponly" in sso[0][2] and sso[0][2].get("samesite", "").lower() == "lax", sso
