"""WiFi Motion's motion (docs/wifimotion.md, "Motion"): the access-point agent's Core API paths under
`/wifimotion/mns/network/{id}/` (events and the topology, with a project key made with the admin
CLI), and what the app reads and changes under `/wifimotion/api/v1/`: sounding settings and
clients, topologies, events and their tags, the motion history (intensities and densities,
checked against the same computation in Python over events posted with chosen `ts` values), and
the `/motions` WebSocket.

The official sample client's calls (cayenne-clients.md §10.1, W6–W10) run in their order, as the
sample makes them: the raw token, the trailing slashes, the WebSocket with `token` and `network_id`
in the query. Around them: who may do what (the agent's key and its permissions, an owner, a
member, a non-member) and bad input of every kind (`{error, message}` with the right status, and
nothing changed or stored).

Every test signs up users of its own through `POST /users` on the shared server (but the test of
huge history ranges, which runs on a server of its own, as a crash would take the shared one down);
the agent's key is one per module, of the project the dialect made (`wifimotion-<project id>` is the
sessions' `client_id`).
"""

from __future__ import annotations

import copy
import json
import math
import re
import time
import urllib.parse
from typing import Any, Iterable

import pytest
import requests
import websocket

from harness import HTTP_TIMEOUT, NimbusServer, WsClient, describe
from test_wifimotion import sample_client_w3_to_w5
from wifimotion import Account, WiFiMotion, expect_error, expect_json, jwt_parts
from world import PASSWORD, Project, unique

MNS = "/wifimotion/mns"
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
CATEGORIES = ("Link", "Network", "Motion", "System", "User", "Device", "Internal")
SETTINGS_FLAGS = ("motion_events_enabled", "motion_events_armed", "motion_history_enabled", "device_events",
                  "mesh_auto_disable", "motion_paused", "pet_mode")
SETTINGS_LISTS = ("zone_priority_list", "mesh_sounding_disabled")
SETTINGS_FIELDS = {*SETTINGS_FLAGS, *SETTINGS_LISTS, "sensitivity", "sounding_mode", "leafblower_cutoff", "cooldown"}
# What `/sounding/clients` gives a device for each field neither the agent nor the app set
# (`sensitivity`: the network's, 1 until changed).
CLIENT_DEFAULTS = {"sounding_mode": "allow", "sensitivity_mode": "global", "location": "", "sounding_mesh": True}
# A moment on a whole hour (so on every bucket's boundary): the motion history tests put events around it.
T = 1_767_225_600


# --------------------------------------------------------------------------------------------
# The agent and the project


@pytest.fixture
def wm(server: NimbusServer) -> WiFiMotion:
    return WiFiMotion(server)


@pytest.fixture(scope="module")
def project_id(server: NimbusServer) -> int:
    """The WiFi Motion project's id, read from a session token: its `client_id` is `wifimotion-<project id>`."""
    someone = WiFiMotion(server).account()
    client_id = jwt_parts(someone.token)[1]["client_id"]
    match = re.fullmatch(r"wifimotion-(\d+)", client_id)
    assert match, f"the session's client_id is wifimotion-<project id>: {client_id!r}"
    return int(match.group(1))


def make_key(server: NimbusServer, project: int | str, permissions: str) -> str:
    """`nimbus key create --project <id> --name … --permissions …`: the key's text."""
    key = server.cli("key", "create", "--project", project, "--name", unique("agent"), "--permissions", permissions)
    assert isinstance(key.get("key"), str) and key["key"], key
    return key["key"]


class Agent:
    """The access-point agent: raw requests to `/wifimotion/mns/network/{id}/…` with a project key."""

    def __init__(self, server: NimbusServer, key: str | None, *, bearer: bool = False) -> None:
        self.server = server
        self.key = key
        self.bearer = bearer
        self.http = requests.Session()

    def request(self, method: str, network_id: int, tail: str, **kw: Any) -> requests.Response:
        headers = dict(kw.pop("headers", {}))
        if self.key is not None:
            headers["Authorization"] = f"Bearer {self.key}" if self.bearer else self.key
        return self.http.request(method, f"{self.server.base_url}{MNS}/network/{network_id}/{tail}", headers=headers,
                                 timeout=HTTP_TIMEOUT, allow_redirects=False, **kw)

    def post_event(self, network_id: int, **kw: Any) -> requests.Response:
        return self.request("POST", network_id, "events/create", **kw)

    def put_topology(self, network_id: int, **kw: Any) -> requests.Response:
        return self.request("PUT", network_id, "topology", **kw)

    def event(self, network_id: int, event: str = "MotionDetectedEvent", category: str = "Motion",
              **fields: Any) -> dict[str, Any]:
        """Reports an event (201, checked): the stored event is the body with `_id`, `network_id` and `ts`."""
        body = {"event": event, "category": category, **fields}
        stored = expect_json(self.post_event(network_id, json=body), 201)
        assert_stored_event(stored, body, network_id)
        return stored

    def topology(self, network_id: int, devices: list[dict[str, Any]], links: list[dict[str, Any]] | None = None,
                 ts: float | None = None) -> None:
        body: dict[str, Any] = {"devices": devices}
        if links is not None:
            body["links"] = links
        if ts is not None:
            body["ts"] = ts
        resp = self.put_topology(network_id, json=body)
        assert resp.status_code == 204 and not resp.content, f"expected an empty 204: {describe(resp)}"


@pytest.fixture(scope="module")
def agent_key(server: NimbusServer, project_id: int) -> str:
    """The agent's key, made as docs/wifimotion.md says: `--name agent --permissions events,admin`."""
    key = server.cli("key", "create", "--project", project_id, "--name", "agent", "--permissions", "events,admin")
    assert sorted(key["permissions"]) == ["admin", "events"] and key["projectId"] == project_id, key
    return key["key"]


@pytest.fixture
def agent(server: NimbusServer, agent_key: str) -> Agent:
    return Agent(server, agent_key)


def assert_stored_event(stored: Any, body: dict[str, Any], network_id: int) -> None:
    """The stored event: every field sent, `_id` a UUID, `network_id`, and `ts` (the one sent, else the
    server's time, within a minute of now)."""
    assert isinstance(stored, dict), stored
    for name, value in body.items():
        assert stored.get(name) == value, f"the stored event keeps `{name}` as sent ({value!r}): {stored}"
    assert isinstance(stored.get("_id"), str) and UUID.match(stored["_id"]), f"_id is a UUID: {stored}"
    assert stored.get("network_id") == network_id, f"network_id is the path's network: {stored}"
    assert isinstance(stored.get("ts"), (int, float)) and not isinstance(stored["ts"], bool), stored
    if "ts" not in body:
        assert abs(stored["ts"] - time.time()) < 60, f"ts is the server's time when absent: {stored}"


# --------------------------------------------------------------------------------------------
# What the app reads


def events_of(account: Account, network_id: int | None = None, **params: Any) -> list[dict[str, Any]]:
    if network_id is not None:
        params["network_id"] = network_id
    events = expect_json(account.get("/events", params=params or None), 200)
    assert isinstance(events, list) and all(isinstance(e, dict) for e in events), events
    return events


def settings_of(account: Account, network_id: int | None = None, path: str = "/sounding/settings") -> dict[str, Any]:
    params = {"network_id": network_id} if network_id is not None else None
    settings = expect_json(account.get(path, params=params), 200)
    assert_settings(settings)
    return settings


