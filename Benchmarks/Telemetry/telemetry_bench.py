#!/usr/bin/env python3
"""Telemetry at ten million readings (issue 14): history and status queries, the CSV export, on SQLite and PostgreSQL.

One Cayenne account with 1,000 things of 10 channels each is made through the API (its things, their channel sensors
and latest values, as a client would). Then a year of readings is loaded straight into the store, the way a restore
or an import would: 10,000,000 by default, at varying rates (the first thing reports every ~30 s per channel: its
1,000,000 readings are the export's; the second sends one reading every 10 s on every channel for its last day; the
other channels between a few dozen and a few thousand a year), with the rollups and latest values computed by the
same SQL as migrations 12 and 13. The server is then restarted on that store and measured over HTTP from one client
on a kept-alive connection (latency, not throughput): each query `--repeat` times, p50 and p95 in milliseconds,
against the issue's goal of p95 ≤ 20 ms (the client's time to read the answer included):

- a channel's last 7 days at ≤ 2,000 points (`summaries?type=custom`), on the densest channels;
- a channel's busiest day raw (`summaries?raw=true`, 8,640 readings);
- a channel's year in day buckets (`summaries?type=1year`);
- the status screen of 100 things (`devices/state?devices=…`);

and the CSV export of the first thing's year (1,000,000 rows: rows/s, goal ≥ 500,000, and the server's resident
memory before and at its peak, which must stay flat). `--ingest-bench` also runs `reading-ingest-bench` (durable
ingest with rollups against without, in one run; goal ≥ 80 %).

    swift build -c release --product nimbus --scratch-path .build-release
    swift build -c release --product reading-ingest-bench --scratch-path .build-release
    python3 Benchmarks/Telemetry/telemetry_bench.py --nimbus-bin .build-release/release/nimbus \\
        --postgres-url postgres://postgres@127.0.0.1:55432/postgres --ingest-bench .build-release/release/reading-ingest-bench
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "IntegrationTests"))

from harness import Mailbox, NimbusServer, SmsGateway  # noqa: E402

YEAR = 365 * 86_400
DAY = 86_400
THINGS, CHANNELS = 1_000, 10
GOAL_MS = 20.0
# The bucket expressions of migration 13 (`RollupBuckets` in Migrations.swift), per backend.
BUCKET = {
    "sqlite": "(CAST(timestamp / {s} AS INTEGER) * {s})",
    "postgres": "to_timestamp(FLOOR(EXTRACT(EPOCH FROM timestamp) / {s}) * {s})",
}
SIZES = {"minute": 60, "hour": 3_600, "day": 86_400}


@dataclass
class Channel:
    thing: str          # the thing's UUID
    thing_row: int      # devices.id of the thing
    sensor: str         # the channel sensor's UUID
    sensor_row: int     # devices.id of the sensor
    channel: str
    count: int          # readings over the year (besides the burst)
    burst: bool = False  # one reading every 10 s on its last day


@dataclass
class Fleet:
    server: NimbusServer
    token: str
    project_id: int
    home_id: int
    channels: list[Channel]


# ------------------------------------------------------------------------------------------------------------------
# The fleet, made through the API


def make_fleet(server: NimbusServer, things_count: int = THINGS) -> Fleet:
    from world import PASSWORD, Project, unique, unique_email
    mailbox, sms = Mailbox().start(), SmsGateway().start()
    server.mailbox, server.sms = mailbox, sms
    try:
        project = Project(server, "email", mailbox=mailbox, sms=sms)
        app_id = unique("bench-app")
        server.cli("app", "create", "--project", project.id, "--id", app_id, "--name", "Bench", "--allow-signup")
    finally:
        mailbox.stop()
        sms.stop()
    base = server.base_url + "/cayenne"
    session = requests.Session()
    signed_up = session.post(base + "/users", json={"email": unique_email(), "password": PASSWORD, "first_name": "B",
                                                    "last_name": "B", "application_id": app_id}, timeout=30).json()
    token = signed_up["access_token"]
    bearer = {"Authorization": "Bearer " + token}
    credentials = session.post(base + "/v1.1/clients", json={}, headers=bearer, timeout=30).json()
    basic = "Basic " + base64.b64encode(f"{credentials['id']}:{credentials['clear_secret']}".encode()).decode()
    things = []
    for index in range(things_count):
        thing = session.post(base + "/v1.1/things", json={"name": f"bench {index}"}, headers=bearer, timeout=30).json()
        readings = [{"channel": c, "value": 0, "type": "temp", "unit": "c"} for c in range(CHANNELS)]
        answer = session.post(f"{base}/things/{thing['id']}/data", json=readings, headers={"Authorization": basic}, timeout=30)
        assert answer.status_code == 200, answer.text
        things.append(thing["id"])
        if index % 200 == 199:
            print(f"   {index + 1} things made", flush=True)
    return Fleet(server, token, project.id, 0, [])


def fleet_channels(fleet: Fleet, rows: list[tuple[int, str, int, str, str]], total: int, rng: random.Random) -> None:
    """Assigns each channel sensor its count of readings: 1/10 of `total` to the first thing, the rest spread unevenly
    (log-uniform weights) over the others; the second thing's channels get a burst day besides."""
    by_thing: dict[int, list[tuple[int, str, int, str, str]]] = {}
    for row in rows:
        by_thing.setdefault(row[0], []).append(row)
    thing_rows = sorted(by_thing)
    dense = total // 10
    weights = {t: [10 ** rng.uniform(0, 2) for _ in by_thing[t]] for t in thing_rows[1:]}
    scale = (total - dense - CHANNELS * 8_640) / sum(sum(w) for w in weights.values())
    for index, thing_row in enumerate(thing_rows):
        for position, (parent, parent_uuid, sensor_row, sensor_uuid, channel) in enumerate(sorted(by_thing[thing_row], key=lambda r: int(r[4]))):
            count = dense // CHANNELS if index == 0 else max(1, int(weights[thing_row][position] * scale))
            fleet.channels.append(Channel(parent_uuid, parent, sensor_uuid, sensor_row, channel, count, burst=index == 1))


