"""Hypothesis profiles for the property tests: a fixed, modest number of examples so the
suite stays fast, derandomized in CI (``CI`` set) so a run there is reproducible.

Choose another with ``HYPOTHESIS_PROFILE=thorough`` (more examples, random) when hunting bugs.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=30, **COMMON)
settings.register_profile("ci", max_examples=30, derandomize=True, print_blob=True, **COMMON)
settings.register_profile("thorough", max_examples=1000, **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
