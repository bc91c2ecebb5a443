#!/usr/bin/env python3
"""MQTT broker benchmark: Nimbus against Mosquitto, on demand (not in CI). See Benchmarks/README.md.

Starts Mosquitto (the OS package) and `nimbus serve` (temporary data dir, an anonymous MQTT
project) on free loopback ports, one after the other, and measures for each:

  fan-in   QoS 0 / QoS 1: --publishers publishers -> 1 subscriber, delivered messages/s
  fan-out  QoS 0 / QoS 1: 1 publisher -> --fanout-subscribers subscribers, deliveries/s
  latency  QoS 0 / QoS 1: publish -> delivery, one message in flight (ping-pong), p50 / p99
  loaded latency: p50 / p99 during the fan-in runs
  memory per idle connection: RSS growth over --idle MQTT 3.1.1 connections (keep-alive 0) / N
  MODE ingest (Nimbus only): devices publishing QoS 1 events to /devices/{id}/event, PUBACKs/s
  Cayenne ingest (Nimbus only): things publishing QoS 1 readings to v1/{user}/things/{id}/data/1, PUBACKs/s

then prints each figure for both brokers and the ratio Nimbus / Mosquitto. Load comes from
Benchmarks/MQTT/mqtt_load.c (compiled with cc on first use; see why C in its header comment); the idle
connections are raw sockets opened from this script. Everything stays on 127.0.0.1 and every run
is bounded in time and count.

    python3 Benchmarks/MQTT/mqtt_bench.py [--nimbus-bin .build/release/nimbus] [--only mosquitto|nimbus]
                                [--seconds 5] [--idle 10000] [--install]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "IntegrationTests"))

from harness import NimbusServer, free_port  # noqa: E402

LOAD_SOURCE = Path(__file__).resolve().parent / "mqtt_load.c"
MOSQUITTO = os.environ.get("MOSQUITTO_BIN", "/usr/sbin/mosquitto")
MAX_SECONDS = 60
MAX_IDLE = 18000
MAX_SUBSCRIBERS = 500


# ---------------------------------------------------------------------------------------------
# Tools


def ensure_tools(install: bool) -> None:
    """cc for the load generator, mosquitto for the reference broker: apt-get installs them with
    --install (as root), otherwise explains what is missing and exits."""
    missing = []
    if not shutil.which("cc"):
        missing.append("gcc")
    if not Path(MOSQUITTO).exists():
        missing.append("mosquitto")
    if not missing:
        return
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    if install and os.geteuid() == 0:
        print(f"==> {' '.join(command)}")
        subprocess.run(["apt-get", "update", "-q"], check=True)
        subprocess.run(command, check=True)
        return
    sys.exit(f"missing: {', '.join(missing)}. Install with `{' '.join(command)}` or rerun with --install (as root).")


def build_load_generator() -> Path:
    """Compiles mqtt_load.c once per source version into a temp dir; returns the binary."""
    digest = hashlib.sha256(LOAD_SOURCE.read_bytes()).hexdigest()[:16]
    out_dir = Path(tempfile.gettempdir()) / f"nimbus-bench-{os.getuid()}"
    binary = out_dir / f"mqtt_load-{digest}"
    if not binary.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = binary.with_suffix(".tmp")
        subprocess.run(["cc", "-O2", "-Wall", "-o", str(tmp), str(LOAD_SOURCE)], check=True)
        tmp.rename(binary)
    return binary


def raise_fd_limit(needed: int) -> int:
    """Raises RLIMIT_NOFILE to the hard limit (the brokers started from here inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, needed + 1000)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


# ---------------------------------------------------------------------------------------------
# Brokers


@dataclass
class Broker:
    name: str
    port: int
    pid: int
    stop: Callable[[], None]
    extra: dict[str, Any] = field(default_factory=dict)


