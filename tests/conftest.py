"""Settings for the whole suite."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# Property tests assert on what they find, never on how fast: Hypothesis's own deadline and
# its "input generation is slow" check are timings, and fail on a loaded machine (seen: the
# first draw of a record took 7 s while the validator compiled, under a load of 6 on 2 cores).
settings.register_profile("hopscope", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# ``stack test --fast`` draws fewer examples (tests that set their own count keep it).
settings.register_profile("fast", parent=settings.get_profile("hopscope"), max_examples=25)
settings.load_profile("hopscope")
