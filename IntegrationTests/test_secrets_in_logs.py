"""No password, token, API key, claim code or emailed secret reaches the server log, even at trace
level, while users sign up and in, verify, reset passwords, and devices and users use WebSockets
(whose tokens travel in the query string)."""

import re
from pathlib import Path

from harness import NimbusServer, expect
from world import Project, open_user_ws


def test_the_log_never_holds_a_secret(nimbus_bin: Path, mailbox, sms, tmp_path: Path):
    server = NimbusServer(nimbus_bin, tmp_path / "data", mailbox=mailbox, sms=sms, log_level="trace")
    server.start()
    try:
        project = Project(server, "email")
        owner = project.new_user()
        home = project.new_home(owner)
        device = project.device_in_home(owner, home)
        key = project.key("events", "kv", "admin")
        with open_user_ws(server, owner) as ws:  # the session token travels as ?authToken=
            expect(device.client.put(f"/devices/{device.id}/event", json={"eventType": "t", "eventData": {}}), 204)
            ws.recv_json()
        with project.connect_device(device, via="query"):
            expect(owner.client.put(f"/devices/{device.id}/command", json={"action": "x"}), 204)
        expect(project.anon.post("/auth/user/passwordReset/start", json={"projectId": project.id, "email": owner.email}), 200)
        # The sign-up verification mail came first; the reset mail is the newest one.
        while True:
            mail = mailbox.pop(owner.email)
            if "passwordReset" in mail.text:
                break
        emailed = re.findall(r"token=([A-Za-z0-9_\-]+)", mail.link("/mode/auth/user/passwordReset"))
        assert emailed, "the reset email carries a token"
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    assert "trace" in log or "debug" in log, "the server ran at trace level"
    secrets = {"session token": owner.token, "device key": device.api_key, "project key": key.key,
               "password": owner.password, "reset token": emailed[0]}
    for name, secret in secrets.items():
        assert secret and secret not in log, f"the {name} appears in the server log"
