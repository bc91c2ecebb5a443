"""Nimbus-only MQTT behaviour: project keys with the `mqtt` permission log in as username
`apikey`; every project has its own topic tree (live messages, retained messages, sessions,
shared subscription groups); `--mqtt-anonymous-project` admits clients without credentials into
one project's tree, and without it they are refused. Skipped with NIMBUS_MQTT_TEST_AGAINST=mosquitto."""

from __future__ import annotations

import pytest

from mqtt import (APIKEY_USER, CONNACK, RAW_V3_BAD_CREDENTIALS, RC_BAD_CREDENTIALS, V5, V31, V311, VERSIONS,
                  MosquittoSub, NimbusBroker, connect_packet, mosquitto_pub, unique_client_id, unique_topic,
                  version_id)
from world import Project

pytestmark = pytest.mark.nimbus_only
ALL_VERSIONS = pytest.mark.parametrize("version", VERSIONS, ids=version_id)


@ALL_VERSIONS
def test_project_key_with_mqtt_permission_connects(nimbus_mqtt, version):
    tenant = nimbus_mqtt.tenant()
    assert tenant.username == APIKEY_USER
    topic = unique_topic()
    sub = tenant.connect(version)
    sub.subscribe(topic, qos=1)
    tenant.connect(version).publish(topic, "hello project", qos=1)
    sub.expect(topic, "hello project")


@ALL_VERSIONS
def test_key_without_mqtt_permission_is_refused(nimbus_mqtt, version):
    project = Project(nimbus_mqtt.server)
    for key in (project.key("events", "kv"), project.key("admin")):
        client = nimbus_mqtt.tenant(project).client(version, password=key.key)
        connack = client.connect(check=False)
        assert connack.reason_code in RC_BAD_CREDENTIALS, hex(connack.reason_code)


def test_wrong_username_or_unknown_key_is_refused(nimbus_mqtt):
    tenant = nimbus_mqtt.tenant()
    for username, password in [("someone", tenant.password), (APIKEY_USER, "v1.not-a-key"),
                               (APIKEY_USER, None), (APIKEY_USER, "")]:
        with tenant.raw() as conn:
            conn.send(connect_packet(unique_client_id(), version=V311, username=username, password=password))
            assert conn.expect(CONNACK).connack()[1] in RAW_V3_BAD_CREDENTIALS, (username, password)
            assert conn.closed_within(3) is not None


def test_projects_do_not_see_each_others_messages(nimbus_mqtt):
    a, b = nimbus_mqtt.tenant(), nimbus_mqtt.tenant()
    topic = "home/livingroom/temperature"  # the same name in both trees
    a_all, b_all = a.connect(V5), b.connect(V311)
    a_all.subscribe("#", qos=1)
    b_all.subscribe("#", qos=1)
    a_shared = a.connect(V5)
    a_shared.subscribe(f"$share/group/{topic}", qos=1)
    b_shared = b.connect(V5)
    b_shared.subscribe(f"$share/group/{topic}", qos=1)

    a.connect(V311).publish(topic, "from a", qos=1)
    b.connect(V5).publish(topic, "from b", qos=1)
    a_all.expect(topic, "from a")
    b_all.expect(topic, "from b")
    a_shared.expect(topic, "from a")
    b_shared.expect(topic, "from b")
    for client in (a_all, b_all, a_shared, b_shared):
        client.expect_none(0.3)


def test_projects_do_not_see_each_others_retained_messages(nimbus_mqtt):
    a, b = nimbus_mqtt.tenant(), nimbus_mqtt.tenant()
    b.connect(V311).publish("status/b-only", "b's retained", qos=1, retain=True)
    a.connect(V311).publish("status/shared-name", "a's retained", qos=1, retain=True)
    b.connect(V311).publish("status/shared-name", "b's retained", qos=1, retain=True)
    reader = a.connect(V5)
    reader.subscribe("#", qos=1)
    assert reader.expect("status/shared-name", "a's retained").retain
    reader.expect_none(0.3)


