"""The peak benchmark's arrival schedule (wrapguard_local/peak.py): steady Poisson arrivals at the rate,
and a shift end that multiplies the rate for its window only."""

from __future__ import annotations

from wrapguard_local.peak import PeakConfig, _Schedule


def _ends_per_minute(config: PeakConfig) -> list[int]:
    schedule = _Schedule.of(config)
    ends = [moment - config.stage_lead_seconds for moment, _, action, _ in schedule.plan if action == "hang_up"]
    minutes = [0] * (int(max(ends) // 60) + 1)
    for end in ends:
        minutes[int(end // 60)] += 1
    return minutes


def test_a_shift_end_triples_the_rate_for_its_minute_only() -> None:
    config = PeakConfig(interactions=3000, per_minute=500.0, shift_end_at_minute=2.0)
    assert [config.rate_at(s) for s in (0.0, 119.9, 120.0, 179.9, 180.0)] == [500, 500, 1500, 1500, 500]
    minutes = _ends_per_minute(config)
    assert 420 <= minutes[0] <= 580 and 420 <= minutes[1] <= 580
    assert 1350 <= minutes[2] <= 1650  # Poisson at 1,500 a minute: within about 4 standard deviations
    assert 420 <= minutes[3] <= 580


def test_without_a_shift_end_the_rate_is_steady() -> None:
    config = PeakConfig(interactions=3000, per_minute=500.0)
    assert all(420 <= n <= 580 for n in _ends_per_minute(config)[:5])