def start_mosquitto(workdir: Path) -> Broker:
    port = free_port()
    config = workdir / "mosquitto.conf"
    lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", "persistence false",
             # The default of 1000 would drop QoS 1 messages to an online subscriber in the fan-out
             # runs before the generator's end-to-end window catches up; Nimbus keeps 100 in flight.
             "max_queued_messages 10000", "log_dest stderr", "log_type error", "log_type warning"]
    if os.geteuid() == 0:
        lines.insert(0, "user root")
    config.write_text("\n".join(lines) + "\n")
    log = open(workdir / "mosquitto.log", "wb")
    proc = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not port_open(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"mosquitto did not start: {(workdir / 'mosquitto.log').read_text()}")
        time.sleep(0.05)

    def stop() -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        log.close()

    version = subprocess.run([MOSQUITTO, "-h"], capture_output=True, text=True).stdout.splitlines()[0]
    return Broker("mosquitto", port, proc.pid, stop, {"version": version})


def start_nimbus(binary: Path, workdir: Path) -> Broker:
    server = NimbusServer(binary, workdir / "nimbus-data", log_level="warning")
    server.data_dir.mkdir(parents=True)
    # `nimbus project create ... --data-dir D` prints {"id": ...}: the anonymous MQTT project.
    project = server.cli("project", "create", "--name", "mqtt-bench", "--accounts", "email",
                         "--provisioning", "claim")
    server.extra_args += ["--mqtt-anonymous-project", str(project["id"]),
                          # the default 1000 new connections/s would make the idle test a rate-limit test,
                          # and so would the bound on connections not yet authenticated (the harness already
                          # lifts the per-address limits: every client here is 127.0.0.1)
                          "--mqtt-connection-rate", "1000000", "--mqtt-max-unauthenticated", "1000000"]
    server.start()
    deadline = time.monotonic() + 10
    while not port_open(server.mqtt_port):
        if time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"nimbus MQTT port not open\n{server.log_tail()}")
        time.sleep(0.05)
    assert server.process is not None
    return Broker("nimbus", server.mqtt_port, server.process.pid, server.stop,
                  {"server": server, "project": project["id"]})


def nimbus_supports_mqtt(binary: Path) -> bool:
    result = subprocess.run([str(binary), "serve", "--help"], capture_output=True, text=True, timeout=30)
    return "--mqtt-anonymous-project" in result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------
# Measurements


def run_load(load_bin: Path, port: int, *args: Any, timeout: float = MAX_SECONDS + 90) -> dict[str, Any]:
    argv = [str(load_bin), "--port", str(port), *map(str, args)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    try:
        report = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"mqtt_load printed no JSON: {result.stdout} {result.stderr}") from None
    if "error" in report:
        raise RuntimeError(f"mqtt_load {' '.join(map(str, args))}: {report['error']}")
    return report


def connect_packet(client_id: str) -> bytes:
    """MQTT 3.1.1 CONNECT, clean session, keep-alive 0, no credentials."""
    body = b"\x00\x04MQTT\x04\x02\x00\x00" + len(client_id).to_bytes(2, "big") + client_id.encode()
    return bytes([0x10, len(body)]) + body