def test_projects_have_separate_sessions(nimbus_mqtt):
    """The same client id in two projects: no takeover, and neither resumes the other's session."""
    a, b = nimbus_mqtt.tenant(), nimbus_mqtt.tenant()
    client_id = unique_client_id()
    topic = unique_topic()
    in_a = a.connect(V5, client_id=client_id, session_expiry=300)
    in_b = b.connect(V5, client_id=client_id, session_expiry=300)
    in_b.subscribe(topic, qos=1)
    in_a.subscribe(topic, qos=1)
    b.connect(V5).publish(topic, "for b", qos=1)
    in_b.expect(topic, "for b")
    in_a.expect_none(0.2)
    assert in_a.connected and in_b.connected, "a connection in one project took over the other's"
    in_a.disconnect()
    in_b.disconnect()
    a.connect(V5).publish(topic, "queued in a", qos=1)
    resumed_b = b.connect(V5, client_id=client_id, clean=False, session_expiry=0)
    assert resumed_b.connack.session_present
    resumed_b.expect_none(0.3)  # a's queued message is not in b's session
    resumed_a = a.connect(V5, client_id=client_id, clean=False, session_expiry=0)
    assert resumed_a.connack.session_present
    resumed_a.expect(topic, "queued in a")


def test_mosquitto_clients_with_project_keys(nimbus_mqtt):
    a, b = nimbus_mqtt.tenant(), nimbus_mqtt.tenant()
    topic = unique_topic("cli")
    with MosquittoSub(a, topic, version=V5, qos=1) as sub_a, MosquittoSub(b, topic, version=V311, qos=1) as sub_b:
        sub_a.ready()
        sub_b.ready()
        done = mosquitto_pub(b, topic, "only b", version=V5, qos=1)
        assert done.returncode == 0, done.stdout + done.stderr
        sub_b.expect(f"{topic} only b")
        done = mosquitto_pub(a, topic, "only a", version=V311, qos=1)
        assert done.returncode == 0, done.stdout + done.stderr
        sub_a.expect(f"{topic} only a")
        assert sub_a.messages == [f"{topic} only a"] and sub_b.messages == [f"{topic} only b"]


# ------------------------------------------------------------------------------------------------
# Anonymous access


@ALL_VERSIONS
def test_anonymous_clients_join_the_anonymous_project(nimbus_mqtt, version):
    project = nimbus_mqtt.anonymous_project
    anonymous = nimbus_mqtt.tenant(project, credentials=False)
    keyed = nimbus_mqtt.tenant(project)
    elsewhere = nimbus_mqtt.tenant()
    topic = unique_topic("anon")
    anon = anonymous.connect(version)
    key_sub = keyed.connect(version)
    key_sub.subscribe(f"{topic}/#", qos=1)
    other = elsewhere.connect(version)
    other.subscribe(f"{topic}/#", qos=1)
    anon.subscribe(f"{topic}/to-anon", qos=1)

    anon.publish(f"{topic}/from-anon", "anonymous hello", qos=1)
    key_sub.expect(f"{topic}/from-anon", "anonymous hello")
    keyed.connect(version).publish(f"{topic}/to-anon", "keyed hello", qos=1)
    anon.expect(f"{topic}/to-anon", "keyed hello")
    other.expect_none(0.3)


def test_anonymous_clients_are_refused_without_the_flag(server):
    """The shared server runs without --mqtt-anonymous-project."""
    anonymous = NimbusBroker(server, Project(server), credentials=False)
    for version in VERSIONS:
        connack = anonymous.client(version).connect(check=False)
        assert connack.reason_code in RC_BAD_CREDENTIALS, (version_id(version), hex(connack.reason_code))
    for version in (V31, V311):
        with anonymous.raw() as conn:
            conn.send(connect_packet(unique_client_id(), version=version))
            assert conn.expect(CONNACK).connack()[1] in RAW_V3_BAD_CREDENTIALS
            assert conn.closed_within(3) is not None
    # ... while a project key is accepted on the same server.
    NimbusBroker(server, Project(server)).connect(V5).close()
