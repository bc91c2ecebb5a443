"""Home and device key-value pairs: put/get/list/delete, prefixes, key and value rules."""

import pytest

from harness import RFC3339_MS, expect, expect_error
from world import Project

VALID_KEYS = ["a", "Z9", "A_b-9", "x" * 64]
INVALID_KEYS = ["-lead", "trail-", "_lead", "trail_", "a.b", "a%20b", "x" * 65, "caf%C3%A9"]


@pytest.fixture
def home_of(email_project: Project):
    """(owner, home id) of a fresh home."""
    owner = email_project.new_user()
    return owner, email_project.new_home(owner)


def put(client, base: str, key: str, value):
    return client.put(f"{base}/kv/{key}", json={"value": value})


def keys_of(resp) -> list[str]:
    return [item["key"] for item in expect(resp, 200)]


def test_home_kv_put_get_list_delete(home_of):
    owner, home = home_of
    base = f"/homes/{home}"
    expect(put(owner.client, base, "alpha", {"on": True, "level": [1, 2]}), 204)
    expect(put(owner.client, base, "alpha2", "text"), 204)
    expect(put(owner.client, base, "beta", 0), 204)

    item = expect(owner.client.get(f"{base}/kv/alpha"), 200)
    assert item["key"] == "alpha" and item["value"] == {"on": True, "level": [1, 2]}, item
    assert RFC3339_MS.match(item["modificationTime"]), item

    assert keys_of(owner.client.get(f"{base}/kv")) == ["alpha", "alpha2", "beta"]
    assert keys_of(owner.client.get(f"{base}/kv", params={"keyPrefix": "alpha"})) == ["alpha", "alpha2"]
    assert keys_of(owner.client.get(f"{base}/kv", params={"keyPrefix": "zzz"})) == []

    expect(put(owner.client, base, "beta", False), 204)
    assert expect(owner.client.get(f"{base}/kv/beta"), 200)["value"] is False

    expect(owner.client.delete(f"{base}/kv/alpha"), 204)
    expect_error(owner.client.get(f"{base}/kv/alpha"), [404], "NOT_FOUND")
    expect_error(owner.client.delete(f"{base}/kv/alpha"), [404], "NOT_FOUND")
    assert keys_of(owner.client.get(f"{base}/kv")) == ["alpha2", "beta"]


@pytest.mark.parametrize("key", VALID_KEYS)
def test_valid_keys(home_of, key):
    owner, home = home_of
    expect(put(owner.client, f"/homes/{home}", key, 1), 204)
    assert expect(owner.client.get(f"/homes/{home}/kv/{key}"), 200)["key"] == key


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_keys(home_of, key):
    owner, home = home_of
    expect_error(put(owner.client, f"/homes/{home}", key, 1), [403], "INVALID_KEY")


def test_value_rules(home_of):
    owner, home = home_of
    base = f"/homes/{home}"
    expect_error(put(owner.client, base, "k", None), [403], "INVALID_INPUT")
    expect_error(owner.client.put(f"{base}/kv/k", json={}), [403], "INVALID_INPUT")
    expect_error(put(owner.client, base, "k", "x" * (64 * 1024 + 1)), [403])
    expect(put(owner.client, base, "k", "x" * (60 * 1024)), 204)


def test_project_key_kv_permission(email_project: Project, home_of):
    owner, home = home_of
    expect(put(owner.client, f"/homes/{home}", "shared", 1), 204)
    reader = email_project.key_without("kv").client
    assert expect(reader.get(f"/homes/{home}/kv/shared"), 200)["value"] == 1
    expect_error(put(reader, f"/homes/{home}", "shared", 2), [403], "PERMISSION_DENIED")
    writer = email_project.key("kv").client
    expect(put(writer, f"/homes/{home}", "shared", 3), 204)
    assert expect(owner.client.get(f"/homes/{home}/kv/shared"), 200)["value"] == 3


def test_device_kv(email_project: Project, home_of):
    owner, home = home_of
    device = email_project.device_in_home(owner, home)
    base = f"/devices/{device.id}"
    expect(put(device.client, base, "firmware", "1.2.3"), 204)
    expect(put(owner.client, base, "mode", "eco"), 204)
    assert keys_of(owner.client.get(f"{base}/kv")) == ["firmware", "mode"]
    assert expect(device.client.get(f"{base}/kv/mode"), 200)["value"] == "eco"
    assert keys_of(device.client.get(f"{base}/kv", params={"keyPrefix": "fir"})) == ["firmware"]
    expect(device.client.delete(f"{base}/kv/mode"), 204)
    expect_error(owner.client.get(f"{base}/kv/mode"), [404], "NOT_FOUND")
    expect_error(put(device.client, base, "bad.key", 1), [403], "INVALID_KEY")
    # The home's KV and the device's KV are separate stores.
    expect_error(owner.client.get(f"/homes/{home}/kv/firmware"), [404], "NOT_FOUND")
