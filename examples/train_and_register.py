"""Train a real estimator on a dataset bundled with scikit-learn and register it with its metrics.

    export MODELREG_URL=http://127.0.0.1:8000 MODELREG_TOKEN=mreg_...   # the token `make run` printed
    .venv/bin/python examples/train_and_register.py                   # digits-classifier, C=1.0
    .venv/bin/python examples/train_and_register.py --c 0.001         # a weaker challenger

Then gate it into production: ``modelreg promote digits-classifier N --if-better accuracy``.
"""

from __future__ import annotations

import argparse
import sys

import sklearn
from modelreg_client import Client, RegistryError
from modelreg_client.release import exit_code
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 7


def main() -> int:
    try:
        _train_and_register()
    except RegistryError as error:  # one line, with the release commands' exit code (README.md, "Exit codes")
        print(f"train_and_register: {error.code.lower().replace('_', ' ')}: {error.message}", file=sys.stderr)
        return exit_code(error)
    return 0


def _train_and_register() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="digits-classifier")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--print-number", action="store_true", help="print only the version number (for scripts)")
    args = parser.parse_args()

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=SEED, stratify=digits.target
    )
    estimator = make_pipeline(StandardScaler(), LogisticRegression(C=args.c, max_iter=5000))

    with Client() as client:
        with client.training() as fit:
            estimator.fit(x_train, y_train)
        metrics = {
            "accuracy": accuracy_score(y_test, estimator.predict(x_test)),
            "f1": f1_score(y_test, estimator.predict(x_test), average="macro"),
            "log_loss": log_loss(y_test, estimator.predict_proba(x_test)),
        }
        version = client.register_estimator(
            estimator,
            args.model,
            metrics=metrics,
            dataset_version=f"sklearn-{sklearn.__version__}/digits",
            description=f"Scaled logistic regression, C={args.c}",
            tags={"dataset": "digits", "trained_by": "examples/train_and_register.py"},
            feature_names=[f"pixel_{i}" for i in range(digits.data.shape[1])],
            training=fit,
        )
    if args.print_number:
        print(version.number)
        return
    print(f"registered {version.model} version {version.number} ({version.model_type}, {version.framework})")
    print("  " + ", ".join(f"{name} {value:.4f}" for name, value in sorted(version.metrics.items())))
    print(f"  artifact sha256 {version.artifact_sha256} ({version.artifact_size_bytes} bytes)")
    print(f"  trained in {version.training_duration_seconds:.2f} s")
    print(f"next: modelreg promote {version.model} {version.number} --if-better accuracy")


if __name__ == "__main__":
    sys.exit(main())
