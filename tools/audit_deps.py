"""Audit the locked dependencies for known vulnerabilities with pip-audit (PyPI's advisory data, from OSV).

Usage: python tools/audit_deps.py [--if-reachable]

Audits the pins of every lock in requirements/ (the server's dependencies, the test and benchmark tools, the
build backend and uv), checking each file's hashes, without installing anything: what every install from the
locks gets, whatever this machine has installed. Exit 1 when a known vulnerability affects a locked version.
Otherwise exit 0 when every package was audited; a package whose advisory data could not be fetched fails the
audit too, unless ``--if-reachable`` is given, which reports it (and an advisory service that cannot be reached
at all) on stdout and exits 0: ``make test`` uses it so a run without network still passes, ``make audit-deps``
does not. See docs/security.md ("Dependency audit") for an audit of a machine without access.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements"
#: pip-audit asks PyPI for https://pypi.org/pypi/NAME/VERSION/json; ask once for a package we depend on.
PROBE_PACKAGE = "starlette"


def locks() -> list[Path]:
    return sorted(REQUIREMENTS.glob("*.txt"))


def locked_version(package: str) -> str:
    found = re.search(rf"^{package}==(\S+)", (REQUIREMENTS / "runtime.txt").read_text(), re.MULTILINE)
    if found is None:
        raise SystemExit(f"audit-deps: requirements/runtime.txt does not pin {package}")
    return found[1]


def advisories_reachable(timeout: float = 10) -> str | None:
    """None when PyPI's per-release JSON (which carries the advisories) answers, else why not."""
    url = f"https://pypi.org/pypi/{PROBE_PACKAGE}/{locked_version(PROBE_PACKAGE)}/json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            document = json.load(answer)
    except (OSError, ValueError) as error:  # URLError, HTTPError and timeouts are OSErrors; bad JSON a ValueError
        return f"{url} did not answer with JSON ({error})"
    if not isinstance(document, dict) or "vulnerabilities" not in document:
        return f"{url} answered without a 'vulnerabilities' field"
    return None


def audit() -> tuple[list[str], list[str], int]:
    """(vulnerabilities, packages that could not be audited, packages audited), from pip-audit's JSON report."""
    # --disable-pip: read the pins and hashes as they are, no resolution and no virtualenv of pip-audit's own.
    requirements = [argument for lock in locks() for argument in ("--requirement", str(lock))]
    command = [sys.executable, "-m", "pip_audit", *requirements, "--require-hashes", "--disable-pip"]
    command += ["--format", "json", "--progress-spinner", "off"]
    finished = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603 (fixed arguments)
    try:
        report = json.loads(finished.stdout)
    except ValueError:
        sys.stderr.write(finished.stderr)
        raise SystemExit(f"audit-deps: pip-audit failed (exit {finished.returncode}) without a report") from None
    found, skipped, audited = [], [], 0
    for package in report["dependencies"]:
        if "skip_reason" in package:
            skipped.append(f"{package['name']}: {package['skip_reason']}")
            continue
        audited += 1
        for vulnerability in package.get("vulns", []):
            fixed = ", ".join(vulnerability.get("fix_versions") or []) or "no fixed release yet"
            found.append(f"{package['name']} {package['version']}: {vulnerability['id']} (fixed in: {fixed})")
    return found, skipped, audited


def main(argv: list[str]) -> int:
    if argv[1:] not in ([], ["--if-reachable"]):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    lenient = argv[1:] == ["--if-reachable"]
    problem = advisories_reachable()
    if problem is not None:
        print(f"audit-deps: NOT RUN: the vulnerability data cannot be reached: {problem}")
        print("audit-deps: run 'make audit-deps' where PyPI is reachable; offline, see docs/security.md")
        return 0 if lenient else 1
    found, skipped, audited = audit()
    for line in found:
        print(f"audit-deps: VULNERABLE: {line}")
    for line in skipped:
        print(f"audit-deps: NOT AUDITED: {line}")
    print(f"audit-deps: {audited} packages audited, {len(found)} known vulnerabilities, {len(skipped)} not audited")
    if found:
        return 1
    return 0 if lenient or not skipped else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
