"""Building blocks of the black-box suite: the mail and HTTP sinks, the server process, the MODE
REST client and WebSocket helpers. Nothing here knows about a particular test; conftest.py wires
these into fixtures and world.py builds scenarios on top of them.

Everything talks to the server over real loopback sockets only.
"""

from __future__ import annotations

import collections
import email
import email.policy
import html
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable

import requests
import websocket
from aiosmtpd.controller import Controller

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BIN = REPO_ROOT / ".build" / "debug" / "nimbus"
HTTP_TIMEOUT = 10.0
SINK_TIMEOUT = 10.0
RFC3339_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def nimbus_binary() -> Path:
    """The server under test: $NIMBUS_BIN, else .build/debug/nimbus of this checkout."""
    return Path(os.environ.get("NIMBUS_BIN", str(DEFAULT_BIN)))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], Any], timeout: float = SINK_TIMEOUT, interval: float = 0.05,
               what: str = "condition") -> Any:
    """Polls `predicate` until it returns something truthy, which is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class _Inbox:
    """A thread-safe list of captured items that tests consume oldest first."""

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._taken: set[int] = set()
        self._cond = threading.Condition()

    def add(self, item: Any) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def all(self) -> list[Any]:
        with self._cond:
            return list(self._items)

    def pop(self, match: Callable[[Any], bool], timeout: float, what: str) -> Any:
        """Removes and returns the oldest item not taken yet that satisfies `match`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index, item in enumerate(self._items):
                    if index not in self._taken and match(item):
                        self._taken.add(index)
                        return item
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"nothing arrived within {timeout:.0f} s: {what}")
                self._cond.wait(remaining)

    def count(self, match: Callable[[Any], bool]) -> int:
        with self._cond:
            return sum(1 for item in self._items if match(item))


# --------------------------------------------------------------------------------------------
# SMTP sink


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    subject: str
    text: str  # every text/* part, decoded and joined
    raw: bytes = b""  # the DATA as the server sent it, dot-stuffing undone

    def links(self) -> list[str]:
        found = re.findall(r"""https?://[^\s"'<>]+""", self.text)
        return [html.unescape(link).rstrip(".,;)") for link in found]

    def link(self, path: str) -> str:
        """The first link whose path is `path` (e.g. /mode/auth/user/emailVerification)."""
        for link in self.links():
            if urllib.parse.urlsplit(link).path == path:
                return link
        raise AssertionError(f"no link to {path} in mail {self.subject!r}:\n{self.text}")

    def token(self, path: str) -> str:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.link(path)).query)
        assert query.get("token"), f"link to {path} has no token: {self.link(path)}"
        return query["token"][0]


def _parse_mail(envelope: Any) -> Mail:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(str(part.get_content()))
    return Mail(
        sender=envelope.mail_from,
        recipients=[r.lower() for r in envelope.rcpt_tos],
        subject=str(message.get("Subject", "")),
        text="\n".join(parts),
        raw=envelope.original_content or b"",
    )


