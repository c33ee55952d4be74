"""Delivery of a rendered digest: files in a folder, an Atom feed, an email. One small class each."""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from crawler.config import EmailConfig

from .digest import Digest
from .html import render_html
from .render import headline, render_markdown, render_text


class DeliveryError(Exception):
    """A digest could not be delivered; the message names the setting to check."""


@dataclass(frozen=True)
class FileDelivery:
    """Writes digest-<stamp>.md and .html, and latest.md / latest.html, into a folder."""

    folder: Path

    def deliver(self, digest: Digest, stamp: str) -> list[Path]:
        """Write the Markdown and HTML forms; return the files written."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            written = []
            for suffix, text in (("md", render_markdown(digest)), ("html", render_html(digest))):
                for name in (f"digest-{stamp}.{suffix}", f"latest.{suffix}"):
                    written.append(_write_atomically(self.folder / name, text.encode("utf-8")))
            return written
        except OSError as exc:
            raise DeliveryError(f"cannot write the digest to {self.folder}: {exc}") from exc


@dataclass(frozen=True)
class FeedDelivery:
    """Writes the Atom feed next to the digests."""

    path: Path

    def deliver(self, atom: bytes) -> Path:
        """Replace the feed file in one step, so a reader never sees half a feed."""
        try:
            return _write_atomically(self.path, atom)
        except OSError as exc:
            raise DeliveryError(f"cannot write the feed {self.path}: {exc}") from exc


@dataclass(frozen=True)
class EmailDelivery:
    """Sends the digest as one email with a plain-text and an HTML part.

    The SMTP login is [monitor.email] username/password, else NEWSWATCH_SMTP_USERNAME /
    NEWSWATCH_SMTP_PASSWORD read here, at sending time, so the secret stays in the environment.
    """

    settings: EmailConfig

    def deliver(self, digest: Digest) -> None:
        """Send it; DeliveryError with the SMTP problem if that fails."""
        message = EmailMessage()
        message["Subject"] = f"newswatch: {headline(digest)} — {digest.label}"
        message["From"] = self.settings.sender
        message["To"] = ", ".join(self.settings.to)
        message.set_content(render_text(digest))
        message.add_alternative(render_html(digest), subtype="html")
        s = self.settings
        try:
            if s.tls == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, context=ssl.create_default_context(), timeout=30
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=30)
            with client:
                if s.tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                username = s.username or os.environ.get("NEWSWATCH_SMTP_USERNAME")
                password = s.password or os.environ.get("NEWSWATCH_SMTP_PASSWORD")
                if username and password:
                    client.login(username, password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"cannot send the digest through {s.host}:{s.port}: {exc}") from exc


def _write_atomically(path: Path, data: bytes) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path
