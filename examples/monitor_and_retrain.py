"""Monitoring end to end: register with a reference profile, log a week of production windows (the last days
drifting), add late labels, read the verdicts, and answer the retraining request the policy opened.

    export MODELREG_URL=http://127.0.0.1:8000 MODELREG_TOKEN=mreg_...   # the token `make run` printed
    .venv/bin/python examples/monitor_and_retrain.py

Then: ``modelreg drift wine-monitored`` and ``modelreg retrain list --all``. docs/monitoring.md explains it all.
"""

from __future__ import annotations

import argparse
import contextlib
from datetime import UTC, datetime, timedelta

import numpy as np
from modelreg_client import Client, Conflict
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

SEED = 11
DAYS = 7
ROWS_PER_DAY = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="wine-monitored")
    args = parser.parse_args()
    wine = load_wine()
    names = [str(name) for name in wine.feature_names]
    x_train, x_test, y_train, y_test = train_test_split(
        wine.data, wine.target, test_size=0.25, random_state=SEED, stratify=wine.target
    )
    estimator = RandomForestClassifier(n_estimators=100, random_state=SEED).fit(x_train, y_train)
    rng = np.random.default_rng(SEED)

    with Client() as client:
        # 1. Training: the version carries the profile of the data it was fitted on (summaries only, never rows).
        version = client.register_estimator(
            estimator,
            args.model,
            metrics={"accuracy": float(estimator.score(x_test, y_test))},
            feature_names=names,
            reference=x_train,
        )
        client.promote(args.model, version.number, reason="first monitored version")
        print(f"registered and promoted {args.model} v{version.number} with its reference profile")
        # Two drifting features of 13 make a window DRIFT (the default share, 0.3, would need four).
        policy = client.set_monitoring_policy(args.model, "production", drift_share=0.15)
        print(f"policy: PSI {policy['psiWarning']} / {policy['psiDrift']}, drift share {policy['driftShare']}")

        # 2. Serving: one window a day. From day 4 alcohol and proline move up by a growing share of their spread.
        start = datetime.now(UTC).replace(microsecond=0)
        spread = x_train.std(axis=0)
        for day in range(DAYS):
            rows = rng.integers(0, len(x_train), ROWS_PER_DAY)
            x, y = x_train[rows].copy(), y_train[rows]
            if day >= 4:
                for name in ("alcohol", "proline"):
                    x[:, names.index(name)] += (day - 3) * 0.8 * spread[names.index(name)]
            # 20 seconds, not days: windows follow the deployment, and none may end in the future.
            begin = start + timedelta(seconds=20 * day)
            predictions = estimator.predict(x)
            logged = client.log_window(
                args.model, "production", x, predictions, begin, begin + timedelta(seconds=20), key=f"day-{day}"
            )
            window = logged["window"]
            drifting = [f["feature"] for f in window["features"] if f["status"] == "DRIFT"]
            print(f"day {day}: {window['status']:<8} drifting: {', '.join(drifting) or '-'}")
            # 3. Labels arrive later: the realized accuracy of that day.
            labeled = client.add_window_labels(args.model, "production", f"day-{day}", predictions, y)
            performance = labeled["window"]["performance"][0]
            print(f"        accuracy {performance['realized']:.3f} (registered {performance['registered']:.3f})")

        # 4. The verdict now, and the request the policy opened when the first window drifted.
        drift = client.drift(args.model)
        print(f"latest: {drift['latestWindow']['status']}; open request: {drift['openRetrainingRequest']}")

        # 5. The retraining job: acknowledge, retrain on recent data, register, close the request with the version.
        with contextlib.suppress(Conflict):  # acknowledged already by an earlier run
            client.acknowledge_retraining(args.model, reason="retraining on the last week")
        recent = np.vstack([x_train, x])
        labels = np.concatenate([y_train, y])
        retrained = RandomForestClassifier(n_estimators=100, random_state=SEED).fit(recent, labels)
        new = client.register_estimator(
            retrained,
            args.model,
            metrics={"accuracy": float(retrained.score(x_test, y_test))},
            feature_names=names,
            reference=recent,
        )
        closed = client.complete_retraining(args.model, new.number, reason="retrained with the drifted days")
        print(f"request {closed['state']}, answered by v{closed['answeredBy']['number']}")


if __name__ == "__main__":
    main()