class _SmtpHandler:
    def __init__(self, inbox: _Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.inbox.add(_parse_mail(envelope))
        return "250 Message accepted"


class _Credentials:
    """aiosmtpd authenticator accepting one user name and password."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult
        ok = auth_data.login == self.username and auth_data.password == self.password
        return AuthResult(success=ok)


class Mailbox:
    """An aiosmtpd SMTP server on loopback that keeps every message it is given.

    With `tls`, it offers STARTTLS with that server context and requires it (and `credentials`,
    which it only accepts over TLS) before taking mail; `ca_file` is the PEM a client must trust."""

    def __init__(self, tls: Any = None, ca_file: Path | None = None,
                 credentials: tuple[str, str] | None = None) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self.ca_file = ca_file
        self.credentials = credentials
        options: dict[str, Any] = {}
        if tls is not None:
            options.update(tls_context=tls, require_starttls=True)
        if credentials is not None:
            options.update(authenticator=_Credentials(*credentials), auth_required=True)
        self._controller = Controller(_SmtpHandler(self.inbox), hostname="127.0.0.1", port=self.port, **options)

    @property
    def url(self) -> str:
        user = "" if self.credentials is None else "{}:{}@".format(*map(urllib.parse.quote, self.credentials))
        return f"smtp://{user}127.0.0.1:{self.port}"

    def start(self) -> "Mailbox":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def pop(self, to: str, timeout: float = SINK_TIMEOUT) -> Mail:
        """The oldest unread mail to `to`; fails if none arrives in time."""
        return self.inbox.pop(lambda m: to.lower() in m.recipients, timeout, f"mail to {to}")

    def count(self, to: str) -> int:
        return self.inbox.count(lambda m: to.lower() in m.recipients)


# --------------------------------------------------------------------------------------------
# HTTP sink (SMS gateway, webhook receiver)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def json(self) -> Any:
        return json.loads(self.body)


class _SinkServer(ThreadingHTTPServer):
    # The default listen backlog of 5 overflows when a sender opens many connections at once (the
    # outbox delivers up to 32 webhooks concurrently); the kernel then drops the SYNs and the
    # sender's TCP retries a second later, which would make a burst of deliveries crawl.
    request_queue_size = 128


class HttpSink:
    """A threaded HTTP server that records every request. It answers each with the next status
    from `statuses` (then 200), so a test can make the first deliveries fail."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.statuses: collections.deque[int] = collections.deque()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                body = self._read_body()
                if body is None:
                    # The sender died mid-request (the kill -9 tests do that to Nimbus): a request that never
                    # arrived whole was not delivered, and the sender sends it again after its restart.
                    self.close_connection = True
                    return
                sink.inbox.add(Received(self.command, self.path,
                                        {k.lower(): v for k, v in self.headers.items()}, body))
                status = sink.statuses.popleft() if sink.statuses else 200
                payload = b'{"status":"queued"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _read_body(self) -> bytes | None:
                """The whole body, or None if the connection ended before it did."""
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        line = self.rfile.readline()
                        if not line.endswith(b"\n"):
                            return None
                        size = int(line.split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            return b"".join(chunks)
                        chunk = self.rfile.read(size)
                        if len(chunk) < size:
                            return None
                        chunks.append(chunk)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                return body if len(body) == length else None

            do_POST = do_PUT = do_GET = do_PATCH = do_DELETE = _record

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _SinkServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str = "/", userinfo: str = "") -> str:
        at = f"{userinfo}@" if userinfo else ""
        return f"http://{at}127.0.0.1:{self.port}{path}"

    def start(self) -> "HttpSink":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def pop(self, match: Callable[[Received], bool] = lambda r: True, timeout: float = SINK_TIMEOUT,
            what: str = "an HTTP request") -> Received:
        return self.inbox.pop(match, timeout, what)

    def count(self, match: Callable[[Received], bool] = lambda r: True) -> int:
        return self.inbox.count(match)


class SmsGateway(HttpSink):
    """The SMS sink: the server POSTs forms {To, From, Body} with basic auth from --sms-url."""

    USER, PASSWORD, FROM = "smsuser", "smspass", "+15550000000"

    @property
    def server_url(self) -> str:
        return self.url("/sms", userinfo=f"{self.USER}:{self.PASSWORD}")

    def pop_to(self, phone: str, timeout: float = SINK_TIMEOUT) -> Received:
        return self.pop(lambda r: r.form().get("To") == phone, timeout, f"SMS to {phone}")

    def code_for(self, phone: str, timeout: float = SINK_TIMEOUT) -> str:
        """The 6-digit code of the next SMS to `phone`."""
        return self.code_in(self.pop_to(phone, timeout))

    @staticmethod
    def code_in(message: Received) -> str:
        body = message.form().get("Body", "")
        match = re.search(r"(?<!\d)(\d{6})(?!\d)", body)
        assert match, f"no 6-digit code in SMS body {body!r}"
        return match.group(1)


# --------------------------------------------------------------------------------------------
# MODE REST client

_NOTHING = object()


def describe(resp: requests.Response) -> str:
    """One line about a request and its answer, for assertion messages."""
    req = resp.request
    body = req.body
    if isinstance(body, bytes):
        body = body[:300].decode(errors="replace")
    elif isinstance(body, str):
        body = body[:300]
    auth = req.headers.get("Authorization", "")
    auth = f" [{auth[:24]}…]" if auth else ""
    return f"{req.method} {req.url}{auth} body={body!r} -> {resp.status_code} {resp.text[:600]!r}"


def error_reason(resp: requests.Response) -> str:
    """The `reason` of an error answer; fails unless the body is JSON with a string reason."""
    try:
        body = resp.json()
    except ValueError:
        raise AssertionError(f"error answer is not JSON: {describe(resp)}") from None
    assert isinstance(body, dict) and isinstance(body.get("reason"), str) and body["reason"], \
        f"error answer has no reason: {describe(resp)}"
    return body["reason"]


def expect(resp: requests.Response, status: int | Iterable[int], reason: str | Iterable[str] | None = None) -> Any:
    """Asserts the status (and the error reason); returns the JSON body, or None when empty."""
    statuses = {status} if isinstance(status, int) else set(status)
    assert resp.status_code in statuses, f"expected {sorted(statuses)}: {describe(resp)}"
    if reason is not None:
        reasons = {reason} if isinstance(reason, str) else set(reason)
        got = error_reason(resp)
        assert got in reasons, f"expected reason {sorted(reasons)}, got {got}: {describe(resp)}"
    if resp.status_code >= 400:
        error_reason(resp)
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return resp.text


def expect_error(resp: requests.Response, statuses: Iterable[int] = range(400, 500),
                 reason: str | Iterable[str] | None = None) -> str:
    """Asserts a 4xx (or one of `statuses`) with a JSON reason; returns the reason."""
    expect(resp, statuses, reason)
    return error_reason(resp)


class ModeClient:
    """requests against {base}/mode with `Authorization: ModeCloud <token>` when a token is set."""

    def __init__(self, base_url: str, token: str | None = None, scheme: str = "ModeCloud") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.scheme = scheme
        self.session = requests.Session()

    def with_token(self, token: str | None, scheme: str = "ModeCloud") -> "ModeClient":
        return ModeClient(self.base_url, token, scheme)

    def request(self, method: str, path: str, *, json: Any = _NOTHING, form: dict[str, Any] | None = None,
                data: bytes | str | None = None, content_type: str | None = None,
                params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                timeout: float = HTTP_TIMEOUT) -> requests.Response:
        hdrs = {}
        if self.token is not None:
            hdrs["Authorization"] = f"{self.scheme} {self.token}"
        if content_type:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        kwargs: dict[str, Any] = {"params": params, "headers": hdrs, "timeout": timeout}
        if json is not _NOTHING:
            kwargs["json"] = json
        elif form is not None:
            kwargs["data"] = {k: _form_value(v) for k, v in form.items()}
        elif data is not None:
            kwargs["data"] = data
        return self.session.request(method, self.base_url + "/mode" + path, **kwargs)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)


