"""Real nginx on 127.0.0.1 with the production locations (deploy/nginx/site.conf) and the headers the
build wrote (SITE/_nginx/headers.conf), as `make preview`, the tests and the benchmark run it.

Usage: python -m scripts.tools.nginx SITE_DIR [PORT]   serves SITE_DIR in the foreground (Ctrl-C stops it)

Everything nginx writes (pid, logs, temp files) goes to a prefix folder of its own (.cache/preview for
`make preview`, a temp dir for tests), so it needs no root and touches nothing in /etc or /var.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE_CONF = ROOT / "deploy" / "nginx" / "site.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")


def binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise SystemExit("nginx is not installed. Fix: bash scripts/tools/setup.sh preview (apt-get install nginx)")
    return found


def write_config(site: Path, port: int, prefix: Path, workers: int = 1) -> Path:
    """prefix/nginx.conf: one server on 127.0.0.1:port with root site, including deploy/nginx/site.conf."""
    site = site.resolve()
    snippet = site / "_nginx" / "headers.conf"
    if not snippet.is_file():
        raise SystemExit(f"{snippet} is missing. Fix: run `make site` (scripts/build/hosting.py writes it).")
    for sub in ("logs", "tmp", "belonging-guide"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(snippet, prefix / "belonging-guide" / "headers.conf")
    shutil.copyfile(SITE_CONF, prefix / "belonging-guide" / "site.conf")
    temp = "\n".join(f"    {name}_temp_path {prefix / 'tmp' / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = prefix / "nginx.conf"
    # As root, nginx's workers would run as nobody, who cannot read a root-owned temp dir; this is a
    # loopback preview of files the same user built (production.conf runs as the distribution's user).
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(f"""# Written by scripts/tools/nginx.py; the production equivalent is deploy/nginx/production.conf.
{user}daemon off;
master_process on;
worker_processes {workers};
pid {prefix / 'nginx.pid'};
error_log {prefix / 'logs' / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    types {{ application/manifest+json webmanifest; }}
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000;
{temp}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {site};
        include belonging-guide/site.conf;
    }}
}}
""", encoding="utf-8")
    return conf


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(conf: Path) -> None:
    result = subprocess.run([binary(), "-t", "-q", "-p", str(conf.parent), "-c", str(conf)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"nginx -t failed for {conf}:\n{result.stderr}")


class Server:
    """nginx started in the background for tests and benchmarks: `with Server(site) as base: ...`."""

    def __init__(self, site: Path, port: int | None = None, workers: int = 1):
        self.site, self.port, self.workers = Path(site), port or free_port(), workers
        self.prefix = Path(tempfile.mkdtemp(prefix="belonging-nginx-"))
        self.proc: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> str:
        conf = write_config(self.site, self.port, self.prefix, self.workers)
        check(conf)
        self.proc = subprocess.Popen([binary(), "-p", str(self.prefix), "-c", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode()}{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self.base
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError(f"nginx did not listen on 127.0.0.1:{self.port}{self.log()}")

    def log(self) -> str:
        path = self.prefix / "logs" / "error.log"
        return ("\n" + path.read_text(errors="replace")) if path.is_file() else ""

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()          # SIGTERM to the master we started: it stops its workers
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    site, port = Path(argv[1]), int(argv[2]) if len(argv) == 3 else 8080
    if not (site / "index.html").is_file():
        print(f"{site} is not a built site. Fix: make site", file=sys.stderr)
        return 2
    prefix = Path(os.environ.get("NGINX_PREFIX") or ROOT / ".cache" / "preview")   # tests give their own
    conf = write_config(site, port, prefix, workers=os.cpu_count() or 1)
    check(conf)
    print(f"preview: nginx serving {site.resolve()} at http://127.0.0.1:{port}/ with deploy/nginx/site.conf "
          f"(Ctrl-C stops it; log in {prefix / 'logs'})", flush=True)
    os.execv(binary(), [binary(), "-p", str(prefix), "-c", str(conf)])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
