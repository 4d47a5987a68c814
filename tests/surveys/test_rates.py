"""The five rates as proportions with 95% Wilson score intervals (R-6.2)."""

import pytest

from surveys.rates import Estimate, wilson_interval


@pytest.mark.parametrize(
    ("positive", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (score, no correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
        # By hand, z = 1.95996: 7/10 → centre 0.64449, half 0.24772.
        (7, 10, 0.3968, 0.8922),
        # 45/50 → centre 0.87146, half 0.08506.
        (45, 50, 0.7864, 0.9565),
    ],
)
def test_wilson_interval_matches_published_and_hand_computed_values(positive, n, low, high):
    """R-6.2: each rate carries a 95% interval; these are the textbook values."""
    got_low, got_high = wilson_interval(positive, n)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


def test_interval_stays_inside_zero_and_one_and_never_collapses():
    """Where the textbook p ± 1.96·SE interval fails (all yes, all no, tiny samples), Wilson's
    stays within [0, 1] and keeps a width."""
    for positive, n in [(0, 1), (1, 1), (0, 3), (3, 3), (50, 50)]:
        low, high = wilson_interval(positive, n)
        assert 0.0 <= low < high <= 1.0


def test_no_answers_give_no_rate_rather_than_zero():
    estimate = Estimate("satisfaction", 0, 0)
    assert estimate.value is None and estimate.pct is None and estimate.low is None
    assert wilson_interval(0, 0) is None


def test_estimate_reports_percentages_with_one_decimal_and_pools_answers():
    estimate = Estimate("satisfaction", 7, 10) + Estimate("satisfaction", 5, 5)
    assert (estimate.positive, estimate.n) == (12, 15)
    assert estimate.pct == 80.0
    assert (estimate.low_pct, estimate.high_pct) == (54.8, 93.0)
    with pytest.raises(ValueError):
        Estimate("satisfaction", 1, 2) + Estimate("awareness", 1, 2)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
