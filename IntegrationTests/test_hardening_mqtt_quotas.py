"""Hardening, MQTT (issue 11, defect 8): what one device or project may make the broker keep.

Retained messages are bounded per project and per principal (count and bytes), persistent sessions per
principal, and each session's queue in messages and bytes, in memory and in the store. A retained PUBLISH
past its quota is refused with 0x97 Quota exceeded (MQTT 5) or a disconnect (3.1.1); a CONNECT asking for
one persistent session too many is refused with 0x97 (3.1.1: return code 3).
"""

from __future__ import annotations

import time

import pytest

from harness import NimbusServer
from mqtt import (CONNACK, P_SESSION_EXPIRY, V311, V5, Broker, MqttClient, connect_packet, prop, unique_client_id,
                  unique_topic)
from world import Device, Project

pytestmark = pytest.mark.nimbus_only

MEGABYTE = b"m" * 1_000_000
STORED = (0x00, 0x10)  # success, or success with no matching subscribers


def stored(codes: list[int]) -> bool:
    return all(code in STORED for code in codes)


def device_broker(server: NimbusServer, device: Device) -> Broker:
    return Broker(server.mqtt_port, username=str(device.id), password=device.api_key)


def new_device(project: Project) -> Device:
    owner = project.new_user()
    return project.device_in_home(owner, project.new_home(owner))


def test_a_device_cannot_fill_memory_and_disk_with_retained_messages(private_server: NimbusServer):
    project = Project(private_server)
    device = new_device(project)
    before = private_server.rss_mb()
    client = MqttClient(device_broker(private_server, device), version=V5, client_id=unique_client_id("ret"))
    client.connect()
    prefix = f"/devices/{device.id}/retained"
    codes = [client.publish(f"{prefix}/{i}", MEGABYTE, qos=1, retain=True, timeout=10) for i in range(12)]
    # The default quota of one principal is 8 MiB: eight messages of 1 MB fit, the ninth does not.
    assert stored(codes[:8]), codes
    assert set(codes[8:]) == {0x97}, codes
    # A 3.1.1 client cannot be told 0x97: it is disconnected, and the message is not retained.
    old = MqttClient(device_broker(private_server, device), version=V311, client_id=unique_client_id("ret311"))
    old.connect()
    old.publish(f"{prefix}/over", MEGABYTE, qos=1, retain=True, wait=False)
    old.wait_disconnected(5)

    # Replacing a retained message or deleting one still works at the quota, and frees room.
    assert stored([client.publish(f"{prefix}/0", b"small", qos=1, retain=True, timeout=10),
                   client.publish(f"{prefix}/1", b"", qos=1, retain=True, timeout=10),
                   client.publish(f"{prefix}/8", MEGABYTE, qos=1, retain=True, timeout=10)])
    client.close()
    assert private_server.rss_mb() - before < 120, f"RSS grew from {before:.0f} to {private_server.rss_mb():.0f} MB"

    private_server.stop()
    private_server.start()
    assert private_server.rss_mb() < before + 120, "the retained messages came back bigger than the quota"
    watcher = MqttClient(device_broker(private_server, device), version=V5, client_id=unique_client_id("w"))
    watcher.connect()
    watcher.subscribe(f"{prefix}/#", qos=1)
    watcher.wait_count(8, timeout=10)
    time.sleep(0.5)
    got = {m.topic: len(m.payload) for m in watcher.take_all()}
    assert len(got) == 8, sorted(got)
    assert f"{prefix}/over" not in got and f"{prefix}/1" not in got, got
    assert got[f"{prefix}/0"] == 5 and got[f"{prefix}/8"] == 1_000_000, got
    # The quota still holds after the restart: 7 MB are retained, one more fits, a second does not.
    assert stored([watcher.publish(f"{prefix}/again", MEGABYTE, qos=1, retain=True, timeout=10)])
    assert watcher.publish(f"{prefix}/again2", MEGABYTE, qos=1, retain=True, timeout=10) == 0x97
    watcher.close()


