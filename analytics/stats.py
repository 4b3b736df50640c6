"""Pure functions on aggregated counts (no database, no scipy: the report imports this module)."""

import math

__all__ = ["nps_with_interval", "share"]


def share(part: int, whole: int) -> float | None:
    """``part / whole`` as a float, or ``None`` when ``whole`` is 0."""
    return part / whole if whole else None


def nps_with_interval(promoters: int, detractors: int, n: int) -> tuple[float | None, float | None, float | None]:
    """Net Promoter Score of ``n`` responses and its 95 % interval, in points (-100…100).

    NPS = 100 × (p − d) with p, d the promoter (9–10) and detractor (0–6) shares. Each response
    scores +1, 0 or −1, whose variance is p + d − (p − d)² = p(1−p) + d(1−d) + 2pd, so the interval
    is NPS ± 196 × √(variance / n) (1.96: the 95 % normal quantile), clipped to [−100, 100].
    No responses: ``(None, None, None)``.
    """
    if n < 0 or promoters < 0 or detractors < 0 or promoters + detractors > n:
        raise ValueError(f"inconsistent counts: promoters={promoters}, detractors={detractors}, n={n}")
    if n == 0:
        return None, None, None
    nps = 100 * (promoters - detractors) / n
    p = promoters / n
    d = detractors / n
    half = 196 * math.sqrt((p * (1 - p) + d * (1 - d) + 2 * p * d) / n)
    return nps, max(-100.0, nps - half), min(100.0, nps + half)
