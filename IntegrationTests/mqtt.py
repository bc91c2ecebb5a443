"""MQTT building blocks of the black-box suite: the broker under test (Nimbus, or a local Mosquitto
to check the tests themselves), a synchronous wrapper around paho-mqtt 2.x clients, and raw-socket
helpers for hand-built packets.

Which broker the `test_mqtt_*` modules talk to is chosen by `NIMBUS_MQTT_TEST_AGAINST`:
- unset or `nimbus`: `nimbus serve` (the default, and what CI runs);
- `mosquitto`: /usr/sbin/mosquitto with a generated config, so the generic-broker tests can be
  checked against a reference implementation. Tests of Nimbus-only behaviour (API keys, project
  tenancy, the anonymous-project flag) carry `@pytest.mark.nimbus_only` and are skipped there.

Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import os
import secrets
import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from harness import free_port, terminate

V31, V311, V5 = 3, 4, 5  # the protocol levels, as paho numbers them too
VERSIONS = (V31, V311, V5)
VERSION_NAMES = {V31: "v31", V311: "v311", V5: "v5"}
MOSQUITTO_CLI_VERSION = {V31: "mqttv31", V311: "mqttv311", V5: "mqttv5"}
HOST = "127.0.0.1"
APIKEY_USER = "apikey"
DEFAULT_MAX_PACKET = 1024 * 1024  # assumed when an MQTT 5 CONNACK names no Maximum Packet Size

# CONNACK refusals that mean "your credentials are not accepted". paho reports MQTT 3.x return
# codes as the MQTT 5 reason codes they map to: 4 -> 0x86, 5 -> 0x87.
RC_BAD_CREDENTIALS = {0x86, 0x87}
RAW_V3_BAD_CREDENTIALS = {4, 5}


def target() -> str:
    """`nimbus` (default) or `mosquitto`: which broker the MQTT tests run against."""
    value = os.environ.get("NIMBUS_MQTT_TEST_AGAINST", "nimbus").strip().lower() or "nimbus"
    if value not in ("nimbus", "mosquitto"):
        raise ValueError(f"NIMBUS_MQTT_TEST_AGAINST must be nimbus or mosquitto, not {value!r}")
    return value


def version_id(version: int) -> str:
    return VERSION_NAMES[version]


_ids = itertools.count()


def unique_topic(prefix: str = "t") -> str:
    """A topic prefix no other test uses (tests may share a broker or a project)."""
    return f"{prefix}-{os.getpid()}-{next(_ids)}-{secrets.token_hex(3)}"


def unique_client_id(prefix: str = "c") -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


# --------------------------------------------------------------------------------------------
# Raw packets


def varint(n: int) -> bytes:
    """MQTT Variable Byte Integer (0 ... 268,435,455)."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s: str | bytes) -> bytes:
    data = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(data)) + data


def packet(first_byte: int, body: bytes) -> bytes:
    return bytes([first_byte]) + varint(len(body)) + body


# MQTT 5 property identifiers used by the tests
P_PAYLOAD_FORMAT, P_MESSAGE_EXPIRY, P_CONTENT_TYPE, P_RESPONSE_TOPIC = 0x01, 0x02, 0x03, 0x08
P_CORRELATION_DATA, P_SUBSCRIPTION_ID, P_SESSION_EXPIRY, P_ASSIGNED_CLIENT_ID = 0x09, 0x0B, 0x11, 0x12
P_SERVER_KEEP_ALIVE, P_REASON_STRING, P_RECEIVE_MAXIMUM, P_TOPIC_ALIAS_MAXIMUM = 0x13, 0x1F, 0x21, 0x22
P_TOPIC_ALIAS, P_MAXIMUM_QOS, P_RETAIN_AVAILABLE, P_USER_PROPERTY = 0x23, 0x24, 0x25, 0x26
P_MAXIMUM_PACKET_SIZE, P_WILL_DELAY = 0x27, 0x18

_U8 = {0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A}
_U16 = {0x13, 0x21, 0x22, 0x23}
_U32 = {0x02, 0x11, 0x18, 0x27}
_STR = {0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F}
_BIN = {0x09, 0x16}


def prop(identifier: int, value: Any) -> bytes:
    """One encoded MQTT 5 property."""
    if identifier in _U8:
        return bytes([identifier, value])
    if identifier in _U16:
        return bytes([identifier]) + struct.pack("!H", value)
    if identifier in _U32:
        return bytes([identifier]) + struct.pack("!I", value)
    if identifier in _STR or identifier in _BIN:
        return bytes([identifier]) + utf8(value)
    if identifier == P_USER_PROPERTY:
        return bytes([identifier]) + utf8(value[0]) + utf8(value[1])
    if identifier == P_SUBSCRIPTION_ID:
        return bytes([identifier]) + varint(value)
    raise ValueError(f"unknown property {identifier:#x}")


def properties(*encoded: bytes) -> bytes:
    body = b"".join(encoded)
    return varint(len(body)) + body


