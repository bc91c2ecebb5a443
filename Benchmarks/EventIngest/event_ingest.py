#!/usr/bin/env python3
"""Event-ingest benchmark (run on demand, not in CI).

Starts the built `nimbus serve` on free loopback ports with a temporary data dir, sets up a
project, app, user, home and a claimed device (admin CLI + REST), then measures:

  (a) `PUT /mode/devices/{id}/event` throughput: N concurrent keep-alive clients for a fixed time;
  (b) event -> WebSocket latency p50/p99: from just before the PUT is sent to the arrival of the
      frame on the user's /mode/userSession/websocket, one event at a time;

and the same throughput method against the Hummingbird hello-world server `nimbus-hello`
(`GET /` -> "Hello"), so the table shows what fraction of a bare server Nimbus ingests.

Load comes from `wrk` (Debian package `wrk`) with a Lua script when it is installed, else from a
multi-threaded Python client (slower; it measures the client as much as the server). Everything
stays on 127.0.0.1 and every loop is bounded in time and count.

    python3 Benchmarks/EventIngest/event_ingest.py [--connections 16] [--duration 10] [--rounds 3] [--latency-events 500]

The two servers are measured in alternating rounds and the medians compared, so that a shared machine's
drifting load does not decide the ratio.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "IntegrationTests"))

from harness import Mailbox, NimbusServer, SmsGateway, WsClient, free_port, wait_until  # noqa: E402
from world import Project  # noqa: E402

MAX_DURATION = 60
MAX_CONNECTIONS = 256
MAX_LATENCY_EVENTS = 5000
MAX_ROUNDS = 10


@dataclass
class Load:
    method: str
    port: int
    path: str
    body: bytes = b""
    headers: dict[str, str] | None = None


@dataclass
class Throughput:
    tool: str
    requests: int
    seconds: float
    errors: int  # non-2xx answers and socket errors

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------------------------------
# Load generators


def wrk_throughput(load: Load, connections: int, duration: int, workdir: Path) -> Throughput:
    script = workdir / f"load-{load.port}.lua"
    lines = [f"wrk.method = {json.dumps(load.method)}", f"wrk.body = {json.dumps(load.body.decode())}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (load.headers or {}).items()]
    script.write_text("\n".join(lines) + "\n")
    threads = max(1, min(2, connections))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", str(script),
           f"http://127.0.0.1:{load.port}{load.path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if not total:
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    seconds = float(total.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}.get(total.group(3), 1.0)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return Throughput("wrk", int(total.group(1)), seconds, errors)


def python_throughput(load: Load, connections: int, duration: int, workdir: Path) -> Throughput:
    counts = [0] * connections
    errors = [0] * connections
    deadline = time.monotonic() + duration

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", load.port, timeout=5)
        while time.monotonic() < deadline:
            try:
                conn.request(load.method, load.path, body=load.body or None, headers=load.headers or {})
                resp = conn.getresponse()
                resp.read()
                if 200 <= resp.status < 300:
                    counts[index] += 1
                else:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", load.port, timeout=5)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 10)
    return Throughput("python", sum(counts), time.monotonic() - started, sum(errors))


def throughput(load: Load, connections: int, duration: int, warmup: int, workdir: Path, tool: str) -> Throughput:
    run = wrk_throughput if tool == "wrk" else python_throughput
    if warmup:
        run(load, connections, warmup, workdir)
    return run(load, connections, duration, workdir)


# ---------------------------------------------------------------------------------------------
# Servers and setup


def start_nimbus(binary: Path, workdir: Path, mailbox: Mailbox, sms: SmsGateway) -> NimbusServer:
    server = NimbusServer(binary, workdir / "nimbus-data", mailbox=mailbox, sms=sms,
                          log_path=workdir / "nimbus.log")
    return server.start()


def start_hello(binary: Path, workdir: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = open(workdir / "hello.log", "wb")
    proc = subprocess.Popen([str(binary), "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)

    def ready() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"nimbus-hello exited with {proc.returncode}; see {workdir / 'hello.log'}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            return conn.getresponse().status == 200
        except OSError:
            return False

    wait_until(ready, timeout=30, what="nimbus-hello on GET /")
    return proc, port


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def set_up_device(server: NimbusServer):
    """A user (with a home) and a device claimed into that home."""
    project = Project(server, "email")
    user = project.new_user()
    home = project.new_home(user, "Benchmark home")
    device = project.device_in_home(user, home)
    return user, device


# ---------------------------------------------------------------------------------------------
# Latency


def event_latencies(server: NimbusServer, user, device, count: int, interval: float) -> tuple[list[float], int]:
    """Milliseconds from just before each PUT to its frame's arrival; and how many never arrived."""
    ws = WsClient.connect(server.ws_url + "/userSession/websocket", user.token)
    time.sleep(0.3)
    arrivals: dict[int, float] = {}
    stop = threading.Event()

    def reader() -> None:
        ws.ws.settimeout(0.5)
        while not stop.is_set():
            try:
                frame = ws.ws.recv()
            except Exception:  # noqa: BLE001 - timeouts, and the close at the end
                continue
            arrived = time.perf_counter()
            try:
                arrivals[json.loads(frame)["eventData"]["seq"]] = arrived
            except (ValueError, KeyError, TypeError):
                pass

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
    headers = {"Authorization": f"ModeCloud {device.api_key}", "Content-Type": "application/json"}
    sent: dict[int, float] = {}
    for seq in range(count):
        body = json.dumps({"eventType": "latency", "eventData": {"seq": seq}})
        sent[seq] = time.perf_counter()
        conn.request("PUT", f"/mode/devices/{device.id}/event", body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 204:
            raise RuntimeError(f"PUT event answered {resp.status}")
        time.sleep(interval)
    deadline = time.monotonic() + 5
    while len(arrivals) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(2)
    ws.close()
    latencies = [(arrivals[s] - sent[s]) * 1000 for s in sent if s in arrivals]
    return latencies, count - len(latencies)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


# ---------------------------------------------------------------------------------------------


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    print()
    print(f"{'measurement'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 24}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


def parse_args() -> argparse.Namespace:
    build = REPO / ".build" / "debug"
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nimbus-bin", type=Path, default=Path(os.environ.get("NIMBUS_BIN", build / "nimbus")))
    parser.add_argument("--hello-bin", type=Path,
                        default=Path(os.environ.get("NIMBUS_HELLO_BIN", build / "nimbus-hello")))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds per throughput run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating PUT / hello-world runs; medians reported")
    parser.add_argument("--latency-events", type=int, default=500)
    parser.add_argument("--latency-interval", type=float, default=0.002, help="seconds between latency events")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    args.connections = max(1, min(args.connections, MAX_CONNECTIONS))
    args.duration = max(1, min(args.duration, MAX_DURATION))
    args.warmup = max(0, min(args.warmup, MAX_DURATION))
    args.rounds = max(1, min(args.rounds, MAX_ROUNDS))
    args.latency_events = max(1, min(args.latency_events, MAX_LATENCY_EVENTS))
    if args.tool == "auto":
        args.tool = "wrk" if shutil.which("wrk") else "python"
    elif args.tool == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk)")
    return args


def main() -> int:
    args = parse_args()
    if not args.nimbus_bin.is_file():
        print(f"nimbus binary not found at {args.nimbus_bin}: run `swift build` first", file=sys.stderr)
        return 2
    if args.tool == "python":
        print("wrk is not installed; using the Python load generator (apt-get install wrk for better numbers)")
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="nimbus-bench-") as tmp:
        workdir = Path(tmp)
        mailbox, sms = Mailbox().start(), SmsGateway().start()
        server = start_nimbus(args.nimbus_bin, workdir, mailbox, sms)
        hello_proc, hello_port = start_hello(args.hello_bin, workdir) if args.hello_bin.is_file() else (None, 0)
        ingests: list[Throughput] = []
        hellos: list[Throughput] = []
        try:
            user, device = set_up_device(server)
            event = Load("PUT", server.http_port, f"/mode/devices/{device.id}/event",
                         json.dumps({"eventType": "bench", "eventData": {"value": 42}}).encode(),
                         {"Authorization": f"ModeCloud {device.api_key}", "Content-Type": "application/json"})
            # Rounds alternate the two servers, so that a change in the machine's load (a shared host drifts
            # by a quarter within minutes) weighs on both sides of each ratio alike.
            for round_number in range(1, args.rounds + 1):
                print(f"round {round_number}/{args.rounds}: PUT event, {args.connections} connections, "
                      f"{args.duration} s, {args.tool} ...")
                ingests.append(throughput(event, args.connections, args.duration, args.warmup, workdir, args.tool))
                if hello_proc:
                    print(f"round {round_number}/{args.rounds}: GET / on nimbus-hello ...")
                    hellos.append(throughput(Load("GET", hello_port, "/"), args.connections, args.duration,
                                             args.warmup, workdir, args.tool))
            print(f"event -> WebSocket latency: {args.latency_events} events ...")
            latencies, lost = event_latencies(server, user, device, args.latency_events, args.latency_interval)
        finally:
            server.stop()
            if hello_proc:
                stop_process(hello_proc)
            mailbox.stop()
            sms.stop()

        def figures(runs: list[Throughput]) -> str:
            rates = ", ".join(f"{run.per_second:,.0f}" for run in runs)
            median = statistics.median(run.per_second for run in runs)
            return f"{median:,.0f} req/s median of [{rates}] ({sum(run.errors for run in runs)} errors)"

        rows.append((f"nimbus PUT /event ({args.tool}, {args.connections} conns)", figures(ingests)))
        if hellos:
            rows.append((f"nimbus-hello GET / ({args.tool}, {args.connections} conns)", figures(hellos)))
            ratios = [i.per_second / h.per_second for i, h in zip(ingests, hellos) if h.per_second]
            rows.append(("ratio nimbus / hello", f"{statistics.median(ratios):.2f} median of "
                         f"[{', '.join(f'{r:.2f}' for r in ratios)}]"))
        else:
            print(f"nimbus-hello not found at {args.hello_bin}: skipping the hello-world comparison")
            rows.append(("nimbus-hello GET /", "n/a (binary missing)"))
        if latencies:
            rows.append(("event -> WebSocket latency p50", f"{statistics.median(latencies):.2f} ms"))
            rows.append(("event -> WebSocket latency p99", f"{percentile(latencies, 99):.2f} ms"))
        rows.append(("events never delivered", f"{lost} of {args.latency_events}"))
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
