"""A rate as a proportion with its 95% confidence interval (R-6.2).

A rate is x ÷ n: x residents answered on the positive side of the rate's question, out of the n
residents of the area who answered it in the round. Areas above a community pool their answers
(the street's rate is all its communities' positive answers over all their answers), so each
resident counts once, wherever they live.

The interval is Wilson's score interval (Wilson 1927), not the textbook "p ± 1.96·√(p(1-p)/n)"
(Wald). The rates the city cares about sit near the ends of the scale (satisfaction often above
90%) and a community's sample is small (tens of answers); there the Wald interval is far too
narrow, collapses to zero width at 0% or 100% and can run past 100%. Wilson's interval inverts
the score test instead: it stays inside [0, 1], is never zero-width, and covers the true rate
about 95% of the time even for small n (Newcombe 1998; Brown, Cai & DasGupta 2001). With
p = x/n and z = 1.95996 (the normal 97.5% quantile):

    centre = (p + z²/2n) / (1 + z²/n)
    half   = z/(1 + z²/n) · √(p(1-p)/n + z²/4n²)
    interval = [centre − half, centre + half]

No answers, no rate: an empty sample gives None, never 0%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


def wilson_interval(positive: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of `positive` out of `n`, as fractions; None when n is 0."""
    if n <= 0:
        return None
    if not 0 <= positive <= n:
        raise ValueError(f"{positive} positive answers out of {n}")
    p = positive / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


@dataclass(frozen=True)
class Estimate:
    """One rate of one area in one round: `positive` out of `n`, with its 95% interval."""

    rate: str
    positive: int = 0
    n: int = 0

    @property
    def value(self) -> float | None:
        return self.positive / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.positive, self.n)

    @property
    def low(self) -> float | None:
        return self.interval[0] if self.n else None

    @property
    def high(self) -> float | None:
        return self.interval[1] if self.n else None

    # Percentages with one decimal, for pages, charts and bulletins.
    @property
    def pct(self) -> float | None:
        return percent(self.value)

    @property
    def low_pct(self) -> float | None:
        return percent(self.low)

    @property
    def high_pct(self) -> float | None:
        return percent(self.high)

    def __add__(self, other: Estimate) -> Estimate:
        """Pooled answers of two areas (or two communities) for the same rate."""
        if other.rate != self.rate:
            raise ValueError("cannot pool different rates")
        return Estimate(self.rate, self.positive + other.positive, self.n + other.n)
