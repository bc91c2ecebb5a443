"""Live streams are bounded (`--live-subscriber-queue`, `--live-subscriber-queue-bytes`): a subscriber that does
not read is cut off, the others get every event, and what the server holds for it stays within the bounds.

A user's WebSocket that stops reading fills its TCP buffers (kept small here), then its queue on the bus; past
either bound its stream ends and its connection closes. Another WebSocket of the same user, which reads,
receives every event in order; the events are stored and acknowledged throughout.
"""

from __future__ import annotations

import socket
import threading

import pytest
import websocket

from harness import NimbusServer, expect
from world import Project, open_user_ws

EVENTS = 60
PAD = "x" * 200_000  # 12 MB in all: more than the kernel buffers a socket (4 MiB at most here)


@pytest.mark.parametrize("bound", [["--live-subscriber-queue", "4"], ["--live-subscriber-queue-bytes", str(2 << 20)]],
                         ids=["messages", "bytes"])
def test_a_subscriber_that_does_not_read_is_cut_off_and_the_others_get_everything(server_factory, bound):
    server: NimbusServer = server_factory(extra_args=bound)
    project = Project(server, "email")
    owner = project.new_user()
    home = project.new_home(owner)
    device = project.device_in_home(owner, home)

    # The slow subscriber: a small receive buffer, and it reads nothing until the end.
    slow = websocket.create_connection(
        f"{server.ws_url}/userSession/websocket?authToken={owner.token}", timeout=10,
        sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    fast = open_user_ws(server, owner)
    received: list[int] = []

    def read_fast() -> None:
        while len(received) < EVENTS:
            received.append(fast.recv_json(timeout=20)["eventData"]["seq"])

    reader = threading.Thread(target=read_fast)
    reader.start()
    for seq in range(EVENTS):
        expect(device.client.put(f"/devices/{device.id}/event",
                                 json={"eventType": "bulk", "eventData": {"seq": seq, "pad": PAD}}), 204)
    reader.join(timeout=30)
    assert received == list(range(EVENTS)), f"the reading subscriber got {len(received)} of {EVENTS}"

    # The slow one now reads what was queued for it, then finds its connection closed.
    slow_frames = 0
    slow.settimeout(10)
    try:
        while True:
            opcode, _ = slow.recv_data_frame(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                break
            slow_frames += opcode == websocket.ABNF.OPCODE_TEXT
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        pass
    except websocket.WebSocketTimeoutException:
        raise AssertionError(f"the slow subscriber's connection stayed open after {slow_frames} frames\n"
                             f"{server.log_tail()}") from None
    assert slow_frames < EVENTS, "the subscriber that did not read was never cut off"
    fast.ws.close()
    # The server still serves the same user.
    expect(owner.client.get(f"/homes/{home}"), 200)