def assert_settings(settings: Any) -> None:
    """Sounding settings: exactly the documented fields, each of its kind and range."""
    assert isinstance(settings, dict) and set(settings) == SETTINGS_FIELDS, \
        f"the sounding settings are {sorted(SETTINGS_FIELDS)}: {settings}"
    for name in SETTINGS_FLAGS:
        assert settings[name] in (0, 1) and not isinstance(settings[name], bool), f"{name} is 0/1: {settings}"
    for name in SETTINGS_LISTS:
        assert isinstance(settings[name], list) and all(isinstance(n, str) for n in settings[name]), \
            f"{name} is a list of names: {settings}"
    assert settings["sensitivity"] in (1, 2, 3, 4), settings
    assert settings["sounding_mode"] in ("allow", "deny"), settings
    assert isinstance(settings["leafblower_cutoff"], (int, float)) and 0 <= settings["leafblower_cutoff"] <= 1000
    assert isinstance(settings["cooldown"], int) and 0 <= settings["cooldown"] <= 3600, settings


def clients_of(account: Account, network_id: int | None = None,
               path: str = "/sounding/clients") -> list[dict[str, Any]]:
    params = {"network_id": network_id} if network_id is not None else None
    answer = expect_json(account.get(path, params=params), 200)
    assert isinstance(answer, dict) and set(answer) == {"devices"} and isinstance(answer["devices"], list), answer
    return answer["devices"]


