"""Email over STARTTLS: the SMTP client upgrades to TLS when the server offers it, checks the
server's certificate (against `--smtp-ca`), and sends AUTH PLAIN credentials only inside TLS."""
from __future__ import annotations

import ssl
from pathlib import Path
from typing import Iterator

import pytest
import trustme

from harness import Mailbox, NimbusServer
from world import Project, unique_email

CREDENTIALS = ("relay-user", "relay p@ss")


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[trustme.CA, Path]]:
    """A throwaway CA and its certificate as a PEM file."""
    ca = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    yield ca, path


def tls_mailbox(ca: trustme.CA, ca_file: Path | None) -> Mailbox:
    """A STARTTLS-only SMTP sink with a certificate for 127.0.0.1 issued by `ca`."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    return Mailbox(tls=server_context, ca_file=ca_file, credentials=CREDENTIALS).start()


def run_server(nimbus_bin: Path, tmp_path: Path, mailbox: Mailbox) -> NimbusServer:
    return NimbusServer(nimbus_bin, tmp_path / "data", mailbox=mailbox).start()


def test_mail_goes_out_over_starttls_with_auth(nimbus_bin: Path, tmp_path: Path, authority) -> None:
    ca, ca_file = authority
    mailbox = tls_mailbox(ca, ca_file)
    server = run_server(nimbus_bin, tmp_path, mailbox)
    try:
        project = Project(server, accounts="email", mailbox=mailbox)
        email = unique_email()
        project.sign_up_email(email)
        mail = mailbox.pop(email)
        assert "/mode/auth/user/emailVerification" in mail.text, mail.text
        assert mail.sender == NimbusServer.MAIL_FROM
    finally:
        server.stop()
        mailbox.stop()
    # The relay password went only over TLS: it is nowhere in the server's log either.
    assert CREDENTIALS[1] not in server.log_path.read_text(errors="replace")


def test_an_untrusted_certificate_is_refused_and_the_mail_kept(nimbus_bin: Path, tmp_path: Path, authority) -> None:
    ca, ca_file = authority
    mailbox = tls_mailbox(ca, ca_file=None)  # Nimbus is not told to trust this CA
    server = run_server(nimbus_bin, tmp_path, mailbox)
    try:
        project = Project(server, accounts="email", mailbox=mailbox)
        email = unique_email()
        project.sign_up_email(email)
        with pytest.raises(AssertionError):
            mailbox.pop(email, timeout=3)
        log = server.log_path.read_text(errors="replace")
        assert "certificate" in log.lower() or "handshake" in log.lower(), server.log_tail()
    finally:
        server.stop()
        mailbox.stop()
    # The message is still in the durable outbox: trusting the CA and restarting delivers it.
    mailbox = tls_mailbox(ca, ca_file=ca_file)
    server.mailbox = mailbox
    server.start()
    try:
        assert mailbox.pop(email, timeout=10)
    finally:
        server.stop()
        mailbox.stop()