def _form_value(value: Any) -> str:
    """Form encoding as docs/mode.md defines it: numbers and booleans as text, objects as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


# --------------------------------------------------------------------------------------------
# WebSockets


class WebSocketRejected(AssertionError):
    def __init__(self, status: int, body: bytes | None) -> None:
        super().__init__(f"WebSocket handshake answered {status}: {body!r}")
        self.status = status
        self.body = body or b""

    def assert_refused(self, statuses: int | Iterable[int], reason: str | None = None) -> None:
        """The handshake was refused with one of `statuses`, a MODE error body, and `reason` if given."""
        allowed = {statuses} if isinstance(statuses, int) else set(statuses)
        assert self.status in allowed, self
        actual = self.reason()
        if reason is not None:
            assert actual == reason, self

    def reason(self) -> str:
        try:
            body = json.loads(self.body)
        except ValueError:
            raise AssertionError(f"rejected handshake has no JSON body: {self}") from None
        assert isinstance(body, dict) and isinstance(body.get("reason"), str), \
            f"rejected handshake has no reason: {self}"
        return body["reason"]


class WsClient:
    """A connected WebSocket with helpers to read JSON frames and to observe the close."""

    def __init__(self, ws: websocket.WebSocket) -> None:
        self.ws = ws

    @classmethod
    def connect(cls, url: str, token: str | None = None, via: str = "query",
                timeout: float = 5.0) -> "WsClient":
        header = []
        if token is not None and via == "header":
            header.append(f"Authorization: ModeCloud {token}")
        elif token is not None:
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}authToken={urllib.parse.quote(token, safe='')}"
        try:
            ws = websocket.create_connection(url, header=header, timeout=timeout)
        except websocket.WebSocketBadStatusException as e:
            raise WebSocketRejected(e.status_code, getattr(e, "resp_body", None)) from None
        return cls(ws)

    def recv_json(self, timeout: float = 5.0) -> Any:
        """The next text frame, parsed; fails on timeout or close."""
        self.ws.settimeout(timeout)
        try:
            opcode, frame = self.ws.recv_data_frame(control_frame=False)
        except websocket.WebSocketTimeoutException:
            raise AssertionError(f"no WebSocket frame within {timeout} s") from None
        assert opcode == websocket.ABNF.OPCODE_TEXT, f"expected a text frame, got opcode {opcode}: {frame.data!r}"
        return json.loads(frame.data)

    def expect_quiet(self, duration: float = 0.5) -> None:
        """Asserts that no text frame arrives within `duration`."""
        self.ws.settimeout(duration)
        try:
            opcode, frame = self.ws.recv_data_frame(control_frame=False)
        except websocket.WebSocketTimeoutException:
            return
        raise AssertionError(f"unexpected WebSocket frame (opcode {opcode}): {frame.data!r}")

    def ping(self, payload: bytes = b"are-you-there", timeout: float = 5.0) -> bytes:
        """Sends a ping and returns the pong's payload."""
        self.ws.ping(payload)
        self.ws.settimeout(timeout)
        while True:
            opcode, frame = self.ws.recv_data_frame(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_PONG:
                return frame.data
            assert opcode != websocket.ABNF.OPCODE_CLOSE, "closed while waiting for a pong"

    def send_text(self, text: str) -> None:
        self.ws.send(text)

    def wait_closed(self, timeout: float = 5.0) -> int | None:
        """Reads until the server closes; returns the close code (None if the TCP connection just
        ended). Fails if the connection stays open for `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"WebSocket still open after {timeout} s")
            self.ws.settimeout(remaining)
            try:
                opcode, frame = self.ws.recv_data_frame(control_frame=True)
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
                return None
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                data = frame.data or b""
                return int.from_bytes(data[:2], "big") if len(data) >= 2 else None

    def close(self) -> None:
        try:
            self.ws.close(timeout=1)
        except Exception:  # noqa: BLE001 - closing a dead socket is fine
            pass

    def __enter__(self) -> "WsClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# The server process


def terminate(process: subprocess.Popen[bytes] | None, name: str, timeout: float,
              kill: Callable[[], None], log_tail: Callable[[], str]) -> None:
    """Sends SIGTERM to a running server process and asserts a clean exit (status 0) within
    `timeout`; kills it if it does not exit."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        kill()
        raise AssertionError(f"{name} did not exit within {timeout:.0f} s of SIGTERM\n{log_tail()}") from None
    assert code == 0, f"{name} exited with {code} after SIGTERM\n{log_tail()}"


def open_from(source: str, port: int, timeout: float = 2.0) -> socket.socket | None:
    """A TCP connection to 127.0.0.1:`port` from the loopback address `source` (127.0.0.2 and up stand
    for other clients, for the per-address limits), or None if it could not be made."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.settimeout(timeout)
    try:
        sock.connect(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    return sock


class NimbusServer:
    """One `nimbus serve` process on free loopback ports. It can be stopped and started again on
    the same data dir (or database) and ports."""

    MAIL_FROM = "nimbus@example.test"
    # Every test client connects from 127.0.0.1, so the per-address limits meant for one client of the
    # internet would count the whole suite as one attacker. Servers lift them unless a test asks for the
    # defaults (`production_limits=True`), as the tests of those limits do.
    LOOPBACK_LIMITS = ["--mqtt-connection-rate-per-address", "100000",
                       "--mqtt-max-unauthenticated-per-address", "100000",
                       "--http-max-connections-per-address", "100000"]

    def __init__(self, binary: Path, data_dir: Path, *, database: str | None = None,
                 mailbox: Mailbox | None = None, sms: SmsGateway | None = None,
                 log_path: Path | None = None, log_level: str | None = None,
                 extra_args: Iterable[str] = (), production_limits: bool = False) -> None:
        self.binary = Path(binary)
        self.production_limits = production_limits
        self.extra_args = list(extra_args)  # appended to `nimbus serve ...`; may change before a restart
        self.log_level = log_level
        self.data_dir = Path(data_dir)
        self.database = database
        self.mailbox = mailbox
        self.sms = sms
        self.http_port = free_port()
        self.mqtt_port = free_port()
        self.log_path = log_path or self.data_dir.parent / f"{self.data_dir.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    # URLs

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.http_port}/mode"

    def client(self, token: str | None = None) -> ModeClient:
        return ModeClient(self.base_url, token)

    def ws(self, path: str, token: str | None = None, via: str = "query") -> WsClient:
        return WsClient.connect(self.ws_url + path, token, via)

    # Process control

    def storage_args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database:
            args += ["--database", self.database]
        return args

    def serve_args(self) -> list[str]:
        args = ["serve", *self.storage_args(), "--http-port", str(self.http_port),
                "--mqtt-port", str(self.mqtt_port), "--bind", "127.0.0.1"]
        if self.mailbox:
            args += ["--smtp-url", self.mailbox.url, "--mail-from", self.MAIL_FROM]
            if self.mailbox.ca_file:
                args += ["--smtp-ca", str(self.mailbox.ca_file)]
        if self.sms:
            args += ["--sms-url", self.sms.server_url, "--sms-from", self.sms.FROM]
        if self.log_level:
            args += ["--log-level", self.log_level]
        if not self.production_limits:
            args += self.LOOPBACK_LIMITS
        return args + [str(a) for a in self.extra_args]

    def rss_mb(self) -> float:
        """The running server's resident memory, in MiB (for tests that bound what clients make it hold)."""
        assert self.process is not None and self.process.poll() is None, "the server is not running"
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS in /proc/PID/status")

    def open_sockets(self) -> int:
        """How many sockets the running server has open (its file descriptors that are sockets)."""
        assert self.process is not None and self.process.poll() is None, "the server is not running"
        count = 0
        for fd in Path(f"/proc/{self.process.pid}/fd").iterdir():
            try:
                count += os.readlink(fd).startswith("socket:")
            except OSError:
                pass  # closed meanwhile
        return count

    @staticmethod
    def child_env() -> dict[str, str]:
        """The environment without NIMBUS_* settings, so only our flags configure the server."""
        return {k: v for k, v in os.environ.items() if not k.startswith("NIMBUS_")}

    def start(self, timeout: float = 60.0) -> "NimbusServer":
        assert self.process is None or self.process.poll() is not None, "already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        log.write(f"\n==== nimbus {' '.join(self.serve_args())}\n".encode())
        log.flush()
        self.process = subprocess.Popen([str(self.binary), *self.serve_args()], stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT, env=self.child_env())
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"nimbus serve exited with {self.process.returncode} before it was "
                                     f"ready\n{self.log_tail()}")
            try:
                # /ready: on PostgreSQL the node also listens to the other nodes' live messages by then.
                resp = requests.get(self.base_url + "/ready", timeout=1)
                if resp.status_code == 200 and resp.json().get("status") == "ready":
                    return self
            except (requests.RequestException, ValueError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"/ready not ready within {timeout:.0f} s\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM; asserts a clean exit (status 0) within `timeout`."""
        terminate(self.process, "nimbus", timeout, self.kill, self.log_tail)

    def restart(self) -> "NimbusServer":
        self.stop()
        return self.start()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "---- server log (tail) ----\n" + "\n".join(text[-lines:])

    # Admin CLI

    def cli(self, *args: Any) -> Any:
        """Runs `nimbus ARGS --data-dir ...` and returns the one JSON document it prints."""
        argv = [str(self.binary), *map(str, args), *self.storage_args()]
        result = subprocess.run(argv, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                                env=self.child_env())
        shown = " ".join(argv[1:])
        assert result.returncode == 0, (f"`nimbus {shown}` exited {result.returncode}\n"
                                        f"stdout: {result.stdout.decode(errors='replace')}\n"
                                        f"stderr: {result.stderr.decode(errors='replace')}")
        try:
            return json.loads(result.stdout)
        except ValueError:
            raise AssertionError(f"`nimbus {shown}` did not print one JSON document:\n"
                                 f"{result.stdout.decode(errors='replace')}") from None