def parse_properties(data: bytes, offset: int = 0) -> tuple[dict[int, list[Any]], int]:
    """Decodes an MQTT 5 property block at `offset`; returns ({id: [values]}, offset after it)."""
    length, offset = read_varint(data, offset)
    end = offset + length
    found: dict[int, list[Any]] = {}
    while offset < end:
        identifier = data[offset]
        offset += 1
        if identifier in _U8:
            value, offset = data[offset], offset + 1
        elif identifier in _U16:
            value, offset = struct.unpack_from("!H", data, offset)[0], offset + 2
        elif identifier in _U32:
            value, offset = struct.unpack_from("!I", data, offset)[0], offset + 4
        elif identifier in _STR or identifier in _BIN:
            size = struct.unpack_from("!H", data, offset)[0]
            raw = data[offset + 2:offset + 2 + size]
            value, offset = (raw.decode() if identifier in _STR else raw), offset + 2 + size
        elif identifier == P_USER_PROPERTY:
            size = struct.unpack_from("!H", data, offset)[0]
            key = data[offset + 2:offset + 2 + size].decode()
            offset += 2 + size
            size = struct.unpack_from("!H", data, offset)[0]
            value = (key, data[offset + 2:offset + 2 + size].decode())
            offset += 2 + size
        elif identifier == P_SUBSCRIPTION_ID:
            value, offset = read_varint(data, offset)
        else:
            raise AssertionError(f"unknown MQTT 5 property {identifier:#x} in {data!r}")
        found.setdefault(identifier, []).append(value)
    return found, end


