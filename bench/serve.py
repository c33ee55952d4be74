"""Serve a generated site on 127.0.0.1 with conditional requests: nginx when installed, else Python.

Both servers run in their own process and write one access-log line per request,
`<unix time> <status> <path>`, which the benchmark counts. ETags are nginx's
(`"<mtime hex>-<size hex>"`) in both, so a store filled through one server re-checks
cleanly through the other.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .pyserver import INDEX_FILES

_NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    types {{ text/html html htm shtml; text/plain txt; }}
    default_type application/octet-stream;
    charset utf-8;
    etag on;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    log_format bench '$msec $status $uri';
    access_log {log} bench;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index {index};
    }}
}}
"""


@dataclass
class Requests:
    """Requests a server answered over a span of time, by status."""

    total: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    first: float | None = None
    last: float | None = None

    @property
    def span(self) -> float:
        """Seconds from the first to the last request."""
        return (self.last - self.first) if self.first is not None and self.last is not None else 0.0

    def describe(self) -> str:
        """E.g. '5253 (200: 253, 304: 5000)'."""
        parts = ", ".join(f"{status}: {count}" for status, count in sorted(self.by_status.items()))
        return f"{self.total} ({parts})"


class Server:
    """A running site server: its base URL, its name and its access log."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], port: int, log: Path, tmp: Path):
        self.name, self.process, self.port, self.log, self.tmp = name, process, port, log, tmp

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    def mark(self) -> int:
        """The access log's end once the server has finished writing it, to count the requests after it."""
        size = -1
        for _ in range(20):  # a request's line is written just after its client got the response
            now = self.log.stat().st_size if self.log.exists() else 0
            if now == size:
                break
            size = now
            time.sleep(0.05)
        return size

    def requests_since(self, mark: int) -> Requests:
        """Requests logged after mark, up to now."""
        self.mark()
        out = Requests()
        with self.log.open("rb") as f:
            f.seek(mark)
            for line in f.read().decode("utf-8", "replace").splitlines():
                stamp, status, _ = line.split(" ", 2)
                out.total += 1
                out.by_status[int(status)] += 1
                out.first = float(stamp) if out.first is None else out.first
                out.last = float(stamp)
        return out

    def cpu_seconds(self) -> float | None:
        """CPU time (user+sys) the server's processes used so far; None where /proc cannot tell."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            return sum(_proc_cpu(p) for p in [pid, *map(int, children)])
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """Stop the server process (and wait for it) and remove its temporary files."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def find_nginx() -> str | None:
    """The nginx binary, if installed."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def nginx_version(binary: str) -> str:
    """E.g. 'nginx/1.22.1'."""
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10, check=False)
    return (out.stderr or out.stdout).strip().rsplit(" ", 1)[-1]


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(root: Path, kind: str = "auto") -> Server:
    """Serve root with nginx ('nginx', or 'auto' when installed) or the Python server ('python')."""
    binary = find_nginx() if kind in ("auto", "nginx") else None
    if kind == "nginx" and binary is None:
        raise SystemExit("Error: --server nginx but no nginx found; install it (apt-get install nginx) or use auto")
    tmp = Path(tempfile.mkdtemp(prefix="newswatch-bench-server-"))
    log = tmp / "access.log"
    port = free_port()
    if binary:
        user = "user root root;\n" if os.geteuid() == 0 else ""  # workers run as the current user
        conf = _NGINX_CONF.format(
            user=user, tmp=tmp, log=log, port=port, root=root.resolve(), index=" ".join(INDEX_FILES)
        )
        (tmp / "nginx.conf").write_text(conf, encoding="utf-8")
        command = [binary, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)]
        name = f"{nginx_version(binary)} (1 worker)"
    else:
        command = [sys.executable, "-m", "bench.pyserver", str(root), "--port", str(port), "--log", str(log)]
        why = "no nginx found" if kind == "auto" else "--server python"
        name = f"Python {sys.version.split()[0]} http.server (ThreadingHTTPServer; {why})"
    with (tmp / "stderr.log").open("wb") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
    server = Server(name, process, port, log, tmp)
    _wait_ready(server)
    return server


def _wait_ready(server: Server) -> None:
    for _ in range(100):
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.base_url + "/robots.txt", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    err = (server.tmp / "stderr.log").read_text(errors="replace")
    server.stop()
    raise SystemExit(f"Error: the {server.name} server did not start: {err[-500:]}")


def check_conditional(server: Server, path: str) -> list[str]:
    """Problems with the server's answers to If-None-Match and If-Modified-Since (empty when both 304)."""
    with urllib.request.urlopen(server.base_url + path, timeout=10) as response:
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    problems = []
    for header, value in (("If-None-Match", etag), ("If-Modified-Since", modified)):
        if not value:
            problems.append(f"no validator for {header}")
            continue
        try:
            with urllib.request.urlopen(
                urllib.request.Request(server.base_url + path, headers={header: value}), timeout=10
            ) as r:
                problems.append(f"{header} answered {r.status}, not 304")
        except urllib.error.HTTPError as exc:
            if exc.code != 304:
                problems.append(f"{header} answered {exc.code}, not 304")
    return problems
