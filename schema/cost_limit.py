"""The default node budget of an operation, apart from schema/cost.py: app/settings.py needs the number, and every
``modelreg`` command reads its settings, so importing it must not import GraphQL, Strawberry and the models."""

from __future__ import annotations

#: Default of ``MODELREG_MAX_NODES``. examples/dashboard.graphql at ``models(first: 100)`` costs 346,100 (most of
#: it the 500 metrics each of 600 versions may carry); this leaves it 44% of room for more fields, and is the
#: limit GitHub's GraphQL API sets, so client authors know the number (docs/security.md, "Limits").
DEFAULT_MAX_NODES = 500_000
