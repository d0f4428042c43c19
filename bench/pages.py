"""Serve the demo ward under gunicorn and load it: page discovery, servers, load generators.

Used by `python -m bench` and by tests/load. Nothing here installs anything: the load
generator is wrk when it is on PATH (Debian: `apt-get install -y wrk`), else a Python
thread-pool client (slower; the table says which one ran).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- demo data


def demo_env(data_dir: Path, database_url: str | None = None, **extra) -> dict:
    """Environment for the portal's processes (app, CLI, worker) on a private data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIVIC_", "DATABASE_URL", "REDIS_URL", "MAIL_URL"))}
    env.update(
        CIVIC_DATA_DIR=str(data_dir),
        SECRET_KEY="bench-" + secrets.token_hex(16),
        CIVIC_BASE_URL="http://127.0.0.1",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        # The load comes from one client on loopback: the public-form limits would stop it.
        CIVIC_PUBLIC_FORM_RATE_LIMIT="1000000 per minute",
        CIVIC_MESSAGES_PER_RECIPIENT_PER_DAY="0",
        CIVIC_RSVP_SEATS_PER_CLIENT="0",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


def prepare_demo(env: dict) -> list[str]:
    """create_all + `civic demo` in the data dir named by ``env`` (no migrations: benches only)."""
    code = (
        "from civic import create_app\n"
        "from civic.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    db.create_all()\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)
    out = subprocess.run(
        [str(VENV_BIN / "civic"), "demo"], env=env, check=True, cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.splitlines()


# --------------------------------------------------------------------------- gunicorn


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def worker_pids(self) -> list[int]:
        import psutil

        try:
            return [c.pid for c in psutil.Process(self.proc.pid).children()]
        except psutil.NoSuchProcess:
            return []


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of ``pids`` from /proc/<pid>/stat, in seconds (0 for a pid that is gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": field 3 is fields[0]
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime
    return total / tick


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict, workers: int = 2, log_dir: Path | None = None):
    """gunicorn with ``workers`` sync workers on a loopback port; yields a Server."""
    port = free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="civic-gunicorn-"))
    log = log_dir / f"gunicorn-{port}.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-c", "python:civic.gunicorn_conf",  # as `make run` serves the portal
                "--workers", str(workers),
                "--bind", f"127.0.0.1:{port}",
                "--backlog", "2048",
                "--timeout", "60",
                "--log-level", "warning",
                app_spec,
            ],
            env={**env, "CIVIC_BASE_URL": f"http://127.0.0.1:{port}"},
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/", proc, log)
        yield Server(url, proc, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_http(url: str, proc: subprocess.Popen | None = None, log: Path | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:] if log else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback
                resp.read()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} within {timeout}s")


# --------------------------------------------------------------------------- what to load


@dataclass
class Target:
    name: str
    path: str
    method: str = "GET"
    # For POSTs: a callable(i) -> (body bytes, headers dict) so every request is distinct.
    body: object = None
    note: str = ""
    # GET with "&u=<n>" added, new on every request: a page cache never holds the answer.
    unique: bool = False


def fetch(url: str, cookie: str | None = None) -> tuple[int, str, dict]:
    """GET; headers as a dict, with every Set-Cookie joined into one "Cookie" value to send back."""
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
            status, body, headers = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as exc:
        status, body, headers = exc.code, exc.read(), exc.headers
    out = dict(headers)
    out["Cookie"] = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
    return status, body.decode("utf-8", "replace"), out


def first_link(html: str, pattern: str) -> str | None:
    for href in re.findall(r'href="([^"#]+)"', html):
        if re.search(pattern, href):
            return href
    return None


def discover(base: str) -> dict[str, Target | None]:
    """Find each benchmarked page in the running demo by following its links (None: not built)."""
    found: dict[str, Target | None] = {"home": Target("home", "/")}
    _, news_html, _ = fetch(base + "/tin-tuc/")
    article = first_link(news_html, r"^/tin-tuc/(?!tim-kiem|luu-tru|chuyen-muc|the/|feed|quan-ly)[^/?]+$")
    found["article"] = Target("article", article) if article else None
    status, _, _ = fetch(base + "/tin-tuc/tim-kiem?q=bau+cu")
    found["search"] = Target("search", "/tin-tuc/tim-kiem?q=bau+cu", unique=True) if status == 200 else None
    _, events_html, _ = fetch(base + "/su-kien/")
    event = first_link(events_html, r"^/su-kien/\d+(-[^/?]*)?$")
    found["event"] = Target("event page", event) if event else None
    _, elections_html, _ = fetch(base + "/bau-cu/")
    election = first_link(elections_html, r"^/bau-cu/\d+")
    found["election"] = Target("election page", election) if election else None
    found["where-to-vote"] = where_to_vote_target(fetch(base + election)[1]) if election else None
    found["rsvp"] = answerable_event(base, events_html)
    return found