# ------------------------------------------------------------------------------------------------------------------
# Loading a year of readings straight into the store


def generate(channels: list[Channel], now: float, rng: random.Random, weeks: int = 52) -> Iterator[list[tuple[float, Channel, float]]]:
    """The year's readings week by week, each week's in time order (as they would have been stored)."""
    start = now - YEAR
    week = YEAR / weeks
    for w in range(weeks):
        chunk: list[tuple[float, Channel, float]] = []
        lo = start + w * week
        for channel in channels:
            share = channel.count / weeks
            n = int(share) + (1 if rng.random() < share - int(share) else 0)
            for _ in range(n):
                chunk.append((round(lo + rng.random() * week, 3), channel, round(rng.uniform(-20, 40), 2)))
            if channel.burst and w == weeks - 1:
                chunk.extend((round(now - DAY + 10 * i, 3), channel, round(rng.uniform(-20, 40), 2)) for i in range(8_640))
        chunk.sort(key=lambda item: item[0])
        yield chunk


def load_sqlite(path: Path, fleet: Fleet, now: float, rng: random.Random) -> int:
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    project, home = fleet.project_id, fleet.home_id
    total = 0
    for chunk in generate(fleet.channels, now, rng):
        db.executemany(
            "INSERT INTO readings (project_id, home_id, device_id, sensor_id, channel, value, value_json, type, unit, timestamp)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'temp', 'c', ?)",
            ((project, home, c.thing_row, c.sensor_row, c.channel, v, repr(v), t) for t, c, v in chunk))
        db.commit()
        total += len(chunk)
    derive(lambda sql: db.execute(sql), "sqlite")
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return total


def psql(url: str, sql: str, stdin: bytes | None = None) -> str:
    result = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql], input=stdin, capture_output=True, timeout=3_600)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.decode()[-2000:]}")
    return result.stdout.decode()


def load_postgres(url: str, fleet: Fleet, now: float, rng: random.Random) -> int:
    project, home = fleet.project_id, fleet.home_id
    total = 0
    for chunk in generate(fleet.channels, now, rng):
        buffer = io.StringIO()
        for t, c, v in chunk:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + f".{int(round(t * 1000)) % 1000:03d}+00"
            buffer.write(f"{project},{home},{c.thing_row},{c.sensor_row},{c.channel},{v},{v!r},temp,c,{stamp}\n")
        psql(url, "COPY readings (project_id, home_id, device_id, sensor_id, channel, value, value_json, type, unit, timestamp)"
                  " FROM STDIN WITH (FORMAT csv)", buffer.getvalue().encode())
        total += len(chunk)
    psql(url, ";\n".join(statements("postgres")))  # one session: the statements share a temporary table
    psql(url, "VACUUM ANALYZE")
    return total


