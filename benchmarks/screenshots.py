"""Screenshots of every dashboard page at desktop and phone widths, for a person to look at.

    .venv/bin/python benchmarks/screenshots.py [OUT]      (default: out/screenshots)

Serves the 718-client demo in local mode (uvicorn on a free loopback port, a throwaway home
folder), opens each page in Debian's Chromium through Playwright at 1280 and 390 pixels wide, and
writes full-page PNGs. It also prints any page wider than its window (content that would need
sideways scrolling on a phone).
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(out: Path) -> int:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from ipseval.demo import write_demo
    from ipseval.settings import load_settings
    from ipseval.subset import Filters
    from ipseval.web import create_app
    from ipseval.web.views import PAGES

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        write_demo(data, n_clients=718, seed=2019)
        app = create_app(Path(tmp) / "home", load_settings(search_dir=data))
        app.state.workspace.import_folder(data, "screenshots")
        version = app.state.workspace.current()
        app.state.views.view(version, Filters())
        area = app.state.views.options(version).areas[0]
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        urls = [(f"page-{pid}", f"/page/{pid}") for pid, _, _ in PAGES]
        urls += [
            ("page-outcomes-area", f"/page/outcomes?area={area}"),
            ("definitions", "/definitions"),
            ("problems", "/problems"),
            ("fidelity-review", "/fidelity/review"),
            ("upload", "/upload"),
            ("areas", "/areas"),
            ("settings", "/settings"),
            ("accounts", "/accounts"),
            ("audit-log", "/admin"),
        ]
        wide = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            for kind, (w, h) in WIDTHS.items():
                context = browser.new_context(
                    base_url=f"http://127.0.0.1:{port}", viewport={"width": w, "height": h}
                )
                page = context.new_page()
                for name, url in urls:
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    png = out / f"{name}-{kind}.png"
                    page.screenshot(path=str(png), full_page=True)
                    scroll = page.evaluate("document.documentElement.scrollWidth")
                    if scroll > w + 1:
                        wide.append(f"{name} at {w}px is {scroll}px wide")
                # a settings form that cannot be used: every problem named beside its setting
                page.goto("/settings")
                page.locator("input[name='definitions.hours_threshold']").fill("sixteen")
                page.locator("input[name='definitions.sustainment_weeks']").fill("13, -1")
                page.get_by_role("button", name="Save settings").click()
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(out / f"settings-refused-{kind}.png"), full_page=True)
                context.close()
            # the accounts page once accounts exist (local mode ends: log in first)
            app.state.accounts.add("admin", "admin", "screenshot-password")
            app.state.accounts.add("commissioner", "viewer", "screenshot-password")
            for kind, (w, h) in WIDTHS.items():
                context = browser.new_context(
                    base_url=f"http://127.0.0.1:{port}", viewport={"width": w, "height": h}
                )
                page = context.new_page()
                page.goto("/login?next=/accounts")
                page.get_by_label("User name").fill("admin")
                page.get_by_label("Password").fill("screenshot-password")
                page.get_by_role("button", name="Log in").click()
                page.wait_for_url("**/accounts")
                page.screenshot(path=str(out / f"accounts-with-users-{kind}.png"), full_page=True)
                if page.evaluate("document.documentElement.scrollWidth") > w + 1:
                    wide.append(f"accounts-with-users at {w}px")
                context.close()
            browser.close()
        server.should_exit = True
        thread.join(timeout=10)
    print(f"{(len(urls) + 2) * len(WIDTHS)} screenshots in {out}")
    for line in wide:
        print("too wide:", line)
    return 1 if wide else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out/screenshots")))
