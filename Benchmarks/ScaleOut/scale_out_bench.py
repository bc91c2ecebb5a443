#!/usr/bin/env python3
"""Scale-out benchmark (issue 18; run on demand, not in CI).

Runs the built `nimbus serve` on one PostgreSQL database as one node, then two, then three (fresh database each),
and measures in the same run, for each:

  (a) MQTT routing: a QoS 1 subscriber on node 1, publishers on the last node (node 1 when alone), QoS 1, as fast as
      PUBACKs come back (`--window` in flight per publisher): messages/s delivered, and the latency of one message at
      a time from PUBLISH to its arrival (p50/p99);
  (b) event fan-out: a MODE device PUTs events on the last node, its user's WebSocket is on node 1: events/s with
      `--connections` concurrent PUTs, and the latency of one at a time from the PUT to the frame (p50/p99).

All nodes share this machine's cores with the load, so the totals do not grow with nodes here: the figure of interest
is the cost per message of crossing nodes (the 2- and 3-node rows against the 1-node row of the same run).

    python3 Benchmarks/ScaleOut/scale_out_bench.py --nimbus-bin .build-release/release/nimbus \\
        --postgres-url postgres://postgres@127.0.0.1:55432/postgres [--seconds 5] [--latency-count 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "IntegrationTests"))

from harness import Mailbox, NimbusServer, SmsGateway, WsClient  # noqa: E402
from mqtt import V5, NimbusBroker, unique_topic  # noqa: E402
from world import Project  # noqa: E402

MAX_SECONDS = 60
MAX_LATENCY_COUNT = 5000


def psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True, capture_output=True, timeout=60,
                   stdin=subprocess.DEVNULL)


def database(admin_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def mqtt_throughput(nodes: list[NimbusServer], seconds: float, window: int) -> float:
    tenant = NimbusBroker(nodes[0], Project(nodes[0]))
    topic = unique_topic("bench")
    subscriber = tenant.on(nodes[0]).connect(V5)
    subscriber.subscribe(topic, qos=1)
    publisher = tenant.on(nodes[-1]).connect(V5)
    deadline = time.monotonic() + seconds
    sent = 0
    pending = []
    while time.monotonic() < deadline:
        pending.append(publisher.publish(topic, b"x" * 64, qos=1, wait=False))
        sent += 1
        if len(pending) >= window:
            pending.pop(0).wait_for_publish(5)
    for info in pending:
        info.wait_for_publish(5)
    started_drain = time.monotonic()
    while len(subscriber._messages) < sent and time.monotonic() - started_drain < 10:
        time.sleep(0.02)
    delivered = len(subscriber.take_all())
    elapsed = seconds + (time.monotonic() - started_drain)
    subscriber.close()
    publisher.close()
    if delivered < sent:
        print(f"  MQTT: {sent - delivered} of {sent} not delivered", file=sys.stderr)
    return delivered / elapsed


def mqtt_latency(nodes: list[NimbusServer], count: int) -> list[float]:
    tenant = NimbusBroker(nodes[0], Project(nodes[0]))
    topic = unique_topic("latency")
    subscriber = tenant.on(nodes[0]).connect(V5)
    subscriber.subscribe(topic, qos=1)
    publisher = tenant.on(nodes[-1]).connect(V5)
    latencies = []
    for index in range(count):
        started = time.perf_counter()
        publisher.publish(topic, str(index), qos=1, wait=False)
        subscriber.expect(topic, str(index), timeout=5)
        latencies.append((time.perf_counter() - started) * 1000)
        subscriber.take_all()
    subscriber.close()
    publisher.close()
    return latencies


def event_setup(nodes: list[NimbusServer]):
    project = Project(nodes[0], "email")
    user = project.new_user()
    home = project.new_home(user)
    return user, project.device_in_home(user, home)


def event_throughput(nodes: list[NimbusServer], user, device, seconds: float, connections: int) -> tuple[float, int]:
    """Events/s PUT on the last node; and how many of them the WebSocket on node 1 missed."""
    ws = WsClient.connect(f"ws://127.0.0.1:{nodes[0].http_port}/mode/userSession/websocket", user.token)
    time.sleep(0.3)
    received = [0]
    stop = threading.Event()

    def reader() -> None:
        ws.ws.settimeout(0.5)
        while not stop.is_set():
            try:
                ws.ws.recv()
                received[0] += 1
            except Exception:  # noqa: BLE001 - timeouts
                continue

    threading.Thread(target=reader, daemon=True).start()
    counts = [0] * connections
    deadline = time.monotonic() + seconds
    body = json.dumps({"eventType": "bench", "eventData": {"value": 42}})
    headers = {"Authorization": f"ModeCloud {device.api_key}", "Content-Type": "application/json"}

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", nodes[-1].http_port, timeout=5)
        while time.monotonic() < deadline:
            conn.request("PUT", f"/mode/devices/{device.id}/event", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            counts[index] += response.status == 204

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10)
    sent = sum(counts)
    settle = time.monotonic() + 10
    while received[0] < sent and time.monotonic() < settle:
        time.sleep(0.05)
    stop.set()
    ws.close()
    return sent / seconds, max(0, sent - received[0])


def event_latency(nodes: list[NimbusServer], user, device, count: int) -> list[float]:
    ws = WsClient.connect(f"ws://127.0.0.1:{nodes[0].http_port}/mode/userSession/websocket", user.token)
    time.sleep(0.3)
    conn = http.client.HTTPConnection("127.0.0.1", nodes[-1].http_port, timeout=5)
    headers = {"Authorization": f"ModeCloud {device.api_key}", "Content-Type": "application/json"}
    latencies = []
    for seq in range(count):
        started = time.perf_counter()
        conn.request("PUT", f"/mode/devices/{device.id}/event", headers=headers,
                     body=json.dumps({"eventType": "latency", "eventData": {"seq": seq}}))
        conn.getresponse().read()
        while True:
            if json.loads(ws.ws.recv())["eventData"].get("seq") == seq:
                break
        latencies.append((time.perf_counter() - started) * 1000)
    ws.close()
    return latencies


def run(node_count: int, args, mailbox, sms, workdir: Path) -> dict[str, str]:
    name = f"nimbus_scale_{uuid.uuid4().hex[:10]}"
    psql(args.postgres_url, f"CREATE DATABASE {name}")
    url = database(args.postgres_url, name)
    nodes = [NimbusServer(args.nimbus_bin, workdir / f"{name}-{index}", database=url, mailbox=mailbox, sms=sms,
                          extra_args=["--mqtt-connection-rate-per-address", "100000"]) for index in range(node_count)]
    try:
        for node in nodes:
            node.start()
        print(f"{node_count} node(s): MQTT ...", flush=True)
        rate = mqtt_throughput(nodes, args.seconds, args.window)
        mqtt = mqtt_latency(nodes, args.latency_count)
        print(f"{node_count} node(s): events ...", flush=True)
        user, device = event_setup(nodes)
        events, missed = event_throughput(nodes, user, device, args.seconds, args.connections)
        event = event_latency(nodes, user, device, args.latency_count)
        return {
            "MQTT QoS 1 messages/s": f"{rate:,.0f}",
            "MQTT latency p50 / p99 ms": f"{statistics.median(mqtt):.2f} / {percentile(mqtt, 99):.2f}",
            "event PUTs/s (to a WebSocket on node 1)": f"{events:,.0f}" + (f" ({missed} not delivered)" if missed else ""),
            "event → WebSocket p50 / p99 ms": f"{statistics.median(event):.2f} / {percentile(event, 99):.2f}",
        }
    finally:
        for node in nodes:
            node.stop()
        psql(args.postgres_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nimbus-bin", type=Path, default=REPO / ".build-release" / "release" / "nimbus")
    parser.add_argument("--postgres-url", required=True, help="a role that may CREATE DATABASE")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--window", type=int, default=50, help="QoS 1 messages in flight per publisher")
    parser.add_argument("--connections", type=int, default=8, help="concurrent event PUTs")
    parser.add_argument("--latency-count", type=int, default=300)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    args.seconds = min(args.seconds, MAX_SECONDS)
    args.latency_count = min(args.latency_count, MAX_LATENCY_COUNT)
    mailbox, sms = Mailbox().start(), SmsGateway().start()
    with tempfile.TemporaryDirectory(prefix="scale-out-") as directory:
        results = {count: run(count, args, mailbox, sms, Path(directory)) for count in args.nodes}
    names = list(next(iter(results.values())).keys())
    width = max(len(name) for name in names)
    print()
    print("measurement".ljust(width) + "".join(f"  {count} node(s)".rjust(18) for count in results))
    for name in names:
        print(name.ljust(width) + "".join(f"  {results[count][name]}".rjust(18) for count in results))


if __name__ == "__main__":
    main()