def idle_connection_memory(broker: Broker, count: int) -> dict[str, float]:
    """Opens `count` connections (CONNECT, CONNACK, then silence), waits for the broker's RSS to
    settle, and returns RSS growth per connection; closes them again."""
    def settled_rss() -> int:
        last, stable_since = rss_bytes(broker.pid), time.monotonic()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.25)
            now = rss_bytes(broker.pid)
            if abs(now - last) > 64 * 1024:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= 1.0:
                break
        return last

    before = settled_rss()
    socks: list[socket.socket] = []
    sel = selectors.DefaultSelector()
    pending: dict[socket.socket, bytes] = {}
    started = time.monotonic()
    try:
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", broker.port), timeout=10)
            s.sendall(connect_packet(f"idle-{os.getpid()}-{i}"))
            s.setblocking(False)
            socks.append(s)
            pending[s] = b""
            sel.register(s, selectors.EVENT_READ)
            if len(pending) > 500 or i == count - 1:  # collect CONNACKs as we go
                deadline = time.monotonic() + 20
                while pending and (len(pending) > 250 or i == count - 1):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{len(pending)} CONNACKs missing after 20 s")
                    for key, _ in sel.select(timeout=1):
                        sock = key.fileobj
                        data = sock.recv(16)
                        if not data:
                            raise RuntimeError(f"{broker.name} closed an idle connection")
                        pending[sock] += data
                        if len(pending[sock]) >= 4:
                            if pending[sock][:4] != b"\x20\x02\x00\x00":
                                raise RuntimeError(f"CONNACK refused: {pending[sock]!r}")
                            sel.unregister(sock)
                            del pending[sock]
        opened = time.monotonic() - started
        after = settled_rss()
        return {"connections": count, "rss_before_mib": before / 2**20, "rss_after_mib": after / 2**20,
                "bytes_per_connection": (after - before) / count, "connect_rate": count / opened}
    finally:
        for s in socks:
            s.close()
        sel.close()


@contextmanager
def bench_project(broker: Broker) -> Iterator[tuple[NimbusServer, Any]]:
    """A new project with email accounts on the benchmarked Nimbus, with a mailbox and an SMS gateway for its
    sign-ups while it is set up (the running server does not need them)."""
    from harness import Mailbox, SmsGateway
    from world import Project
    server: NimbusServer = broker.extra["server"]
    mailbox, sms = Mailbox().start(), SmsGateway().start()
    try:
        server.mailbox, server.sms = mailbox, sms
        yield server, Project(server, "email", mailbox=mailbox, sms=sms)
    finally:
        mailbox.stop()
        sms.stop()


def durable_ingest(name: str, broker: Broker, load_bin: Path, auth: Path, lines: list[str], payload_flag: str,
                   seconds: float) -> dict[str, Any] | None:
    """Runs the generator with one publisher per line of `auth` (QoS 1, 100 in flight); None when it fails."""
    auth.write_text("\n".join(lines) + "\n")
    try:
        return run_load(load_bin, broker.port, "--auth-file", auth, "--subscribers", 0, "--qos", 1,
                        payload_flag, "--inflight", 100, "--seconds", seconds, "--warmup", 1)
    except RuntimeError as e:
        print(f"   {name} over MQTT not measured: {e}")
        return None


def mode_ingest(broker: Broker, load_bin: Path, devices: int, seconds: float, workdir: Path) -> dict[str, Any] | None:
    """MODE durable event ingest over MQTT: `devices` claimed devices (user name = device id,
    password = device API key) publish QoS 1 JSON events to /devices/{id}/event as fast as
    PUBACKs come back; the figure is acknowledged events/s. Returns None when unsupported."""
    if broker.name != "nimbus":
        return None
    with bench_project(broker) as (_, project):
        owner = project.new_user()
        home = project.new_home(owner)
        lines = []
        for _ in range(devices):
            device = project.device_in_home(owner, home)
            lines.append(f"{device.id}\t{device.api_key}\t/devices/{device.id}/event")
        # MQTT 3.1.1 PUBACKs carry no verdict, so first check over MQTT 5 that an event shaped like
        # the generator's is accepted (0x00/0x10) rather than dropped (0x99 payload format invalid).
        first_id, first_key, first_topic = lines[0].split("\t")
        verdict = mqtt5_publish_verdict(broker.port, first_id, first_key, first_topic,
                                        '{"eventType":"bench","eventData":{"t":"0000000000000000"}}')
        if verdict not in (0x00, 0x10):
            print(f"   MODE ingest over MQTT not measured: a device event got PUBACK reason {verdict}")
            return None
        return durable_ingest("MODE ingest", broker, load_bin, workdir / "devices.tsv", lines, "--json-payload", seconds)


