"""The account's live stream (docs/cayenne.md, "Live stream"): Engine.IO v3 / socket.io v2 over a WebSocket at
`/cayenne/stream/` (and `/stream/`), as the sample app opens it (a plain WebSocket with `?token=`, reading frames from
their first `[`) and as socket.io-client 2.x does (here python-socketio 4.x, the same protocol). Every reading of the
account's things arrives as `data-changed`, every change of a command's status as `command-status`; other accounts'
never do."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable

import paho.mqtt.client as paho
import pytest
import websocket

from cayenne import Account, App, Cayenne, expect_json, oauth_error
from harness import NimbusServer
from test_cayenne_limits import push
from test_cayenne_things import paho_client, wait_for

LIFETIME = 2  # seconds a command waits: short, so that a timeout is seen in the test


@pytest.fixture(scope="module")
def stream_server(server_factory: Callable[..., NimbusServer]) -> NimbusServer:
    return server_factory(extra_args=["--cayenne-command-lifetime", str(LIFETIME)])


@pytest.fixture
def cayenne(stream_server: NimbusServer) -> Cayenne:
    """This module's `cayenne` (and so its `app` and `account`, from conftest) is on the stream server."""
    return Cayenne(stream_server)


class SampleAppStream:
    """What the sample app does: a plain WebSocket to `{STREAMING_HOST}?token=…&transport=websocket`, no `EIO`, no
    pings; each text frame parsed from its first `[`."""

    def __init__(self, server: NimbusServer, token: str, path: str = "/cayenne/stream/") -> None:
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{server.http_port}{path}?token={token}&transport=websocket", timeout=5)
        self.frames: list[str] = []
        self.events: list[list[Any]] = []
        self.closed: int | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                opcode, data = self.ws.recv_data()
            except Exception:
                return
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                self.closed = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
                return
            text = data.decode()
            self.frames.append(text)
            if "[" in text:
                try:
                    self.events.append(json.loads(text[text.index("["):]))
                except ValueError:
                    pass  # as the app does: the open packet's `upgrades: []` is no event

    def named(self, name: str) -> list[dict[str, Any]]:
        return [payload for event_name, payload in self.events if event_name == name]

    def close(self) -> None:
        self.ws.close()


def test_the_sample_app_stream_gets_readings_and_the_handshake(cayenne: Cayenne, account: Account, app: App) -> None:
    stream = SampleAppStream(cayenne.server, account.token)
    try:
        wait_for(lambda: len(stream.frames) >= 2, "the Engine.IO open and socket.io connect packets")
        assert stream.frames[0].startswith("0") and stream.frames[1] == "40", stream.frames
        opened = json.loads(stream.frames[0][1:])
        assert opened["upgrades"] == [] and opened["pingInterval"] > 0 and opened["sid"], opened

        gateway = account.thing(name="Greenhouse")
        assert expect_json(push(account, gateway["id"], [
            {"channel": 1, "value": 21.5, "type": "temp", "unit": "c"}, {"channel": 2, "value": 40, "type": "rel_hum", "unit": "p"}]), 200)
        changes = wait_for(lambda: len(stream.named("data-changed")) >= 2 and stream.named("data-changed"), "two data-changed events")
        sensors = account.children(gateway["id"])
        first, second = changes
        assert first["thingId"] == gateway["id"] and first["channel"] == 1 and first["value"] == {"value": 21.5, "label": "Celsius"}
        assert first["sensorId"] == sensors["1"]["id"] and first["type"] == "temp" and first["unit"] == "c"
        assert second["channel"] == 2 and second["value"]["value"] == 40 and second["thingId"] == gateway["id"]

        # Another account's readings never reach this stream.
        other = Account(cayenne, app)
        expect_json(push(other, other.thing(name="Theirs")["id"], [{"channel": 1, "value": 99}]), 200)
        expect_json(push(account, gateway["id"], [{"channel": 1, "value": 22}]), 200)
        wait_for(lambda: len(stream.named("data-changed")) >= 3, "the account's next reading")
        time.sleep(0.2)
        assert [c["value"]["value"] for c in stream.named("data-changed")] == [21.5, 40, 22], "only the account's readings"

        # A ping is answered (socket.io clients ping; the sample app does not, and is not dropped for it).
        stream.ws.send("2")
        wait_for(lambda: "3" in stream.frames, "the pong")
    finally:
        stream.close()


