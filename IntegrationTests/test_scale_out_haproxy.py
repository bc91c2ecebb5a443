"""Three nodes on one PostgreSQL behind HAProxy, configured from docs/scale-out/haproxy.cfg (its listen addresses,
servers and check timings put on loopback and made quicker): MODE's REST API and WebSocket and MQTT through the
balancer, and a node draining out of it while clients keep being served. Skipped unless NIMBUS_TEST_POSTGRES_URL is
set and haproxy is installed (CI installs it)."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from harness import ModeClient, NimbusServer, WsClient, expect, free_port, wait_until
from mqtt import V5, NimbusBroker, unique_topic
from postgres import ADMIN_URL, postgres_url  # noqa: F401 - a fixture
from world import Project, User

pytestmark = [pytest.mark.skipif(not ADMIN_URL, reason="NIMBUS_TEST_POSTGRES_URL is not set"),
              pytest.mark.skipif(not shutil.which("haproxy"), reason="haproxy is not installed")]

DOCUMENTED_CONFIG = Path(__file__).resolve().parent.parent / "docs" / "scale-out" / "haproxy.cfg"


class Balancer:
    """HAProxy in the foreground, with the documented configuration pointed at `nodes`."""

    def __init__(self, nodes: list[NimbusServer], directory: Path) -> None:
        self.http_port, self.mqtt_port = free_port(), free_port()
        config = DOCUMENTED_CONFIG.read_text()
        config = config.replace("maxconn 200000", "maxconn 4000")  # within a test process's file limit
        config = config.replace("bind :80", f"bind 127.0.0.1:{self.http_port}")
        config = config.replace("bind :1883", f"bind 127.0.0.1:{self.mqtt_port}")
        config = config.replace("inter 1s fall 2 rise 2", "inter 200ms fall 1 rise 1")
        config = config.replace(" check port 8080", " check")
        http_servers = "\n".join(f"    server node{i} 127.0.0.1:{node.http_port}" for i, node in enumerate(nodes, 1))
        mqtt_servers = "\n".join(f"    server node{i} 127.0.0.1:{node.mqtt_port} port {node.http_port}"
                                 for i, node in enumerate(nodes, 1))
        config = re.sub(r"(    server node\d 10\.0\.0\.\d+:8080\n)+", http_servers + "\n", config)
        config = re.sub(r"(    server node\d 10\.0\.0\.\d+:1883\n?)+", mqtt_servers + "\n", config)
        assert "10.0.0." not in config, "every documented server replaced"
        self.path = directory / "haproxy.cfg"
        self.path.write_text(config)
        self.log = open(directory / "haproxy.log", "wb")
        self.process = subprocess.Popen(["haproxy", "-db", "-f", str(self.path)], stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        wait_until(lambda: self._ready(), timeout=10, what="HAProxy forwarding to a ready node")

    def _ready(self) -> bool:
        assert self.process.poll() is None, (self.path.parent / "haproxy.log").read_text()
        try:
            return requests.get(self.base_url + "/ready", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def client(self, token: str | None = None) -> ModeClient:
        return ModeClient(self.base_url, token)

    def ws(self, path: str, token: str) -> WsClient:
        return WsClient.connect(f"ws://127.0.0.1:{self.http_port}/mode{path}", token, "query")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(5)
        self.log.close()


@pytest.fixture
def cluster(postgres_url, nimbus_bin, mailbox, sms, tmp_path):
    behind_balancer = ["--node-heartbeat-interval", "1", "--drain-delay", "2",
                       "--http-max-connections-per-address", "100000", "--mqtt-connection-rate-per-address", "100000",
                       "--mqtt-max-unauthenticated-per-address", "100000"]
    nodes = [NimbusServer(nimbus_bin, tmp_path / f"node-{index}", database=postgres_url, mailbox=mailbox, sms=sms,
                          extra_args=behind_balancer) for index in range(3)]
    balancer = None
    try:
        for node in nodes:
            node.start()
        balancer = Balancer(nodes, tmp_path)
        yield nodes, balancer
    finally:
        if balancer:
            balancer.stop()
        for node in nodes:
            if node.process and node.process.poll() is None:
                node.stop()


def test_clients_through_haproxy_reach_each_other_whichever_node_serves_them(cluster):
    nodes, balancer = cluster
    project = Project(nodes[0], "email")
    owner = project.new_user()
    owner = User(owner.id, owner.token, balancer.client(owner.token), owner.name, owner.email)
    home = expect(owner.client.post("/homes", json={"name": "Balanced"}), 201)["id"]
    device = project.device_in_home(owner, home)
    device_client = balancer.client(device.api_key)

    # Many connections, spread over the nodes by the balancer: every one of them hears the device.
    sockets = [balancer.ws("/userSession/websocket", owner.token) for _ in range(6)]
    time.sleep(0.3)
    for n in range(3):
        expect(device_client.put(f"/devices/{device.id}/event", json={"eventType": "balanced", "eventData": {"n": n}}), 204)
    for ws in sockets:
        assert [ws.recv_json()["eventData"]["n"] for _ in range(3)] == [0, 1, 2]
        ws.close()

    tenant = NimbusBroker(nodes[0], Project(nodes[0]))
    through = tenant.on(nodes[0], port=balancer.mqtt_port)
    topic = unique_topic()
    subscribers = [through.connect(V5) for _ in range(3)]
    for subscriber in subscribers:
        subscriber.subscribe(topic, qos=1)
    through.connect(V5).publish(topic, "to all", qos=1)
    for subscriber in subscribers:
        subscriber.expect(topic, "to all", timeout=5)


def test_a_node_drains_out_of_haproxy_without_a_failed_request(cluster):
    nodes, balancer = cluster
    project = Project(nodes[0], "email")
    user = project.new_user()
    leaving = nodes[1]

    def request() -> int:
        # A connection of its own each time, so that the balancer picks a node for each request.
        try:
            return requests.get(balancer.base_url + "/mode/userSession", headers={"Authorization": f"ModeCloud {user.token}"},
                                timeout=5).status_code
        except requests.RequestException:
            return -1

    assert [request() for _ in range(9)] == [200] * 9
    leaving.process.send_signal(signal.SIGTERM)
    failures = []
    deadline = time.monotonic() + 6  # the drain (2 s), the shutdown, and after
    while time.monotonic() < deadline:
        status = request()
        if status != 200:
            failures.append(status)
        time.sleep(0.02)
    assert leaving.process.wait(10) == 0
    assert failures == [], "the balancer moved every request off the draining node before it stopped"
