"""A bounded load test of the dashboard: concurrent viewers reading while an admin replaces the data.

Usage: python benchmarks/bench_web.py [--seconds 15] [--viewers 8] [--clients 718] [--seed 2019]

Makes the demo data in a temporary folder, a home folder with one viewer account per simulated
person and an admin, imports the data, and serves the dashboard with uvicorn in a separate process
(so the clients here do not share its interpreter) on 127.0.0.1 at a free port. The first view
computes the evaluation: that time is measured on its own, as is the first filtered view. Then
``viewers`` threads, each its own httpx client logged in as its own viewer, fetch a mix of pages
(headline, outcomes, impact, outcomes filtered to the largest area, a table as CSV) for ``seconds``
seconds; a third of the way in, the admin uploads the demo CSVs as a .zip through ``POST /upload``
and, the demo having deliberately invalid rows, accepts them (``POST /upload/{token}/accept``), so
readers read while the data are replaced.

Every request's latency and status is recorded. An error is any response other than 200, an HTML
page that stops before ``</html>``, or an exception: readers must see the old data or the new,
never an error. The data version each HTML page names in its header shows when readers moved to
the new data. Each reader reads until the time is up and at least once after the import. What a
page shows under load is also compared with the same page of the same data version fetched alone.
Prints the results as JSON (benchmarks/bench.py runs this and keeps them in latest.json).

About 30 s in all on a quiet 2-core machine; a busy machine slows the evaluations many times over
(the load averages before and after are in the results).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import httpx

PASSWORD = "load-test-password"  # accounts live in a throw-away home folder
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_VERSION = re.compile(r'title="data version ([^"]+)"')
_TOKEN = re.compile(r'action="/upload/([0-9a-f]{32})/accept"')
_TABLE = re.compile(r'href="/table/([A-Za-z0-9_]+)\.csv"')
_MAIN = re.compile(r"<main\b.*</main>", re.DOTALL)
_ID = re.compile(r'\sid="([^"]+)"')


def content(response: httpx.Response) -> str:
    """What a page shows, the same for every viewer: its <main> (the header names the person and
    the data version, and holds their CSRF token), or a download's whole body."""
    if response.headers.get("content-type", "").startswith("text/html"):
        found = _MAIN.search(response.text)
        return found.group(0) if found else response.text
    return response.text


