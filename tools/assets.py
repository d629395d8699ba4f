"""The browser assets the server serves itself, fetched, pinned and checked here: GraphiQL's
(``app/static/graphiql/``, app/graphiql.py) and the web UI's (``app/ui/static/vendor/``, app/ui/), and axe-core
for the UI's accessibility tests (``tests/app/ui/vendor/``).

Usage: python tools/assets.py check            (offline: every pinned file is present with its sha256)
       python tools/assets.py fetch [--repin]  (npm pack each pinned package, verify, write each folder)

The pins are each folder's ``pins.json``: for each npm package, its version, the files the page loads
and its licence file, each with a sha256. ``fetch`` (``make assets``) downloads each package with
``npm pack`` (npm checks the tarball against the registry's integrity digest), takes the files out and
refuses any whose sha256 differs from its pin. To move to another version, edit the version in pins.json
and the page's paths (``app/static/graphiql/index.html``, ``app/ui/templates/base.html``), then run
``fetch --repin``, which records the
new sha256 digests and prints each script's and stylesheet's sha384 ``integrity`` value for the page; review
them and commit them with the files (a test checks the page's integrity values against the files).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1] / "app" / "static" / "graphiql"
PINS = ROOT / "pins.json"
#: The web UI's htmx and uPlot, pinned the same way.
UI_ROOT = Path(__file__).resolve().parents[1] / "app" / "ui" / "static" / "vendor"
#: axe-core, which the browser tests run in each page (a test tool: not in the package, never served).
AXE_ROOT = Path(__file__).resolve().parents[1] / "tests" / "app" / "ui" / "vendor"
#: Every folder of pinned assets; each has its own pins.json.
ROOTS = (ROOT, UI_ROOT, AXE_ROOT)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def folder(package: dict[str, Any]) -> str:
    """Where a package's files live under ROOT (and under /graphiql/ on the server): ``name@version``."""
    return f"{package['name']}@{package['version']}"


def pinned_files(pins: dict[str, Any]) -> dict[str, str]:
    """Every pinned file, by its path under ROOT, to its sha256."""
    files: dict[str, str] = {}
    for package in pins["packages"]:
        for entry in [*package["files"], package["licence"]]:
            files[f"{folder(package)}/{entry['path']}"] = entry["sha256"]
    return files


def check(root: Path | None = None) -> list[str]:
    """Problems with the files under ``root`` (default: every folder of ``ROOTS``): a missing file, or one whose
    sha256 is not its pin."""
    if root is None:
        return [problem for each in ROOTS for problem in check(each)]
    pins = json.loads((root / "pins.json").read_text())
    problems = []
    for path, digest in pinned_files(pins).items():
        file = root / path
        if not file.is_file():
            problems.append(f"{path}: missing")
        elif sha256(file.read_bytes()) != digest:
            problems.append(f"{path}: sha256 {sha256(file.read_bytes())} is not the pinned {digest}")
    return problems


def _npm_pack(spec: str, into: Path) -> tarfile.TarFile:
    """The package's tarball, downloaded by npm (which verifies it against the registry's integrity)."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("assets: npm is needed to fetch the pinned assets (apt-get install npm)")
    command = [npm, "pack", spec, "--json", "--silent", "--pack-destination", str(into)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (the pins' names)
    if done.returncode != 0:
        raise SystemExit(f"assets: npm pack {spec} failed: {done.stderr.strip().splitlines()[-1:]}")
    filename = json.loads(done.stdout)[0]["filename"]
    return tarfile.open(into / filename)


def fetch(*, repin: bool) -> None:
    for root in ROOTS:
        _fetch(root, repin=repin)


def _fetch(root: Path, *, repin: bool) -> None:
    """Download every package pinned in ``root``, check every file, and only then replace the files under it."""
    pins = json.loads((root / "pins.json").read_text())
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as scratch:
        tarballs = {folder(package): _npm_pack(folder(package), Path(scratch)) for package in pins["packages"]}
        for package in pins["packages"]:
            for entry in [*package["files"], package["licence"]]:
                # A package without a licence file of its own names the package (same repository) it takes it from.
                source = entry.get("from", folder(package))
                member = tarballs[source].extractfile(f"package/{entry['path']}")
                if member is None:
                    raise SystemExit(f"assets: {source} has no file {entry['path']}")
                data = member.read()
                path = f"{folder(package)}/{entry['path']}"
                if repin:
                    entry["sha256"] = sha256(data)
                elif sha256(data) != entry["sha256"]:
                    raise SystemExit(
                        f"assets: {path} has sha256 {sha256(data)}, pinned {entry['sha256']}; nothing was "
                        "written (after changing a version in pins.json, run with --repin)"
                    )
                files[path] = data
        for tarball in tarballs.values():
            tarball.close()
    for package in pins["packages"]:
        shutil.rmtree(root / folder(package), ignore_errors=True)
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    if repin:
        (root / "pins.json").write_text(json.dumps(pins, indent=2) + "\n")
    for path in sorted(files):
        # The page loads each script and stylesheet with this subresource-integrity digest (index.html).
        integrity = "" if path.endswith("LICENSE") else f"  integrity=sha384-{_sha384(files[path])}"
        print(f"assets: {path}{integrity if repin else ''}")


def _sha384(data: bytes) -> str:
    return base64.b64encode(hashlib.sha384(data).digest()).decode()


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"] and len(argv) == 1:
        problems = check()
        for problem in problems:
            print(f"assets: {problem}", file=sys.stderr)
        if problems:
            print("assets: run 'make assets' to fetch the pinned assets again", file=sys.stderr)
            return 1
        count = sum(len(pinned_files(json.loads((root / "pins.json").read_text()))) for root in ROOTS)
        print(f"assets: {count} files match their pins")
        return 0
    if argv[:1] == ["fetch"] and argv[1:] in ([], ["--repin"]):
        fetch(repin=argv[1:] == ["--repin"])
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
