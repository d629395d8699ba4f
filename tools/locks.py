"""The dependency locks in requirements/: every package pinned, with its files' hashes, made by uv.

Usage: python tools/locks.py check FOLDER...
       python tools/locks.py compile [--upgrade] FOLDER...

Each FOLDER holds the pyproject.toml of a distribution this repository builds (``.`` is the server); the
Makefile passes its DISTRIBUTIONS. ``compile`` (``make lock``) resolves for the lowest Python that
requires-python allows, on every platform, and writes:

- ``runtime.txt``: the distributions' dependencies, what ``make run`` installs;
- ``test.txt``: the same pins plus every optional dependency (tests, benchmarks), what ``make test`` installs;
- ``build.txt``: the build backend (``[build-system] requires``), for ``make dist`` and editable installs;
- ``uv.txt``: uv itself (the server's ``lock`` dependency group), which the Makefile installs with pip;
- ``<folder>.txt`` for each distribution besides the server (``client.txt``): its dependencies and extras alone,
  pinned as in ``runtime.txt``, what a training job installs with that distribution's wheel.

The distributions built here are never pinned in a lock (``--no-emit-package``): the server finds the client in
its folder (``[tool.uv.sources]``), and installs put each one in from its folder or wheel.

It keeps every pin that pyproject.toml still allows; ``--upgrade`` (``make lock-upgrade``) moves each to the
newest release allowed. Each file records a digest of the declarations it was made from, which ``check``
compares offline: it exits 1 with a one-line hint when pyproject.toml changed since the last ``make lock``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
LOCKS = ("runtime.txt", "test.txt", "build.txt", "uv.txt")
#: How uv resolves, part of the digest so that changing it marks the locks stale. One version of each package
#: for every Python (``fewest``), so that 3.12 and 3.13 run what the tests ran on the lowest one.
RESOLUTION = ("--universal", "--fork-strategy", "fewest", "--generate-hashes")
DIGEST_LINE = re.compile(r"^# declarations-sha256: ([0-9a-f]{64})\b", re.MULTILINE)


def _pyproject(folder: str) -> dict[str, Any]:
    with (ROOT / folder / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def declarations(folders: list[str]) -> list[dict[str, object]]:
    """What the locks are made from: each distribution's dependency declarations, nothing else."""
    found = []
    for folder in folders:
        document = _pyproject(folder)
        project = document["project"]
        found.append(
            {
                "folder": folder,
                "requires-python": project.get("requires-python"),
                "dependencies": project.get("dependencies", []),
                "optional-dependencies": project.get("optional-dependencies", {}),
                "dependency-groups": document.get("dependency-groups", {}),
                "build-system": document.get("build-system", {}),
            }
        )
    return found


def digest(folders: list[str]) -> str:
    text = json.dumps({"declarations": declarations(folders), "resolution": RESOLUTION}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def lowest_python(folders: list[str]) -> str:
    """The lowest X.Y that every distribution's requires-python (``>=X.Y``) allows."""
    found = []
    for entry in declarations(folders):
        match = re.search(r">=\s*(\d+)\.(\d+)", str(entry["requires-python"]))
        if match is None:
            raise SystemExit(f"locks: {entry['folder']}/pyproject.toml: requires-python needs a '>=X.Y' lower bound")
        found.append((int(match[1]), int(match[2])))
    major, minor = max(found)
    return f"{major}.{minor}"


def locks(folders: list[str]) -> list[str]:
    """The lock files of these distributions: the four of the server, and one per other distribution."""
    return [*LOCKS, *(f"{Path(folder).name}.txt" for folder in folders if folder != ".")]


def check(folders: list[str]) -> int:
    wanted = digest(folders)
    stale = []
    for name in locks(folders):
        path = REQUIREMENTS / name
        recorded = DIGEST_LINE.search(path.read_text()) if path.exists() else None
        if recorded is None or recorded[1] != wanted:
            stale.append(f"requirements/{name}")
    if stale:
        which = "the locks in requirements/" if len(stale) == len(locks(folders)) else ", ".join(stale)
        print(f"locks: {which} do not match pyproject.toml: run 'make lock' and commit requirements/")
        return 1
    return 0


def _uv() -> str:
    beside = Path(sys.executable).with_name("uv")  # .venv/bin/uv, which the Makefile installs from uv.txt
    found = str(beside) if beside.exists() else shutil.which("uv")
    if found is None:
        raise SystemExit("locks: uv not found; 'make lock' installs it into .venv")
    return found


def compile_locks(folders: list[str], *, upgrade: bool) -> None:
    pyprojects = [f"{folder}/pyproject.toml" for folder in folders]
    build_requires = {
        requirement for folder in folders for requirement in _pyproject(folder)["build-system"]["requires"]
    }
    own = [_pyproject(folder)["project"]["name"] for folder in folders]
    common = [
        *RESOLUTION,
        *(argument for name in own for argument in ("--no-emit-package", name)),
        "--python-version",
        lowest_python(folders),
        "--custom-compile-command",
        "make lock",
        "--quiet",
        *(["--upgrade"] if upgrade else []),
    ]
    runtime_pins = ["--constraints", "requirements/runtime.txt"]
    # The test lock is constrained by the runtime lock, so that make test adds packages to what make run
    # installed and changes none of it.
    steps: list[tuple[str, list[str], str | None]] = [
        ("runtime.txt", pyprojects, None),
        ("test.txt", [*pyprojects, "--all-extras", "--constraints", "requirements/runtime.txt"], None),
        ("build.txt", ["-"], "\n".join(sorted(build_requires))),
        ("uv.txt", ["--group", "pyproject.toml:lock"], None),
        *(
            (f"{Path(folder).name}.txt", [f"{folder}/pyproject.toml", "--all-extras", *runtime_pins], None)
            for folder in folders
            if folder != "."
        ),
    ]
    uv = _uv()
    REQUIREMENTS.mkdir(exist_ok=True)
    recorded = f"# declarations-sha256: {digest(folders)}  (of pyproject.toml's dependencies; make test compares)"
    for name, arguments, stdin in steps:
        output = REQUIREMENTS / name
        command = [uv, "pip", "compile", *arguments, *common, "--output-file", f"requirements/{name}"]
        subprocess.run(command, cwd=ROOT, input=stdin, text=True, check=True)  # noqa: S603 (fixed arguments)
        lines = [line for line in output.read_text().splitlines() if not DIGEST_LINE.match(line)]
        header = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
        output.write_text("\n".join([*lines[:header], recorded, *lines[header:]]) + "\n")
        print(f"locks: requirements/{name}: {sum(1 for line in lines if re.match(r'[A-Za-z0-9]', line))} pinned")


def main(argv: list[str]) -> int:
    arguments = argv[1:]
    upgrade = "--upgrade" in arguments
    folders = [argument for argument in arguments[1:] if argument != "--upgrade"]
    if (
        not arguments
        or arguments[0] not in ("check", "compile")
        or not folders
        or (upgrade and arguments[0] != "compile")
    ):
        print("\n".join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    if arguments[0] == "check":
        return check(folders)
    compile_locks(folders, upgrade=upgrade)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
