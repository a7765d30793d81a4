#!/usr/bin/env python
"""Where a list page's CPU goes: per page, its queries, the Python function calls one request makes
(a figure load does not change, unlike times on a shared box) and the median CPU time; or a
cProfile listing of one page.

Runs on the databases `bench/web_scale.py` generated (scale S by default), as that bench does
(production template loader, DEBUG off):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_scale .venv/bin/python bench/web_profile.py
    ... bench/web_profile.py agreements launch                  # some pages
    ... bench/web_profile.py --scale L --profile launch --sort tottime --limit 40
"""
from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PAGES = {
    "agreements": ("legal", "/agreements/list/"),
    "agreements-steward": ("steward", "/agreements/list/"),
    "my-requests": ("researcher", "/agreements/list/"),
    "queue": ("legal", "/agreements/review/"),
    "datasets": ("steward", "/datasets/"),
    "catalogue": ("researcher", "/agreements/catalogue/"),
    "catalogue-search": ("researcher", "/agreements/catalogue/?q=clinical"),
    "request": ("researcher", "/agreements/request/"),
    "runs": ("admin", "/training/"),
    "launch": ("admin", "/training/launch/"),
    "ledger": ("auditor", "/audit/"),
    "api-agreements": ("legal", "/api/agreements/"),
    "api-catalogue": ("researcher", "/api/datasets/"),
    "api-my-datasets": ("steward", "/api/my-datasets/"),
    "api-runs": ("admin", "/api/training-runs/"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", metavar="PAGE", help=f"pages to measure (default all): {', '.join(PAGES)}")
    parser.add_argument("--scale", default="S", choices=["S", "L"])
    parser.add_argument("--profile", choices=list(PAGES), help="print cProfile's listing for this page")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    if unknown := [name for name in args.pages if name not in PAGES]:
        parser.error(f"unknown page(s) {', '.join(unknown)}; choose from {', '.join(PAGES)}")
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL server bench/web_scale.py generated its databases on.")
    from web_scale import _db_url

    os.environ.update({"DATABASE_URL": _db_url(base, args.scale), "DJANGO_DEBUG": "1",
                       "DJANGO_SETTINGS_MODULE": "config.settings", "ALLOWED_HOSTS": "testserver,localhost"})
    os.environ.setdefault("ACCORD_VAR_DIR", str(ROOT / "var" / f"bench-{args.scale.lower()}"))
    import django
    from django.conf import settings

    template = settings.TEMPLATES[0]
    template["APP_DIRS"] = False
    template["OPTIONS"]["loaders"] = [("django.template.loaders.cached.Loader", [
        "django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"])]
    django.setup()
    settings.DEBUG = False
    logging.disable(logging.WARNING)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    clients: dict[str, Client] = {}

    def client(role: str) -> Client:
        if role not in clients:
            user = User.objects.filter(username__startswith=role).order_by("username").first()
            clients[role] = Client()
            clients[role].force_login(user)
        return clients[role]

    def warm(name: str) -> tuple[Client, str]:
        role, url = PAGES[name]
        for _ in range(3):
            response = client(role).get(url)
            assert response.status_code == 200, (name, url, response.status_code)
        return client(role), url

    if args.profile:
        browser, url = warm(args.profile)
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(args.repeat):
            browser.get(url)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.limit)
        print(f"{args.profile} ({url}), {args.repeat} requests, CPU time:\n{out.getvalue()}")
        return 0

    print(f"{'page':<20}{'queries':>8}{'calls':>9}{'cpu p50 ms':>12}")
    for name in args.pages or PAGES:
        browser, url = warm(name)
        with CaptureQueriesContext(connection) as captured:
            browser.get(url)
        queries = len(captured)
        profile = cProfile.Profile()
        profile.enable()
        browser.get(url)
        profile.disable()
        cpu = []
        for _ in range(args.repeat):
            started = time.process_time()
            browser.get(url)
            cpu.append((time.process_time() - started) * 1000)
        print(f"{name:<20}{queries:>8}{pstats.Stats(profile).total_calls:>9}{statistics.median(cpu):>12.1f}",
              flush=True)
    print(f"load average (1, 5, 15 min) on {os.cpu_count()} cores: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
