"""Caps on the sizes of monitoring inputs, enforced when they are written (docs/monitoring.md, "Limits").

They bound what a read can return too: a query's cost is at most a list field's length times these caps (a
window's ``features`` list has at most ``MAX_PROFILE_FEATURES`` entries, each with at most ``MAX_BINS`` counts).
"""

from __future__ import annotations

#: Features in one reference profile, and so in each of its windows (``ReferenceProfile.features``,
#: ``MonitoringWindow.features``, ``FeatureDriftTrend`` lists).
MAX_PROFILE_FEATURES = 1_000
#: Bins of a numeric feature, open tails included (so at most ``MAX_BINS - 1`` edges): ``counts`` lists.
MAX_BINS = 100
#: Named categories of a categorical feature; its counts have one more entry, "other".
MAX_CATEGORIES = 100
#: Quantiles kept per numeric feature of a profile.
MAX_QUANTILES = 21
#: Realized metrics per window (``MonitoringWindow.performance``).
MAX_WINDOW_METRICS = 50
#: Windows a trend covers (``Deployment.featureTrend(last:)``) and windows per page (``Deployment.windows``).
MAX_TREND_WINDOWS = 100
#: Features one ``featureTrend`` call may name.
MAX_TREND_FEATURES = 20
#: Characters of a feature name (as for ``Version.featureNames``) and of a category.
MAX_NAME = 256