def by_device_id(devices: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {device.get("device_id"): device for device in devices}
    assert len(found) == len(devices), f"each device once: {devices}"
    return found


def topology_of(account: Account, network_id: int | None = None) -> dict[str, Any]:
    params = {"network_id": network_id} if network_id is not None else None
    topology = expect_json(account.get("/topologies", params=params), 200)
    assert isinstance(topology, dict) and set(topology) == {"ts", "devices", "links"}, \
        f"a topology is {{ts, devices, links}}: {topology}"
    return topology


def history_of(account: Account, kind: str, **params: Any) -> list[list[Any]]:
    """`GET /motion_history_<kind>` → `[[value|null, ts], …]`, checked for shape."""
    answer = expect_json(account.get(f"/motion_history_{kind}", params=params or None), 200)
    assert isinstance(answer, list), answer
    for pair in answer:
        assert isinstance(pair, list) and len(pair) == 2, f"each bucket is [value|null, ts]: {answer}"
        assert pair[0] is None or (isinstance(pair[0], (int, float)) and not isinstance(pair[0], bool)), pair
        assert isinstance(pair[1], (int, float)) and not isinstance(pair[1], bool), pair
    return answer


def expected_history(events: Iterable[dict[str, Any]], start: float, count: int, bucket: int,
                     kind: str) -> list[list[Any]]:
    """The history as docs/wifimotion.md defines it, in Python: `count` buckets of `bucket` seconds from
    `start`; a bucket's intensity is the highest `intensity` (or `intensity_window` value) of its `Motion`
    events, its density its `Motion` events per minute; `null` without any (an intensity: without any that
    had an intensity)."""
    values: list[float | None] = [None] * count
    for event in events:
        if event["category"] != "Motion":
            continue
        index = math.floor((event["ts"] - start) / bucket)
        if not 0 <= index < count:
            continue
        if kind == "densities":
            values[index] = (values[index] or 0) + 60 / bucket
        elif "intensity" in event or event.get("intensity_window"):
            value = event["intensity"] if "intensity" in event else max(event["intensity_window"])
            values[index] = value if values[index] is None else max(values[index], value)
    return [[value, start + i * bucket] for i, value in enumerate(values)]


def assert_same_history(actual: list[list[Any]], expected: list[list[Any]]) -> None:
    assert [pair[1] for pair in actual] == [pair[1] for pair in expected], \
        f"the buckets' starts:\n  got      {[p[1] for p in actual]}\n  expected {[p[1] for p in expected]}"
    for got, wanted in zip(actual, expected):
        if wanted[0] is None:
            assert got[0] is None, f"bucket {got[1]} has no Motion event, so null: got {got}\nall: {actual}"
        else:
            assert got[0] == pytest.approx(wanted[0]), f"bucket {got[1]}: expected {wanted[0]}, got {got[0]}\n" \
                                                       f"all: {actual}"


# --------------------------------------------------------------------------------------------
# The /motions WebSocket


def motions_url(server: NimbusServer, token: str | None, network_id: Any | None) -> str:
    """`ws://<host>/wifimotion/api/v1/motions?token=<token>&network_id=<id>` (the sample client's URL)."""
    query = {}
    if token is not None:
        query["token"] = token
    if network_id is not None:
        query["network_id"] = network_id
    return f"ws://127.0.0.1:{server.http_port}/wifimotion/api/v1/motions?{urllib.parse.urlencode(query)}"


def open_motions(server: NimbusServer, token: str | None, network_id: Any | None) -> WsClient:
    """The WebSocket, open; a ping answered, so that the server's end is reading (and subscribed)."""
    ws = WsClient(websocket.create_connection(motions_url(server, token, network_id), timeout=15))
    assert ws.ping() == b"are-you-there"
    return ws


def refused_handshake(server: NimbusServer, token: str | None, network_id: Any | None) -> tuple[int, dict[str, Any]]:
    """The status and `{error, message}` body of a refused WebSocket handshake."""
    try:
        ws = websocket.create_connection(motions_url(server, token, network_id), timeout=10)
    except websocket.WebSocketBadStatusException as refused:
        body = json.loads(refused.resp_body or b"{}")
        return refused.status_code, body
    ws.close()
    raise AssertionError("the WebSocket handshake was accepted")


# --------------------------------------------------------------------------------------------
# Devices the agent reports (the fields the sample client reads of each, W9)


def reported_device(n: int, **extra: Any) -> dict[str, Any]:
    mac = f"00:11:22:33:44:{n:02x}"
    return {"id": n, "device_id": f"csi-b-00112233440{n:x}", "mac": mac, "is_node": n > 1, "is_extender": False,
            "is_root": n == 1, "is_online": True, "friendly_name": f"Device {n}", "sounding_warmup": False,
            "sounding_status": "sounding", "sounding_status_score": 0.9, "sounding_status_reason": "",
            "omot_version": "6.3.1", "links": [{"src_id": 1, "rssi": "-41", "if_ch": 36}], **extra}


def wm_account_of(wm: WiFiMotion, user: dict[str, Any], token: str, network_id: int) -> Account:
    """An Account for a user signed in by hand (the sample client's own sign-in)."""
    return Account(wm, user["email"], PASSWORD, user["first_name"], user["last_name"], user["id"], token, "", user,
                   network_id)


# --------------------------------------------------------------------------------------------
# The official sample client (cayenne-clients.md §10.1, W6–W10), call by call


def test_the_official_sample_client_reads_motion_in_order(server: NimbusServer, wm: WiFiMotion, agent: Agent):
    """The sample client's calls W1–W10 in order, with the raw token in `Authorization`: its form sign-in (W1),
    `GET /networks` (W2), the network and scene config sent back as forms (W3–W5, `sample_client_w3_to_w5`), then: `GET /topologies` and each device's
    `friendly_name` (W6), `GET /motion_history_densities?from&to` as `[[float, epoch int], …]` (W7),
    `GET /sounding/settings/` and `GET /sounding/clients/` with their trailing slashes (W8, W9), and the
    `/motions?token=&network_id=` WebSocket (W10), which gets the motion event the agent reports after it
    connected, as `GET /events` shows it, and not the event of another network the user belongs to."""
    user = wm.sign_up(first_name="Grace", last_name="Hopper")
    URL = wm.base  # the sample's "https://" + CLOUD_SPACE
    response = requests.post(URL + "/sessions", data={"email": user["email"], "password": PASSWORD},
                             timeout=HTTP_TIMEOUT)
    token_str = expect_json(response, 200)["token"]
    header = {"Authorization": token_str}
    response = requests.get(URL + "/networks", headers=header, timeout=HTTP_TIMEOUT)
    first = expect_json(response, 200)["data"][0]
    network_id = first["id"]
    # W3–W5: the network and its scene config read and sent back as forms.
    sample_client_w3_to_w5(URL, header, first)

    # What the agent reported before: two devices with the fields the sample reads, and motion.
    devices = [reported_device(1, friendly_name="Router"), reported_device(2, friendly_name="Kitchen plug")]
    agent.topology(network_id, devices, links=[{"src_id": 2, "dst_id": 1, "rssi": "-55", "if_ch": 36}],
                   ts=T + 5)
    now = int(time.time())
    to, frm = now - now % 60, now - now % 60 - 600  # ten whole minutes, so that no event sits on an edge
    motion = [agent.event(network_id, intensity=0.5, ts=frm + 130.5),
              agent.event(network_id, intensity=0.8, ts=frm + 150),
              agent.event(network_id, intensity_window=[0.1, 0.4], ts=frm + 330),
              agent.event(network_id, "LinkConnectedEvent", "Link", ts=frm + 390)]

    # W6: GET /topologies, reading devices[].friendly_name.
    response = requests.get(URL + "/topologies", headers=header, timeout=HTTP_TIMEOUT)
    topology = expect_json(response, 200)
    assert [device["friendly_name"] for device in topology["devices"]] == ["Router", "Kitchen plug"], topology
    assert topology["ts"] == T + 5, topology

    # W7: GET /motion_history_densities?from=<epoch s>&to=<epoch s>: [[float, epoch-seconds int], …].
    response = requests.get(URL + f"/motion_history_densities?from={frm}&to={to}", headers=header,
                            timeout=HTTP_TIMEOUT)
    densities = expect_json(response, 200)
    assert all(isinstance(ts, int) for _, ts in densities), f"each bucket's ts is epoch seconds, an int: {densities}"
    assert_same_history(densities, expected_history(motion, frm, 11, 60, "densities"))

    # W8: GET /sounding/settings/ (the trailing slash as the sample has it).
    response = requests.get(URL + "/sounding/settings/", headers=header, timeout=HTTP_TIMEOUT)
    settings = expect_json(response, 200)
    assert_settings(settings)
    assert settings["sounding_mode"] == "allow", settings

    # W9: GET /sounding/clients/: every field the agent reported, and the defaults of the rest.
    response = requests.get(URL + "/sounding/clients/", headers=header, timeout=HTTP_TIMEOUT)
    clients = expect_json(response, 200)
    assert set(clients) == {"devices"} and len(clients["devices"]) == 2, clients
    for reported, listed in zip(devices, clients["devices"]):
        assert {k: listed.get(k) for k in reported} == reported, f"the device as reported: {listed}"
        assert {k: listed.get(k) for k in CLIENT_DEFAULTS} == CLIENT_DEFAULTS, f"the defaults: {listed}"
        assert listed["sensitivity"] == settings["sensitivity"], f"the network's sensitivity: {listed}"

    # W10: wss://{host}/api/v1/motions?token=<token>&network_id=<id>. The user also belongs to a neighbour's
    # network, whose motion is not this socket's.
    neighbour = wm.account()
    neighbour.add_member(wm_account_of(wm, user, token_str, network_id))
    ws = WsClient(websocket.create_connection(
        f"ws://127.0.0.1:{server.http_port}/wifimotion/api/v1/motions?token={token_str}&network_id={network_id}",
        timeout=15))
    try:
        assert ws.ping() == b"are-you-there"
        agent.event(neighbour.network_id, loc_name="Next door")
        ours = agent.event(network_id, loc_name="Hallway", intensity=0.9, guardian_id="guardian-1")
        frame = ws.recv_json(timeout=15)
        listed = events_of(wm_account_of(wm, user, token_str, network_id))[0]
        assert frame == listed, f"the frame is the event as GET /events shows it:\n  frame  {frame}\n  listed {listed}"
        assert frame["_id"] == ours["_id"] and frame["event"] == "MotionDetectedEvent", frame
        ws.expect_quiet(0.5)
    finally:
        ws.close()


# --------------------------------------------------------------------------------------------
# The agent


@pytest.mark.parametrize("bearer", [False, True], ids=["raw-key", "bearer-key"])
def test_the_agent_reports_events_that_are_stored_before_the_answer(server: NimbusServer, wm: WiFiMotion,
                                                                    agent_key: str, bearer: bool):
    """`POST /wifimotion/mns/network/{id}/events/create` with the agent's key (`Authorization: <key>` or
    `Bearer <key>`) → 201, the stored event: the body with a UUID `_id`, `network_id` and `ts` (the
    agent's, else the server's time). Every documented category is taken, and each event is listed by
    `GET /events` as soon as it is answered, as it was answered. The agent, whose Motion events became
    readings of a thing `GUARDIAN`, is not listed among the network's sensors."""
    owner = wm.account()
    agent = Agent(server, agent_key, bearer=bearer)
    stored = [agent.event(owner.network_id, "MotionDetectedEvent", "Motion", ts=T + 1.25, guardian_id="g-1",
                          node_id=3, link_id="001122-001133", loc=["00:11:22:33:44:55"], loc_name="Kitchen",
                          intensity=0.75, intensity_window=[0.2, 0.75, 0.5], detail={"zone": "north", "n": 2})]
    assert stored[0]["ts"] == T + 1.25, stored[0]
    assert events_of(owner) == stored, "stored before the answer: listed at once"
    for category in CATEGORIES:
        stored.insert(0, agent.event(owner.network_id, f"{category}TestEvent", category))
    assert events_of(owner) == stored, "each category's event, newest first, as answered"
    assert len({event["_id"] for event in stored}) == len(stored), "each event its own _id"
    sensors = expect_json(owner.get("/sensors/devices"), 200)
    assert sensors == {"devices": []}, f"the agent (GUARDIAN) is not listed among the sensors: {sensors}"


def test_the_agent_reports_the_topology_which_each_report_replaces(wm: WiFiMotion, agent: Agent):
    """`PUT /wifimotion/mns/network/{id}/topology` → 204; `GET /topologies` gives its `ts`, the devices as
    `/sounding/clients` lists them and the links as reported. The next report replaces both (a device
    left out is gone); without `ts` the report's time is the server's."""
    owner = wm.account()
    first = [reported_device(1), reported_device(2)]
    agent.topology(owner.network_id, first, links=[{"src_id": 1, "dst_id": 2, "rssi": "-40"}], ts=T)
    topology = topology_of(owner)
    assert topology["ts"] == T, topology
    assert topology["devices"] == clients_of(owner), "the devices as /sounding/clients lists them"
    assert [d["device_id"] for d in topology["devices"]] == [d["device_id"] for d in first], topology
    assert topology["links"] == [{"src_id": 1, "dst_id": 2, "rssi": "-40"}], topology

    agent.topology(owner.network_id, [reported_device(3)], links=[])
    topology = topology_of(owner)
    assert [d["device_id"] for d in topology["devices"]] == [reported_device(3)["device_id"]], \
        f"the report replaces the devices: {topology}"
    assert topology["links"] == [], f"and the links: {topology}"
    assert isinstance(topology["ts"], (int, float)) and abs(topology["ts"] - time.time()) < 60, \
        f"without ts, the server's time: {topology}"


def test_a_network_reads_an_empty_topology_before_any_report(wm: WiFiMotion):
    """Before the agent reports: no devices, no links (`/topologies` and `/sounding/clients`)."""
    owner = wm.account()
    topology = topology_of(owner)
    assert topology["devices"] == [] and topology["links"] == [], topology
    assert clients_of(owner) == []


def test_topology_reports_over_the_limits_are_refused(wm: WiFiMotion, agent: Agent):
    """A report of 64 devices and 512 links is taken; 65 devices, 513 links, a device without
    `device_id`, or no `devices` → 400 naming the field, and the topology stays as it was."""
    owner = wm.account()
    agent.topology(owner.network_id, [{"device_id": f"dev-{i}"} for i in range(64)],
                   links=[{"src_id": i} for i in range(512)], ts=T)
    before = topology_of(owner)
    assert len(before["devices"]) == 64 and len(before["links"]) == 512, "the limits themselves are taken"
    bad = [({"devices": [{"device_id": f"dev-{i}"} for i in range(65)]}, "devices"),
           ({"devices": [{"device_id": "a"}], "links": [{"src_id": i} for i in range(513)]}, "links"),
           ({"devices": [{"device_id": "a"}, {"mac": "00:11:22:33:44:55"}]}, "device_id"),
           ({"links": []}, "devices")]
    for body, field in bad:
        expect_error(agent.put_topology(owner.network_id, json=body), 400, field)
    assert topology_of(owner) == before, "nothing changed"


def test_the_agent_needs_a_key_of_the_project_with_the_right_permission(server: NimbusServer, wm: WiFiMotion,
                                                                        project_id: int, email_project: Project):
    """The agent's paths refuse: no key (401), a user's token raw or as Bearer (401), a key of another
    project (401), a key without `events` for events (403), a key without `admin` for the topology (403);
    nothing is stored. A network that does not exist is 404."""
    owner = wm.account()
    n = owner.network_id
    event = {"event": "MotionDetectedEvent", "category": "Motion"}
    topology = {"devices": [{"device_id": "csi-b-001122334455"}]}
    callers = [(Agent(server, None), 401), (Agent(server, owner.token), 401),
               (Agent(server, owner.token, bearer=True), 401),
               (Agent(server, email_project.key("events", "admin").key), 401)]
    for caller, status in callers:
        expect_error(caller.post_event(n, json=event), status)
        expect_error(caller.put_topology(n, json=topology), status)
    events_only = Agent(server, make_key(server, project_id, "events"))
    admin_only = Agent(server, make_key(server, project_id, "admin"))
    expect_error(admin_only.post_event(n, json=event), 403)
    expect_error(events_only.put_topology(n, json=topology), 403)
    assert events_of(owner) == [], "no event stored"
    assert topology_of(owner)["devices"] == [], "no topology stored"
    # Each permission does what it is for.
    events_only.event(n)
    admin_only.topology(n, topology["devices"])
    both = Agent(server, make_key(server, project_id, "events,admin"))
    expect_error(both.post_event(999_999_999, json=event), 404)
    expect_error(both.put_topology(999_999_999, json=topology), 404)


@pytest.mark.parametrize("body, field", [
    ({"category": "Motion"}, "event"),
    ({"event": "MotionDetectedEvent"}, "category"),
    ({"event": "MotionDetectedEvent", "category": "Weather"}, "category"),
    ({"event": "MotionDetectedEvent", "category": "Motion", "detail": {"blob": "x" * 17_000}}, None),
], ids=["no-event", "no-category", "unknown-category", "over-16-KiB"])
def test_bad_events_are_refused_and_nothing_is_stored(wm: WiFiMotion, agent: Agent, body: dict[str, Any],
                                                      field: str | None):
    """An event without `event` or `category`, of an unknown category, or over 16 KiB → 400 (naming the
    field), and nothing is stored."""
    owner = wm.account()
    if field is None:
        assert len(json.dumps(body)) > 16 * 1024
    expect_error(agent.post_event(owner.network_id, json=body), 400, field)
    assert events_of(owner) == [], "nothing stored"


def test_an_event_named_by_a_number_is_refused_or_answered_as_listed(wm: WiFiMotion, agent: Agent):
    """`event` is the event's name: sent as a JSON number (`0`, as schemathesis did), it is refused (400
    naming `event`) or taken, and then the 201 answer is the stored event as `GET /events` lists it (and
    `/motions` sends it) — not a number in one and a text in the other."""
    owner = wm.account()
    resp = agent.post_event(owner.network_id, json={"event": 0, "category": "Motion"})
    if resp.status_code == 400:
        expect_error(resp, 400, "event")
        assert events_of(owner) == [], "nothing stored"
        return
    answer = expect_json(resp, 201)
    listed = events_of(owner)
    assert listed == [answer], f"the answer is the stored event as listed:\n  answer {answer}\n  listed {listed}"


def test_an_event_must_be_a_json_object_of_at_most_16_kib(wm: WiFiMotion, agent: Agent):
    """A form body, a JSON array and a JSON text → 400 and nothing stored; an event of 15 KiB is taken."""
    owner = wm.account()
    n = owner.network_id
    expect_error(agent.post_event(n, data={"event": "MotionDetectedEvent", "category": "Motion"}), 400)
    expect_error(agent.post_event(n, json=[{"event": "MotionDetectedEvent", "category": "Motion"}]), 400)
    expect_error(agent.post_event(n, json="MotionDetectedEvent"), 400)
    assert events_of(owner) == [], "nothing stored"
    big = agent.event(n, detail={"blob": "x" * 15_000})
    assert events_of(owner) == [big]


# --------------------------------------------------------------------------------------------
# Sounding settings


def test_sounding_settings_are_read_with_every_documented_field(wm: WiFiMotion):
    """`GET /sounding/settings` (with and without a trailing slash, with and without `network_id`): the
    documented fields, each of its kind and range; the defaults until an owner changes them."""
    owner = wm.account()
    settings = settings_of(owner)
    assert settings_of(owner, path="/sounding/settings/") == settings
    assert settings_of(owner, owner.network_id) == settings
    assert settings["sounding_mode"] == "allow", f"the sample client's default: {settings}"


def test_an_owner_changes_sounding_settings(wm: WiFiMotion):
    """`PATCH /sounding/settings` → the settings with the fields sent set and the others as they were; a
    form works as JSON does (`,` separating the names of a list); another network's settings do not move."""
    owner = wm.account()
    other = wm.account()
    before = settings_of(owner)
    others = settings_of(other)
    changes = {"motion_paused": 1 - before["motion_paused"], "pet_mode": 1 - before["pet_mode"], "sensitivity": 3,
               "sounding_mode": "deny", "leafblower_cutoff": 250.5, "cooldown": 900,
               "zone_priority_list": ["Kitchen", "Hall"], "mesh_sounding_disabled": ["Attic"]}
    answer = expect_json(owner.patch("/sounding/settings", json=changes), 200)
    assert_settings(answer)
    assert answer == {**before, **changes}, answer
    assert settings_of(owner) == answer
    answer = expect_json(owner.patch("/sounding/settings/", params={"network_id": owner.network_id},
                                     form={"device_events": 1, "cooldown": 0, "zone_priority_list": "Porch,Garden"}),
                         200)
    assert answer == {**before, **changes, "device_events": 1, "cooldown": 0,
                      "zone_priority_list": ["Porch", "Garden"]}, answer
    assert settings_of(other) == others, "another network's settings did not move"


@pytest.mark.parametrize("field, value", [
    ("motion_events_enabled", 2), ("motion_events_armed", -1), ("motion_history_enabled", "yes"),
    ("device_events", 2), ("mesh_auto_disable", 5), ("motion_paused", 2), ("pet_mode", -1),
    ("sensitivity", 0), ("sensitivity", 5), ("sounding_mode", "maybe"),
    ("leafblower_cutoff", -1), ("leafblower_cutoff", 1001), ("cooldown", -1), ("cooldown", 3601),
    ("zone_priority_list", [1, 2]), ("mesh_sounding_disabled", ["x" * 65]),
    ("sensitivty", 2), ("sounding", "allow"),
])
def test_bad_sounding_settings_are_refused_naming_the_field(wm: WiFiMotion, field: str, value: Any):
    """A value out of its range or of the wrong kind, or a field that is not a setting (a typo) → 400
    naming the field; nothing changes, not even the valid field sent with it."""
    owner = wm.account()
    before = settings_of(owner)
    valid = {"cooldown": 7} if field != "cooldown" else {"sensitivity": 2}
    expect_error(owner.patch("/sounding/settings", json={**valid, field: value}), 400, field)
    assert settings_of(owner) == before, "nothing changed"


# --------------------------------------------------------------------------------------------
# Sounding clients


def test_clients_are_the_reported_devices_with_defaults_for_what_neither_side_set(wm: WiFiMotion, agent: Agent):
    """`GET /sounding/clients` (and `/sounding/clients/`): the reported devices, each with every field the
    agent sent; `sounding_mode` allow, `sensitivity_mode` global, `sensitivity` the network's, `location`
    empty and `sounding_mesh` true where it sent none. The default sensitivity follows the network's."""
    owner = wm.account()
    bare = {"device_id": "csi-b-0000000000aa"}
    own = reported_device(2, sounding_mode="deny", sensitivity_mode="override", sensitivity=2, location="Attic",
                          sounding_mesh=False)
    agent.topology(owner.network_id, [bare, own])
    devices = clients_of(owner)
    assert clients_of(owner, path="/sounding/clients/") == devices
    assert devices == [{**bare, **CLIENT_DEFAULTS, "sensitivity": settings_of(owner)["sensitivity"]}, own], devices
    expect_json(owner.patch("/sounding/settings", json={"sensitivity": 4}), 200)
    devices = by_device_id(clients_of(owner))
    assert devices[bare["device_id"]]["sensitivity"] == 4, f"the network's sensitivity: {devices}"
    assert devices[own["device_id"]]["sensitivity"] == 2, f"the reported one stays: {devices}"


def test_an_owner_changes_clients_named_by_mac_id_or_device_id(wm: WiFiMotion, agent: Agent):
    """`PATCH /sounding/clients {devices: [...]}` names each device by `mac`, `id` or `device_id` and sets
    what the app may set; what the agent reported otherwise stays. A later report does not undo the app's
    change (even one that reports the field itself), while what the agent changed in it shows."""
    owner = wm.account()
    one, two, three = reported_device(1), reported_device(2), reported_device(3)
    agent.topology(owner.network_id, [one, two, three])
    changes = [{"mac": one["mac"], "friendly_name": "Router by the door", "location": "Hall = front_door @1 / A-B!"},
               {"id": two["id"], "sensitivity_mode": "override", "sensitivity": 2, "sounding_mode": "deny"},
               {"device_id": three["device_id"], "sounding_mesh": False, "location": "Attic"}]
    resp = owner.patch("/sounding/clients", json={"devices": changes})
    assert resp.status_code == 200, describe(resp)
    expected = {one["device_id"]: {**one, **CLIENT_DEFAULTS, "sensitivity": 1, **changes[0]},
                two["device_id"]: {**two, **CLIENT_DEFAULTS, **changes[1]},
                three["device_id"]: {**three, **CLIENT_DEFAULTS, "sensitivity": 1, **changes[2]}}
    assert by_device_id(clients_of(owner)) == expected, "each change on its device, the rest as reported"

    # The agent reports again: its own friendly name and sounding mode for the first two, a new status.
    agent.topology(owner.network_id, [{**one, "friendly_name": "Agent's name", "is_online": False},
                                      {**two, "sounding_mode": "allow"}, three])
    devices = by_device_id(clients_of(owner))
    assert devices[one["device_id"]]["friendly_name"] == "Router by the door", f"the app's name stays: {devices}"
    assert devices[one["device_id"]]["is_online"] is False, f"the agent's news shows: {devices}"
    assert devices[two["device_id"]]["sounding_mode"] == "deny", f"the app's sounding mode stays: {devices}"
    assert devices[three["device_id"]]["sounding_mesh"] is False, devices
    assert [d["friendly_name"] for d in topology_of(owner)["devices"]] == \
        ["Router by the door", two["friendly_name"], three["friendly_name"]], "/topologies shows the same"


@pytest.mark.parametrize("change, field", [
    ({"location": "Hall #1"}, "location"),
    ({"location": "x" * 257}, "location"),
    ({"location": "Küche"}, "location"),
    ({"sensitivity_mode": "sometimes"}, "sensitivity_mode"),
    ({"sensitivity": 5}, "sensitivity"),
    ({"sounding_mode": "maybe"}, "sounding_mode"),
    ({"sounding_mesh": "perhaps"}, "sounding_mesh"),
])
def test_bad_client_changes_are_refused_and_change_nothing(wm: WiFiMotion, agent: Agent, change: dict[str, Any],
                                                           field: str):
    """A value the app may not set (a location of other characters or over 256, an unknown mode or level, a
    `sounding_mesh` that is not a boolean) → 400 naming `devices[1]` and the field; the valid change sent
    with it in `devices[0]` is not made either."""
    owner = wm.account()
    agent.topology(owner.network_id, [reported_device(1), reported_device(2)])
    before = clients_of(owner)
    body = {"devices": [{"device_id": reported_device(1)["device_id"], "friendly_name": "Changed"},
                        {"device_id": reported_device(2)["device_id"], **change}]}
    error = expect_error(owner.patch("/sounding/clients", json=body), 400, field)
    assert "devices[1]" in error["message"], f"the message names devices[1]: {error}"
    assert clients_of(owner) == before, "nothing changed"


def test_a_client_change_must_name_a_reported_device(wm: WiFiMotion, agent: Agent):
    """A change naming no reported device (an unknown `mac`, `id` or `device_id`, or none of them) → 400
    naming `devices[i]`, and the valid change before it is not made; so is any change before a report.
    `devices` must be a non-empty array."""
    owner = wm.account()
    expect_error(owner.patch("/sounding/clients", json={"devices": [{"device_id": "csi-b-0", "location": "A"}]}),
                 400, "devices[0]")
    agent.topology(owner.network_id, [reported_device(1)])
    before = clients_of(owner)
    valid = {"device_id": reported_device(1)["device_id"], "location": "Changed"}
    for unknown in ({"mac": "ff:ff:ff:ff:ff:ff"}, {"id": 99}, {"device_id": "csi-b-ffffffffffff"},
                    {"location": "Nowhere"}):
        expect_error(owner.patch("/sounding/clients", json={"devices": [valid, unknown]}), 400, "devices[1]")
    for body in ({"devices": []}, {"devices": "csi-b-001122334401"}, {}):
        expect_error(owner.patch("/sounding/clients", json=body), 400, "devices")
    assert clients_of(owner) == before, "nothing changed"


# --------------------------------------------------------------------------------------------
# Events and tags


def test_events_are_listed_newest_first_within_last_from_and_to(wm: WiFiMotion, agent: Agent):
    """`GET /events`: the network's events newest first, each as answered to the agent; `last` keeps the
    newest that many, `from`/`to` (epoch seconds) keep those whose `ts` lies between; they combine. Another
    network's events are not listed."""
    owner = wm.account()
    other = wm.account()
    agent.event(other.network_id, ts=T + 25)
    stored = [agent.event(owner.network_id, ts=T + 10 * i, loc_name=f"Room {i}") for i in range(1, 6)]
    stored.append(agent.event(owner.network_id, "LinkDisconnectedEvent", "Link", ts=T + 60, link_id="aa-bb"))
    newest_first = stored[::-1]
    assert events_of(owner) == newest_first
    assert events_of(owner, owner.network_id) == newest_first
    assert events_of(owner, last=2) == newest_first[:2]
    assert events_of(owner, **{"from": T + 15, "to": T + 45}) == [stored[3], stored[2], stored[1]]
    assert events_of(owner, **{"from": T + 35}) == newest_first[:3]
    assert events_of(owner, to=T + 25) == [stored[1], stored[0]]
    assert events_of(owner, last=1, **{"from": T + 15, "to": T + 45}) == [stored[3]]
    assert events_of(owner, **{"from": T + 1000}) == []


def test_events_list_100_by_default_and_last_takes_1_to_400(wm: WiFiMotion, agent: Agent):
    """Without `last`, the newest 100 events; `last=400` lists all 101; `last` 0, 401 or not a number, and
    `from`/`to` that are not epoch seconds → 400 naming the parameter."""
    owner = wm.account()
    stored = [agent.event(owner.network_id, ts=T + i) for i in range(101)]
    listed = events_of(owner)
    assert listed == stored[::-1][:100], f"the newest 100: got {len(listed)}"
    assert events_of(owner, last=400) == stored[::-1]
    for name, value in (("last", 0), ("last", 401), ("last", "ten"), ("from", "yesterday"), ("to", "now")):
        expect_error(owner.get("/events", params={name: value}), 400, name)


def test_an_event_is_tagged_and_listed_with_its_tag_padded_to_10(wm: WiFiMotion, agent: Agent):
    """`POST /event_tag {network_id, eventid, tag}` → the tagged event in the App Cloud's shape; the events
    list then shows `tag` padded with spaces to 10 characters on that event only. A new tag replaces the
    old; a form works as JSON does."""
    owner = wm.account()
    n = owner.network_id
    first = agent.event(n, ts=T + 1, guardian_id="guardian-7", link_id="001122-001133", loc_name="Hall")
    second = agent.event(n, ts=T + 2)
    answer = expect_json(owner.post("/event_tag", json={"network_id": n, "eventid": first["_id"], "tag": "Pet"}), 200)
    fields = {"id", "guardian_id", "network_id", "timestamp", "event_type", "event_category", "link_id", "icon_url",
              "text", "tag", "data"}
    assert isinstance(answer, dict) and fields <= set(answer), f"a tagged event has {sorted(fields)}: {answer}"
    assert answer["id"] == first["_id"] and answer["network_id"] == n, answer
    assert answer["guardian_id"] == "guardian-7" and answer["link_id"] == "001122-001133", answer
    assert answer["timestamp"] == T + 1 and answer["event_type"] == "MotionDetectedEvent", answer
    assert answer["event_category"] == "Motion" and answer["tag"].rstrip() == "Pet", answer
    assert isinstance(answer["data"], dict), answer
    assert events_of(owner) == [second, {**first, "tag": "Pet       "}]
    expect_json(owner.post("/event_tag", form={"network_id": n, "eventid": first["_id"], "tag": "Human"}), 200)
    expect_json(owner.post("/event_tag", json={"network_id": n, "eventid": second["_id"], "tag": "False"}), 200)
    listed = events_of(owner)
    assert listed == [{**second, "tag": "False     "}, {**first, "tag": "Human     "}], listed
    assert all(len(event["tag"]) == 10 for event in listed), listed


def test_bad_tags_are_refused(wm: WiFiMotion, agent: Agent):
    """A tag other than `Human`, `Pet` or `False` → 400 naming `tag`; no `network_id` or `eventid` → 400
    naming it; an unknown event, or an event of another network of the caller's → 404. Nothing is tagged."""
    owner = wm.account()
    n = owner.network_id
    event = agent.event(n, ts=T)
    other_network = wm.account()
    owner_there = other_network.add_member(owner, role="owner")
    assert owner_there["role"] == "owner"
    foreign = agent.event(other_network.network_id, ts=T)
    for tag in ("Dog", "human", ""):
        expect_error(owner.post("/event_tag", json={"network_id": n, "eventid": event["_id"], "tag": tag}), 400, "tag")
    expect_error(owner.post("/event_tag", json={"eventid": event["_id"], "tag": "Pet"}), 400, "network_id")
    expect_error(owner.post("/event_tag", json={"network_id": n, "tag": "Pet"}), 400, "eventid")
    expect_error(owner.post("/event_tag", json={"network_id": n, "eventid": "9d5476df-2865-4be7-85e7-f5d2cb7312fa",
                                                "tag": "Pet"}), 404)
    expect_error(owner.post("/event_tag", json={"network_id": n, "eventid": foreign["_id"], "tag": "Pet"}), 404)
    assert events_of(owner) == [event], "nothing tagged"
    assert events_of(owner, other_network.network_id) == [foreign], "nothing tagged"


# --------------------------------------------------------------------------------------------
# Motion history

# Events around T (on every bucket's boundary). No event lies before `from` in the first bucket nor after
# `to` in the last one, where the two readings of "from `from` to `to`" would differ.
HISTORY_EVENTS = [
    {"ts": T - 100, "intensity": 1.0},  # before the range
    {"ts": T + 30, "intensity": 0.4},
    {"ts": T + 50, "intensity": 0.9},
    {"ts": T + 130, "intensity_window": [0.1, 0.7, 0.3]},
    {"ts": T + 200, "intensity": 5.0, "category": "Link", "event": "LinkLowThroughputEvent"},  # not Motion
    {"ts": T + 250},  # Motion without an intensity: counted in densities only
    {"ts": T + 370.5, "intensity": 0.2},
    {"ts": T + 419.9, "intensity": 0.6},
    {"ts": T + 480, "intensity_window": [0.45]},
    {"ts": T + 610, "intensity": 0.3},
    {"ts": T + 1000, "intensity": 1.0},  # after the range
]
FROM, TO = T + 25, T + 625


@pytest.fixture
def history_owner(wm: WiFiMotion, agent: Agent) -> tuple[Account, list[dict[str, Any]]]:
    """An owner whose network has HISTORY_EVENTS (reported in a shuffled order), and the stored events."""
    owner = wm.account()
    stored = []
    for fields in (HISTORY_EVENTS[i] for i in (3, 0, 8, 1, 10, 9, 5, 2, 7, 4, 6)):
        fields = copy.deepcopy(fields)
        stored.append(agent.event(owner.network_id, fields.pop("event", "MotionDetectedEvent"),
                                  fields.pop("category", "Motion"), **fields))
    return owner, stored


@pytest.mark.parametrize("kind", ["intensities", "densities"])
@pytest.mark.parametrize("bucket", [60, 90, 300])
def test_the_motion_history_is_computed_per_bucket_from_the_motion_events(
        history_owner: tuple[Account, list[dict[str, Any]]], kind: str, bucket: int):
    """`GET /motion_history_<kind>?from&to&bucket`: one `[value, ts]` per bucket, oldest first, from the
    bucket that holds `from` (starting at floor(from / bucket) * bucket) to the one that holds `to`;
    intensity the highest `intensity` (or `intensity_window` value) of the bucket's `Motion` events,
    density their number per minute; null where the bucket has no Motion event (a Link event does not
    count), and an intensity null where none of them had an intensity. The same computed in Python."""
    owner, stored = history_owner
    start = math.floor(FROM / bucket) * bucket
    count = math.floor((TO - start) / bucket) + 1
    actual = history_of(owner, kind, **{"from": FROM, "to": TO, "bucket": bucket})
    assert_same_history(actual, expected_history(stored, start, count, bucket, kind))
    assert all(isinstance(ts, int) for _, ts in actual), f"the buckets' starts are whole seconds: {actual}"
    assert history_of(owner, kind, network_id=owner.network_id, **{"from": FROM, "to": TO, "bucket": bucket}) \
        == actual


@pytest.mark.parametrize("kind", ["intensities", "densities"])
def test_the_motion_history_takes_60_second_buckets_by_default(
        history_owner: tuple[Account, list[dict[str, Any]]], kind: str):
    """Without `bucket`, buckets of 60 seconds."""
    owner, stored = history_owner
    count = math.floor((TO - T) / 60) + 1
    assert_same_history(history_of(owner, kind, **{"from": FROM, "to": TO}),
                        expected_history(stored, T, count, 60, kind))


@pytest.mark.parametrize("kind", ["intensities", "densities"])
def test_the_motion_history_last_gives_that_many_buckets_up_to_to(
        history_owner: tuple[Account, list[dict[str, Any]]], kind: str):
    """`last=N`: the N buckets up to `to` (the last one holds `to`), whatever `from` says; `last=0` and
    `last=400` are taken."""
    owner, stored = history_owner
    for bucket, last in ((60, 3), (60, 1), (90, 4), (300, 2)):
        end = math.floor(TO / bucket) * bucket  # the start of the bucket that holds `to`
        expected = expected_history(stored, end - (last - 1) * bucket, last, bucket, kind)
        actual = history_of(owner, kind, to=TO, bucket=bucket, last=last)
        assert len(actual) == last, f"last={last}, bucket={bucket}, to={TO}: {last} buckets, got {len(actual)}: " \
                                    f"{actual}"
        assert_same_history(actual, expected)
        assert history_of(owner, kind, to=TO, bucket=bucket, last=last, **{"from": T - 3600}) == actual, \
            "last replaces from"
    for last in (0, 400):
        history_of(owner, kind, to=TO, last=last)


@pytest.mark.parametrize("kind", ["intensities", "densities"])
def test_the_motion_history_covers_the_last_hour_by_default(wm: WiFiMotion, agent: Agent, kind: str):
    """Without `from` and `to`: 60-second buckets over the last hour up to now; a Motion event the agent
    reports now (without `ts`) is in the bucket that holds its time, the other buckets are null."""
    owner = wm.account()
    event = agent.event(owner.network_id, intensity=0.7)
    before = time.time()
    actual = history_of(owner, kind)
    after = time.time()
    starts = [ts for _, ts in actual]
    assert all(b - a == 60 for a, b in zip(starts, starts[1:])), f"60-second buckets: {starts}"
    assert all(ts % 60 == 0 for ts in starts), f"on minute boundaries: {starts}"
    assert starts[0] <= after - 3600 and before - 3600 < starts[0] + 60, f"from an hour ago: {starts[0]}"
    assert starts[-1] <= after and before < starts[-1] + 60, f"to now: {starts[-1]}"
    with_values = [pair for pair in actual if pair[0] is not None]
    assert len(with_values) == 1 and with_values[0][1] <= event["ts"] < with_values[0][1] + 60, actual
    assert with_values[0][0] == pytest.approx(0.7 if kind == "intensities" else 1.0), actual


def test_the_events_list_shows_the_newest_1000_events_and_the_history_keeps_older_motion(wm: WiFiMotion,
                                                                                       agent: Agent):
    """`GET /events` shows the newest 1,000 events: the first falls out of it once 1,000 newer ones (of any
    category) are stored. The motion history reads the readings the Motion events became, so it still has
    that first event."""
    owner = wm.account()
    first = agent.event(owner.network_id, ts=T - 7200, intensity=0.9)
    oldest = {"from": T - 7200, "to": T - 7200}
    query = {"from": T - 7200, "to": T - 7200 + 59, "bucket": 60}
    for _ in range(999):
        agent.event(owner.network_id, "LinkConnectedEvent", "Link", ts=T)
    assert events_of(owner, **oldest) == [first], "one of the newest 1,000"
    agent.event(owner.network_id, "LinkConnectedEvent", "Link", ts=T)
    assert events_of(owner, **oldest) == [], "fallen out of the events list"
    assert history_of(owner, "intensities", **query) == [[0.9, T - 7200]], "still in the motion history"
    assert history_of(owner, "densities", **query) == [[1, T - 7200]], "still in the motion history"


@pytest.mark.parametrize("params", [
    {"to": "5.97029965599527e+51"},
    {"to": "1.7976931348623157e+308"},
    {"from": 0, "to": "1.7976931348623157e+308", "bucket": 900},
], ids=["to-5.97e51", "to-max-double", "from-0-to-max-double"])
def test_huge_motion_history_ranges_are_answered_without_taking_the_server_down(private_server: NimbusServer,
                                                                               params: dict[str, Any]):
    """Epoch seconds far in the future (what a client may send by mistake, and what schemathesis sent) are
    answered, with the buckets or a 400 ("no 5xx for bad input"), and the server keeps serving. On a
    server of this test's own, as a crash would take the shared one down."""
    owner = WiFiMotion(private_server).account()
    for kind in ("intensities", "densities"):
        request = f"GET /motion_history_{kind}?{urllib.parse.urlencode(params)}"
        try:
            resp = owner.get(f"/motion_history_{kind}", params=params)
        except requests.ConnectionError as e:
            raise AssertionError(f"{request}: the server closed the connection without an answer ({e}); "
                                 f"expected 200 or 400. Server log:\n{private_server.log_tail()}") from None
        assert resp.status_code in (200, 400), f"{request}: expected 200 or 400: {describe(resp)}"
        expect_json(owner.get("/networks"), 200)


@pytest.mark.parametrize("kind", ["intensities", "densities"])
@pytest.mark.parametrize("params, field", [
    ({"bucket": 0}, "bucket"), ({"bucket": 901}, "bucket"), ({"bucket": "minute"}, "bucket"),
    ({"last": -1}, "last"), ({"last": 401}, "last"), ({"last": "all"}, "last"),
    ({"from": "yesterday"}, "from"), ({"to": "now"}, "to"),
    ({"from": T + 60, "to": T}, None),
], ids=["bucket-0", "bucket-901", "bucket-text", "last-negative", "last-401", "last-text", "from-text", "to-text",
        "from-after-to"])
def test_bad_motion_history_queries_are_refused(wm: WiFiMotion, kind: str, params: dict[str, Any],
                                                field: str | None):
    """`bucket` outside 1–900, `last` outside 0–400, `from`/`to` that are not epoch seconds → 400 naming the
    parameter; `from` after `to` → 400 naming one of them."""
    owner = wm.account()
    error = expect_error(owner.get(f"/motion_history_{kind}", params=params), 400, field)
    if field is None:
        assert "from" in error["message"] or "to" in error["message"], error


# --------------------------------------------------------------------------------------------
# Members and non-members


def test_a_member_reads_everything_but_cannot_change_it(server: NimbusServer, wm: WiFiMotion, agent: Agent):
    """A member of the network reads its settings, clients, topology, events and motion history as the
    owner does (with `network_id`; without it, the member's own first network), and opens its `/motions`
    WebSocket (the agent's events go live to every member); `PATCH /sounding/settings` and
    `PATCH /sounding/clients` → 403, and nothing changes."""
    member = wm.account()  # first: their own network is older than the one they join
    owner = wm.account()
    owner.add_member(member)
    n = owner.network_id
    agent.topology(n, [reported_device(1)], links=[{"src_id": 1}], ts=T)
    agent.event(n, ts=T + 30, intensity=0.5)
    reads = ["/sounding/settings", "/sounding/clients", "/topologies", "/events"]
    for path in reads:
        assert expect_json(member.get(path, params={"network_id": n}), 200) == expect_json(owner.get(path), 200), path
    for kind in ("intensities", "densities"):
        query = {"from": T, "to": T + 120}
        assert history_of(member, kind, network_id=n, **query) == history_of(owner, kind, **query)
    assert member.networks()[0]["id"] == member.network_id
    assert clients_of(member) == [] and events_of(member) == [], \
        "without network_id, the member's first network (GET /networks' first): their own, which has none"
    settings, clients = settings_of(owner), clients_of(owner)
    expect_error(member.patch("/sounding/settings", params={"network_id": n}, json={"sensitivity": 2}), 403)
    expect_error(member.patch("/sounding/clients", params={"network_id": n},
                              json={"devices": [{"device_id": reported_device(1)["device_id"], "location": "X"}]}), 403)
    assert settings_of(owner) == settings and clients_of(owner) == clients, "nothing changed"
    ws = open_motions(server, member.token, n)
    try:
        event = agent.event(n, loc_name="Stairs")
        assert ws.recv_json() == event
    finally:
        ws.close()


def test_a_non_member_gets_404_for_the_network(wm: WiFiMotion, agent: Agent):
    """Someone outside the network, naming it with `network_id`, gets 404 from every read and change (and
    from tagging its events), and nothing changes."""
    owner = wm.account()
    stranger = wm.account()
    n = owner.network_id
    agent.topology(n, [reported_device(1)], ts=T)
    event = agent.event(n, ts=T + 30, intensity=0.5)
    params = {"network_id": n}
    for path in ("/sounding/settings", "/sounding/clients", "/topologies", "/events", "/motion_history_intensities",
                 "/motion_history_densities"):
        expect_error(stranger.get(path, params=params), 404)
    expect_error(stranger.patch("/sounding/settings", params=params, json={"sensitivity": 2}), 404)
    expect_error(stranger.patch("/sounding/clients", params=params,
                                json={"devices": [{"device_id": reported_device(1)["device_id"], "location": "X"}]}),
                 404)
    expect_error(stranger.post("/event_tag", json={"network_id": n, "eventid": event["_id"], "tag": "Human"}), 404)
    assert settings_of(owner)["sensitivity"] == 1
    assert clients_of(owner)[0]["location"] == ""
    assert events_of(owner) == [event], "not tagged"
    assert settings_of(stranger) == settings_of(wm.account()), "the stranger's own network is untouched too"


def test_motion_calls_need_a_token(wm: WiFiMotion, agent: Agent):
    """Without a token, or with an unknown one, every app call of the section → 401, even with a request
    that would otherwise be good (the owner's network, a reported device, a stored event); nothing changes."""
    owner = wm.account()
    n = owner.network_id
    agent.topology(n, [reported_device(1)])
    event = agent.event(n, ts=T)
    calls = [("GET", "/sounding/settings", None), ("PATCH", "/sounding/settings", {"sensitivity": 2}),
             ("GET", "/sounding/clients", None),
             ("PATCH", "/sounding/clients", {"devices": [{"device_id": reported_device(1)["device_id"],
                                                          "location": "X"}]}),
             ("GET", "/topologies", None), ("GET", "/events", None),
             ("POST", "/event_tag", {"network_id": n, "eventid": event["_id"], "tag": "Pet"}),
             ("GET", "/motion_history_intensities", None), ("GET", "/motion_history_densities", None)]
    for method, path, body in calls:
        for token in (None, "not-a-token"):
            kw: dict[str, Any] = {"params": {"network_id": n}}
            if body is not None:
                kw["json"] = body
            expect_error(wm.request(method, path, token, **kw), 401)
    assert settings_of(owner)["sensitivity"] == 1 and clients_of(owner)[0]["location"] == ""
    assert events_of(owner) == [event], "not tagged"


# --------------------------------------------------------------------------------------------
# The /motions WebSocket


def test_the_motions_websocket_sends_each_event_of_its_network(server: NimbusServer, wm: WiFiMotion, agent: Agent):
    """`/motions?token=&network_id=`: one text frame per event the agent reports for that network, in order,
    each as `GET /events` shows it (a tag included once tagged); none for another network of the user's."""
    owner = wm.account()
    other = wm.account()
    other.add_member(owner)
    ws = open_motions(server, owner.token, owner.network_id)
    try:
        first = agent.event(owner.network_id, ts=T + 1, intensity=0.4)
        agent.event(other.network_id, ts=T + 2)
        second = agent.event(owner.network_id, "LinkConnectedEvent", "Link", ts=T + 3)
        frames = [ws.recv_json(), ws.recv_json()]
        assert frames == [first, second], frames
        assert frames[::-1] == events_of(owner), "as GET /events shows them"
        ws.expect_quiet(0.5)
    finally:
        ws.close()


def test_the_motions_websocket_refuses_without_token_or_membership(server: NimbusServer, wm: WiFiMotion):
    """The handshake is refused with `{error, message}`: no token or an unknown one → 401, another
    network's id → 404, no `network_id` → 400. A plain `GET` (no upgrade), with a valid token and network,
    → 400."""
    owner = wm.account()
    stranger = wm.account()
    cases = [((None, owner.network_id), 401), (("not-a-token", owner.network_id), 401),
             ((owner.token, stranger.network_id), 404), ((owner.token, None), 400)]
    for (token, network_id), status in cases:
        got, body = refused_handshake(server, token, network_id)
        assert got == status, f"token={'…' if token else token}, network_id={network_id}: expected {status}, got " \
                              f"{got} {body}"
        assert set(body) == {"error", "message"} and body["error"] == {400: "invalid_request", 401: "unauthorized",
                                                                       404: "not_found"}[status], body
    plain = requests.get(motions_url(server, owner.token, owner.network_id).replace("ws://", "http://", 1),
                         timeout=HTTP_TIMEOUT)
    expect_error(plain, 400)
    # The socket itself opens for the same token and network.
    open_motions(server, owner.token, owner.network_id).close()
