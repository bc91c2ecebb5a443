"""The OpenAPI documents against a live server with schemathesis (issue 12 #7): no 5xx, and every
response has a documented status code, content type and a body that matches its schema.

Schemathesis (its CLI, so that a failure prints its own reproduction) reads each document from the
server itself, `/openapi/mode.json`, `/openapi/cayenne.json`, `/openapi/wifimotion.json` and `/openapi/console.json`, and
generates requests for every operation: positive and negative, JSON and form bodies. Each run is bounded by `MAX_EXAMPLES` per
operation and by `MAX_SECONDS` per document, so the file fits in CI's minute or two; a deeper run
sets `NIMBUS_OPENAPI_EXAMPLES` and `NIMBUS_OPENAPI_SECONDS`.

Authentication: every request carries a credential made for the run (a user session or access
token, or a project key with every permission), and the path ids are pinned to objects of that
run's project, so the authenticated endpoints answer past their 401/404. Operations that destroy
their credential or their object (ending the session, deleting the user, the home, the device) get
objects of their own, so they do not take the rest of the run down with them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import requests

from cayenne import Cayenne
from harness import NimbusServer, expect
from mqtt import V311, Broker, MqttClient
from wifimotion import WiFiMotion, expect_json, jwt_parts
from world import ALL_PERMISSIONS, Project

MAX_EXAMPLES = int(os.environ.get("NIMBUS_OPENAPI_EXAMPLES", "8"))
MAX_SECONDS = int(os.environ.get("NIMBUS_OPENAPI_SECONDS", "30"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# The server of this file takes sign-in failures and message requests from one address by the hundred.
SERVER_ARGS = ["--sign-in-max-failures-per-address", "1000000", "--message-limit-per-address", "1000000"]


@pytest.fixture(scope="module")
def api_server(server_factory: Callable[..., NimbusServer]) -> NimbusServer:
    return server_factory(extra_args=SERVER_ARGS)


def toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def write_config(path: Path, authorization: str, parameters: dict[str, Any],
                 operations: list[dict[str, Any]]) -> Path:
    """A schemathesis.toml: one credential for every request, pinned path ids, per-operation overrides."""
    lines = [f"headers = {toml_value({'Authorization': authorization})}", "", "[parameters]"]
    lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in parameters.items()]
    for operation in operations:
        lines += ["", "[[operations]]"] + [f"{json.dumps(k)} = {toml_value(v)}" for k, v in operation.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_schemathesis(server: NimbusServer, document: str, config: Path) -> None:
    if importlib.util.find_spec("schemathesis") is None:
        pytest.fail("schemathesis is not installed: pip install -r IntegrationTests/requirements.txt", pytrace=False)
    # The CLI of the interpreter running pytest, wherever pip put its script.
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color", "run", f"{server.base_url}/openapi/{document}.json",
               "--url", server.base_url, "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
               "--max-time", str(MAX_SECONDS), "--generation-deterministic", "--workers", "1",
               "--request-timeout", "10", "--suppress-health-check", "all", "--warnings", "off"]
    # In the config's directory, so that nothing schemathesis writes (caches) lands in the checkout.
    result = subprocess.run(command, capture_output=True, text=True, timeout=MAX_SECONDS * 4, cwd=config.parent)
    output = result.stdout + result.stderr
    print(output[-4000:], file=sys.stderr)
    assert result.returncode == 0, f"schemathesis found failures in {document}.json:\n{output[-30000:]}"


def test_mode_api_conforms_to_its_document(api_server: NimbusServer, tmp_path: Path) -> None:
    project = Project(api_server, "email")
    owner = project.new_user()
    home = project.new_home(owner)
    device = project.device_in_home(owner, home)
    # A time series to read: the device's temperature, kept by a tsdb module.
    api_server.cli("smart-module", "create", "--project", project.id, "--id", "tsdb", "--type", "tsdb", "--events", "reading")
    expect(device.client.put(f"/devices/{device.id}/event", json={"eventType": "reading", "eventData": {"temperature": 20}}), 204)
    # Objects that their operation destroys.
    doomed_user = project.new_user()
    doomed_home = project.new_home(owner)
    doomed_device = project.device_in_home(owner, home)
    doomed_session = project.sign_in_email(owner.email)
    key = project.key(*ALL_PERMISSIONS)
    mode = lambda token: f"ModeCloud {token}"
    config = write_config(tmp_path / "mode.toml", mode(owner.token),
                          {"homeId": home, "deviceId": device.id, "userId": owner.id, "projectId": project.id,
                           "moduleId": "tsdb", "seriesId": f"{device.id}-temperature"},
                          [
                              {"include-path": "/mode/userSession", "include-method": "DELETE",
                               "headers": {"Authorization": mode(doomed_session.token)}},
                              {"include-path": "/mode/users/{userId}", "include-method": "DELETE",
                               "headers": {"Authorization": mode(doomed_user.token)},
                               "parameters": {"userId": doomed_user.id}},
                              {"include-path": "/mode/homes/{homeId}", "include-method": "DELETE",
                               "parameters": {"homeId": doomed_home}},
                              {"include-path": "/mode/devices/{deviceId}", "include-method": "DELETE",
                               "parameters": {"deviceId": doomed_device.id}},
                              # What a project key does: other projects' lists, home events, admin changes.
                              {"include-path-regex": "^/mode/(users|homes/\\{homeId\\}/event)$",
                               "headers": {"Authorization": mode(key.key)}},
                              {"include-path": "/mode/deviceRegistration",
                               "headers": {"Authorization": mode(device.api_key)}},
                              {"include-path": "/mode/devices/{deviceId}/event",
                               "headers": {"Authorization": mode(device.api_key)}},
                          ])
    run_schemathesis(api_server, "mode", config)


def test_cayenne_api_conforms_to_its_document(api_server: NimbusServer, tmp_path: Path) -> None:
    cayenne = Cayenne(api_server)
    app = cayenne.app(confidential=True)
    user = cayenne.sign_up(app)
    tokens = cayenne.tokens(app, user)
    admin_key = cayenne.project.key("admin")
    config = write_config(tmp_path / "cayenne.toml", f"Bearer {tokens['access_token']}",
                          {"id": user.id, "client_id": app.id},
                          [
                              {"include-path-regex": "^/cayenne/applications",
                               "headers": {"Authorization": f"Bearer {admin_key.key}"}, "parameters": {"id": app.id}},
                              {"include-path-regex": "^/cayenne/oauth/(token|revoke|introspect)$",
                               "headers": {"Authorization": ""}},
                          ])
    run_schemathesis(api_server, "cayenne", config)


def test_wifimotion_api_conforms_to_its_document(api_server: NimbusServer, tmp_path: Path) -> None:
    wm = WiFiMotion(api_server)
    served = expect_json(wm.http.get(f"{api_server.base_url}/openapi/wifimotion.json", timeout=10), 200)
    for path in ("/wifimotion/api/v1/sensors/devices", "/wifimotion/api/v1/sounding/clients",
                 "/wifimotion/mns/network/{id}/events/create"):
        assert path in served["paths"], \
            f"the server serves a wifimotion.json without {path}: a stale build (the binary reads the document " \
            "from the nimbus_NimbusWiFiMotion.resources folder next to it, which `swift build` refreshes)"
    owner = wm.account()
    n = owner.network_id
    # Objects that their operation destroys or changes past use: a session to end, a user to delete,
    # a user whose email and password change, a membership to remove.
    doomed_session = wm.session(owner.email, multi=True)
    doomed_user = wm.account()
    changing_user = wm.account()
    leaver = wm.account()
    owner.add_member(leaver)
    base = "/wifimotion/api/v1"
    # The sensors: the integration, its hub connected (and subscribed to its pairing command, so that pairing
    # answers past its 409) with a sensor, and a sensor to delete; another owner's integration to delete.
    integration = expect_json(owner.post("/sensors/integrations", params={"show_account": "true"},
                                         json={"integrations_enable": True}), 201)["integrations"]
    hub = MqttClient(Broker(api_server.mqtt_port, username=integration["userThingName"],
                            password=integration["external_password"]), version=V311, client_id="HUB_0001")
    hub.connect()
    hub_topics = f"wifimotion/{integration['userThingName']}/HUB_0001/"
    assert hub.subscribe(hub_topics + "cmd/pair") == [1]
    for sensor in ("SENSOR_00112233aabbccdd", "SENSOR_doomed"):
        assert hub.publish(hub_topics + f"devices/{sensor}/added", '{"deviceType": "SensorDoor"}', qos=1) == 0
    assert hub.publish(hub_topics + "devices/SENSOR_00112233aabbccdd/value", '{"status": "open"}', qos=1) == 0
    integration_owner = wm.account()
    expect_json(integration_owner.post("/sensors/integrations", json={"integrations_enable": True}), 201)
    # Motion: the agent's key (docs/wifimotion.md: `--permissions events,admin`) for the `/wifimotion/mns` paths,
    # a topology with the device the document's example of `PATCH /sounding/clients` names, and events to list,
    # tag and chart. The run's own topology reports go to another network, so that the example keeps its device.
    client_id = jwt_parts(owner.token)[1]["client_id"]
    agent_key = api_server.cli("key", "create", "--project", client_id.removeprefix("wifimotion-"), "--name", "agent",
                               "--permissions", "events,admin")["key"]
    mns = f"{api_server.base_url}/wifimotion/mns/network"
    example_device = {"device_id": "csi-b-001122334455", "id": 1, "mac": "00:11:22:33:44:55"}
    reported = requests.put(f"{mns}/{n}/topology", headers={"Authorization": agent_key}, timeout=10,
                            json={"devices": [example_device]})
    assert reported.status_code == 204, reported.text
    for ts in (time.time() - 90, time.time() - 30):
        expect_json(requests.post(f"{mns}/{n}/events/create", headers={"Authorization": agent_key}, timeout=10,
                                  json={"event": "MotionDetectedEvent", "category": "Motion", "ts": ts,
                                        "intensity": 0.5}), 201)
    topology_owner = wm.account()
    # One `include-name` ("METHOD /path") per override: schemathesis ORs an entry's `include-*` filters, so an
    # `include-path` with an `include-method` would also pick every other operation of that method.
    config = write_config(tmp_path / "wifimotion.toml", owner.token, {"network_id": n, "thingName": "HUB_0001"},
                          [
                              {"include-name": f"DELETE {base}/sensors/devices/{{thingName}}",
                               "parameters": {"thingName": "SENSOR_doomed"}},
                              {"include-name": f"DELETE {base}/sensors/integrations",
                               "headers": {"Authorization": integration_owner.token},
                               "parameters": {"network_id": integration_owner.network_id}},
                              {"include-name": f"DELETE {base}/sessions",
                               "headers": {"Authorization": doomed_session["token"]}},
                              {"include-name": f"GET {base}/users/{{id}}", "parameters": {"id": owner.id}},
                              {"include-name": f"PUT {base}/users/{{id}}",
                               "headers": {"Authorization": changing_user.token},
                               "parameters": {"id": changing_user.id}},
                              {"include-name": f"DELETE {base}/users/{{id}}",
                               "headers": {"Authorization": doomed_user.token}, "parameters": {"id": doomed_user.id}},
                              {"include-path-regex": f"^{base}/(networks|network_scene_configs)/\\{{id\\}}$",
                               "parameters": {"id": n}},
                              {"include-name": f"DELETE {base}/network_memberships/{{id}}",
                               "parameters": {"id": f"{n}-{leaver.id}"}},
                              {"include-name": "POST /wifimotion/mns/network/{id}/events/create",
                               "headers": {"Authorization": agent_key}, "parameters": {"id": n}},
                              {"include-name": "PUT /wifimotion/mns/network/{id}/topology",
                               "headers": {"Authorization": f"Bearer {agent_key}"},
                               "parameters": {"id": topology_owner.network_id}},
                          ])
    try:
        run_schemathesis(api_server, "wifimotion", config)
        # The run got past the sensors' 404s and 409s: pairing reached the hub, the pinned sensor and the other
        # owner's integration were deleted.
        assert any(m.topic == hub_topics + "cmd/pair" for m in hub.take_all()), "no pairing command reached the hub"
    finally:
        hub.close()
    expect_json(owner.get("/sensors/devices/SENSOR_doomed"), 404)
    expect_json(integration_owner.get("/sensors/integrations"), 404)
    # The owner's session outlived the run's own sign-ins, refreshes and sign-outs.
    expect_json(owner.get("/networks"), 200)
    # `PATCH /sounding/clients` got past its 400 (the document's example names the reported device): the app's
    # change shows over the report.
    [device] = expect_json(owner.get("/sounding/clients"), 200)["devices"]
    assert "friendly_name" in device or device["location"] != "", f"no client change of the run succeeded: {device}"
    # The run's reports reached their networks: the owner's events grew, the other network got topologies.
    assert len(expect_json(owner.get("/events", params={"last": 400}), 200)) > 2, "no event of the run was stored"
    assert expect_json(topology_owner.get("/topologies"), 200)["ts"] is not None, "no topology of the run was stored"


def test_console_conforms_to_its_document(api_server: NimbusServer, tmp_path: Path) -> None:
    """The console's page, files and settings need no credential; the one sent is an unused placeholder."""
    run_schemathesis(api_server, "console", write_config(tmp_path / "console.toml", "Bearer none", {}, []))
