"""Tables of the command line (client/modelreg_client/tables.py) and the direction of metrics (directions.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from modelreg_client.directions import lower_is_better, verdict
from modelreg_client.tables import Table

from tests.app.test_cli_failures import command
from tests.app.test_release_cli import ok, registry

LONG = "a scaled logistic regression retrained weekly on the newest labelled events of the churn pipeline"


COLUMNS = ("VERSION", "STATUS", "ACTIVE IN", "accuracy", "balanced_accuracy", "log_loss", "CREATED", "DESCRIPTION")


def _table() -> Table:
    table = Table(*COLUMNS)
    for number in range(1, 4):
        cells = ("READY", "production, staging", "0.9700", "0.9650", "0.0812", "2026-12-06 10:00:00", LONG)
        table.add_row(f"v{number}", *cells)
    table.caption = "* in production; (+/-) difference from production"
    return table


def _words(text: str) -> set[str]:
    return set(text.split())


@pytest.mark.parametrize("width", [80, 120])
def test_a_table_fits_and_never_splits_a_word(width: int) -> None:
    table = _table()
    lines = table.lines(width)
    assert all(len(line) <= width for line in lines), "\n".join(lines)
    assert all(line == line.rstrip() for line in lines)
    printed = _words("\n".join(lines))
    header = " ".join(lines[: lines.index(next(line for line in lines if line.startswith("v1")))])
    kept = [i for i, column in enumerate(table.columns) if _words(column) <= _words(header)]
    assert kept == list(range(len(kept))) and len(kept) >= 5, lines  # left out from the right only
    for cell in [*table.columns[: len(kept)], *(row[i] for row in table.rows for i in kept)]:
        assert _words(cell) <= printed, cell  # every word whole somewhere
    assert lines[0].split()[:2] == ["VERSION", "STATUS"]
    if len(kept) < len(COLUMNS):
        assert f"Left out to fit {width} columns: {', '.join(COLUMNS[len(kept) :])}" in " ".join(lines)


def test_a_table_that_fits_is_one_line_per_row() -> None:
    lines = [line for line in _table().lines(400) if line]
    assert len(lines) == 1 + 3 + 1  # header, rows, caption


def test_a_word_longer_than_the_terminal_runs_on_whole() -> None:
    table = Table("SHA256")
    table.add_row("9f2c" * 16)
    assert table.lines(20) == ["SHA256", "9f2c" * 16]


@pytest.mark.parametrize(
    ("metric", "lower"),
    [("log_loss", True), ("rmse", True), ("error_rate", True), ("latency_ms", True), ("val-loss", True),
     ("logloss", True), ("accuracy", False), ("roc_auc", False), ("r2", False), ("f1", False)],
)  # fmt: skip
def test_losses_and_errors_are_better_lower(metric: str, lower: bool) -> None:
    assert lower_is_better(metric) is lower
    assert verdict(metric, -0.03) == ("better" if lower else "worse")
    assert verdict(metric, 0.0) == "same"


def test_release_tables_fit_the_terminal(database_url: str, tmp_path: Path) -> None:
    with registry(database_url, tmp_path) as reg:
        for accuracy, loss in ((0.91, 0.30), (0.95, 0.25), (0.89, 0.35)):
            reg.client.register(
                "churn", metrics={"accuracy": accuracy, "log_loss": loss, "balanced_accuracy": accuracy - 0.01}
            )
        reg.client.promote("churn", 1)
        env = {"MODELREG_URL": reg.url, "MODELREG_TOKEN": reg.admin}
        # Both widths read one registry (one per width started a second server and ran the gate twice): reads only.
        for width in ("80", "120"):
            for args in (["versions", "churn"], ["compare", "churn"], ["history", "churn"], ["audit"], ["models"]):
                out = ok(command(*args, env=env | {"COLUMNS": width})).out
                lines = out.splitlines()
                assert all(len(line) <= int(width) for line in lines), (width, out)
                assert all(line == line.rstrip() for line in lines), (width, out)
                assert not re.search(r"\baccurac\b|\bbalanced_accurac\b", out), (width, out)  # no split header
        compared = ok(command("compare", "churn", "--numbers", "1,2,3", env=env | {"COLUMNS": "200"})).out
        rows = {line.split()[0]: line for line in compared.splitlines() if re.match(r"v\d", line)}
        # Version 2 beats production (v1) on both: higher accuracy is better, lower log_loss is better.
        assert "(+0.0400 better)" in rows["v2"] and "(-0.0500 better)" in rows["v2"], compared
        assert "(-0.0200 worse)" in rows["v3"] and "(+0.0500 worse)" in rows["v3"], compared
        assert "lower is better for log_loss" in " ".join(compared.split()), compared
        # The gate reads the same rule: log_loss is better lower without a flag.
        gate = command("promote", "churn", "3", "--if-better", "log_loss", env=env)
        assert gate.code == 3 and "lower is better" in gate.err, gate
        assert ok(command("promote", "churn", "2", "--if-better", "log_loss", env=env)).out.startswith("promoted")


def test_a_model_declares_a_metric_direction(database_url: str, tmp_path: Path) -> None:
    with registry(database_url, tmp_path) as reg:
        for gain in (0.10, 0.05):  # "gain_error" reads as an error by its name; this model says higher is better
            reg.client.register("pricing", metrics={"gain_error": gain})
        reg.client.promote("pricing", 1)
        env = {"MODELREG_URL": reg.url, "MODELREG_TOKEN": reg.admin, "COLUMNS": "200"}
        assert "(-0.0500 better)" in ok(command("compare", "pricing", "--numbers", "1,2", env=env)).out
        bad = command("directions", "pricing", "gain_error=sideways", env=env)
        assert bad.code == 2 and "METRIC=lower" in bad.err, bad
        declared = ok(command("directions", "pricing", "gain_error=higher", "--json", env=env)).json()
        assert declared == {"gain_error": "higher"}
        assert reg.client.metric_directions("pricing") == {"gain_error": "higher"}
        compared = ok(command("compare", "pricing", "--numbers", "1,2", env=env)).out
        assert "(-0.0500 worse)" in compared and "higher is better for each" in " ".join(compared.split()), compared
        gate = command("promote", "pricing", "2", "--if-better", "gain_error", env=env)
        assert gate.code == 3 and "higher is better" in gate.err, gate  # the gate reads the declaration too
        events = [e for e in reg.client.audit(model="pricing", action="MODEL_UPDATED")]
        assert events[0].details == {"metricDirections": {"from": {}, "to": {"gain_error": "higher"}}}
        ok(command("directions", "pricing", "gain_error=auto", env=env))
        assert reg.client.metric_directions("pricing") == {}
        listed = ok(command("directions", "pricing", env=env)).out
        assert "declares no metric directions" in listed
