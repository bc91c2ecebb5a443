"""A fresh PostgreSQL database per test, for the modules that run Nimbus on PostgreSQL. They are skipped unless
NIMBUS_TEST_POSTGRES_URL (postgres://user:pass@host:port/db, a role that may CREATE DATABASE) is set; each test gets a
database nimbus_bb_<random>, dropped afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.parse
import uuid

import pytest

ADMIN_URL = os.environ.get("NIMBUS_TEST_POSTGRES_URL")


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