def cayenne_ingest(broker: Broker, load_bin: Path, things: int, seconds: float, workdir: Path) -> dict[str, Any] | None:
    """Cayenne durable readings over MQTT: one account's `things` things (user name and password = the account's
    MQTT credentials, client id = the thing's id) publish QoS 1 `temp,c=…` readings to
    v1/{user}/things/{id}/data/1 as fast as PUBACKs come back; the figure is acknowledged readings/s."""
    if broker.name != "nimbus":
        return None
    import requests
    from world import PASSWORD, unique, unique_email
    with bench_project(broker) as (server, project):
        app_id = unique("bench-app")
        server.cli("app", "create", "--project", project.id, "--id", app_id, "--name", "Bench", "--allow-signup")
        base = server.base_url + "/cayenne"
        signed_up = requests.post(base + "/users", json={"email": unique_email(), "password": PASSWORD, "first_name": "B",
                                                         "last_name": "B", "application_id": app_id}, timeout=30).json()
        bearer = {"Authorization": "Bearer " + signed_up["access_token"]}
        credentials = requests.post(base + "/v1.1/clients", json={}, headers=bearer, timeout=30).json()
        lines = []
        for index in range(things):
            thing = requests.post(base + "/v1.1/things", json={"name": f"bench {index}"}, headers=bearer, timeout=30).json()
            topic = f"v1/{credentials['id']}/things/{thing['id']}/data/1"
            lines.append(f"{credentials['id']}\t{credentials['clear_secret']}\t{topic}\t{thing['id']}")
        return durable_ingest("Cayenne ingest", broker, load_bin, workdir / "things.tsv", lines, "--cayenne-payload", seconds)


def mqtt5_publish_verdict(port: int, username: str, password: str, topic: str, payload: str) -> int | str:
    """The PUBACK reason code of one MQTT 5 QoS 1 publish (or a description of what went wrong)."""
    import threading
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion
    connected, acked, result = threading.Event(), threading.Event(), {}
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5, reconnect_on_failure=False)
    client.username_pw_set(username, password)
    client.on_connect = lambda c, u, f, rc, p: (result.update(connack=rc.value), connected.set())
    client.on_publish = lambda c, u, mid, rc, p: (result.update(puback=rc.value), acked.set())
    client.connect("127.0.0.1", port, 30)
    client.loop_start()
    try:
        if not connected.wait(10) or result["connack"] != 0:
            return f"CONNACK {result.get('connack')}"
        client.publish(topic, payload, qos=1)
        if not acked.wait(10):
            return "no PUBACK within 10 s"
        return result["puback"]
    finally:
        client.disconnect()
        client.loop_stop()


