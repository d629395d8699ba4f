"""Load the estimator that is in production, verified by sha256, and predict with it.

    .venv/bin/python examples/load_production.py                         # digits-classifier
    .venv/bin/python examples/load_production.py --model iris-classifier
    .venv/bin/python examples/load_production.py --smoke --min-accuracy 0.9   # exit 1 below it (for CI)

joblib artifacts execute code when loaded: only load from a registry you trust.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from modelreg_client import Client
from sklearn import datasets
from sklearn.metrics import accuracy_score

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
    parser.add_argument("--smoke", action="store_true", help="check accuracy on the whole dataset; exit 1 if low")
    parser.add_argument("--min-accuracy", type=float, default=0.9)
    args = parser.parse_args()

    with Client() as client:
        version = client.deployed(args.model, args.environment)
        estimator = client.load_estimator(args.model, environment=args.environment)
    dataset = (version.dataset_version or "").rsplit("/", 1)[-1]
    data = LOADERS[dataset]()
    print(f"{args.model} version {version.number} in {args.environment}: {type(estimator).__name__}")
    predictions = estimator.predict(data.data[:10])
    print(f"  first 10 predictions: {predictions.tolist()}")
    print(f"  first 10 labels:      {data.target[:10].tolist()}")
    if args.smoke:
        accuracy = accuracy_score(data.target, estimator.predict(data.data))
        print(f"  smoke check: accuracy {accuracy:.4f} (minimum {args.min_accuracy})")
        if accuracy < args.min_accuracy:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
