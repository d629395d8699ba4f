"""Deployments: moving versions between environments, and reading what is and was deployed where."""