def read_varint(data: bytes, offset: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[offset]
        offset += 1
        value += (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, offset
        shift += 7


@dataclass
class Will:
    topic: str
    payload: bytes = b""
    qos: int = 0
    retain: bool = False
    delay: int | None = None  # MQTT 5 Will Delay Interval, seconds


def connect_packet(client_id: str = "", *, version: int = V311, keepalive: int = 0, clean: bool = True,
                   username: str | None = None, password: str | None = None, will: Will | None = None,
                   props: Iterable[bytes] = ()) -> bytes:
    """A CONNECT for MQTT 3.1 (MQIsdp), 3.1.1 or 5."""
    name = b"MQIsdp" if version == V31 else b"MQTT"
    flags = 0x02 if clean else 0
    if will is not None:
        flags |= 0x04 | (will.qos << 3) | (0x20 if will.retain else 0)
    if username is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    body = utf8(name) + bytes([version, flags]) + struct.pack("!H", keepalive)
    if version == V5:
        body += properties(*props)
    body += utf8(client_id)
    if will is not None:
        if version == V5:
            will_props = [prop(P_WILL_DELAY, will.delay)] if will.delay is not None else []
            body += properties(*will_props)
        body += utf8(will.topic) + utf8(will.payload)
    if username is not None:
        body += utf8(username)
    if password is not None:
        body += utf8(password)
    return packet(0x10, body)


def publish_packet(topic: str, payload: bytes = b"", *, qos: int = 0, packet_id: int | None = None,
                   retain: bool = False, dup: bool = False, version: int = V311,
                   props: Iterable[bytes] = ()) -> bytes:
    first = 0x30 | (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = utf8(topic)
    if qos:
        body += struct.pack("!H", packet_id if packet_id is not None else 1)
    if version == V5:
        body += properties(*props)
    return packet(first, body + payload)


def subscribe_packet(packet_id: int, filters: Iterable[tuple[str, int]], *, version: int = V311,
                     props: Iterable[bytes] = ()) -> bytes:
    """`filters` are (filter, options byte); the options byte is the QoS for MQTT 3."""
    body = struct.pack("!H", packet_id)
    if version == V5:
        body += properties(*props)
    for topic_filter, options in filters:
        body += utf8(topic_filter) + bytes([options])
    return packet(0x82, body)


def ack_packet(kind: int, packet_id: int, version: int = V311, reason: int = 0) -> bytes:
    """PUBACK (0x40), PUBREC (0x50), PUBREL (0x62) or PUBCOMP (0x70)."""
    body = struct.pack("!H", packet_id)
    if version == V5 and reason:
        body += bytes([reason])
    return packet(kind, body)


PINGREQ = b"\xc0\x00"
DISCONNECT = b"\xe0\x00"

CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 2, 3, 4, 5, 6, 7
SUBACK, UNSUBACK, PINGRESP, DISCONNECT_TYPE = 9, 11, 13, 14


@dataclass
class Packet:
    type: int
    flags: int
    body: bytes

    @property
    def packet_id(self) -> int:
        return struct.unpack_from("!H", self.body, 0)[0]

    def connack(self) -> tuple[bool, int]:
        """(session present, return code / reason code)."""
        assert self.type == CONNACK, f"expected CONNACK, got {self}"
        return bool(self.body[0] & 1), self.body[1]

    def connack_properties(self) -> dict[int, list[Any]]:
        return parse_properties(self.body, 2)[0]

    def publish(self, version: int = V311) -> "RawPublish":
        assert self.type == PUBLISH, f"expected PUBLISH, got {self}"
        size = struct.unpack_from("!H", self.body, 0)[0]
        topic = self.body[2:2 + size].decode()
        offset = 2 + size
        qos = (self.flags >> 1) & 3
        packet_id = None
        if qos:
            packet_id = struct.unpack_from("!H", self.body, offset)[0]
            offset += 2
        props: dict[int, list[Any]] = {}
        if version == V5:
            props, offset = parse_properties(self.body, offset)
        return RawPublish(topic, self.body[offset:], qos, bool(self.flags & 1), packet_id, props)

    def __repr__(self) -> str:
        body = self.body if len(self.body) <= 64 else self.body[:64] + b"..."
        return f"Packet(type={self.type}, flags={self.flags:#x}, body={body!r})"


@dataclass
class RawPublish:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    packet_id: int | None
    props: dict[int, list[Any]]


class ConnectionClosed(Exception):
    pass


class RawConnection:
    """A TCP connection for hand-built packets: no client library in between."""

    def __init__(self, port: int, *, host: str = HOST, timeout: float = 5.0, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # before connect(), so the TCP window is negotiated with it
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self._buf = bytearray()

    def send(self, data: bytes) -> bool:
        """Sends everything; False if the peer has closed or reset the connection."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            return False
        except socket.timeout:
            return False

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError from None
        except (ConnectionResetError, ConnectionAbortedError):
            raise ConnectionClosed from None
        if not chunk:
            raise ConnectionClosed
        self._buf += chunk

    def read_packet(self, timeout: float = 5.0) -> Packet:
        """The next packet; AssertionError on timeout, ConnectionClosed if the peer closed."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                if len(self._buf) >= 2:
                    length, shift, i = 0, 0, 1
                    complete = False
                    while i < len(self._buf) and i <= 4:
                        byte = self._buf[i]
                        length += (byte & 0x7F) << shift
                        shift += 7
                        i += 1
                        if not byte & 0x80:
                            complete = True
                            break
                    if complete and len(self._buf) >= i + length:
                        first = self._buf[0]
                        body = bytes(self._buf[i:i + length])
                        del self._buf[:i + length]
                        return Packet(first >> 4, first & 0x0F, body)
                self._fill(deadline)
        except TimeoutError:
            raise AssertionError(f"no complete MQTT packet within {timeout} s") from None

    def expect(self, packet_type: int, timeout: float = 5.0) -> Packet:
        pkt = self.read_packet(timeout)
        assert pkt.type == packet_type, f"expected packet type {packet_type}, got {pkt}"
        return pkt

    def closed_within(self, timeout: float) -> float | None:
        """Reads (and drops) whatever arrives until the peer closes: returns the seconds it took,
        or None if the connection is still open after `timeout`."""
        start = time.monotonic()
        deadline = start + timeout
        while True:
            try:
                self._fill(deadline)
            except TimeoutError:
                return None
            except ConnectionClosed:
                return time.monotonic() - start
            del self._buf[:]

    def packets_until_closed(self, timeout: float) -> tuple[float | None, list[Packet]]:
        """Reads packets until the peer closes: (seconds it took or None if still open after
        `timeout`, the complete packets that arrived meanwhile)."""
        start = time.monotonic()
        packets: list[Packet] = []
        while True:
            remaining = start + timeout - time.monotonic()
            try:
                packets.append(self.read_packet(max(remaining, 0.001)))
            except ConnectionClosed:
                return time.monotonic() - start, packets
            except AssertionError:
                return None, packets

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RawConnection":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# paho clients


@dataclass
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: dict[str, Any]


@dataclass
class ConnAck:
    reason_code: int  # MQTT 5 reason code (paho maps MQTT 3 return codes onto them)
    session_present: bool
    properties: dict[str, Any]


def _props_dict(props: Properties | None) -> dict[str, Any]:
    if props is None:
        return {}
    skip = {"packetType", "types", "names", "properties"}
    return {k: v for k, v in vars(props).items() if k not in skip and not k.startswith("_")}


def make_properties(packet_type: int, values: dict[str, Any] | None) -> Properties | None:
    if not values:
        return None
    props = Properties(packet_type)
    for name, value in values.items():
        if name == "UserProperty":
            for pair in value:
                props.UserProperty = pair  # paho appends each pair
        else:
            setattr(props, name, value)
    return props


_open_clients: set["MqttClient"] = set()
_open_lock = threading.Lock()


def close_all_clients() -> None:
    """Closes every paho client a test left open (the autouse fixture calls it after each test)."""
    with _open_lock:
        clients = list(_open_clients)
    for client in clients:
        client.close()


_DEFAULT: Any = object()


class MqttClient:
    """A paho-mqtt 2.x client with a background network thread and synchronous helpers.

    Messages are collected into an inbox; `expect` takes the oldest matching one. Nothing
    reconnects automatically, so takeovers and refusals are observable."""

    def __init__(self, broker: "Broker", *, version: int = V5, client_id: str = "",
                 username: str | None = _DEFAULT, password: str | None = _DEFAULT, transport: str = "tcp",
                 tls: bool = False, clean: bool = True, keepalive: int = 30, session_expiry: int | None = None,
                 will: Will | None = None, connect_properties: dict[str, Any] | None = None,
                 max_inflight: int | None = None) -> None:
        self.broker = broker
        self.version = version
        self.transport = transport
        self.tls = tls
        self.clean = clean
        self.keepalive = keepalive
        self.session_expiry = session_expiry
        self.connect_properties = dict(connect_properties or {})
        self.username = broker.username if username is _DEFAULT else username
        self.password = broker.password if password is _DEFAULT else password
        kwargs: dict[str, Any] = dict(callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id,
                                      protocol=version, transport=transport, reconnect_on_failure=False)
        if version != V5:
            kwargs["clean_session"] = clean
        self.paho = paho.Client(**kwargs)
        if self.username is not None:
            self.paho.username_pw_set(self.username, self.password)
        if transport == "websockets":
            self.paho.ws_set_options(path=broker.ws_path)
        if tls:
            assert broker.ca_file is not None, "this broker has no TLS listener"
            self.paho.tls_set(ca_certs=str(broker.ca_file))
        if will is not None:
            will_props = None
            if version == V5 and will.delay is not None:
                will_props = make_properties(PacketTypes.WILLMESSAGE, {"WillDelayInterval": will.delay})
            self.paho.will_set(will.topic, will.payload, will.qos, will.retain, properties=will_props)
        if max_inflight is not None:
            self.paho.max_inflight_messages_set(max_inflight)
        self.paho.max_queued_messages_set(0)

        self._cond = threading.Condition()
        self._messages: list[Message] = []
        self._connack: ConnAck | None = None
        self._acks: dict[int, int | None] = {}
        self._subacks: dict[int, list[int]] = {}
        self._unsubacks: dict[int, list[int]] = {}
        self.disconnected = threading.Event()
        self.disconnect_reason: int | None = None
        self.disconnect_from_server = False
        self._loop_started = False

        self.paho.on_connect = self._on_connect
        self.paho.on_message = self._on_message
        self.paho.on_publish = self._on_publish
        self.paho.on_subscribe = self._on_subscribe
        self.paho.on_unsubscribe = self._on_unsubscribe
        self.paho.on_disconnect = self._on_disconnect

    # callbacks (network thread)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason_code: Any, props: Any) -> None:
        with self._cond:
            self._connack = ConnAck(int(reason_code.value), bool(flags.session_present), _props_dict(props))
            self._cond.notify_all()

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        with self._cond:
            props = _props_dict(msg.properties) if self.version == V5 else {}
            self._messages.append(Message(msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain), props))
            self._cond.notify_all()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason_code: Any, props: Any) -> None:
        with self._cond:
            self._acks[mid] = int(reason_code.value) if reason_code is not None else None
            self._cond.notify_all()

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, codes: list[Any], props: Any) -> None:
        with self._cond:
            self._subacks[mid] = [int(c.value) for c in codes]
            self._cond.notify_all()

    def _on_unsubscribe(self, client: Any, userdata: Any, mid: int, codes: Any, props: Any) -> None:
        with self._cond:
            self._unsubacks[mid] = [int(c.value) for c in (codes or [])]
            self._cond.notify_all()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason_code: Any, props: Any) -> None:
        with self._cond:
            self.disconnect_reason = int(reason_code.value) if reason_code is not None else None
            self.disconnect_from_server = bool(getattr(flags, "is_disconnect_packet_from_server", False))
            self.disconnected.set()
            self._cond.notify_all()

    def _wait(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value is not None and value is not False:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
                self._cond.wait(remaining)

    # connection

    @property
    def port(self) -> int:
        if self.tls:
            assert self.broker.tls_port, "this broker has no TLS listener"
            return self.broker.tls_port
        if self.transport == "websockets":
            assert self.broker.ws_port, "this broker has no WebSocket listener"
            return self.broker.ws_port
        return self.broker.port

    def connect(self, timeout: float = 5.0, check: bool = True) -> ConnAck:
        """Connects and waits for the CONNACK (asserting success unless `check` is False). A
        connection the server drops without a CONNACK gives reason code -1."""
        props: dict[str, Any] = dict(self.connect_properties)
        if self.session_expiry is not None:
            props["SessionExpiryInterval"] = self.session_expiry
        kwargs: dict[str, Any] = {}
        if self.version == V5:
            kwargs["clean_start"] = self.clean
            kwargs["properties"] = make_properties(PacketTypes.CONNECT, props)
        with _open_lock:
            _open_clients.add(self)
        self.paho.connect(self.broker.host, self.port, self.keepalive, **kwargs)
        self.paho.loop_start()
        self._loop_started = True
        connack = self._wait(lambda: self._connack or (self.disconnected.is_set() and ConnAck(-1, False, {})),
                             timeout, "CONNACK")
        if check:
            assert connack.reason_code == 0, f"connection refused: reason code {connack.reason_code:#x}"
        return connack

    @property
    def connack(self) -> ConnAck | None:
        return self._connack

    @property
    def connected(self) -> bool:
        return self.paho.is_connected()

    def wait_disconnected(self, timeout: float = 5.0) -> int | None:
        """Waits until the connection is gone; returns paho's reason code for it."""
        assert self.disconnected.wait(timeout), f"client still connected after {timeout} s"
        return self.disconnect_reason

    def disconnect(self, reason: int | None = None, props: dict[str, Any] | None = None) -> None:
        kwargs: dict[str, Any] = {}
        if self.version == V5 and reason is not None:
            from paho.mqtt.reasoncodes import ReasonCode
            kwargs["reasoncode"] = ReasonCode(PacketTypes.DISCONNECT, identifier=reason)
        if self.version == V5 and props:
            kwargs["properties"] = make_properties(PacketTypes.DISCONNECT, props)
        self.paho.disconnect(**kwargs)
        self.disconnected.wait(5)
        self.close()

    def drop(self) -> None:
        """Closes the TCP connection without DISCONNECT (so the server publishes the will)."""
        sock = self.paho.socket()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.disconnected.wait(5)
        self.close()

    def close(self) -> None:
        with _open_lock:
            _open_clients.discard(self)
        if self.connected:
            try:
                self.paho.disconnect()
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        if self._loop_started:
            self._loop_started = False
            self.paho.loop_stop()

    def __enter__(self) -> "MqttClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # operations

    def subscribe(self, topic_filter: str | list[str], qos: int = 1, *, options: SubscribeOptions | None = None,
                  props: dict[str, Any] | None = None, timeout: float = 5.0) -> list[int]:
        """Subscribes and waits for the SUBACK; returns its codes (granted QoS, or >= 0x80)."""
        filters = [topic_filter] if isinstance(topic_filter, str) else topic_filter
        if self.version == V5:
            opts = options or SubscribeOptions(qos=qos)
            request: Any = [(f, opts) for f in filters]
            result, mid = self.paho.subscribe(request, properties=make_properties(PacketTypes.SUBSCRIBE, props))
        else:
            result, mid = self.paho.subscribe([(f, qos) for f in filters])
        assert result == paho.MQTT_ERR_SUCCESS, f"subscribe not sent: {result}"
        return self._wait(lambda: self._subacks.get(mid), timeout, f"SUBACK for {filters}")

    def unsubscribe(self, topic_filter: str, timeout: float = 5.0) -> list[int]:
        result, mid = self.paho.unsubscribe(topic_filter)
        assert result == paho.MQTT_ERR_SUCCESS, f"unsubscribe not sent: {result}"
        return self._wait(lambda: self._unsubacks.get(mid), timeout, f"UNSUBACK for {topic_filter}")

    def publish(self, topic: str, payload: bytes | str = b"", qos: int = 0, retain: bool = False,
                props: dict[str, Any] | None = None, wait: bool = True, timeout: float = 5.0) -> Any:
        """Publishes; with QoS > 0 and `wait`, waits for the PUBACK/PUBCOMP and returns its reason
        code (always 0 for MQTT 3). Without `wait`, returns paho's MQTTMessageInfo."""
        info = self.paho.publish(topic, payload, qos, retain, properties=make_properties(PacketTypes.PUBLISH, props))
        assert info.rc == paho.MQTT_ERR_SUCCESS, f"publish to {topic} not sent: {info.rc}"
        if not wait or qos == 0:
            return info
        return self._wait(lambda: (info.mid in self._acks) and (self._acks[info.mid] or 0, ),
                          timeout, f"acknowledgement of QoS {qos} publish to {topic}")[0]

    def acked(self, mid: int) -> bool:
        with self._cond:
            return mid in self._acks

    def acked_mids(self) -> set[int]:
        with self._cond:
            return set(self._acks)

    # inbox

    def expect(self, topic: str, payload: bytes | str | None = None, timeout: float = 2.0) -> Message:
        """Removes and returns the oldest received message on `topic` (with `payload` if given)."""
        want = payload.encode() if isinstance(payload, str) else payload

        def find() -> Message | None:
            for i, m in enumerate(self._messages):
                if m.topic == topic and (want is None or m.payload == want):
                    return self._messages.pop(i)
            return None

        try:
            return self._wait(find, timeout, f"message on {topic!r}")
        except AssertionError:
            with self._cond:
                seen = [(m.topic, m.payload[:40]) for m in self._messages]
            raise AssertionError(f"no message on {topic!r} (payload {want!r}) within {timeout} s; "
                                 f"inbox holds {seen}") from None

    def expect_none(self, duration: float = 0.3, topic: str | None = None) -> None:
        """Asserts that no message (on `topic`, if given) is or becomes waiting within `duration`."""
        deadline = time.monotonic() + duration
        with self._cond:
            while True:
                found = [m for m in self._messages if topic is None or m.topic == topic]
                assert not found, f"unexpected messages: {[(m.topic, m.payload[:40]) for m in found]}"
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._cond.wait(remaining)

    def wait_count(self, count: int, timeout: float, match: Callable[[Message], bool] = lambda m: True) -> list[Message]:
        """Waits until at least `count` matching messages are waiting; returns them (not removed)."""
        try:
            return self._wait(lambda: (lambda found: found if len(found) >= count else None)(
                [m for m in self._messages if match(m)]), timeout, f"{count} messages")
        except AssertionError:
            with self._cond:
                have = sum(1 for m in self._messages if match(m))
            raise AssertionError(f"only {have} of {count} messages arrived within {timeout} s") from None

    def take_all(self) -> list[Message]:
        with self._cond:
            taken, self._messages = self._messages, []
            return taken


# --------------------------------------------------------------------------------------------
# Brokers under test


class Broker:
    """Where an MQTT client of one tenant connects, and how to control the process behind it."""

    kind = "?"
    host = HOST
    # Where the reference broker knowingly differs from what Nimbus promises (see MosquittoBroker):
    keepalive_slack = 1.0  # seconds after 1.5 x keep-alive within which a silent client is dropped
    sends_session_taken_over = True  # MQTT 5: DISCONNECT 0x8E to the old connection on takeover
    persists_clean_start_sessions = True  # MQTT 5: Clean Start 1 + expiry > 0 survives a restart
    sends_server_shutting_down = True  # MQTT 5: DISCONNECT 0x8B to each connection on SIGTERM

    def __init__(self, port: int, *, username: str | None = None, password: str | None = None,
                 ws_port: int | None = None, ws_path: str = "/mqtt", tls_port: int | None = None,
                 ca_file: Path | None = None) -> None:
        self.port = port
        self.username = username
        self.password = password
        self.ws_port = ws_port
        self.ws_path = ws_path
        self.tls_port = tls_port
        self.ca_file = ca_file

    def client(self, version: int = V5, **kw: Any) -> MqttClient:
        return MqttClient(self, version=version, **kw)

    def connect(self, version: int = V5, **kw: Any) -> MqttClient:
        """A connected client (asserts the CONNACK accepted it)."""
        client = self.client(version, **kw)
        client.connect()
        return client

    def raw(self, **kw: Any) -> RawConnection:
        return RawConnection(self.port, host=self.host, **kw)

    def raw_connected(self, version: int = V311, client_id: str | None = None, keepalive: int = 0,
                      clean: bool = True, will: Will | None = None, props: Iterable[bytes] = (),
                      rcvbuf: int | None = None, credentials: bool = True) -> tuple[RawConnection, Packet]:
        """A raw connection after an accepted CONNECT; returns it and the CONNACK."""
        conn = self.raw(rcvbuf=rcvbuf)
        user, password = (self.username, self.password) if credentials else (None, None)
        conn.send(connect_packet(client_id if client_id is not None else unique_client_id("raw"), version=version,
                                 keepalive=keepalive, clean=clean, username=user, password=password, will=will,
                                 props=props))
        connack = conn.expect(CONNACK)
        assert connack.connack()[1] == 0, f"raw CONNECT refused: {connack}"
        return conn, connack

    def cli_args(self, version: int = V311) -> list[str]:
        """Common arguments of mosquitto_pub / mosquitto_sub for this broker and tenant."""
        args = ["-h", self.host, "-p", str(self.port), "-V", MOSQUITTO_CLI_VERSION[version]]
        if self.username is not None:
            args += ["-u", self.username]
        if self.password is not None:
            args += ["-P", self.password]
        return args

    def max_packet_size(self) -> int:
        """The server's Maximum Packet Size from an MQTT 5 CONNACK, else DEFAULT_MAX_PACKET."""
        with self.connect(V5) as client:
            assert client.connack is not None
            return int(client.connack.properties.get("MaximumPacketSize", DEFAULT_MAX_PACKET))

    # process control (overridden)

    def alive(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self) -> str:
        return ""


class NimbusBroker(Broker):
    """A project's view of a `nimbus serve` MQTT listener: username `apikey`, an `mqtt` key."""

    kind = "nimbus"

    def __init__(self, server: Any, project: Any, *, credentials: bool = True, tls_port: int | None = None,
                 ca_file: Path | None = None) -> None:
        key = project.key("mqtt").key if credentials else None
        super().__init__(server.mqtt_port, username=APIKEY_USER if credentials else None, password=key,
                         ws_port=server.http_port, ws_path="/mqtt", tls_port=tls_port, ca_file=ca_file)
        self.server = server
        self.project = project

    def on(self, server: Any, port: int | None = None) -> "NimbusBroker":
        """The same project key on another server sharing the database (so one client identifier names one session
        there too), at its MQTT listener or at `port` (a load balancer in front of it)."""
        other = copy.copy(self)
        other.server, other.port, other.ws_port = server, port or server.mqtt_port, server.http_port
        return other

    def tenant(self, project: Any, credentials: bool = True) -> "NimbusBroker":
        """The same server, seen by another project (or anonymously, without credentials)."""
        return NimbusBroker(self.server, project, credentials=credentials, tls_port=self.tls_port,
                            ca_file=self.ca_file)

    def alive(self) -> bool:
        if not self.server.running:
            return False
        import requests
        try:
            return requests.get(self.server.base_url + "/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def kill(self) -> None:
        self.server.kill()

    def log_tail(self) -> str:
        return self.server.log_tail()


class MosquittoBroker(Broker):
    """/usr/sbin/mosquitto with a generated config: user `apikey` with a random password,
    anonymous access allowed, persistence in its work dir, a TLS listener when a certificate is
    given, a 1 MiB maximum packet size, and a WebSocket bridge (Debian's mosquitto is built
    without WebSockets) that serves /mqtt with subprotocol `mqtt`."""

    kind = "mosquitto"
    # Mosquitto 2.0.11 checks keep-alive on a coarse timer: keepalive=1 is dropped after ~6 s,
    # keepalive=5 after ~12 s. And on takeover it closes the old MQTT 5 connection without the
    # (optional, per section 4.13) DISCONNECT 0x8E. Its persistence file leaves out MQTT 5
    # sessions whose CONNECT had Clean Start 1, even with a Session Expiry Interval (they are kept
    # in memory, but not across a restart). On SIGTERM it closes MQTT 5 connections without the
    # (optional, per section 4.13) DISCONNECT 0x8B Server shutting down.
    keepalive_slack = 5.0
    sends_session_taken_over = False
    persists_clean_start_sessions = False
    sends_server_shutting_down = False
    BINARY = os.environ.get("MOSQUITTO_BIN", "/usr/sbin/mosquitto")

    def __init__(self, workdir: Path, *, tls_cert: Path | None = None, tls_key: Path | None = None,
                 ca_file: Path | None = None, allow_anonymous: bool = True,
                 max_packet_size: int = DEFAULT_MAX_PACKET, extra_config: str = "") -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(18)
        super().__init__(free_port(), username=APIKEY_USER, password=password,
                         tls_port=free_port() if tls_cert else None, ca_file=ca_file)
        self.tls_cert, self.tls_key = tls_cert, tls_key
        self.allow_anonymous = allow_anonymous
        self.max_packet_size_config = max_packet_size
        self.extra_config = extra_config
        self.log_path = self.workdir / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.bridge = WsBridge(self.port)
        self.ws_port = self.bridge.port
        self._write_config()

    def _write_config(self) -> None:
        passwd = self.workdir / "passwd"
        passwd.write_text(f"{self.username}:{self.password}\n")
        passwd.chmod(0o600)
        subprocess.run(["mosquitto_passwd", "-U", str(passwd)], check=True, capture_output=True)
        lines = [
            "user root",  # do not drop to the mosquitto user, which cannot read pytest's tmp dirs
            "per_listener_settings false",
            f"allow_anonymous {'true' if self.allow_anonymous else 'false'}",
            f"password_file {passwd}",
            "persistence true",
            f"persistence_location {self.workdir}/",
            f"max_packet_size {self.max_packet_size_config}",
            "max_queued_messages 100000",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            f"listener {self.port} {HOST}",
        ]
        if self.tls_port:
            lines += [f"listener {self.tls_port} {HOST}", f"certfile {self.tls_cert}", f"keyfile {self.tls_key}"]
        self.config = self.workdir / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n" + self.extra_config + "\n")

    def start(self, timeout: float = 10.0) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([self.BINARY, "-c", str(self.config)], stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        ports = [p for p in (self.port, self.tls_port) if p]
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"mosquitto exited with {self.process.returncode}\n{self.log_tail()}")
            if all(_port_open(p) for p in ports):
                break
            assert time.monotonic() < deadline, f"mosquitto not listening within {timeout} s\n{self.log_tail()}"
            time.sleep(0.05)
        self.bridge.start()

    def stop(self, timeout: float = 10.0) -> None:
        terminate(self.process, "mosquitto", timeout, self.kill, self.log_tail)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self.bridge.stop()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and _port_open(self.port)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "---- mosquitto log (tail) ----\n" + "\n".join(text[-lines:])


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------------------------
# A WebSocket-to-TCP bridge (only for Mosquitto mode)


class WsBridge:
    """Accepts `ws://127.0.0.1:PORT/mqtt` with subprotocol `mqtt` and relays binary frames to and
    from a TCP MQTT listener, as a broker with native WebSockets would. Other paths get 404 and a
    handshake that does not offer `mqtt` gets 400."""

    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, upstream_port: int, path: str = "/mqtt") -> None:
        self.upstream_port = upstream_port
        self.path = path
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, 0))
        self.port = self.listener.getsockname()[1]
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> None:
        if self._thread is None:
            self.listener.listen(64)
            self._thread = threading.Thread(target=self._accept, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopped = True
        try:
            self.listener.close()
        except OSError:
            pass

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return conn.close()
                request += chunk
            head, rest = request.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
            protocols = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
            if path != self.path:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return conn.close()
            if "mqtt" not in protocols or "sec-websocket-key" not in headers:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return conn.close()
            accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + self.GUID).encode()).digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n")
            upstream = socket.create_connection((HOST, self.upstream_port))
        except OSError:
            conn.close()
            return
        threading.Thread(target=self._upstream_to_ws, args=(upstream, conn), daemon=True).start()
        self._ws_to_upstream(conn, upstream, bytearray(rest))

    @staticmethod
    def _ws_to_upstream(conn: socket.socket, upstream: socket.socket, buf: bytearray) -> None:
        try:
            while True:
                while True:  # parse as many frames as are complete
                    if len(buf) < 2:
                        break
                    opcode, masked, length, i = buf[0] & 0x0F, buf[1] & 0x80, buf[1] & 0x7F, 2
                    if length == 126:
                        if len(buf) < 4:
                            break
                        length, i = struct.unpack_from("!H", buf, 2)[0], 4
                    elif length == 127:
                        if len(buf) < 10:
                            break
                        length, i = struct.unpack_from("!Q", buf, 2)[0], 10
                    mask = bytes(buf[i:i + 4]) if masked else b""
                    i += 4 if masked else 0
                    if len(buf) < i + length:
                        break
                    data = bytes(buf[i:i + length])
                    del buf[:i + length]
                    if masked:
                        data = bytes(b ^ mask[j % 4] for j, b in enumerate(data))
                    if opcode == 0x8:
                        raise OSError("closed")
                    if opcode == 0x9:
                        conn.sendall(WsBridge._frame(data, 0xA))
                    elif opcode in (0x0, 0x1, 0x2):
                        upstream.sendall(data)
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
        for s in (conn, upstream):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    @staticmethod
    def _upstream_to_ws(upstream: socket.socket, conn: socket.socket) -> None:
        try:
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                conn.sendall(WsBridge._frame(chunk, 0x2))
        except OSError:
            pass
        try:
            conn.sendall(b"\x88\x00")
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    @staticmethod
    def _frame(data: bytes, opcode: int) -> bytes:
        n = len(data)
        if n < 126:
            head = bytes([0x80 | opcode, n])
        elif n < 65536:
            head = bytes([0x80 | opcode, 126]) + struct.pack("!H", n)
        else:
            head = bytes([0x80 | opcode, 127]) + struct.pack("!Q", n)
        return head + data


