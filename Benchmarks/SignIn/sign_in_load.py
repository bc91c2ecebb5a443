#!/usr/bin/env python3
"""How the server answers other requests while people sign in (run by hand, never in CI).

Starts the built `nimbus serve` with a temporary data dir, makes `--signers` users in an email project, and has
each sign in with the right password in a loop (`POST /mode/auth/user`: one bcrypt check each) while one client
sends `GET /health` every 5 ms. Prints sign-ins per second and the latency of `/health`: what a burst of sign-ins
costs everyone else.

    python3 Benchmarks/SignIn/sign_in_load.py --nimbus-bin .build/release/nimbus --signers 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "EventIngest"))
import event_ingest  # noqa: E402
from harness import Mailbox, SmsGateway  # noqa: E402
from world import Project  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nimbus-bin", type=Path, default=Path(os.environ.get("NIMBUS_BIN", ".build/release/nimbus")))
    parser.add_argument("--signers", type=int, default=4, help="clients signing in at once")
    parser.add_argument("--seconds", type=float, default=6, help="how long /health is probed")
    args = parser.parse_args()

    mailbox, sms = Mailbox().start(), SmsGateway().start()
    server = event_ingest.start_nimbus(args.nimbus_bin, Path(tempfile.mkdtemp(prefix="nimbus-sign-in-")), mailbox, sms)
    try:
        project = Project(server, "email")
        users = [project.new_user() for _ in range(args.signers)]
        stop, sign_ins, failures = threading.Event(), [0], []

        def sign_in_loop(user) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", server.http_port)
            body = json.dumps({"appId": project.app_id, "email": user.email, "password": user.password})
            while not stop.is_set():
                connection.request("POST", "/mode/auth/user", body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(response.status)
                    return
                sign_ins[0] += 1

        probe = http.client.HTTPConnection("127.0.0.1", server.http_port)

        def health_latencies(seconds: float) -> list[float]:
            latencies: list[float] = []
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                started = time.perf_counter()
                probe.request("GET", "/health")
                probe.getresponse().read()
                latencies.append((time.perf_counter() - started) * 1000)
                time.sleep(0.005)
            return sorted(latencies)

        quiet = health_latencies(2)  # the baseline: the same probe with nobody signing in
        threads = [threading.Thread(target=sign_in_loop, args=(user,)) for user in users]
        for thread in threads:
            thread.start()
        time.sleep(1)
        first = sign_ins[0]
        latencies = health_latencies(args.seconds)
        done = sign_ins[0] - first
        stop.set()
        for thread in threads:
            thread.join()
        if failures:
            print(f"sign-ins failed with {failures}", file=sys.stderr)
            return 1
        print(f"{args.signers} clients signing in: {done / args.seconds:.0f} sign-ins/s")
        for label, figures in (("nobody signing in", quiet), ("meanwhile", latencies)):
            print(f"GET /health, {label}: p50 {statistics.median(figures):.2f} ms, "
                  f"p99 {figures[int(len(figures) * 0.99)]:.2f} ms, max {figures[-1]:.1f} ms ({len(figures)} requests)")
        print(f"p50 meanwhile / nobody: {statistics.median(latencies) / statistics.median(quiet):.1f}")
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
