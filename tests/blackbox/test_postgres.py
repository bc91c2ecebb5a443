"""A smoke scenario with --database pointing at PostgreSQL. Skipped unless NIMBUS_TEST_POSTGRES_URL
(postgres://user:pass@host:port/db, a role that may CREATE DATABASE) is set. Each run makes a fresh
database nimbus_bb_<random> and drops it afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.parse
import uuid

import pytest

from harness import NimbusServer, expect, expect_error
from world import Project, open_user_ws

ADMIN_URL = os.environ.get("NIMBUS_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="NIMBUS_TEST_POSTGRES_URL is not set")


def psql(url: str, sql: str) -> None:
    assert shutil.which("psql"), "psql is needed to create the test database"
    result = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"psql failed: {result.stderr}"


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def postgres_url():
    name = f"nimbus_bb_{uuid.uuid4().hex[:12]}"
    psql(ADMIN_URL, f"CREATE DATABASE {name}")
    yield with_database(ADMIN_URL, name)
    psql(ADMIN_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_server(postgres_url, nimbus_bin, mailbox, sms, tmp_path):
    server = NimbusServer(nimbus_bin, tmp_path / "data", database=postgres_url, mailbox=mailbox, sms=sms)
    server.start()
    yield server
    server.stop()


def test_postgres_smoke(pg_server, mailbox):
    project = Project(pg_server, "email")
    owner, member = project.new_user(), project.new_user()
    token = mailbox.pop(owner.email).token("/mode/auth/user/emailVerification")
    expect(project.anon.post("/auth/user/emailVerification", json={"token": token}), 200)
    home = project.new_home(owner, "Postgres home")
    project.add_member(owner, home, member)
    device = project.device_in_home(owner, home)
    expect(owner.client.put(f"/homes/{home}/kv/setting", json={"value": [1, 2, 3]}), 204)
    expect_error(owner.client.delete(f"/homes/{home}/members/{owner.id}"), [403], "LAST_OWNER")

    with open_user_ws(pg_server, member) as ws:
        expect(device.client.put(f"/devices/{device.id}/event", json={"eventType": "pg", "eventData": {"n": 1}}), 204)
        event = ws.recv_json()
        assert event["eventType"] == "pg" and event["homeId"] == home, event
    with project.connect_device(device) as ws:
        expect(member.client.put(f"/devices/{device.id}/command", json={"action": "go"}), 204)
        assert ws.recv_json()["action"] == "go"

    pg_server.restart()
    assert expect(owner.client.get(f"/users/{owner.id}"), 200)["verified"] is True
    assert expect(member.client.get(f"/homes/{home}/kv/setting"), 200)["value"] == [1, 2, 3]
    assert expect(owner.client.get(f"/devices/{device.id}"), 200)["homeId"] == home
    project.sign_in_email(member.email)
