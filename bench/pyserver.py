"""The fallback site server: static files with nginx's ETags, Last-Modified and 304s, threaded.

Run as `python -m bench.pyserver ROOT --port P --log FILE` (bench.serve starts it when nginx
is not installed). Each request is logged as `<unix time> <status> <path>`, as bench.serve's
nginx configuration logs it.
"""

from __future__ import annotations

import argparse
import posixpath
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

INDEX_FILES = ("index.shtml", "index.html")


def _handler(root: Path, log: Any) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: without it each waits for an ACK

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            status, headers, body = respond(root, path, self.headers)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if body:
                self.wfile.write(body)
            with lock:
                log.write(f"{time.time():.3f} {status} {path}\n")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the access log above is the record

    return Handler


def respond(root: Path, path: str, request: Any) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body for a GET of path under root, honouring conditional headers as nginx does."""
    target = root / posixpath.normpath(path).lstrip("/")  # normpath drops "..": nothing above root
    if path.endswith("/"):
        target = next((target / name for name in INDEX_FILES if (target / name).is_file()), target)
    if not target.is_file():
        return 404, {"Content-Type": "text/html", "Content-Length": "0"}, b""
    stat = target.stat()
    etag = f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'
    headers = {"ETag": etag, "Last-Modified": formatdate(stat.st_mtime, usegmt=True)}
    if _not_modified(request, etag, int(stat.st_mtime)):
        return 304, headers, b""
    kind = "text/plain" if target.suffix == ".txt" else "text/html; charset=utf-8"
    body = target.read_bytes()
    return 200, {**headers, "Content-Type": kind, "Content-Length": str(len(body))}, body


def _not_modified(request: Any, etag: str, mtime: int) -> bool:
    if request.get("If-None-Match") is not None:
        return etag in [t.strip().removeprefix("W/") for t in request["If-None-Match"].split(",")]
    if request.get("If-Modified-Since") is not None:
        try:
            return mtime <= parsedate_to_datetime(request["If-Modified-Since"]).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def main() -> None:
    """Serve a folder until terminated (SIGTERM ends it)."""
    parser = argparse.ArgumentParser(description="Serve a generated site with ETag/Last-Modified and 304s.")
    parser.add_argument("root", type=Path)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    with args.log.open("a", buffering=1, encoding="utf-8") as log:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), _handler(args.root, log))
        server.daemon_threads = True
        server.serve_forever()


if __name__ == "__main__":
    main()