def statements(backend: str) -> list[str]:
    """Migration 12's latest values and migration 13's rollups, recomputed from the loaded readings."""
    rollups = [f"""
        INSERT INTO reading_rollups (sensor_id, channel, size, bucket_start, value_count, value_min, value_max, value_sum)
        SELECT sensor_id, channel, '{size}', {BUCKET[backend].format(s=seconds)}, COUNT(*), MIN(value), MAX(value), SUM(value)
        FROM readings WHERE value IS NOT NULL GROUP BY sensor_id, channel, {BUCKET[backend].format(s=seconds)}
        """ for size, seconds in SIZES.items()]
    latest = """
        INSERT INTO latest_readings (sensor_id, reading_id, project_id, home_id, device_id, channel, value, value_json, type, unit, timestamp)
        SELECT r.sensor_id, r.id, r.project_id, r.home_id, r.device_id, r.channel, r.value, r.value_json, r.type, r.unit, r.timestamp
        FROM latest_readings l JOIN readings r ON r.id = (
            SELECT r2.id FROM readings r2 WHERE r2.sensor_id = l.sensor_id AND r2.channel = l.channel ORDER BY r2.timestamp DESC, r2.id DESC LIMIT 1)
        """
    return (["DELETE FROM reading_rollups", "CREATE TEMPORARY TABLE old_latest AS SELECT sensor_id, channel FROM latest_readings"]
            + rollups + ["DELETE FROM latest_readings", latest.replace("FROM latest_readings l", "FROM old_latest l"), "DROP TABLE old_latest"])


def derive(execute: Callable[[str], Any], backend: str) -> None:
    for statement in statements(backend):
        execute(statement)


# ------------------------------------------------------------------------------------------------------------------
# Measuring


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(session: requests.Session, url: str, params: dict[str, Any], headers: dict[str, str]) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = session.get(url, params=params, headers=headers, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, f"{url} {params}: {answer.status_code} {answer.text[:300]}"
    return elapsed, answer


def measure(fleet: Fleet, now: float, repeat: int, rng: random.Random, database: str | None) -> dict[str, Any]:
    server = fleet.server
    session = requests.Session()
    bearer = {"Authorization": "Bearer " + fleet.token}
    base = server.base_url + "/cayenne"
    dense = [c for c in fleet.channels if c.count >= 10_000]
    burst = [c for c in fleet.channels if c.burst]
    things = sorted({c.thing for c in fleet.channels})
    ms = lambda seconds: int(seconds * 1000)  # noqa: E731

    def summaries(channel: Channel) -> str:
        return f"{base}/v1.1/telemetry/{channel.thing}/sensors/{channel.sensor}/summaries"

    queries: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
        "7 days at ≤ 2,000 points": lambda: (summaries(rng.choice(dense + burst)),
                                             {"type": "custom", "startDate": ms(now - 7 * DAY), "endDate": ms(now), "points": 2000}),
        "1 day raw (8,640 readings)": lambda: (summaries(rng.choice(burst)),
                                              {"type": "custom", "startDate": ms(now - DAY), "endDate": ms(now), "raw": "true", "points": 10000}),
        "1 year in day buckets": lambda: (summaries(rng.choice(dense + burst)), {"type": "1year", "points": 2000}),
        "status of 100 things": lambda: (f"{base}/devices/state", {"devices": ",".join(rng.sample(things, min(100, len(things))))}),
    }
    # Warm-up: every channel and thing the queries pick from is read once, so that the figures are of a server in
    # use rather than of the first touch of pages a bulk load has just written.
    for channel in dense + burst:
        timed(session, summaries(channel), {"type": "1year", "points": 10000, "raw": "true"}, bearer)
    results: dict[str, Any] = {}
    for name, make in queries.items():
        for _ in range(5):
            timed(session, *make(), bearer)
        samples, sizes = [], []
        for _ in range(repeat):
            elapsed, answer = timed(session, *make(), bearer)
            samples.append(elapsed)
            sizes.append(len(answer.json()))
        p50, p95 = percentiles(samples)
        results[name] = {"p50_ms": p50, "p95_ms": p95, "items": statistics.median(sizes)}
        print(f"   {name:<28} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   ({statistics.median(sizes):.0f} items)", flush=True)
    results["export"] = export(fleet, session, bearer)
    if database:
        results["export"]["database_rows_per_s"] = database_export_rate(database, fleet)
    return results


