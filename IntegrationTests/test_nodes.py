"""Several Nimbus nodes on one PostgreSQL database (issue 18): live messages published on one node reach the
subscribers of every node through the database's LISTEN/NOTIFY (`PostgresBus`). Three `nimbus serve` processes on
loopback share a fresh database; each scenario uses its clients on different nodes. Skipped unless
NIMBUS_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
import requests

from harness import NimbusServer, expect, wait_until
from mqtt import V5, NimbusBroker, unique_client_id, unique_topic
from postgres import ADMIN_URL, postgres_url  # noqa: F401 - a fixture
from world import PASSWORD, Device, Project, User, open_user_ws, unique_email

pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="NIMBUS_TEST_POSTGRES_URL is not set")


@pytest.fixture
def nodes(postgres_url, nimbus_bin, mailbox, sms, tmp_path):
    # Heartbeats every second: a silent node is forgotten after three. One public URL, as behind a balancer.
    servers = [NimbusServer(nimbus_bin, tmp_path / f"node-{index}", database=postgres_url, mailbox=mailbox, sms=sms,
                            extra_args=["--node-heartbeat-interval", "1"])
               for index in range(3)]
    for server in servers:
        server.extra_args += ["--public-url", servers[0].base_url]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            if server.process and server.process.poll() is None:
                server.stop()


def user_on(node: NimbusServer, user: User) -> User:
    """The same user, with a client that talks to `node`."""
    return User(user.id, user.token, node.client(user.token), user.name, user.email)


def device_on(node: NimbusServer, device: Device) -> Device:
    return Device(device.id, device.api_key, node.client(device.api_key))


def sql(url: str, query: str) -> str:
    result = subprocess.run(["psql", url, "-qAtc", query], capture_output=True, text=True, timeout=30,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_an_event_a_command_and_a_large_event_cross_the_nodes(nodes):
    """A MODE device on node 1, its user's WebSocket on node 2, a command from node 3's REST API."""
    node1, node2, node3 = nodes
    project = Project(node1, "email")
    owner = project.new_user()
    home = project.new_home(owner)
    device = project.device_in_home(owner, home)

    with open_user_ws(node2, owner) as events:
        expect(device_on(node1, device).client.put(f"/devices/{device.id}/event",
                                                    json={"eventType": "across", "eventData": {"n": 1}}), 204)
        event = events.recv_json()
        assert event["eventType"] == "across" and event["eventData"] == {"n": 1}, event
        # Larger than a notification's 8,000 bytes: carried through bus_spills.
        large = "x" * 20_000
        expect(device_on(node1, device).client.put(f"/devices/{device.id}/event",
                                                    json={"eventType": "large", "eventData": {"text": large}}), 204)
        event = events.recv_json()
        assert event["eventType"] == "large" and event["eventData"]["text"] == large

    with node1.ws(f"/devices/{device.id}/command", device.api_key, via="header") as commands:
        wait_until(lambda: expect(user_on(node3, owner).client.get(f"/devices/{device.id}"), 200).get("isConnected") is True,
                   timeout=5, what="the device connected, seen from node 3")
        expect(user_on(node3, owner).client.put(f"/devices/{device.id}/command", json={"action": "go", "parameters": {"to": 3}}), 204)
        command = commands.recv_json()
        assert command["action"] == "go" and command["parameters"] == {"to": 3}, command


def test_a_session_ended_on_one_node_closes_its_websocket_on_another_within_a_second(nodes):
    node1, node2, node3 = nodes
    project = Project(node1, "email")
    user = project.new_user()
    # The session is used on node 2 first, so node 2's credential cache holds it.
    expect(user_on(node2, user).client.get("/userSession"), 200)
    ws = open_user_ws(node2, user)
    expect(user_on(node3, user).client.delete("/userSession"), 204)
    started = time.monotonic()
    assert ws.wait_closed(5) == 1008
    assert time.monotonic() - started < 1.0, "the revocation crossed the nodes within a second"
    response = user_on(node2, user).client.get("/userSession")
    assert response.status_code == 401, "node 2 forgot the cached session"


def test_a_node_that_lost_its_listening_connection_ends_its_streams_and_listens_again(nodes, postgres_url):
    node1, node2, _ = nodes
    project = Project(node1, "email")
    owner = project.new_user()
    home = project.new_home(owner)
    device = project.device_in_home(owner, home)

    before = open_user_ws(node2, owner)
    killed = sql(postgres_url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND query LIKE 'LISTEN%'")
    assert int(killed) == 3, "each node listens on one connection"
    before.wait_closed(5)  # what the node may have missed, its clients read again when they reconnect
    wait_until(lambda: requests.get(node2.base_url + "/ready", timeout=2).status_code == 200, timeout=10,
               what="node 2 listening again")

    with open_user_ws(node2, owner) as after:
        expect(device_on(node1, device).client.put(f"/devices/{device.id}/event", json={"eventType": "again"}), 204)
        assert after.recv_json()["eventType"] == "again"


def test_each_email_goes_out_once_whichever_node_sends_it_and_after_a_node_is_killed(nodes, mailbox):
    """Every node runs the outbox worker and a message is claimed by one of them (`OutboxRepository.claim`, whose
    exclusion the store suite tests with two claims at once). Here, end to end: thirty sign-ups spread over the nodes,
    one node killed with -9 on the way, and each verification mail arrives once."""
    project = Project(nodes[0], "email")

    def sign_up(node: NimbusServer) -> str:
        email = unique_email()
        body = {"projectId": project.id, "email": email, "password": PASSWORD, "name": "Someone"}
        expect(node.client().post("/users", json=body), 201)
        return email

    emails = [sign_up(nodes[index % 3]) for index in range(24)]
    nodes[0].kill()
    emails += [sign_up(nodes[1 + index % 2]) for index in range(6)]
    for email in emails:
        mailbox.pop(email)  # the verification mail arrives
    time.sleep(1.5)  # time for a second copy, were one sent
    assert [email for email in emails if mailbox.count(email) != 1] == [], "each message was sent once"


def test_a_device_is_connected_while_any_node_holds_one_of_its_connections(nodes, postgres_url, nimbus_bin, mailbox, sms,
                                                                            tmp_path):
    node1, node2, node3 = nodes
    project = Project(node1, "email")
    owner = project.new_user()
    home = project.new_home(owner)
    device = project.device_in_home(owner, home)

    def connected() -> bool:
        return expect(user_on(node3, owner).client.get(f"/devices/{device.id}"), 200)["isConnected"]

    first = node1.ws(f"/devices/{device.id}/command", device.api_key, via="header")
    second = node2.ws(f"/devices/{device.id}/command", device.api_key, via="header")
    wait_until(connected, timeout=5, what="the device connected")
    second.close()
    time.sleep(0.5)
    assert connected(), "its connection on node 1 is still open"

    # A node starting beside the others leaves their devices' state alone.
    node4 = NimbusServer(nimbus_bin, tmp_path / "node-4", database=postgres_url, mailbox=mailbox, sms=sms,
                         extra_args=["--node-heartbeat-interval", "1"])
    node4.start()
    try:
        assert connected(), "node 4's start did not mark node 1's device offline"
    finally:
        node4.stop()

    # Node 1 dies with the connection: the others forget it after three missed heartbeats.
    node1.kill()
    started = time.monotonic()
    wait_until(lambda: not connected(), timeout=15, what="the device offline once node 1 is gone")
    assert time.monotonic() - started < 8, "within about four heartbeats"
    first.close()


def test_mqtt_messages_cross_the_nodes_at_qos1_none_lost_and_retained_ones_too(nodes):
    node1, node2, node3 = nodes
    tenant = NimbusBroker(node1, Project(node1))
    topic = unique_topic()
    subscriber = tenant.on(node1).connect(V5)
    subscriber.subscribe(f"{topic}/#", qos=1)
    publishers = [tenant.on(node).connect(V5) for node in (node2, node3)]
    for index in range(100):
        for number, publisher in enumerate(publishers, start=2):
            publisher.publish(f"{topic}/{number}", f"{number}-{index}", qos=1)
    received = subscriber.wait_count(200, timeout=15)
    for number in (2, 3):
        payloads = [m.payload.decode() for m in received if m.topic == f"{topic}/{number}"]
        assert payloads == [f"{number}-{index}" for index in range(100)], f"node {number}'s messages, all, in order"
    assert {m.qos for m in received} == {1}

    # A retained message published on node 2 is node 3's too.
    publishers[0].publish(f"{topic}/state", "on", qos=1, retain=True)
    subscriber.expect(f"{topic}/state", "on", timeout=5)
    late = tenant.on(node3).connect(V5)
    late.subscribe(f"{topic}/state", qos=1)
    assert late.expect(f"{topic}/state", "on", timeout=5).retain


def test_an_mqtt_session_resumes_on_another_node_which_takes_it_over(nodes, postgres_url):
    node1, node2, node3 = nodes
    tenant = NimbusBroker(node1, Project(node1))
    topic, client_id = unique_topic(), unique_client_id("roamer")

    first = tenant.on(node1).client(V5, client_id=client_id, clean=False, session_expiry=300)
    first.connect()
    first.subscribe(topic, qos=1)
    first.disconnect()
    # Published on node 3 while the client is away: queued for its session by node 1, which holds it, and stored.
    tenant.on(node3).connect(V5).publish(topic, "while away", qos=1)
    wait_until(lambda: sql(postgres_url, f"SELECT count(*) FROM mqtt_queue WHERE client_id = '{client_id}'") == "1",
               timeout=5, what="the message queued in the store for the session")

    second = tenant.on(node2).client(V5, client_id=client_id, clean=False, session_expiry=300)
    assert second.connect().session_present, "the session resumed on node 2"
    second.expect(topic, "while away", timeout=5)
    tenant.on(node3).connect(V5).publish(topic, "on node 2", qos=1)
    second.expect(topic, "on node 2", timeout=5)
    second.expect_none(0.5)  # once: node 1 let the session go

    # The same client connecting on node 3 takes the session over from node 2's live connection.
    third = tenant.on(node3).client(V5, client_id=client_id, clean=False, session_expiry=300)
    assert third.connect().session_present
    assert second.wait_disconnected(5) == 0x8E, "node 2's connection ended as taken over"
    tenant.on(node1).connect(V5).publish(topic, "on node 3", qos=1)
    third.expect(topic, "on node 3", timeout=5)


def test_a_draining_node_turns_away_new_clients_then_tells_mqtt_clients_to_move(postgres_url, nimbus_bin, mailbox, sms,
                                                                                 tmp_path):
    node = NimbusServer(nimbus_bin, tmp_path / "draining", database=postgres_url, mailbox=mailbox, sms=sms,
                        extra_args=["--drain-delay", "2"])
    node.start()
    try:
        tenant = NimbusBroker(node, Project(node))
        client = tenant.connect(V5)
        node.process.send_signal(signal.SIGTERM)
        wait_until(lambda: requests.get(node.base_url + "/ready", timeout=2).status_code == 503, timeout=2,
                   what="/ready at 503 once draining")
        assert requests.get(node.base_url + "/health", timeout=2).status_code == 200, "still serving its clients"
        assert client.connected, "MQTT clients stay for the drain delay"
        assert client.wait_disconnected(10) == 0x8B, "then are told the server is shutting down"
        assert node.process.wait(10) == 0
    finally:
        node.kill()


def test_after_a_kill_9_the_next_jobs_and_their_mail_go_out_once(nodes, mailbox):
    """Every node runs the scheduler and the outbox, each run and each mail claimed by one of them: with one node killed
    before the jobs are due, the others run each job once and send each mail once."""
    from datetime import datetime, timedelta, timezone

    from cayenne import PLATFORM, Account, Cayenne, expect_json

    account = Account(Cayenne(nodes[0]), Cayenne(nodes[0]).app())
    start = datetime.now(timezone.utc) + timedelta(seconds=4)
    emails = [unique_email() for _ in range(4)]
    jobs = [expect_json(account.call("POST", "/jobs", json={
        "title": f"After the kill {index}", "notifications": [{"method": "email", "value": email}],
        "config": {"type": "interval", "interval": 1, "unit": "minute", "start_date": start.strftime("%Y-%m-%d %H:%M:%S"),
                   "tz": "UTC"},
    }), 200) for index, email in enumerate(emails)]
    nodes[0].kill()
    for email in emails:
        mailbox.pop(email, timeout=20)
    time.sleep(2)
    assert [mailbox.count(email) for email in emails] == [1] * 4, "each job's mail once"
    survivor = Cayenne(nodes[1])  # the nodes share one public URL, so node 1's token is good on node 2
    for job in jobs:
        runs = expect_json(survivor.request("GET", f"{PLATFORM}/jobs/{job['_id']}/runs", account.token), 200)
        assert len(runs) == 1, "one run, by one of the two nodes left"


def test_an_oauth_client_token_revoked_or_its_app_deactivated_on_one_node_stops_working_on_another_at_once(nodes):
    from cayenne import Cayenne, expect_json

    node1, node2, node3 = nodes
    cayenne = Cayenne(node1)
    app = cayenne.app(confidential=True)

    def client_token() -> str:
        return cayenne.oauth(app).fetch_token(cayenne.token_url, grant_type="client_credentials")["access_token"]

    def works_on_node2(token: str) -> int:
        return requests.get(f"{node2.base_url}/mode/auth", headers={"Authorization": f"Bearer {token}"}, timeout=5).status_code

    token = client_token()
    assert works_on_node2(token) == 200  # now in node 2's credential cache
    revoked = requests.post(f"{node3.base_url}/cayenne/oauth/revoke", timeout=5,
                            data={"token": token, "client_id": app.id, "client_secret": app.secret})
    assert revoked.status_code == 200, revoked.text
    wait_until(lambda: works_on_node2(token) == 401, timeout=1, what="node 2 refusing the token revoked on node 3")

    other = client_token()
    assert works_on_node2(other) == 200
    admin = cayenne.project.key("admin").key
    expect_json(requests.put(f"{node3.base_url}/cayenne/applications/{app.id}", json={"status": "inactive"}, timeout=5,
                             headers={"Authorization": f"Bearer {admin}"}), 200)
    wait_until(lambda: works_on_node2(other) == 401, timeout=1, what="node 2 refusing the deactivated app's token")


def test_the_will_of_a_client_on_a_node_killed_with_9_is_published_once_by_another(nodes):
    node1, node2, node3 = nodes
    tenant = NimbusBroker(node1, Project(node1))
    topic = unique_topic()
    watcher = tenant.on(node2).connect(V5)
    watcher.subscribe(f"{topic}/#", qos=1)
    leaving = tenant.on(node1).client(V5)
    leaving.paho.will_set(f"{topic}/will", b"gone", qos=1)
    leaving.connect()
    staying = tenant.on(node1).client(V5)
    staying.paho.will_set(f"{topic}/will-normal", b"not sent", qos=1)
    staying.connect()
    staying.disconnect()  # a normal DISCONNECT: its will is dropped, here and for the other nodes
    time.sleep(0.3)
    node1.kill()
    message = watcher.expect(f"{topic}/will", "gone", timeout=10)
    assert message.qos == 1
    watcher.expect_none(2.5)  # once, not by each of the two nodes left, and never the dropped one