def test_a_projects_retained_messages_are_bounded_and_other_projects_are_not_affected(server_factory):
    server = server_factory(extra_args=["--mqtt-max-retained-messages", "5"])
    full, other = Project(server), Project(server)
    topic = unique_topic("/r")
    first = MqttClient(Broker(server.mqtt_port, username="apikey", password=full.key("mqtt").key), version=V5,
                       client_id=unique_client_id("a"))
    first.connect()
    codes = [first.publish(f"{topic}/{i}", b"x", qos=1, retain=True, timeout=5) for i in range(7)]
    assert stored(codes[:5]) and codes[5:] == [0x97] * 2, codes
    # A QoS 0 retained message past the quota ends an MQTT 5 connection with DISCONNECT 0x97.
    first.publish(f"{topic}/qos0", b"x", qos=0, retain=True)
    assert first.wait_disconnected(5) == 0x97
    neighbour = MqttClient(Broker(server.mqtt_port, username="apikey", password=other.key("mqtt").key), version=V5,
                           client_id=unique_client_id("b"))
    neighbour.connect()
    assert stored([neighbour.publish(f"{topic}/{i}", b"x", qos=1, retain=True, timeout=5) for i in range(5)])
    neighbour.close()


@pytest.mark.parametrize("version", [V311, V5])
def test_one_device_may_keep_at_most_ten_persistent_sessions(private_server: NimbusServer, version: int):
    project = Project(private_server)
    device = new_device(project)
    broker = device_broker(private_server, device)
    persistent = dict(clean=False) if version == V311 else dict(clean=False, session_expiry=3600)
    ids = [unique_client_id(f"s{i}") for i in range(11)]
    for client_id in ids[:10]:
        client = MqttClient(broker, version=version, client_id=client_id, **persistent)
        client.connect()
        client.subscribe(f"/devices/{device.id}/command", qos=1)
        client.close()

    def refused(client_id: str) -> int:
        with broker.raw() as raw:
            props = [prop(P_SESSION_EXPIRY, 3600)] if version == V5 else []
            raw.send(connect_packet(client_id, version=version, clean=False, username=broker.username,
                                    password=broker.password, props=props))
            return raw.expect(CONNACK).connack()[1]

    over = 0x97 if version == V5 else 3
    assert refused(ids[10]) == over
    # A session that ends with its connection is not counted, and an existing one can always resume.
    clean = MqttClient(broker, version=version, client_id=unique_client_id("clean"))
    clean.connect()
    clean.close()
    resumed = MqttClient(broker, version=version, client_id=ids[0], **persistent)
    assert resumed.connect().session_present is True
    resumed.close()
    # The count survives a restart.
    private_server.stop()
    private_server.start()
    assert refused(ids[10]) == over
    # Ending one session (Clean Start, then a clean end) makes room for another.
    ender = MqttClient(broker, version=version, client_id=ids[0], clean=True)
    ender.connect()
    ender.close()
    newcomer = MqttClient(broker, version=version, client_id=ids[10], **persistent)
    assert newcomer.connect().reason_code == 0
    newcomer.close()


def test_a_sessions_queue_is_bounded_in_bytes_in_memory_and_in_the_store(server_factory):
    server = server_factory(extra_args=["--mqtt-max-queued-bytes", "4000000"])
    project = Project(server)
    device = new_device(project)
    broker = device_broker(server, device)
    topic = f"/devices/{device.id}/command"
    away_id = unique_client_id("away")
    away = MqttClient(broker, version=V311, client_id=away_id, clean=False)
    away.connect()
    away.subscribe(topic, qos=1)
    away.close()
    backend = MqttClient(Broker(server.mqtt_port, username="apikey", password=project.key("mqtt").key), version=V5,
                         client_id=unique_client_id("backend"))
    backend.connect()
    for i in range(20):
        assert backend.publish(topic, str(i).encode().ljust(500_000, b"."), qos=1, timeout=10) in STORED
    backend.close()
    server.stop()  # what is left is what the store kept
    server.start()
    back = MqttClient(broker, version=V311, client_id=away_id, clean=False)
    assert back.connect().session_present is True
    back.wait_count(1, timeout=10)
    time.sleep(1.5)
    got = back.take_all()
    numbers = [int(m.payload.split(b".")[0]) for m in got]
    # At most 4 MB of 0.5 MB messages are kept: the newest ones, in order.
    assert 1 <= len(numbers) <= 8 and numbers == list(range(20 - len(numbers), 20)), numbers
    back.close()