def test_command_status_sent_answered_and_timed_out(cayenne: Cayenne, account: Account) -> None:
    stream = SampleAppStream(cayenne.server, account.token, path="/stream/")
    credentials = account.mqtt_credentials()
    valve = account.thing(name="Valve")
    try:
        wait_for(lambda: "40" in stream.frames, "the stream's connect packet")
        client = paho_client(credentials, valve["id"], paho.MQTTv311)
        prefix = f"v1/{credentials['id']}/things/{valve['id']}/"

        def answer(c: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
            """The valve opens (`1`) but is jammed when asked to go half way."""
            seq, value = message.payload.decode().split(",")
            c.publish(prefix + "response", f"error,{seq}=valve jammed" if value == "0.5" else f"ok,{seq}", qos=1)

        client.on_message = answer
        client.connect("127.0.0.1", cayenne.server.mqtt_port)
        client.loop_start()
        try:
            client.subscribe(prefix + "cmd/+", qos=0)
            time.sleep(0.3)
            answered = expect_json(account.call("POST", f"/things/{valve['id']}/cmd", json={"channel": 1, "value": 1}), 200)
            wait_for(lambda: any(s["id"] == answered["id"] and s["status"] == "ok" for s in stream.named("command-status")), "the ok")
            failed = expect_json(account.call("POST", f"/things/{valve['id']}/cmd", json={"channel": 1, "value": 0.5}), 200)
            error = wait_for(lambda: next((s for s in stream.named("command-status") if s["id"] == failed["id"] and s["status"] == "error"), None),
                             "the error")
            assert error["message"] == "valve jammed" and error["answered_at"], error
            assert error == {**expect_json(account.call("GET", f"/things/{valve['id']}/cmd/{failed['id']}"), 200), "thingId": valve["id"]}, \
                "the command as GET shows it, with thingId"
        finally:
            client.loop_stop()
            client.disconnect()
        # Offline now: the next command waits, then times out, and the stream says so.
        waiting = expect_json(account.call("POST", f"/things/{valve['id']}/cmd", json={"channel": 1, "value": 0}), 200)
        wait_for(lambda: any(s["id"] == waiting["id"] and s["status"] == "timed_out" for s in stream.named("command-status")),
                 "the timeout", timeout=LIFETIME + 5)
        statuses = {(s["id"], s["status"]) for s in stream.named("command-status")}
        assert {(answered["id"], "pending"), (answered["id"], "ok"), (failed["id"], "pending"), (failed["id"], "error"),
                (waiting["id"], "pending")} <= statuses, statuses
        assert all(s["thingId"] == valve["id"] and s["channel"] == 1 for s in stream.named("command-status"))
    finally:
        stream.close()


def test_python_socketio_4_client_receives_data_changed(cayenne: Cayenne, account: Account) -> None:
    import socketio
    sio = socketio.Client(reconnection=False)
    connected = threading.Event()
    received: list[dict[str, Any]] = []
    sio.on("connect", lambda: connected.set())
    sio.on("data-changed", lambda data: received.append(data))
    sio.connect(f"http://127.0.0.1:{cayenne.server.http_port}?token={account.token}", transports=["websocket"],
                socketio_path="cayenne/stream")
    try:
        assert connected.wait(5), "socket.io's connect event"
        thing = account.thing(name="Pi")
        expect_json(push(account, thing["id"], [{"channel": 5, "value": 3.3, "type": "voltage", "unit": "v"}]), 200)
        wait_for(lambda: received, "data-changed over socket.io")
        assert received[0]["thingId"] == thing["id"] and received[0]["channel"] == 5
        assert received[0]["value"] == {"value": 3.3, "label": "Volts"}, received[0]
    finally:
        sio.disconnect()


def test_refusals_and_revocation(cayenne: Cayenne, account: Account, app: App) -> None:
    base = f"ws://127.0.0.1:{cayenne.server.http_port}/cayenne/stream/"
    for url in (base, base + "?token=not-a-token"):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(url, timeout=5)
        assert refused.value.status_code == 401
    oauth_error(cayenne.get(f"/cayenne/stream/?token={account.token}"), 400, "invalid_request")
    oauth_error(cayenne.get("/cayenne/stream/"), 401, "invalid_token")
    oauth_error(cayenne.get(f"/stream/?token={account.token}"), 400, "invalid_request")
    oauth_error(cayenne.get("/stream/?token=not-a-token"), 401, "invalid_token")

    # Revoking the sign-in the stream was opened with closes it (1008).
    tokens = cayenne.tokens(app, account.user)
    stream = SampleAppStream(cayenne.server, tokens["access_token"])
    try:
        wait_for(lambda: "40" in stream.frames, "the stream's connect packet")
        resp = cayenne.post("/cayenne/oauth/revoke", data={"token": tokens["refresh_token"], "client_id": app.id})
        assert resp.status_code == 200, resp.text
        wait_for(lambda: stream.closed is not None, "the close")
        assert stream.closed == 1008
    finally:
        stream.close()
