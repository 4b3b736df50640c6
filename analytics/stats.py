"""Pure functions on aggregated counts (no database).

The report imports this module, so scipy is imported only inside the functions that need it
(``chi_square_pvalue``, ``relative_risk``), never at module level.
"""

import math

__all__ = [
    "MIN_N", "benjamini_hochberg", "chi_square_pvalue", "nps_difference_test", "nps_with_interval", "relative_risk",
    "share", "wilson_interval",
]

MIN_N = 30
"""Below this many observations the dashboard shows "insufficient data" instead of a value."""

_Z95 = 1.959963984540054  # the 97.5 % quantile of the standard normal distribution


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


def nps_difference_test(promoters_a: int, detractors_a: int, n_a: int,
                        promoters_b: int, detractors_b: int, n_b: int) -> dict:
    """Whether two groups of responses have different NPS: a two-sample z-test on the scores.

    Each response scores +1 (promoter), 0 (passive) or −1 (detractor); NPS is 100 × their mean and
    the variance of one score is p + d − (p − d)² (see ``nps_with_interval``). With unequal variances
    (Welch), z = (mean_a − mean_b) / √(var_a / n_a + var_b / n_b), two-sided p-value from the normal
    distribution — the large-sample test behind the dashboard's n ≥ ``MIN_N`` rule.

    Returns ``{"diff", "z", "p_value"}`` with ``diff`` = NPS_a − NPS_b in points; all ``None`` when a
    group is empty. When both groups have no spread at all (every answer alike within each group),
    ``z`` is ``None`` and ``p_value`` is 1.0 for equal scores, 0.0 for different ones.
    """
    for p, d, n in ((promoters_a, detractors_a, n_a), (promoters_b, detractors_b, n_b)):
        if n < 0 or p < 0 or d < 0 or p + d > n:
            raise ValueError(f"inconsistent counts: promoters={p}, detractors={d}, n={n}")
    if n_a == 0 or n_b == 0:
        return {"diff": None, "z": None, "p_value": None}

    def mean_var(p: int, d: int, n: int) -> tuple[float, float]:
        m = (p - d) / n
        return m, (p + d) / n - m * m

    m_a, v_a = mean_var(promoters_a, detractors_a, n_a)
    m_b, v_b = mean_var(promoters_b, detractors_b, n_b)
    diff = 100 * (m_a - m_b)
    se = math.sqrt(max(0.0, v_a) / n_a + max(0.0, v_b) / n_b)
    if se == 0:
        return {"diff": diff, "z": None, "p_value": 1.0 if m_a == m_b else 0.0}
    z = (m_a - m_b) / se
    return {"diff": diff, "z": z, "p_value": math.erfc(abs(z) / math.sqrt(2))}


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    """Wilson score interval of the proportion ``k / n`` (95 % by default), clipped to [0, 1].

    ``(None, None)`` when ``n`` is 0.
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"inconsistent counts: k={k}, n={n}")
    if n == 0:
        return None, None
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)  # exact ends (no rounding error) at 0 and n
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def _drop_empty(table: list[list[int]]) -> list[list[int]]:
    """The table without its all-zero rows and columns."""
    rows = [list(r) for r in table if any(r)]
    if not rows:
        return []
    keep = [j for j in range(len(rows[0])) if any(r[j] for r in rows)]
    return [[r[j] for j in keep] for r in rows]


def chi_square_pvalue(table: list[list[int]]) -> float | None:
    """p-value of Pearson's chi-square test of independence on an r×c contingency table of counts.

    All-zero rows and columns are dropped first; ``None`` when fewer than 2 rows or 2 columns
    remain. No continuity correction (also on 2×2 tables): the plain Pearson statistic.
    """
    t = _drop_empty(table)
    if len(t) < 2 or len(t[0]) < 2:
        return None
    if any(len(r) != len(t[0]) or any(v < 0 for v in r) for r in t):
        raise ValueError("a contingency table needs rows of equal length and non-negative counts")
    from scipy.stats import chi2_contingency

    return float(chi2_contingency(t, correction=False).pvalue)


def benjamini_hochberg(p_values: list[float | None]) -> list[float | None]:
    """Benjamini–Hochberg q-values (adjusted p-values) in the input order.

    ``q_(i) = min over j ≥ i of m·p_(j)/j`` over the p-values sorted ascending, capped at 1, so
    q-values are monotone in p. ``None`` entries stay ``None`` and are not counted in ``m``.
    """
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(present)
    out: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank in range(m, 0, -1):
        p, i = present[rank - 1]
        running = min(running, p * m / rank)
        out[i] = running
    return out


def relative_risk(a_events: int, a_n: int, b_events: int, b_n: int) -> dict:
    """Relative risk of group A vs group B: ``(a_events / a_n) / (b_events / b_n)``.

    Returns ``{"rr", "ci_low", "ci_high", "p_value"}``:

    * ``rr``: ``None`` when a group is empty or B has no event (division by zero); 0 when A has none.
    * 95 % interval on the log scale: ``exp(ln rr ± 1.96·√(1/a − 1/a_n + 1/b − 1/b_n))``; ``None``
      when ``a_events`` or ``b_events`` is 0 (log undefined).
    * ``p_value``: Pearson chi-square (no continuity correction) on the 2×2 table
      ``[[a, a_n − a], [b, b_n − b]]``, or Fisher's exact test (two-sided) when an expected count is
      below 5; ``None`` when a group is empty.
    """
    if min(a_events, a_n, b_events, b_n) < 0 or a_events > a_n or b_events > b_n:
        raise ValueError(f"inconsistent counts: {a_events}/{a_n} vs {b_events}/{b_n}")
    out: dict = {"rr": None, "ci_low": None, "ci_high": None, "p_value": None}
    if a_n == 0 or b_n == 0:
        return out
    if b_events > 0:
        rr = (a_events / a_n) / (b_events / b_n)
        out["rr"] = rr
        if a_events > 0:
            se = math.sqrt(1 / a_events - 1 / a_n + 1 / b_events - 1 / b_n)
            out["ci_low"] = math.exp(math.log(rr) - _Z95 * se)
            out["ci_high"] = math.exp(math.log(rr) + _Z95 * se)
    table = [[a_events, a_n - a_events], [b_events, b_n - b_events]]
    total = a_n + b_n
    cols = (a_events + b_events, total - a_events - b_events)
    expected_min = min(r * c / total for r in (a_n, b_n) for c in cols)
    if expected_min < 5:
        from scipy.stats import fisher_exact

        out["p_value"] = float(fisher_exact(table).pvalue)
    else:
        out["p_value"] = chi_square_pvalue(table)
    return out
