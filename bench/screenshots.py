"""README screenshots from a live Accord with the demo data (issue 13).

    .venv/bin/python bench/screenshots.py            # or: make screenshots

Migrates a throwaway SQLite database, runs `seed_demo` (the real scrubbing pipeline), starts the
development server on a free port and drives Debian's Chromium through playwright: the researcher's
agreement page at 1366x900 (docs/screenshot-wide.png) and the catalogue at 390x844
(docs/screenshot-narrow.png). It also prints whether either page scrolls sideways.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PYTHON = sys.executable
CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    from playwright.sync_api import sync_playwright

    var = Path(tempfile.mkdtemp(prefix="accord-screens-"))
    port = free_port()
    env = {**os.environ, "DJANGO_DEBUG": "1", "ACCORD_VAR_DIR": str(var), "PORT": str(port),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    log = open(var / "server.log", "wb")
    server = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start:\n{(var / 'server.log').read_text()[-3000:]}")
                time.sleep(0.5)
        DOCS.mkdir(exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for name, size, path, open_menu in (
                ("wide", {"width": 1366, "height": 900}, "/agreements/list/", False),
                ("narrow", {"width": 390, "height": 844}, "/agreements/catalogue/", False),
            ):
                page = browser.new_page(viewport=size, device_scale_factor=1)
                page.goto(f"{base}/login/")
                page.fill("input[name=username]", "researcher")
                page.fill("input[name=password]", "accord-demo")
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/dashboard/")
                if name == "wide":
                    page.goto(f"{base}{path}")
                    page.locator("table a").first.click()  # the demo agreement in force
                else:
                    page.goto(f"{base}{path}")
                page.wait_for_load_state("networkidle")
                if open_menu:
                    page.get_by_role("button", name="Menu").click()
                fits = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
                out = DOCS / f"screenshot-{name}.png"
                page.screenshot(path=str(out))
                print(f"{out.relative_to(ROOT)}: {size['width']}x{size['height']} {page.url[len(base):]} "
                      f"no horizontal scroll: {fits}")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
