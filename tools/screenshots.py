"""Screenshots of the web UI on the demo registry, for the README and release notes.

Usage: python tools/screenshots.py [--out DIR] [--prefix ui-]

Builds the demo registry (``modelreg demo``) in a temporary folder, serves it, signs in with an admin token in
Debian's Chromium (``/usr/bin/chromium``, driven by Playwright from the test dependencies; nothing is
downloaded) and saves each page at 1280 px, and the models and model pages at 390 px too, as
``DIR/PREFIXNAME-WIDTH.png`` (default ``/tmp/ui-*.png``). Takes about half a minute, most of it training the
demo's estimators.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

CHROMIUM = Path(os.environ.get("MODELREG_TEST_CHROMIUM", "/usr/bin/chromium"))
MODEL = "iris-classifier"
#: (name, path, widths) of each screenshot.
PAGES = [
    ("models", "/", (1280, 390)),
    ("model", f"/models/{MODEL}", (1280, 390)),
    ("version", f"/models/{MODEL}/versions/3", (1280,)),
    ("compare", f"/models/{MODEL}/compare?v=1&v=2&v=3", (1280,)),
    ("monitoring", "/monitoring", (1280,)),
    ("drift", "/models/breast-cancer-classifier/monitoring", (1280,)),
    ("audit", "/audit", (1280,)),
    ("chains", "/audit/chains", (1280,)),
    ("webhooks", "/webhooks", (1280,)),
]


def _modelreg(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "app.cli", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"screenshots: modelreg {args[0]} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=tempfile.gettempdir())
    parser.add_argument("--prefix", default="ui-")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MODELREG_")},
            "MODELREG_DATABASE_URL": f"sqlite://{folder}/registry.sqlite3",
            "MODELREG_ARTIFACT_URL": f"file://{folder}/artifacts",
        }
        _modelreg("demo", env=env)
        token = _modelreg("tokens", "create", "--name", "alice", "--role", "admin", env=env).strip().splitlines()[-1]
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            _shoot(base, token, out, args.prefix)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


def _shoot(base: str, token: str, out: Path, prefix: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for width in (1280, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(f"{base}/login")
                page.get_by_label("Token").fill(token)
                page.get_by_role("main").get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{base}/")
                for name, path, widths in PAGES:
                    if width not in widths:
                        continue
                    page.goto(f"{base}{path}")
                    page.wait_for_load_state("networkidle")
                    target = out / f"{prefix}{name}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(f"screenshots: {target}")
                page.close()
        finally:
            browser.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
