"""report/numbers.py: a config's numbers over its seeds."""

from __future__ import annotations

import pytest
from vae.report.numbers import late_slope, typical_seed


def test_the_typical_seed_is_the_median_one():
    assert typical_seed({420: 167.8, 421: 160.1, 422: 163.0}) == 422
    assert typical_seed({420: 1.0, 421: 2.0}) == 420  # of two, the lower middle
    assert typical_seed({421: 5.0}) == 421


def test_the_late_slope_is_the_least_squares_fall_of_the_last_epochs():
    falling = [200.0, 180.0, 170.0, 160.0, 150.0, 140.0, 130.0]  # -10 per epoch at the end
    assert late_slope(falling) == pytest.approx((-10.0, -10.0))  # a line: no doubt about it
    assert late_slope([5.0, 1.0, 1.0, 1.0, 1.0, 1.0]) == pytest.approx((0.0, 0.0))
    assert late_slope([3.0]) == (0.0, 0.0)
    # a fall of about 1.6 per epoch in noise of several nats: the interval reaches above zero
    slope, high = late_slope([10.0, 12.0, 5.0, 10.0, 3.0])
    assert slope == pytest.approx(-1.6) and high > 0