def where_to_vote_target(election_html: str) -> Target | None:
    """The election page's "where do I vote?" form, answered with its first tổ dân phố."""
    form = re.search(r'<form[^>]*method="get"[^>]*action="([^"]*/bo-phieu-o-dau)"[^>]*>(.*?)</form>',
                     election_html, re.S | re.I)
    if not form:
        return None
    select = re.search(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form.group(2), re.S)
    values = [v for v in re.findall(r'<option[^>]*value="([^"]*)"', select.group(2)) if v] if select else []
    if not values:
        return None
    query = urllib.parse.urlencode({select.group(1): values[0]})
    return Target("where-to-vote", f"{form.group(1)}?{query}")


def answerable_event(base: str, events_html: str) -> Target | None:
    """The RSVP form of the first event a guest may answer (some are for given tổ dân phố only)."""
    seen = []
    for href in re.findall(r'href="(/su-kien/\d+(?:-[^"/?#]*)?)"', events_html):
        if href in seen:
            continue
        seen.append(href)
        target = rsvp_target(base, href)
        if target is None:
            continue
        data, headers = target.body("probe")
        req = urllib.request.Request(base + target.path, data=data, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        if status < 400:
            return target
    return None


def rsvp_target(base: str, event_path: str) -> Target | None:
    """The event page's guest RSVP form: POST with the page's CSRF token and a new email each time."""
    status, html, headers = fetch(base + event_path)
    form = re.search(r'<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>(.*?)</form>', html, re.S | re.I)
    if status != 200 or not form or "csrf_token" not in form.group(2):
        return None
    action = (form.group(1) or event_path).split("#", 1)[0]
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", form.group(2)):
        attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    names = set(re.findall(r'name="([^"]+)"', form.group(2)))
    cookie = headers["Cookie"]

    def body(i: int) -> tuple[bytes, dict]:
        data = dict(fields)
        for name in names - set(fields):
            low = name.lower()
            if low in ("response", "answer", "rsvp"):
                data[name] = "yes"
            elif low == "consent":
                data[name] = "y"  # the person ticks the consent box
            elif "email" in low:
                data[name] = f"khach{i}-{secrets.token_hex(3)}@example.vn"
            elif "name" in low or "ten" in low:
                data[name] = f"Nguyễn Thị Khách {i}"
            elif "phone" in low or "dien" in low:
                data[name] = ""
            elif "count" in low or "party" in low or "so_" in low or "guests" in low:
                data[name] = "0"
            elif "consent" in low or "agree" in low or "accept" in low:
                data[name] = "y"
        return urllib.parse.urlencode(data).encode(), {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
        }

    return Target("RSVP (POST)", action, "POST", body)


# --------------------------------------------------------------------------- load generators


@dataclass
class LoadResult:
    name: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    statuses: dict = field(default_factory=dict)
    tool: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def finish(self) -> LoadResult:
        if self.latencies_ms:
            qs = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
            self.p50, self.p95, self.p99 = qs[49], qs[94], qs[98]
        return self


WRK_LUA = r"""
local counter = 0
local post_body = os.getenv("BENCH_BODY")
local post_ct = os.getenv("BENCH_CT")
local post_cookie = os.getenv("BENCH_COOKIE")
local unique = os.getenv("BENCH_UNIQUE")
request = function()
  counter = counter + 1
  if unique then
    return wrk.format("GET", wrk.path .. "&u=" .. tostring(counter) .. "x" .. tostring(math.random(1, 1000000000)))
  end
  if post_body then
    local body = string.gsub(post_body, "__N__", tostring(counter) .. "x" .. tostring(math.random(1, 1000000000)))
    local headers = {["Content-Type"] = post_ct}
    if post_cookie and post_cookie ~= "" then headers["Cookie"] = post_cookie end
    return wrk.format("POST", nil, headers, body)
  end
  return wrk.format("GET")
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d seconds=%f errors=%d status=%d p50=%f p95=%f p99=%f\n",
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def load(base: str, target: Target, seconds: float = 10, connections: int = 32, tool: str | None = None) -> LoadResult:
    tool = tool or ("wrk" if shutil.which("wrk") else "python")
    if tool == "wrk":
        return _load_wrk(base, target, seconds, connections)
    return _load_python(base, target, seconds, connections)


def _load_wrk(base, target, seconds, connections) -> LoadResult:
    env = dict(os.environ)
    if target.unique:
        env["BENCH_UNIQUE"] = "1"
    if target.method == "POST":
        body, headers = target.body("__N__")
        env.update(BENCH_BODY=body.decode(), BENCH_CT=headers["Content-Type"], BENCH_COOKIE=headers.get("Cookie", ""))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_LUA)
        script = fh.name
    try:
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(connections), "-d", f"{int(seconds)}s", "--timeout", "10s", "-s", script,
             base + target.path],
            env=env, capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(script)
    m = re.search(r"BENCH requests=(\d+) seconds=([\d.]+) errors=(\d+) status=(\d+) p50=([\d.]+) p95=([\d.]+) p99=([\d.]+)", out)
    if not m:
        raise RuntimeError("unexpected wrk output:\n" + out)
    res = LoadResult(target.name, int(m[1]), int(m[3]) + int(m[4]), float(m[2]), tool="wrk")
    res.p50, res.p95, res.p99 = float(m[5]), float(m[6]), float(m[7])
    res.statuses = {"non-2xx/3xx": int(m[4]), "socket errors": int(m[3])}
    return res


def _load_python(base, target, seconds, connections) -> LoadResult:
    """Threads with keep-alive connections: slower than wrk, but needs nothing installed."""
    parsed = urllib.parse.urlsplit(base)
    result = LoadResult(target.name, tool="python")
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(10**9))

    def worker():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        lat, statuses, errors = [], {}, 0
        while time.monotonic() < stop:
            body, headers = (None, {})
            path = target.path
            if target.method == "POST":
                body, headers = target.body(next(counter))
            elif target.unique:
                path = f"{path}&u={next(counter)}x{threading.get_ident()}"
            t0 = time.perf_counter()
            try:
                conn.request(target.method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                code = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                code = 0
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
            lat.append((time.perf_counter() - t0) * 1000)
            statuses[code] = statuses.get(code, 0) + 1
            if not 200 <= code < 400:
                errors += 1
        with lock:
            result.latencies_ms.extend(lat)
            result.errors += errors
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - t0
    result.requests = len(result.latencies_ms)
    return result.finish()


def portal_app():
    """The portal as gunicorn serves it for benches: one load generator on one IP would trip
    the per-IP rate limits, which are not what is being measured."""
    from civic import create_app

    return create_app({"RATELIMIT_ENABLED": False})


def mixed_load(base: str, weighted: list[tuple[Target, int]], seconds: float = 15, connections: int = 32) -> dict:
    """A realistic mix (threads, keep-alive): each request picks a target by weight.
    Returns {name: LoadResult} plus "all"."""
    import random

    parsed = urllib.parse.urlsplit(base)
    names = [t.name for t, _ in weighted]
    results = {n: LoadResult(n, tool="python") for n in [*names, "all"]}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(10**9))
    population = [t for t, _ in weighted]
    weights = [w for _, w in weighted]

    def worker(seed):
        rng = random.Random(seed)  # noqa: S311 - load mix, not security
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=15)
        local = {n: ([], {}) for n in names}
        while time.monotonic() < stop:
            target = rng.choices(population, weights)[0]
            body, headers = (None, {})
            if target.method == "POST":
                with lock:
                    n = next(counter)
                body, headers = target.body(n)
            t0 = time.perf_counter()
            try:
                conn.request(target.method, target.path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                code = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                code = 0
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=15)
            lat, statuses = local[target.name]
            lat.append((time.perf_counter() - t0) * 1000)
            statuses[code] = statuses.get(code, 0) + 1
        with lock:
            for name, (lat, statuses) in local.items():
                for key in (name, "all"):
                    res = results[key]
                    res.latencies_ms.extend(lat)
                    for code, count in statuses.items():
                        res.statuses[code] = res.statuses.get(code, 0) + count
                        if not 200 <= code < 400:
                            res.errors += count

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    for res in results.values():
        res.seconds = elapsed
        res.requests = len(res.latencies_ms)
        res.finish()
    return results
