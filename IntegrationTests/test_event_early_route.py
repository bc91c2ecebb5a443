"""A device's own event PUT is answered below the router (`ModeEventEarlyRoute`, issue 12's ingest target):
it must read exactly as the router's answer does, keep answers in request order on a connection, and leave every
other case to the router.

The server logs at debug level, where the early route marks its requests (`http.early=true`), so the tests can
tell that the early path ran: a device's first PUT with a token finds it uncached and goes to the router (which
caches it); the PUTs after it are answered early.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness import HttpSink, NimbusServer, expect, wait_until
from world import Project, open_user_ws, storm_devices, storm_events


@pytest.fixture(scope="module")
def debug_server(nimbus_bin: Path, mailbox, sms, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NimbusServer]:
    server = NimbusServer(nimbus_bin, tmp_path_factory.mktemp("early") / "data", mailbox=mailbox, sms=sms, log_level="debug")
    server.start()
    yield server
    server.stop()


def early_requests(server: NimbusServer) -> int:
    return server.log_path.read_text(errors="replace").count("http.early=true")


def put_event(device, body) -> requests.Response:
    return device.client.put(f"/devices/{device.id}/event", json=body)


def test_an_early_answer_reads_as_the_routers(debug_server: NimbusServer):
    project = Project(debug_server, "email")
    owner = project.new_user()
    home = project.new_home(owner)
    device = project.device_in_home(owner, home)
    with open_user_ws(debug_server, owner) as ws:
        before = early_requests(debug_server)
        routed = put_event(device, {"eventType": "first", "eventData": {"n": 1}})
        early = put_event(device, {"eventType": "second", "eventData": {"n": 2}})
        expect(routed, 204)
        expect(early, 204)
        assert early_requests(debug_server) > before, "the second PUT was not answered early"
        drop = {"Date"}
        assert {k: v for k, v in routed.headers.items() if k not in drop} == \
            {k: v for k, v in early.headers.items() if k not in drop}, (routed.headers, early.headers)
        assert re.match(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$", early.headers["Date"]), early.headers
        # Both events are stored and live, in order, with the fields the router's path gives them.
        first, second = ws.recv_json(), ws.recv_json()
        assert (first["eventType"], second["eventType"]) == ("first", "second"), (first, second)
        assert second["eventData"] == {"n": 2} and second["originDeviceId"] == device.id and second["homeId"] == home, second


def test_the_router_still_answers_what_the_early_route_declines(debug_server: NimbusServer):
    project = Project(debug_server, "email")
    owner = project.new_user()
    device = project.device_in_home(owner, project.new_home(owner))
    expect(put_event(device, {"eventType": "warm-up"}), 204)  # caches the device's token
    before = early_requests(debug_server)
    # Invalid input, a form body and another device's id: each gets the router's MODE answer, none is taken early.
    bad = put_event(device, {"eventType": "", "eventData": {}})
    assert bad.status_code == 403 and bad.json()["reason"] == "INVALID_INPUT", bad.text
    form = device.client.put(f"/devices/{device.id}/event", data={"eventType": "from-a-form"})
    expect(form, 204)
    other = project.device_in_home(owner, project.new_home(owner))
    wrong = device.client.put(f"/devices/{other.id}/event", json={"eventType": "t"})
    assert wrong.status_code in (403, 404), wrong.text
    assert early_requests(debug_server) == before


def test_answers_stay_in_request_order_on_a_pipelining_connection(debug_server: NimbusServer):
    project = Project(debug_server, "email")
    owner = project.new_user()
    device = project.device_in_home(owner, project.new_home(owner))
    expect(put_event(device, {"eventType": "warm-up"}), 204)
    before = early_requests(debug_server)

    def put(n: int) -> bytes:
        body = json.dumps({"eventType": "pipelined", "eventData": {"n": n}}).encode()
        return (f"PUT /mode/devices/{device.id}/event HTTP/1.1\r\nHost: x\r\nAuthorization: ModeCloud {device.api_key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    get = f"GET /mode/devices/{device.id} HTTP/1.1\r\nHost: x\r\nAuthorization: ModeCloud {device.api_key}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", debug_server.http_port), timeout=10) as sock:
        sock.sendall(put(1) + put(2) + get + put(3) + get)
        received = b""
        while received.count(b"HTTP/1.1 ") < 5 or not received.endswith(b"}"):
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {received!r}"
            received += chunk
    statuses = re.findall(rb"HTTP/1.1 (\d{3})", received)
    assert statuses == [b"204", b"204", b"200", b"204", b"200"], received
    assert early_requests(debug_server) > before, "no pipelined PUT was answered early"
    listed = expect(device.client.get(f"/devices/{device.id}"), 200)
    assert listed["id"] == device.id


def test_early_answers_are_counted_as_the_routers_are(debug_server: NimbusServer):
    project = Project(debug_server, "email")
    owner = project.new_user()
    device = project.device_in_home(owner, project.new_home(owner))
    series = re.compile(r'^hb_requests(?:_total)?\{[^}]*http_route="/mode/devices/\{deviceId\}/event"[^}]*'
                        r'http_response_status_code="204"[^}]*\} (\d+)', re.M)

    def count() -> int:
        return sum(int(n) for n in series.findall(requests.get(debug_server.base_url + "/metrics", timeout=5).text))

    before = count()
    for n in range(5):
        expect(put_event(device, {"eventType": "counted", "eventData": {"n": n}}), 204)
    assert count() == before + 5


def test_a_put_that_asks_to_close_the_connection_gets_it_closed(debug_server: NimbusServer):
    project = Project(debug_server, "email")
    owner = project.new_user()
    device = project.device_in_home(owner, project.new_home(owner))
    expect(put_event(device, {"eventType": "warm-up"}), 204)  # the token is cached: this PUT could be taken early
    body = b'{"eventType":"last"}'
    with socket.create_connection(("127.0.0.1", debug_server.http_port), timeout=10) as sock:
        sock.sendall(f"PUT /mode/devices/{device.id}/event HTTP/1.1\r\nHost: x\r\nAuthorization: ModeCloud {device.api_key}\r\n"
                     f"Content-Type: application/json\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        received = b""
        while chunk := sock.recv(65536):  # ends only when the server closes the connection
            received += chunk
    assert received.startswith(b"HTTP/1.1 204"), received


def test_events_answered_204_survive_kill_9(http_sink: HttpSink, private_server: NimbusServer):
    """Four devices of one home PUT events over keep-alive connections (all but each device's first are answered
    by the early route) as fast as they are answered; after 300 answers of `204` the server gets SIGKILL. After a
    restart, every event that was answered `204` is stored, and nothing that was never sent.

    This checks from outside that nothing is answered before its commit. (A process kill cannot tell a flushed
    write from one still in the kernel's cache, which survives it: that each COMMIT also flushes the WAL is checked
    by `SQLiteLaneTests`, and that nobody is answered before the commit returns by `GroupCommitTests`.) As in the
    MQTT test of the same name, a webhooks smart module reads the events back (`storm_devices`)."""
    _, devices = storm_devices(private_server, http_sink)
    sent: set[str] = set()
    answered: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def pump(index: int) -> None:
        for seq in itertools.count():
            if stop.is_set():
                return
            key = f"{index}-{seq}"
            with lock:
                sent.add(key)
            try:
                response = put_event(devices[index], {"eventType": "storm", "eventData": {"n": key}})
            except requests.RequestException:
                return  # the server is gone
            if response.status_code == 204:
                with lock:
                    answered.add(key)

    threads = [threading.Thread(target=pump, args=(index,), daemon=True) for index in range(len(devices))]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(answered) >= 300, timeout=30, what="300 answered events")
    private_server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    with lock:
        acknowledged, published = set(answered), set(sent)
    private_server.start()

    def stored() -> set[str]:
        return set(storm_events(http_sink))

    try:
        wait_until(lambda: acknowledged <= stored(), timeout=20, what="every answered event")
    except AssertionError:
        missing = acknowledged - stored()
        raise AssertionError(f"{len(missing)} of {len(acknowledged)} answered events lost, e.g. {sorted(missing)[:5]}\n"
                             f"{private_server.log_tail()}") from None
    assert stored() <= published, "events that were never sent"