# --------------------------------------------------------------------------------------------
# mosquitto_pub / mosquitto_sub


def mosquitto_clients_available() -> bool:
    return bool(shutil.which("mosquitto_pub") and shutil.which("mosquitto_sub"))


def mosquitto_pub(broker: Broker, topic: str, message: str, *, version: int = V311, qos: int = 0,
                  retain: bool = False, extra: Iterable[str] = (), timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
    args = ["mosquitto_pub", *broker.cli_args(version), "-t", topic, "-m", message, "-q", str(qos)]
    if retain:
        args.append("-r")
    return subprocess.run([*args, *extra], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class MosquittoSub:
    """A running `mosquitto_sub -d` whose output is read on a thread: `ready()` waits for its
    SUBACK, `lines` holds the messages printed as `MSG <topic> <payload>`."""

    def __init__(self, broker: Broker, topic: str, *, version: int = V311, qos: int = 0, count: int | None = None,
                 extra: Iterable[str] = ()) -> None:
        args = ["mosquitto_sub", *broker.cli_args(version), "-t", topic, "-q", str(qos), "-d",
                "-F", "MSG %t %p", "-W", "20"]
        if count is not None:
            args += ["-C", str(count)]
        # stdbuf: mosquitto_sub's stdout is a pipe here, which libc would otherwise block-buffer.
        line_buffered = ["stdbuf", "-oL"] if shutil.which("stdbuf") else []
        self.proc = subprocess.Popen([*line_buffered, *args, *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     stdin=subprocess.DEVNULL)
        self.output: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.output.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None and not self._thread.is_alive()):
                    raise AssertionError(f"mosquitto_sub: no {what} within {timeout} s; output:\n"
                                         + "\n".join(self.output))
                self._cond.wait(min(remaining, 0.1))

    def ready(self, timeout: float = 5.0) -> "MosquittoSub":
        self._wait_for(lambda: any("SUBACK" in line for line in self.output), timeout, "SUBACK")
        return self

    @property
    def messages(self) -> list[str]:
        with self._cond:
            return [line[4:] for line in self.output if line.startswith("MSG ")]

    def expect(self, line: str, timeout: float = 5.0) -> None:
        self._wait_for(lambda: line in self.messages, timeout, f"message line {line!r}")

    def wait(self, timeout: float = 10.0) -> int:
        return self.proc.wait(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __enter__(self) -> "MosquittoSub":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# Durability under kill -9


@dataclass
class StormResult:
    published: dict[tuple[int, int], str] = field(default_factory=dict)  # (publisher, mid) -> key
    acknowledged: set[str] = field(default_factory=set)  # keys whose PUBACK arrived before the kill

    @property
    def acked_count(self) -> int:
        return len(self.acknowledged)


def qos1_storm_then_stop(broker: Broker, publish: Callable[[MqttClient, int, int], tuple[Any, str]],
                         stop: Callable[[], None], *, publishers: int = 4, stop_after_acks: int = 300,
                         max_seconds: float = 20.0, connect: Callable[[int], MqttClient] | None = None) -> StormResult:
    """Publishes QoS 1 messages from `publishers` clients as fast as they are acknowledged, calls
    `stop()` (e.g. kill -9 the server) once `stop_after_acks` PUBACKs arrived, and returns which
    keys were acknowledged before the stop.

    `publish(client, publisher_index, sequence)` sends one QoS 1 message without waiting and returns
    (paho MQTTMessageInfo, key): the key is what the recovery check later looks for (a retained
    topic here; a device event id in a MODE-device variant). `connect(i)` makes publisher i's
    client (default: `broker.connect(V311)` with a large inflight window)."""
    result = StormResult()
    lock = threading.Lock()
    halt = threading.Event()
    clients = [(connect or (lambda i: broker.connect(V311, max_inflight=200)))(i) for i in range(publishers)]
    pending: list[dict[int, str]] = [{} for _ in clients]

    def run(index: int, client: MqttClient) -> None:
        seq = 0
        while not halt.is_set() and client.connected:
            if seq - len(client.acked_mids()) > 100:
                time.sleep(0.001)  # keep ~100 in flight per publisher
                continue
            try:
                info, key = publish(client, index, seq)
            except (ValueError, OSError):
                return
            with lock:
                pending[index][info.mid] = key
            seq += 1

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + max_seconds
    while True:
        acked = sum(len(c.acked_mids()) for c in clients)
        if acked >= stop_after_acks:
            break
        assert time.monotonic() < deadline, f"only {acked} PUBACKs within {max_seconds} s\n{broker.log_tail()}"
        time.sleep(0.005)
    # Snapshot acknowledgements *before* the stop: anything acknowledged later does not count.
    with lock:
        acked_before = [(dict(pending[i]), c.acked_mids()) for i, c in enumerate(clients)]
    stop()
    halt.set()
    for t in threads:
        t.join(5)
    for client in clients:
        client.close()
    for i, (sent, acked_mids) in enumerate(acked_before):
        for mid, key in sent.items():
            result.published[(i, mid)] = key
            if mid in acked_mids:
                result.acknowledged.add(key)
    # A PUBACK for a mid recorded after the snapshot cannot be matched: mids are only reused after
    # 65535 publishes, which this storm never reaches per publisher.
    return result


def collect_retained(broker: Broker, topic_filter: str, expected: set[str], timeout: float = 10.0) -> set[str]:
    """Subscribes to `topic_filter` and returns the topics of the retained messages whose payload
    equals their topic; waits until all of `expected` arrived or `timeout` passed (and at least
    a short quiet period, so extra messages are counted too)."""
    client = broker.connect(V5)
    try:
        client.subscribe(topic_filter, qos=1)
        found: set[str] = set()
        deadline = time.monotonic() + timeout
        last_arrival = time.monotonic()
        while time.monotonic() < deadline:
            batch = client.take_all()
            for m in batch:
                if m.retain and m.payload == m.topic.encode():
                    found.add(m.topic)
            if batch:
                last_arrival = time.monotonic()
            elif expected <= found and time.monotonic() - last_arrival > 0.3:
                break
            time.sleep(0.05)
        return found
    finally:
        client.close()
