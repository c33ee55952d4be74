"""Notifications through Apprise to a local HTTP receiver: the summary, retries, failures under "needs attention"."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.notify import send
from newswatch.samples import SampleSites

from .conftest import Cli
from .desk import free_port


class Receiver:
    """A JSON webhook on 127.0.0.1 that answers 500 to its first `failures` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.messages: list[dict[str, str]] = []
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests += 1
                status = 500 if receiver.requests <= receiver.failures else 200
                if status == 200:
                    receiver.messages.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


def test_a_message_reaches_the_receiver(receiver: Receiver) -> None:
    (sent,) = send([receiver.url], "newswatch: 1 new", "New: a title\nDigest: http://127.0.0.1:8080/digest")
    assert sent.ok and sent.tries == 1 and sent.target.startswith("json://127.0.0.1:")
    (message,) = receiver.messages
    assert message["title"] == "newswatch: 1 new" and "Digest: http://127.0.0.1:8080/digest" in message["message"]


def test_a_failed_send_is_retried() -> None:
    flaky = Receiver(failures=2)
    try:
        (sent,) = send([flaky.url], "t", "b", delays=(0, 0))
    finally:
        flaky.close()
    assert sent.ok and sent.tries == 3 and len(flaky.messages) == 1


def test_notify_test_command(cli: Cli, receiver: Receiver) -> None:
    ok = cli("notify", "--test", "--url", receiver.url)
    assert "sent" in ok.stdout and receiver.messages[0]["title"] == "newswatch: test message"
    down = cli("notify", "--test", "--url", f"json://127.0.0.1:{free_port()}/hook", check=False)
    assert down.returncode == 1 and "failed after 3 tries" in down.stdout
    none = cli("notify", "--test", check=False)
    assert none.returncode == 1 and "no notify URLs" in none.stderr


def test_digest_deliver_writes_sends_and_reports_a_failed_send(
    sites: SampleSites, tmp_path: Path, db_path: Path, receiver: Receiver
) -> None:
    registry = tmp_path / "sites.toml"
    base = "http://127.0.0.1:8080"

    def write(notify: str) -> None:
        monitor = f'[monitor]\ntimezone = "UTC"\nbase_url = "{base}"\ndigest_dir = "out"\nnotify = ["{notify}"]\n\n'
        registry.write_text(monitor + sites.registry_toml(), encoding="utf-8")

    write(receiver.url)
    cli = Cli(registry, db_path)
    cli("crawl", "cqc-en")
    sites.publish()
    cli("crawl", "cqc-en")
    delivered = cli("digest", "--deliver")
    assert re.search(r"(?<!\d)1 new\b", delivered.stdout) and "notified json://" in delivered.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"latest.md", "latest.html", "feed.atom"}
    (message,) = receiver.messages
    assert "New: [cqc-en] CQC Issued the First Low-carbon" in message["message"]
    assert f"Digest: {base}/digest" in message["message"] and "started watching" in message["title"]
    assert "0 new" in cli("digest", "--deliver").stdout  # the next one starts where the last ended
    write(f"json://127.0.0.1:{free_port()}/hook")
    failed = cli("digest", "--deliver", check=False)
    assert failed.returncode == 1 and "could not notify" in failed.stderr
    attention = json.loads(cli("digest", "--format", "json").stdout)["needs_attention"]
    assert any(n.startswith("notify: the digest could not be sent to json://127.0.0.1:") for n in attention)


def test_a_digest_delivered_mid_day_leaves_the_rest_of_the_day_and_a_failed_email_is_reported(
    sites: SampleSites, tmp_path: Path, db_path: Path
) -> None:
    registry = tmp_path / "sites.toml"
    email = f'[monitor.email]\nhost = "127.0.0.1"\nport = {free_port()}\ntls = "none"\nsender = "nw@example.org"\nto = ["analyst@example.org"]\n\n'
    registry.write_text(
        '[monitor]\ntimezone = "UTC"\ndigest_dir = "out"\n\n' + email + sites.registry_toml(), encoding="utf-8"
    )
    cli = Cli(registry, db_path)
    cli("crawl", "cqc-en")
    failed = cli("digest", "--deliver", "--date", datetime.now(UTC).date().isoformat(), check=False)
    assert failed.returncode == 1 and (tmp_path / "out" / "latest.html").exists()  # the files are written
    attention = json.loads(cli("digest", "--format", "json").stdout)["needs_attention"]
    assert any("could not be sent to email to analyst@example.org" in n and "[monitor.email]" in n for n in attention)
    sites.publish()  # later the same day
    cli("crawl", "cqc-en")
    after = cli("digest", "--deliver", check=False).stdout  # since the last digest: it ended when it was sent
    assert re.search(r"(?<!\d)1 new\b", after), after