def measure(broker: Broker, load_bin: Path, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    common = ["--seconds", args.seconds, "--warmup", args.warmup, "--payload", args.payload]
    for qos in (0, 1):
        print(f"   fan-in QoS {qos}: {args.publishers} publishers -> 1 subscriber")
        results[f"fanin_q{qos}"] = run_load(load_bin, broker.port, *common, "--publishers", args.publishers,
                                            "--subscribers", 1, "--qos", qos, "--window", args.window,
                                            "--topic", f"bench/fanin/{qos}")
    for qos in (0, 1):
        print(f"   fan-out QoS {qos}: 1 publisher -> {args.fanout_subscribers} subscribers")
        results[f"fanout_q{qos}"] = run_load(load_bin, broker.port, *common, "--publishers", 1,
                                             "--subscribers", args.fanout_subscribers, "--qos", qos,
                                             "--window", args.fanout_window,
                                             "--topic", f"bench/fanout/{qos}")
    for qos in (0, 1):
        print(f"   latency QoS {qos}: ping-pong, {args.latency_samples} samples")
        results[f"latency_q{qos}"] = run_load(load_bin, broker.port, "--seconds", MAX_SECONDS, "--warmup", 0.2,
                                              "--payload", args.payload, "--publishers", 1, "--subscribers", 1,
                                              "--qos", qos, "--window", 1, "--samples", args.latency_samples,
                                              "--topic", f"bench/latency/{qos}")
    if args.idle:
        print(f"   {args.idle} idle connections")
        results["idle"] = idle_connection_memory(broker, args.idle)
    if args.ingest_devices:
        results["ingest"] = mode_ingest(broker, load_bin, args.ingest_devices, args.seconds, workdir)
        results["cayenne_ingest"] = cayenne_ingest(broker, load_bin, args.ingest_devices, args.seconds, workdir)
    return results


# ---------------------------------------------------------------------------------------------
# Report


FIGURES: list[tuple[str, Callable[[dict[str, Any]], float | None], str, bool]] = [
    # (label, value from one broker's results, unit, higher is better)
    ("fan-in QoS 0 delivered", lambda r: r["fanin_q0"]["delivered_per_s"], "msg/s", True),
    ("fan-in QoS 1 delivered", lambda r: r["fanin_q1"]["delivered_per_s"], "msg/s", True),
    ("fan-in QoS 1 PUBACKs", lambda r: r["fanin_q1"]["acked_per_s"], "msg/s", True),
    ("fan-out QoS 0 deliveries", lambda r: r["fanout_q0"]["delivered_per_s"], "msg/s", True),
    ("fan-out QoS 1 deliveries", lambda r: r["fanout_q1"]["delivered_per_s"], "msg/s", True),
    ("latency QoS 0 p50", lambda r: r["latency_q0"]["latency_p50_us"], "µs", False),
    ("latency QoS 0 p99", lambda r: r["latency_q0"]["latency_p99_us"], "µs", False),
    ("latency QoS 1 p50", lambda r: r["latency_q1"]["latency_p50_us"], "µs", False),
    ("latency QoS 1 p99", lambda r: r["latency_q1"]["latency_p99_us"], "µs", False),
    ("loaded latency fan-in QoS 1 p50", lambda r: r["fanin_q1"]["latency_p50_us"], "µs", False),
    ("loaded latency fan-in QoS 1 p99", lambda r: r["fanin_q1"]["latency_p99_us"], "µs", False),
    ("RSS per idle connection", lambda r: r["idle"]["bytes_per_connection"] if r.get("idle") else None, "bytes", False),
    ("idle connections opened", lambda r: r["idle"]["connect_rate"] if r.get("idle") else None, "conn/s", True),
    ("MODE ingest over MQTT (QoS 1)", lambda r: r["ingest"]["acked_per_s"] if r.get("ingest") else None,
     "events/s", True),
    ("Cayenne readings over MQTT (QoS 1)", lambda r: r["cayenne_ingest"]["acked_per_s"] if r.get("cayenne_ingest") else None,
     "readings/s", True),
]


def value_of(getter: Callable[[dict[str, Any]], Any], results: dict[str, Any] | None) -> float | None:
    if not results:
        return None
    try:
        return getter(results)
    except (KeyError, TypeError):
        return None


def print_report(all_results: dict[str, dict[str, Any] | None]) -> None:
    mosq, nimbus = all_results.get("mosquitto"), all_results.get("nimbus")
    rows = [("figure", "unit", "mosquitto", "nimbus", "nimbus/mosquitto")]
    for label, getter, unit, higher_better in FIGURES:
        m, n = value_of(getter, mosq), value_of(getter, nimbus)
        ratio = f"{n / m:.2f}" if m and n is not None else "-"
        fmt = lambda v: "-" if v is None else (f"{v:,.0f}" if abs(v) >= 10 else f"{v:.2f}")  # noqa: E731
        rows.append((label, unit, fmt(m), fmt(n), ratio + ("" if ratio == "-" else (" (higher is better)"
                                                                                   if higher_better else
                                                                                   " (lower is better)"))))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    print()
    for i, row in enumerate(rows):
        print("  ".join(cell.rjust(widths[j]) if j in (2, 3) else cell.ljust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def parse_args() -> argparse.Namespace:
    release, debug = REPO / ".build" / "release" / "nimbus", REPO / ".build" / "debug" / "nimbus"
    default_bin = Path(os.environ.get("NIMBUS_BIN", release if release.exists() else debug))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nimbus-bin", type=Path, default=default_bin)
    parser.add_argument("--only", choices=["mosquitto", "nimbus"], help="measure one broker only")
    parser.add_argument("--seconds", type=float, default=5, help="measured seconds per throughput run")
    parser.add_argument("--warmup", type=float, default=1, help="unmeasured seconds before each run")
    parser.add_argument("--publishers", type=int, default=4, help="fan-in publishers")
    parser.add_argument("--fanout-subscribers", type=int, default=20)
    parser.add_argument("--payload", type=int, default=64, help="payload bytes (at least 8: a timestamp)")
    parser.add_argument("--window", type=int, default=2000,
                        help="fan-in: messages published but not yet delivered, at most")
    parser.add_argument("--fanout-window", type=int, default=50,
                        help="fan-out: messages published but not yet delivered to every subscriber, at most")
    parser.add_argument("--latency-samples", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=10000, help="idle connections for the memory figure (0: skip)")
    parser.add_argument("--ingest-devices", type=int, default=8, help="devices for the MODE ingest figure (0: skip)")
    parser.add_argument("--json", type=Path, help="also write all results to this file")
    parser.add_argument("--install", action="store_true", help="apt-get install missing gcc/mosquitto (root)")
    args = parser.parse_args()
    args.seconds = max(0.5, min(args.seconds, MAX_SECONDS))
    args.warmup = max(0.0, min(args.warmup, 10.0))
    args.publishers = max(1, min(args.publishers, 256))
    args.window = max(1, min(args.window, 100_000))
    args.fanout_window = max(1, min(args.fanout_window, 100_000))
    args.fanout_subscribers = max(1, min(args.fanout_subscribers, MAX_SUBSCRIBERS))
    args.payload = max(8, min(args.payload, 64 * 1024))
    args.latency_samples = max(10, min(args.latency_samples, 100_000))
    args.idle = max(0, min(args.idle, MAX_IDLE))
    args.ingest_devices = max(0, min(args.ingest_devices, 64))
    return args


def main() -> int:
    args = parse_args()
    ensure_tools(args.install)
    load_bin = build_load_generator()
    limit = raise_fd_limit(args.idle + 1000)
    if args.idle + 200 > limit:
        print(f"RLIMIT_NOFILE is {limit}: lowering --idle to {limit - 200}")
        args.idle = max(0, limit - 200)
    brokers = ["mosquitto", "nimbus"] if not args.only else [args.only]
    if "nimbus" in brokers:
        if not args.nimbus_bin.is_file():
            print(f"nimbus binary not found at {args.nimbus_bin}: measuring Mosquitto only")
            brokers.remove("nimbus")
        elif not nimbus_supports_mqtt(args.nimbus_bin):
            print(f"{args.nimbus_bin} has no MQTT listener yet (no --mqtt-anonymous-project): measuring Mosquitto only")
            brokers.remove("nimbus")
        elif "/debug/" in str(args.nimbus_bin):
            print(f"note: {args.nimbus_bin} is a debug build; `swift build -c release` for representative numbers")
    results: dict[str, dict[str, Any] | None] = {}
    with tempfile.TemporaryDirectory(prefix="nimbus-mqtt-bench-") as tmp:
        for name in brokers:
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"==> {name}")
            broker = start_mosquitto(workdir) if name == "mosquitto" else start_nimbus(args.nimbus_bin, workdir)
            if broker.extra.get("version"):
                print(f"   {broker.extra['version']}")
            try:
                results[name] = measure(broker, load_bin, args, workdir)
            finally:
                broker.stop()
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
