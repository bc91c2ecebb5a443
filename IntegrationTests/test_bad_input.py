"""Bad input, fuzz style: malformed JSON and forms, wrong types, non-object bodies, missing fields,
unknown / huge / non-numeric ids, oversized bodies, invalid tokens, odd query parameters and
unknown routes. A fixed seed makes the few hundred requests the same on every run.

Every answer must be below 500; every error must be a JSON body with a reason. Cases that are
certainly invalid must answer 4xx (or exactly 401 / 413 where the contract says so).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from harness import ModeClient, describe
from world import PASSWORD, Project, unique_email

SEED = 20261121
CASE_COUNT = 320

STRING, INT, BOOL, OBJECT, ANY = "string", "int", "bool", "object", "any"
WRONG = {
    STRING: [{"a": 1}, [1, "x"], [], {}],
    INT: ["abc", "", [1], {"x": 1}, 1.5, True, 10**30, -(10**30)],
    BOOL: ["maybe", 2, [], {"x": True}],
    OBJECT: [[1, 2], "text", 5, True],
    ANY: [],  # any JSON but null is valid
}
MALFORMED_JSON = ['{', '{"name":', '{"name": "x",}', "[1,2", "nul", "{'a': 1}", '{"a":1}}', '{"a" 1}',
                  '{"name": "\\ud800"}', "\x00\x01\x02", '{"a":' * 200, "", " "]
MALFORMED_FORMS = [b"%", b"a=%zz", b"name=%G1", b"%E2%82=1", b"\xff\xfe=\xff", b"name=%", b"%%%%=%%"]
NOT_OBJECTS = ["[1,2]", '"str"', "42", "null", "true", "[]"]
BAD_IDS = ["999999999", "99999999999999999999999", "abc", "-1", "0", "1.5", "1e3", "%20", "0x10", "%00",
           "9223372036854775808", "null", "{id}"]
BAD_TOKENS = ["", "v1.u.", "v1.u.deadbeef", "v1.d.deadbeef", "v1.k.deadbeef", "v1.p.deadbeef", "null", "x" * 4000,
              "v1.u." + "a" * 300, "ModeCloud", "é"]
BAD_QUERIES = [{"skip": "-1"}, {"limit": "abc"}, {"limit": "0"}, {"limit": "100000"}, {"skip": "1e9"},
               {"skip": "99999999999999999999"}, {"keyPrefix": "\x00"}, {"limit": ["1", "2"]}]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    caller: str  # anon | owner | device | key
    body: dict[str, Any]
    types: dict[str, str]
    required: bool = True  # has required fields (PATCHes have none)


def endpoints(ids: dict[str, Any]) -> list[Endpoint]:
    p, h, d = ids["project"], ids["home"], ids["device"]
    return [
        Endpoint("POST", "/users", "anon", {"projectId": p, "email": unique_email(), "password": PASSWORD, "name": "n"},
                 {"projectId": INT, "email": STRING, "password": STRING, "name": STRING}),
        Endpoint("POST", "/auth/user", "anon", {"appId": ids["app"], "email": ids["email"], "password": PASSWORD},
                 {"appId": STRING, "email": STRING, "password": STRING}),
        Endpoint("POST", "/auth/user/sms", "anon", {"projectId": p, "phoneNumber": "+15551234567"},
                 {"projectId": INT, "phoneNumber": STRING}),
        Endpoint("POST", "/auth/user/emailVerification", "anon", {"token": "abc"}, {"token": STRING}),
        Endpoint("POST", "/auth/user/emailVerification/start", "anon", {"projectId": p, "email": ids["email"]},
                 {"projectId": INT, "email": STRING}),
        Endpoint("POST", "/auth/user/passwordReset", "anon", {"token": "abc", "newPassword": PASSWORD},
                 {"token": STRING, "newPassword": STRING}),
        Endpoint("POST", "/auth/user/passwordReset/start", "anon", {"projectId": p, "email": ids["email"]},
                 {"projectId": INT, "email": STRING}),
        Endpoint("PATCH", f"/users/{ids['owner']}", "owner", {"name": "n"}, {"name": STRING}, required=False),
        Endpoint("POST", "/homes", "owner", {"name": "n"}, {"name": STRING}),
        Endpoint("PATCH", f"/homes/{h}", "owner", {"name": "n"}, {"name": STRING}, required=False),
        Endpoint("POST", f"/homes/{h}/members", "owner", {"email": unique_email(), "role": "member"},
                 {"email": STRING, "role": STRING}),
        Endpoint("PATCH", f"/homes/{h}/members/{ids['owner']}", "owner", {"role": "owner"}, {"role": STRING}),
        Endpoint("PUT", f"/homes/{h}/event", "key", {"eventType": "t", "eventData": {}},
                 {"eventType": STRING, "eventData": OBJECT}),
        Endpoint("POST", f"/homes/{h}/deviceProvisioning", "owner", {"deviceClass": "sensor"},
                 {"deviceClass": STRING, "deviceTag": STRING}),
        Endpoint("PUT", f"/homes/{h}/kv/fuzz", "owner", {"value": 1}, {"value": ANY}),
        Endpoint("POST", "/devices", "owner", {"homeId": h, "claimCode": "ABCD-EFGH"},
                 {"homeId": INT, "claimCode": STRING}),
        Endpoint("PATCH", f"/devices/{d}", "owner", {"name": "n", "tag": "t"}, {"name": STRING, "tag": STRING},
                 required=False),
        Endpoint("PUT", f"/devices/{d}/kv/fuzz", "device", {"value": 1}, {"value": ANY}),
        Endpoint("PUT", f"/devices/{d}/command", "owner", {"action": "a", "parameters": {}},
                 {"action": STRING, "parameters": OBJECT}),
        Endpoint("PUT", f"/devices/{d}/event", "device", {"eventType": "t", "eventData": {}},
                 {"eventType": STRING, "eventData": OBJECT}),
        Endpoint("POST", "/deviceRegistration", "device", {"deviceId": d, "claimable": True, "duration": 60},
                 {"deviceId": INT, "claimable": BOOL, "duration": INT}),
    ]


ID_PATHS = ["/users/{x}", "/homes/{x}", "/homes/{x}/members", "/homes/{home}/members/{x}", "/homes/{x}/kv",
            "/homes/{x}/kv/k", "/homes/{x}/smartModules", "/devices/{x}", "/devices/{x}/kv", "/devices/{x}/kv/k"]
ID_QUERIES = [("/homes", "userId"), ("/devices", "homeId"), ("/users", "projectId")]
AUTHED_GETS = ["/userSession", "/homes/{home}", "/devices/{device}", "/homes/{home}/kv", "/users/{owner}"]
UNKNOWN_ROUTES = [("GET", "/nothing-here"), ("DELETE", "/auth"), ("POST", "/homes/{home}/kv"), ("PUT", "/users"),
                  ("GET", "/homes/{home}/nothing"), ("PATCH", "/deviceRegistration")]


def is_int64(text: str) -> bool:
    try:
        return -(2**63) <= int(text, 10) < 2**63
    except ValueError:
        return False


@dataclass
class FuzzCase:
    kind: str
    method: str
    path: str
    caller: str
    expect: str  # "4xx" | "401" | "413" | "no5xx"
    data: bytes | str | None = None
    content_type: str | None = None
    params: dict[str, Any] | None = None
    token: str | None = None  # overrides the caller's credential
    scheme: str = "ModeCloud"


def generate(rng: random.Random, ids: dict[str, Any], count: int) -> list[FuzzCase]:
    eps = endpoints(ids)
    strict = [e for e in eps if e.required]  # whatever a lenient parser makes of junk, a field is missing

    def fmt(path: str) -> str:
        return path.format(**ids)

    def wrong_type() -> FuzzCase:
        ep = rng.choice([e for e in eps if any(WRONG[t] for t in e.types.values())])
        field = rng.choice([f for f, t in ep.types.items() if WRONG[t]])
        body = dict(ep.body)
        body[field] = rng.choice(WRONG[ep.types[field]])
        return FuzzCase(f"wrong type for {field}", ep.method, ep.path, ep.caller, "4xx", json.dumps(body),
                        "application/json")

    def malformed_json() -> FuzzCase:
        ep = rng.choice(eps)
        return FuzzCase("malformed JSON", ep.method, ep.path, ep.caller, "4xx", rng.choice(MALFORMED_JSON),
                        "application/json")

    def malformed_form() -> FuzzCase:
        ep = rng.choice(strict)
        return FuzzCase("malformed form", ep.method, ep.path, ep.caller, "4xx", rng.choice(MALFORMED_FORMS),
                        "application/x-www-form-urlencoded")

    def not_an_object() -> FuzzCase:
        ep = rng.choice(eps)
        return FuzzCase("body not an object", ep.method, ep.path, ep.caller, "4xx", rng.choice(NOT_OBJECTS),
                        "application/json")

    def missing_fields() -> FuzzCase:
        ep = rng.choice(strict)
        return FuzzCase("missing fields", ep.method, ep.path, ep.caller, "4xx", "{}", "application/json")

    def random_bytes() -> FuzzCase:
        ep = rng.choice(strict)
        blob = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200)))
        ctype = rng.choice(["application/json", "application/x-www-form-urlencoded"])
        return FuzzCase("random bytes", ep.method, ep.path, ep.caller, "4xx", blob, ctype)

    def bad_path_id() -> FuzzCase:
        template = rng.choice(ID_PATHS)
        path = fmt(template.replace("{x}", "{{x}}")).replace("{x}", rng.choice(BAD_IDS))
        method = rng.choice(["GET", "GET", "DELETE", "PATCH"])
        data = '{"name": "n"}' if method == "PATCH" else None
        return FuzzCase("bad id in path", method, path, "owner", "4xx", data,
                        "application/json" if data else None)

    def bad_query_id() -> FuzzCase:
        path, name = rng.choice(ID_QUERIES)
        value = rng.choice(BAD_IDS)
        # An unknown but well-formed id may list nothing (200 []); a malformed one must be refused.
        expected = "no5xx" if is_int64(value) else "4xx"
        return FuzzCase("bad id in query", "GET", path, rng.choice(["owner", "key"]), expected,
                        params={name: value})

    def bad_token() -> FuzzCase:
        path = fmt(rng.choice(AUTHED_GETS))
        scheme = rng.choice(["ModeCloud", "ModeCloud", "Bearer", "Basic", "Token"])
        return FuzzCase("invalid token", "GET", path, "anon", "401", token=rng.choice(BAD_TOKENS), scheme=scheme)

    def odd_query() -> FuzzCase:
        path = rng.choice(["/homes", f"/homes/{ids['home']}/kv", f"/homes/{ids['home']}/members", "/devices"])
        params = dict(rng.choice(BAD_QUERIES))
        params.update({"/homes": {"userId": ids["owner"]}, "/devices": {"homeId": ids["home"]}}.get(path, {}))
        return FuzzCase("odd query", "GET", path, "owner", "no5xx", params=params)

    def wrong_content_type() -> FuzzCase:
        ep = rng.choice(eps)
        return FuzzCase("wrong content type", ep.method, ep.path, ep.caller, "no5xx", json.dumps(ep.body),
                        rng.choice(["text/plain", "application/xml", "multipart/form-data", "application/json; charset=latin1"]))

    def unknown_route() -> FuzzCase:
        method, path = rng.choice(UNKNOWN_ROUTES)
        return FuzzCase("unknown route", method, fmt(path), "owner", "4xx", "{}", "application/json")

    generators = [wrong_type] * 6 + [malformed_json] * 3 + [malformed_form] * 3 + [not_an_object] * 2 + \
                 [missing_fields] * 2 + [random_bytes] * 2 + [bad_path_id] * 3 + [bad_query_id] * 2 + \
                 [bad_token] * 3 + [odd_query] * 2 + [wrong_content_type] + [unknown_route]
    cases = [rng.choice(generators)() for _ in range(count)]
    for size in (1024 * 1024 + 1, 2 * 1024 * 1024, 5 * 1024 * 1024):
        ep = rng.choice([e for e in eps if e.caller != "anon"])
        cases.append(FuzzCase(f"{size}-byte body", ep.method, ep.path, ep.caller, "413",
                              b'{"name": "' + b"x" * size + b'"}', "application/json"))
    return cases


def check(case: FuzzCase, resp: requests.Response) -> str | None:
    status = resp.status_code
    if status >= 500:
        return "server error"
    if status >= 400:
        try:
            body = resp.json()
            ok = isinstance(body, dict) and isinstance(body.get("reason"), str) and body["reason"]
        except ValueError:
            ok = False
        if not ok:
            return "error without a JSON reason"
    if case.expect == "4xx" and not 400 <= status < 500:
        return "expected a 4xx"
    if case.expect == "401" and status != 401:
        return "expected 401"
    if case.expect == "413" and (status != 413 or resp.json().get("reason") != "REQUEST_TOO_LARGE"):
        return "expected 413 REQUEST_TOO_LARGE"
    return None


@pytest.fixture
def fuzz_target(email_project: Project):
    owner, member = email_project.new_user(), email_project.new_user()
    home = email_project.new_home(owner)
    email_project.add_member(owner, home, member)
    device = email_project.device_in_home(owner, home)
    ids = {"project": email_project.id, "app": email_project.app_id, "owner": owner.id, "email": owner.email,
           "home": home, "device": device.id}
    clients = {"anon": email_project.anon, "owner": owner.client, "device": device.client,
               "key": email_project.key("admin", "events", "kv").client}
    return email_project, ids, clients


def test_bad_input_never_causes_a_server_error(fuzz_target):
    project, ids, clients = fuzz_target
    cases = generate(random.Random(SEED), ids, CASE_COUNT)
    failures = []
    for case in cases:
        client: ModeClient = clients[case.caller]
        if case.token is not None:
            client = client.with_token(case.token, case.scheme)
        try:
            resp = client.request(case.method, case.path, data=case.data, content_type=case.content_type,
                                  params=case.params)
        except requests.RequestException as e:
            failures.append(f"[{case.kind}] {case.method} {case.path}: no answer ({type(e).__name__}: {e})")
            continue
        problem = check(case, resp)
        if problem:
            failures.append(f"[{case.kind}] {problem}: {describe(resp)}")

    health = requests.get(project.server.base_url + "/health", timeout=5)
    assert health.status_code == 200, "server unhealthy after the fuzz run"
    summary = "\n".join(failures[:40])
    assert not failures, f"{len(failures)} of {len(cases)} bad-input requests were mishandled:\n{summary}"