def _repeats_an_id(text: str) -> bool:
    """Two elements with one id: a chart's url(#id) would then use another chart's clip path."""
    ids = _ID.findall(text)
    return len(ids) != len(set(ids))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _first_difference(a: str, b: str) -> dict[str, str]:
    """Where two pages first differ: 60 characters before and 100 after, in each."""
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return {"alone": a[max(0, at - 60) : at + 100], "under load": b[max(0, at - 60) : at + 100]}


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _latency_summary(ms: list[float]) -> dict:
    return {
        "requests": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "max_ms": max(ms) if ms else None,
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(data: Path, impact: bool):
    """The settings `ipseval serve DATA` uses (the demo's ipseval.toml), impact models optional."""
    from ipseval.settings import load_settings

    settings = load_settings(search_dir=data)
    settings.impact.enabled = impact
    return settings


def _serve(home: Path, data: Path, port: int, impact: bool) -> None:
    """The server process: the dashboard over ``home``."""
    import uvicorn

    from ipseval.web.app import create_app

    app = create_app(home, _settings(data, impact))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", server_header=False)


def _zip_folder(folder: Path) -> bytes:
    """The demo folder as an upload: the CSV files at the top, interviews/ inside."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder).as_posix())
    return buf.getvalue()


def _largest_area(data: Path) -> str:
    """The area with most clients (a filtered view of it is not withheld for being small)."""
    import polars as pl

    clients = pl.read_csv(data / "clients.csv", columns=["local_authority"], infer_schema_length=0)
    counts = clients.drop_nulls().group_by("local_authority").len().sort("len", descending=True)
    return str(counts["local_authority"][0])


def _csrf(client: httpx.Client, path: str) -> str:
    r = client.get(path)
    found = _CSRF.search(r.text)
    if found is None:
        raise RuntimeError(f"GET {path}: {r.status_code}, no CSRF token in the page")
    return found.group(1)


def _login(base: str, name: str, timeout: float) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=timeout, follow_redirects=False)
    token = _csrf(client, "/login")
    r = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    if r.status_code != 303:
        raise RuntimeError(f"login as {name}: {r.status_code}")
    return client


def _wait_until_up(base: str, server: subprocess.Popen, log: Path, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {limit:.0f} s")


class Recorder:
    """Every request of the load phase: kind, start and end (s from t0), latency, status, the data
    version the page names, a hash of what it shows, and the error if any."""

    def __init__(self, t0: float):
        self.t0 = t0
        self.rows: list[dict] = []
        self.texts: dict[str, str] = {}  # content hash -> the content, once per distinct content
        self._lock = threading.Lock()

    def fetch(self, client: httpx.Client, kind: str, method: str, url: str, **kw) -> httpx.Response | None:
        start = time.perf_counter()
        response, error, version, digest = None, None, None, None
        try:
            response = client.request(method, url, **kw)
            if response.status_code != 200:
                error = f"HTTP {response.status_code}"
            elif response.headers.get("content-type", "").startswith("text/html"):
                found = _VERSION.search(response.text)
                version = found.group(1) if found else None
                if "</html>" not in response.text:
                    error = "incomplete page"
            elif not response.content:
                error = "empty body"
            if response.status_code == 200:
                text = content(response)
                digest = _digest(text)
                with self._lock:
                    self.texts.setdefault(digest, text)
        except Exception as e:  # a reader must never see one: record it as an error
            error = f"{type(e).__name__}: {e}"
        end = time.perf_counter()
        row = {
            "kind": kind,
            "url": url,
            "start": start - self.t0,
            "end": end - self.t0,
            "ms": (end - start) * 1000,
            "status": response.status_code if response is not None else None,
            "version": version,
            "hash": digest,
            "error": error,
        }
        with self._lock:
            self.rows.append(row)
        return response


def run_load_test(
    seconds: float = 15.0,
    viewers: int = 8,
    clients: int = 718,
    seed: int = 2019,
    impact: bool = True,
    upload_at: float = 1 / 3,
    timeout: float = 120.0,
) -> dict:
    """Serve the demo, read it with ``viewers`` concurrent viewers for ``seconds`` seconds and replace
    the data through an upload ``upload_at`` of the way in. Returns the figures (see the module doc).

    ``impact=False`` leaves the impact models out of the evaluation (a quicker first view, for tests).
    """
    from ipseval.web.auth import Accounts
    from ipseval.web.workspace import Workspace

    t_begin = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ipsweb_") as tmp:
        work = Path(tmp)
        data, home, log = work / "data", work / "home", work / "server.log"
        demo = [sys.executable, "-m", "ipseval.cli", "demo", str(data)]
        subprocess.run(
            [*demo, "--clients", str(clients), "--seed", str(seed)], check=True, capture_output=True
        )
        area = _largest_area(data)
        upload_zip = _zip_folder(data)

        home.mkdir()
        accounts = Accounts(home)
        names = [f"viewer{i + 1}" for i in range(viewers)]
        for name in [*names, "admin"]:
            accounts.add(name, "admin" if name == "admin" else "viewer", PASSWORD)
        t0 = time.perf_counter()
        Workspace(home, _settings(data, impact)).import_folder(data, "bench")
        import_seconds = time.perf_counter() - t0

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, __file__, "--serve", str(home), "--data", str(data), "--port", str(port)]
        t0 = time.perf_counter()
        with log.open("w") as log_file:
            server = subprocess.Popen(
                [*command, *([] if impact else ["--no-impact"])],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        logins: list[httpx.Client] = []
        try:
            _wait_until_up(base, server, log)
            server_start_seconds = time.perf_counter() - t0
            logins = [_login(base, n, timeout) for n in [*names, "admin"]]
            readers, admin = logins[:-1], logins[-1]

            # what each page shows when nothing else is happening, per data version
            alone: dict[tuple[str, str], str] = {}  # (kind, version, or before/after load) -> hash
            alone_text: dict[str, str] = {}  # hash -> content

            def one(kind: str, path: str, when: str = "before") -> tuple[float, httpx.Response]:
                t = time.perf_counter()
                r = readers[0].get(path)
                if r.status_code != 200:
                    raise RuntimeError(f"GET {path} with no load: {r.status_code}")
                found = _VERSION.search(r.text) if r.headers["content-type"].startswith("text/html") else None
                text = content(r)
                alone[kind, found.group(1) if found else when] = digest = _digest(text)
                alone_text[digest] = text
                return time.perf_counter() - t, r

            # warming: the first view computes the whole evaluation, the first filtered view another
            by_area = f"/page/outcomes?{httpx.QueryParams(area=area)}"
            first_view, r = one("headline", "/page/headline")
            old_version = _VERSION.search(r.text).group(1)
            first_filtered, _ = one("outcomes, one area", by_area)
            _, r = one("outcomes", "/page/outcomes")
            tables = _TABLE.findall(r.text)
            table = "outcomes" if "outcomes" in tables else tables[0]
            mix = [
                ("headline", "/page/headline"),
                ("outcomes", "/page/outcomes"),
                ("impact", "/page/impact"),
                ("outcomes, one area", by_area),
                (f"{table}.csv", f"/table/{table}.csv"),
            ]
            for kind, path in mix:
                one(kind, path)
            upload_csrf = _csrf(admin, "/upload")

            # the load: readers until the deadline, one upload on the way
            t_load = time.perf_counter()
            rec = Recorder(t_load)
            deadline = t_load + seconds
            upload: dict = {}
            replaced = threading.Event()  # the upload has finished (well or not)

            def reader(i: int) -> None:
                """Reads until the deadline, and at least once after the data were replaced."""
                n, read_new = i, False  # each reader starts at another page of the mix
                while not (time.perf_counter() >= deadline and read_new):
                    if time.perf_counter() > deadline + 60:
                        break  # the upload never ended: it is reported as failed
                    after = replaced.is_set()
                    kind, path = mix[n % len(mix)]
                    rec.fetch(readers[i], kind, "GET", path)
                    read_new, n = read_new or after, n + 1

            def uploader() -> None:
                try:
                    upload_and_accept()
                finally:
                    replaced.set()

            def upload_and_accept() -> None:
                time.sleep(seconds * upload_at)
                upload["started"] = time.perf_counter() - t_load
                form = {"csrf_token": upload_csrf}
                files = {"file": ("demo.zip", upload_zip, "application/zip")}
                r = rec.fetch(admin, "upload", "POST", "/upload", data=form, files=files)
                upload["staged"] = time.perf_counter() - t_load
                found = _TOKEN.search(r.text) if r is not None and r.status_code == 200 else None
                if found is not None:  # the demo has errors: the upload waits to be accepted
                    accept = f"/upload/{found.group(1)}/accept"
                    r = rec.fetch(admin, "upload accept", "POST", accept, data=form)
                upload["done"] = time.perf_counter() - t_load
                upload["ok"] = ok = r is not None and r.status_code == 200 and 'id="imported"' in r.text
                found = _VERSION.search(r.text) if ok else None
                upload["new_version"] = found.group(1) if found else None

            threads = [threading.Thread(target=reader, args=(i,)) for i in range(viewers)]
            threads.append(threading.Thread(target=uploader))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            load_seconds = time.perf_counter() - t_load

            # afterwards, with no load: every page shows the new data (and is what they show alone)
            for kind, path in mix:
                one(kind, path, when="after")
            r = readers[0].get("/page/headline")
            found = _VERSION.search(r.text) if r.status_code == 200 else None
            final_version = found.group(1) if found else None
        finally:
            for c in logins:
                c.close()
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        server_log = log.read_text(errors="replace")

    rows = rec.rows
    reads = [x for x in rows if not x["kind"].startswith("upload")]
    errors = [x for x in rows if x["error"]]
    new_version = upload.get("new_version")
    done = upload.get("done", float("inf"))
    seen = Counter(x["version"] for x in reads if x["version"])
    # readers blocked on the new data's first evaluation: how long after the import they got it
    first_after = min((x["end"] for x in reads if x["start"] > done), default=None)

    def as_alone(x: dict) -> bool:
        if x["hash"] is None:
            return True  # an error, counted as one
        if x["version"] is None:  # a download names no version: either version's will do
            return x["hash"] in {h for (kind, _), h in alone.items() if kind == x["kind"]}
        return alone.get((x["kind"], x["version"])) == x["hash"]

    differing = [x for x in reads if not as_alone(x)]
    repeated = {h for h, text in rec.texts.items() if _repeats_an_id(text)}
    by_kind = {kind: _latency_summary([x["ms"] for x in reads if x["kind"] == kind]) for kind, _ in mix}
    return {
        "clients": clients,
        "viewers": viewers,
        # the load test shares the machine: a busy one slows the evaluations many times over
        "machine": {"cores": os.cpu_count(), "load_average_1min": [load_before, os.getloadavg()[0]]},
        "impact_models": impact,
        "seconds": seconds,
        "load_seconds": load_seconds,
        "requests": len(reads),
        "throughput_rps": len(reads) / load_seconds,
        "latency": {"all pages": _latency_summary([x["ms"] for x in reads]), **by_kind},
        "errors": len(errors),
        "error_samples": [
            {k: x[k] for k in ("kind", "url", "status", "error", "start")} for x in errors[:10]
        ],
        # pages whose content differs from the same page of the same data version fetched alone
        "differing_from_alone": len(differing),
        "differing_by_kind": dict(Counter(x["kind"] for x in differing)),
        "pages_repeating_an_id": sum(1 for x in reads if x["hash"] in repeated),
        "pages_alone_repeating_an_id": sum(1 for h in alone.values() if _repeats_an_id(alone_text[h])),
        "differing_example": _example(differing[0], alone, alone_text, rec.texts) if differing else None,
        "first_view_seconds": first_view,
        "first_filtered_view_seconds": first_filtered,
        "import_seconds": import_seconds,
        "server_start_seconds": server_start_seconds,
        "upload": {
            "ok": bool(upload.get("ok")),
            "at_seconds": upload.get("started"),
            "upload_seconds": upload["staged"] - upload["started"] if "staged" in upload else None,
            "accept_seconds": upload["done"] - upload["staged"] if "done" in upload else None,
            "total_seconds": upload["done"] - upload["started"] if "done" in upload else None,
            "zip_mb": len(upload_zip) / 2**20,
        },
        "versions": {
            "old": old_version,
            "new": new_version,
            "pages_old": seen.get(old_version, 0),
            "pages_new": seen.get(new_version, 0) if new_version else 0,
            "pages_other": sum(n for v, n in seen.items() if v not in (old_version, new_version)),
            # a page asked for after the import had finished must never show the old data
            "stale_after_upload": sum(
                1 for x in reads if x["start"] > done and x["version"] not in (None, new_version)
            ),
            "new_data_served_after_seconds": first_after - done if first_after is not None else None,
            "final": final_version,
        },
        "server_log_tracebacks": server_log.count("Traceback"),
        "server_log_tail": server_log[-2000:] if "Traceback" in server_log else "",
        "total_seconds": time.perf_counter() - t_begin,
    }


def _example(x: dict, alone: dict, alone_text: dict, texts: dict) -> dict:
    """One page that differed from the same page alone: what it was and its first differences."""
    ref = alone.get((x["kind"], x["version"])) or next(h for (k, _), h in alone.items() if k == x["kind"])
    return {
        "kind": x["kind"],
        "version": x["version"],
        "start": x["start"],
        "first_difference": _first_difference(alone_text[ref], texts[x["hash"]]),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--viewers", type=int, default=8)
    ap.add_argument("--clients", type=int, default=718)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--serve", help=argparse.SUPPRESS)  # internal: be the server over this home
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--no-impact", action="store_true", help="leave the impact models out")
    args = ap.parse_args()
    if args.serve:
        _serve(Path(args.serve), Path(args.data), args.port, impact=not args.no_impact)
        return 0
    result = run_load_test(args.seconds, args.viewers, args.clients, args.seed, impact=not args.no_impact)
    print(json.dumps(result, indent=2))
    return 0 if result["errors"] == 0 and result["upload"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