def database_export_rate(database: str, fleet: Fleet) -> float:
    """PostgreSQL's own rate for the export's rows: the same channels' readings in the same order, written by the
    server itself (`COPY … TO STDOUT`, to psql): the most any client of it could get, measured in the same run."""
    sensors = sorted({(c.sensor_row, c.channel) for c in fleet.channels if c.thing == fleet.channels[0].thing})
    started = time.perf_counter()
    rows = 0
    for sensor, channel in sensors:
        out = psql(database, f"COPY (SELECT * FROM readings WHERE sensor_id = {sensor} AND channel = '{channel}' "
                             "ORDER BY timestamp, id) TO STDOUT")
        rows += out.count("\n")
    rate = rows / (time.perf_counter() - started)
    print(f"   PostgreSQL's own COPY of the same {rows:,} rows: {rate:,.0f} rows/s", flush=True)
    return rate


def anonymous_rss_mib(pid: int) -> float:
    """The process's resident anonymous memory (its heap and stacks): SQLite maps the database file, whose pages
    count in VmRSS as they are read but are the kernel's page cache."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no RssAnon for pid {pid}")


def export(fleet: Fleet, session: requests.Session, bearer: dict[str, str]) -> dict[str, Any]:
    """The first thing's year as CSV, read as it streams; the server's resident memory is sampled meanwhile."""
    server = fleet.server
    thing = fleet.channels[0].thing
    pid = server.process.pid
    rss_before = anonymous_rss_mib(pid)
    peak = [rss_before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], anonymous_rss_mib(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    rows = 0
    with session.get(f"{server.base_url}/cayenne/devices/{thing}/readings/export", headers=bearer, stream=True, timeout=600) as answer:
        assert answer.status_code == 200, answer.text[:300]
        for chunk in answer.iter_content(chunk_size=1 << 16):
            rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    rows -= 1  # the header
    result = {"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed, "rss_before_mib": rss_before, "rss_peak_mib": peak[0]}
    print(f"   CSV export                   {rows:,} rows in {elapsed:.2f} s: {rows / elapsed:,.0f} rows/s; "
          f"server's anonymous RSS {rss_before:.0f} MiB before, {peak[0]:.0f} MiB at most during", flush=True)
    return result


# ------------------------------------------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Makes and loads the fleet (or, with `--keep`, reuses the one a former run left there) and measures it."""
    print(f"\n== {backend}", flush=True)
    rng = random.Random(14)
    database = None
    saved = workdir / f"{backend}-fleet.json"
    if backend == "postgres":
        name = "nimbus_bench_kept" if args.keep else "nimbus_bench_" + uuid.uuid4().hex[:8]
        if not saved.exists():
            psql(args.postgres_url, f"DROP DATABASE IF EXISTS {name}")
            psql(args.postgres_url, f"CREATE DATABASE {name}")
        database = args.postgres_url.rsplit("/", 1)[0] + "/" + name
    data_dir = workdir / f"{backend}-data"
    server = NimbusServer(Path(args.nimbus_bin), data_dir, database=database, log_path=workdir / f"{backend}.log",
                          extra_args=["--log-level", "warning", "--cayenne-max-things", "100000",
                                      # The OAuth issuer, so that a kept fleet's token works on a server on other ports.
                                      "--public-url", "http://nimbus-bench.invalid"])
    try:
        if saved.exists():
            state = json.loads(saved.read_text())
            fleet = Fleet(server, state["token"], state["project_id"], state["home_id"], [Channel(**c) for c in state["channels"]])
            now, total = state["now"], state["readings"]
            print(f"   reusing the {total:,} readings of {saved}", flush=True)
            # The token's issuer is the public URL of the server that made it.
            claims = fleet.token.split(".")[1]
            issuer = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["iss"]
            server.extra_args[server.extra_args.index("--public-url") + 1] = issuer.removesuffix("/cayenne")
        else:
            fleet, now, total = make_and_load(backend, server, database, args, rng)
            if args.keep:
                saved.write_text(json.dumps({"token": fleet.token, "project_id": fleet.project_id, "home_id": fleet.home_id, "now": now,
                                             "readings": total, "channels": [c.__dict__ for c in fleet.channels]}))
        server.start()
        results = measure(fleet, now, args.repeat, rng, database)
        results["readings"] = total
        return results
    finally:
        server.stop()
        if database and not args.keep:
            psql(args.postgres_url, f"DROP DATABASE IF EXISTS {database.rsplit('/', 1)[1]}")


