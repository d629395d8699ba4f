"""Load the estimator that is in production, verified by sha256, and predict with it.

    .venv/bin/python examples/load_production.py                         # digits-classifier
    .venv/bin/python examples/load_production.py --model iris-classifier
    .venv/bin/python examples/load_production.py --smoke --min-accuracy 0.9   # exit 1 below it (for CI)
    .venv/bin/python examples/load_production.py --model diabetes-regressor --smoke   # a regressor: R² instead

A registry error is one line on stderr with the release commands' exit code (README.md, "Exit codes").

joblib artifacts execute code when loaded: only load from a registry you trust.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from modelreg_client import Client, RegistryError
from modelreg_client.release import exit_code
from sklearn import datasets
from sklearn.base import is_regressor
from sklearn.metrics import accuracy_score, r2_score

#: The dataset named in a version's datasetVersion ("sklearn-1.9.1/digits") and its loader.
LOADERS: dict[str, Callable[[], Any]] = {
    "digits": datasets.load_digits,
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "diabetes": datasets.load_diabetes,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="digits-classifier")
    parser.add_argument("--environment", default="production")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="score it on the whole dataset (accuracy, or R² for a regressor); exit 1 if low",
    )
    parser.add_argument("--min-accuracy", type=float, default=0.9, help="a classifier's minimum (default 0.9)")
    parser.add_argument("--min-r2", type=float, default=0.3, help="a regressor's minimum R² (default 0.3)")
    args = parser.parse_args()

    try:
        with Client() as client:
            version = client.deployed(args.model, args.environment)
            estimator = client.load_estimator(args.model, environment=args.environment)
    except RegistryError as error:
        print(f"load_production: {error.code.lower().replace('_', ' ')}: {error.message}", file=sys.stderr)
        return exit_code(error)
    dataset = (version.dataset_version or "").rsplit("/", 1)[-1]
    if dataset not in LOADERS:
        print(
            f"load_production: {args.model} version {version.number} was trained on {version.dataset_version!r}, "
            f"not one of scikit-learn's bundled datasets ({', '.join(LOADERS)}); nothing to predict on",
            file=sys.stderr,
        )
        return 2
    data = LOADERS[dataset]()
    print(f"{args.model} version {version.number} in {args.environment}: {type(estimator).__name__}")
    predictions = estimator.predict(data.data[:10])
    print(f"  first 10 predictions: {[round(float(value), 4) for value in predictions]}")
    print(f"  first 10 labels:      {data.target[:10].tolist()}")
    if args.smoke:
        # A regressor has no accuracy: score it by R², the coefficient of determination, instead.
        regressor = is_regressor(estimator)
        name, minimum = ("R²", args.min_r2) if regressor else ("accuracy", args.min_accuracy)
        score = (r2_score if regressor else accuracy_score)(data.target, estimator.predict(data.data))
        print(f"  smoke check: {name} {score:.4f} (minimum {minimum})")
        if score < minimum:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
