"""Hardening, mail (issue 11, defect 9): user text cannot smuggle SMTP commands into DATA.

A home name containing `\\r.\\r\\nMAIL FROM:<...>` went unchanged into the invitation's body, a bare CR
in the DATA stream (RFC 5321 §2.3.8 allows CR and LF only as CRLF) that servers reading a bare CR or LF
as a line end take for the end of the message and the start of a second one (SMTP smuggling). Now
every body is sent with CRLF line ends only, each line dot-stuffed, and headers carry no control
characters from user data.

Names with a CR are refused since defect 10, but a newline is allowed in a name, and names stored
before that still hold CRs: the second test puts one in the database, as an older version stored it.
"""

from __future__ import annotations

import re
import sqlite3
import time

from harness import Mailbox, NimbusServer, expect
from world import Project, unique_email

EVIL = "evil@smuggler.test"


def assert_only_crlf(raw: bytes) -> None:
    assert raw, "the sink kept no raw DATA"
    bare = [m.start() for m in re.finditer(rb"\r(?!\n)|(?<!\r)\n", raw)]
    assert not bare, f"bare CR or LF at {bare[:5]} in the DATA: {raw!r}"


def invite(project: Project, owner, home: int) -> str:
    invitee = unique_email()
    expect(owner.client.post(f"/homes/{home}/members", json={"email": invitee, "role": "member"}), 201)
    return invitee


def assert_one_clean_invitation(mailbox: Mailbox, invitee: str, smuggled_text: str) -> None:
    mail = mailbox.pop(invitee)
    assert_only_crlf(mail.raw)
    assert smuggled_text in mail.text, f"the name is in the body as text: {mail.text!r}"
    assert "\r" not in mail.subject and "\n" not in mail.subject, mail.subject
    time.sleep(1)  # a smuggled second message would follow at once
    assert mailbox.count(invitee) == 1, "one invitation, not two"
    assert mailbox.count(EVIL) == 0, "no message went to the smuggled recipient"


def test_a_home_name_with_lone_dots_and_commands_stays_in_one_message(server: NimbusServer, make_project):
    project = make_project("email")
    owner = project.new_user()
    name = f"Home\n.\nMAIL FROM:<{EVIL}>\nRCPT TO:<{EVIL}>\nDATA\n\nsmuggled\n.\nQUIT"
    home = project.new_home(owner, name)
    invitee = invite(project, owner, home)
    assert_one_clean_invitation(server.mailbox, invitee, f"MAIL FROM:<{EVIL}>")


def test_a_stored_name_with_bare_crs_is_sent_with_crlf_only(private_server: NimbusServer):
    project = Project(private_server, "email")
    owner = project.new_user()
    home = project.new_home(owner, "renamed below")
    private_server.stop()
    smuggling = f"Home\r.\r\nMAIL FROM:<{EVIL}>\r\nRCPT TO:<{EVIL}>\r\nDATA\r\nsmuggled\r.\rend"
    with sqlite3.connect(private_server.data_dir / "nimbus.sqlite") as db:
        assert db.execute("UPDATE homes SET name = ? WHERE id = ?", (smuggling, home)).rowcount == 1
    private_server.start()
    invitee = invite(project, owner, home)
    assert_one_clean_invitation(private_server.mailbox, invitee, f"MAIL FROM:<{EVIL}>")