def make_and_load(backend: str, server: NimbusServer, database: str | None, args: argparse.Namespace,
                  rng: random.Random) -> tuple[Fleet, float, int]:
    server.start()
    started = time.perf_counter()
    fleet = make_fleet(server, args.things)
    print(f"   fleet made through the API in {time.perf_counter() - started:.0f} s", flush=True)
    server.stop()
    query = ("SELECT p.id, p.uuid, c.id, c.uuid, c.channel, p.home_id FROM devices c JOIN devices p ON p.id = c.parent_id "
             f"WHERE p.project_id = {fleet.project_id}")
    if backend == "sqlite":
        with sqlite3.connect(server.data_dir / "nimbus.sqlite") as db:
            rows = db.execute(query).fetchall()
    else:
        rows = [tuple(line.split("|")) for line in psql(database, query).splitlines()]
        rows = [(int(a), b, int(c), d, e, int(f)) for a, b, c, d, e, f in rows]
    fleet.home_id = rows[0][5]
    fleet_channels(fleet, [(a, b, c, d, e) for a, b, c, d, e, _ in rows], args.readings, rng)
    now = time.time()
    started = time.perf_counter()
    total = load_sqlite(server.data_dir / "nimbus.sqlite", fleet, now, rng) if backend == "sqlite" else load_postgres(database, fleet, now, rng)
    print(f"   {total:,} readings loaded with their rollups in {time.perf_counter() - started:.0f} s", flush=True)
    return fleet, now, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nimbus-bin", required=True)
    parser.add_argument("--readings", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--things", type=int, default=THINGS, help="things of 10 channels (a smaller fleet for a quick try)")
    parser.add_argument("--postgres-url", help="a PostgreSQL server to make a database on (skipped without)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--keep", help="a directory to keep the loaded fleet in, and to reuse it from on the next run")
    parser.add_argument("--ingest-bench", help="reading-ingest-bench binary: durable ingest with and without rollups")
    args = parser.parse_args()
    backends = [b for b in ("sqlite", "postgres") if (args.only in (None, b)) and (b == "sqlite" or args.postgres_url)]
    results: dict[str, Any] = {}
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        for backend in backends:
            results[backend] = run_backend(backend, args, Path(args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="telemetry-bench-") as workdir:
            for backend in backends:
                results[backend] = run_backend(backend, args, Path(workdir))
    if args.ingest_bench:
        for backend in backends:
            print(f"\n== durable ingest with and without rollups ({backend})", flush=True)
            extra = ["--database", args.postgres_url] if backend == "postgres" else []
            subprocess.run([args.ingest_bench, "--seconds", "5", *extra], check=True)
    print("\n== summary (goal: p95 ≤ 20 ms; export ≥ 500,000 rows/s with flat memory)")
    for backend, result in results.items():
        for name, figures in result.items():
            if isinstance(figures, dict) and "p95_ms" in figures:
                verdict = "meets" if figures["p95_ms"] <= GOAL_MS else "MISSES"
                print(f"   {backend:<9} {name:<28} p95 {figures['p95_ms']:6.2f} ms  {verdict} the goal")
        e = result["export"]
        verdict = "meets" if e["rows_per_s"] >= 500_000 else "MISSES"
        floor = f" (PostgreSQL's own COPY: {e['database_rows_per_s']:,.0f})" if "database_rows_per_s" in e else ""
        print(f"   {backend:<9} CSV export {e['rows_per_s']:>12,.0f} rows/s{floor}  {verdict} the goal; anonymous RSS "
              f"{e['rss_before_mib']:.0f} → {e['rss_peak_mib']:.0f} MiB")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
