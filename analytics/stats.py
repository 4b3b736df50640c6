"""Pure functions on aggregated counts (no database).

The report imports this module, so scipy is imported only inside the functions that need it
(``chi_square_pvalue``, ``relative_risk``, ``welch_t_test``), never at module level.

Survival (issue 15, "Time is followed, not cut"): ``kaplan_meier``, ``km_reach``, ``km_quantiles``,
``reach_product``, ``reach_difference_test`` read a *survival table*: rows ``(time, events, censored)`` with
``time`` in whole days (an int ≥ 0), ``events`` the customers who reached the stage on that day and ``censored``
those last seen without it on that day. Several rows may share a time (they are added up). Convention: customers
censored at ``t`` are still at risk at ``t`` (events come before censorings at equal times), as in Kaplan & Meier
(1958), R's ``survival`` and ``lifelines``. ``welch_t_test`` compares two means from (mean, variance, n).
"""

import math

from data_model.thresholds import MIN_N  # re-exported: the charts read it there too

__all__ = [
    "CELL_SUMS", "MIN_N", "benjamini_hochberg", "chi_square_pvalue", "clustered_cell_test", "clustered_mean",
    "clustered_variance", "dersimonian_laird", "independence_test", "kaplan_meier", "km_quantiles", "km_reach",
    "mean_difference_test", "nps_difference_test", "nps_with_interval", "reach_difference_test", "reach_product",
    "relative_risk", "share", "shrunk", "welch_t_test", "wilson_interval",
]

_Z95 = 1.959963984540054  # the 97.5 % quantile of the standard normal distribution


def share(part: int, whole: int) -> float | None:
    """``part / whole`` as a float, or ``None`` when ``whole`` is 0."""
    return part / whole if whole else None


def nps_with_interval(promoters: int, detractors: int, n: int, clusters: tuple | None = None
                      ) -> tuple[float | None, float | None, float | None]:
    """Net Promoter Score of ``n`` responses and its 95 % interval, in points (-100…100).

    NPS = 100 × (P − D) / n with P promoters (9–10) and D detractors (0–6): the observed score. The interval is
    Rocks' adjusted Wald (2016, "Interval Estimation for the 'Net Promoter Score'", The American Statistician
    70(4)) with a variance clustered by customer: three one-answer pseudo-customers are added, ¾ promoter, ¾
    detractor and 1½ passive in all (scores +√¾, −√¾ and 0: they add 0 to the sum and 1½ to the sum of squares),
    so the centre is m = (P − D) / (n + 3) and

        V = [Σᵢ (Sᵢ − nᵢ m)² + 1½ + 3m²] / (n + 3)²

    over the customers i (Sᵢ = their promoters − detractors, nᵢ their answers); interval 100 × (m ± 1.96 √V),
    clipped to [−100, 100]. It does not collapse to ± 0 at 30 promoters out of 30, and it is asymmetric around the
    observed NPS. ``clusters`` = ``(customers, ΣSᵢ², ΣSᵢnᵢ, Σnᵢ²)``; without it every response is its own customer,
    and V is then exactly Rocks' (p′ + d′ − (p′ − d′)²) / (n + 3) with p′ = (P + ¾)/(n + 3), d′ = (D + ¾)/(n + 3).
    No responses: ``(None, None, None)``.
    """
    if n < 0 or promoters < 0 or detractors < 0 or promoters + detractors > n:
        raise ValueError(f"inconsistent counts: promoters={promoters}, detractors={detractors}, n={n}")
    if n == 0:
        return None, None, None
    if clusters is None:  # one answer per customer: Sᵢ ∈ {−1, 0, 1}, nᵢ = 1
        clusters = (n, promoters + detractors, promoters - detractors, n)
    _, s_sq, s_n, n_sq = clusters
    centre = (promoters - detractors) / (n + 3)
    residual = max(s_sq - 2 * centre * s_n + centre * centre * n_sq, 0.0) + 1.5 + 3 * centre * centre
    half = _Z95 * math.sqrt(residual) / (n + 3)
    nps = 100 * (promoters - detractors) / n
    return nps, max(-100.0, 100 * (centre - half)), min(100.0, 100 * (centre + half))


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


def clustered_mean(responses: int, customers: int, total: float, sum_sq: float, sum_cross: float,
                   sum_n_sq: float, low: float = 1.0, high: float = 5.0,
                   z: float = 1.959963984540054) -> tuple[float | None, float | None, float | None]:
    """Mean of ``responses`` scores given by ``customers`` people, with a 95 % interval whose variance is clustered by
    customer (CR1: a customer who answers ten times is one cluster, not ten independent answers).

    From per-customer sums — Sᵢ the sum of customer i's scores, nᵢ their answers — ``total`` = ΣSᵢ, ``sum_sq`` =
    ΣSᵢ², ``sum_cross`` = ΣSᵢnᵢ, ``sum_n_sq`` = Σnᵢ²: mean m = ΣSᵢ / N, V = G/(G−1) · Σ(Sᵢ − nᵢm)² / N² (G customers,
    N responses), interval m ± z√V clipped to [``low``, ``high``]. One answer each: the usual s²/N with s² on N − 1.
    ``(None, None, None)`` without responses; no interval with one customer."""
    if not responses:
        return None, None, None
    mean, var = clustered_variance(responses, customers, total, sum_sq, sum_cross, sum_n_sq)
    if var is None:
        return mean, None, None
    margin = z * math.sqrt(var)
    return mean, max(low, mean - margin), min(high, mean + margin)


def clustered_variance(responses: int, customers: int, total: float, sum_sq: float, sum_cross: float,
                       sum_n_sq: float) -> tuple[float | None, float | None]:
    """``(mean, V)`` of ``clustered_mean`` (V: the variance of the mean, clustered by customer); ``(None, None)``
    without responses, V ``None`` with one customer."""
    if not responses:
        return None, None
    mean = total / responses
    if customers < 2:
        return mean, None
    residual = max(sum_sq - 2 * mean * sum_cross + mean * mean * sum_n_sq, 0.0)
    return mean, customers / (customers - 1) * residual / (responses * responses)


def mean_difference_test(mean_a: float | None, var_a: float | None, mean_b: float | None,
                         var_b: float | None) -> dict:
    """Two independent means (each with the variance of its estimate, e.g. ``clustered_variance``): ``{"diff",
    "z", "p_value"}``, diff = a − b, z = diff / √(V_a + V_b), two-sided normal p. ``None``s when a side is
    missing; no spread at all: p 1.0 for equal means, 0.0 for different ones."""
    if mean_a is None or mean_b is None or var_a is None or var_b is None:
        return {"diff": None if mean_a is None or mean_b is None else mean_a - mean_b, "z": None, "p_value": None}
    diff = mean_a - mean_b
    se = math.sqrt(var_a + var_b)
    if se == 0:
        return {"diff": diff, "z": None, "p_value": 1.0 if diff == 0 else 0.0}
    return {"diff": diff, "z": diff / se, "p_value": math.erfc(abs(diff / se) / math.sqrt(2))}


CELL_SUMS = ("s1s1", "s1m1", "m1m1", "s1t", "s1m", "m1t", "m1m", "tt", "tm", "mm")
"""The sums over a cell's respondents that ``clustered_cell_test`` reads (see there)."""


def clustered_cell_test(cell: dict, everyone: dict, scale: float = 1.0) -> dict:
    """Whether a cell's answers differ from every other answer, with customers as the unit: the coefficient of a
    regression of the score y on the indicator "in the cell", with a variance clustered by customer (CR1, as
    Stata's ``regress …, vce(cluster customer)``: G/(G − 1) · (N − 1)/(N − 2)), two-sided normal p-value. A
    customer who answers ten times is one cluster, not ten independent answers; one answer each gives the
    two-sample z-test with unequal variances, up to the small-sample factor.

    The estimate is ȳ₁ − ȳ₀ (cell − rest, times ``scale``), its variance κ Σ_c (a_c/n₁ − b_c/n₀)², with a_c = S₁c −
    m₁c ȳ₁ and b_c = S₀c − m₀c ȳ₀ for customer c's sum S and count m of answers in the cell (1) and outside it (0).
    It is read from sums the database computes (no row comes back): ``everyone`` = ``{"n", "s", "g", "tt", "tm",
    "mm"}`` — answers, Σy, customers, and over customers ΣT², ΣTM, ΣM² with T, M their sum and count of answers;
    ``cell`` = ``{"n", "s", "g"}`` (answers, Σy, customers) and over the cell's customers ``CELL_SUMS``: ΣS₁²,
    ΣS₁m₁, Σm₁², ΣS₁T, ΣS₁M, Σm₁T, Σm₁M, ΣT², ΣTM, ΣM².

    ``{"diff", "z", "p_value"}``: all ``None`` when the cell has fewer than 2 customers (its spread is unknown), the
    rest fewer than 2 answers, or there are fewer than 3 customers in all;
    with no spread at all, ``z`` ``None`` and ``p_value`` 1.0 for equal means, 0.0 for different ones."""
    n1, n = cell["n"], everyone["n"]
    n0, g = n - n1, everyone["g"]
    if cell["g"] < 2 or n0 < 2 or g < 3:
        return {"diff": None, "z": None, "p_value": None}
    y1, y0 = cell["s"] / n1, (everyone["s"] - cell["s"]) / n0
    c = cell
    # the cell's customers' answers outside it: S0 = T - S1, m0 = M - m1
    s0s0 = c["tt"] - 2 * c["s1t"] + c["s1s1"]
    s0m0 = c["tm"] - c["s1m"] - c["m1t"] + c["s1m1"]
    m0m0 = c["mm"] - 2 * c["m1m"] + c["m1m1"]
    # … and every other customer's, all outside the cell
    s0s0 += everyone["tt"] - c["tt"]
    s0m0 += everyone["tm"] - c["tm"]
    m0m0 += everyone["mm"] - c["mm"]
    aa = c["s1s1"] - 2 * y1 * c["s1m1"] + y1 * y1 * c["m1m1"]
    bb = s0s0 - 2 * y0 * s0m0 + y0 * y0 * m0m0
    ab = ((c["s1t"] - c["s1s1"]) - y0 * (c["s1m"] - c["s1m1"]) - y1 * (c["m1t"] - c["s1m1"])
          + y1 * y0 * (c["m1m"] - c["m1m1"]))
    kappa = g / (g - 1) * (n - 1) / (n - 2)
    var = kappa * (aa / (n1 * n1) - 2 * ab / (n1 * n0) + bb / (n0 * n0))
    diff = scale * (y1 - y0)
    if var <= 1e-12 * max(1.0, y1 * y1, y0 * y0) / n:  # no spread (up to rounding)
        return {"diff": diff, "z": None, "p_value": 1.0 if abs(y1 - y0) < 1e-12 else 0.0}
    z = (y1 - y0) / math.sqrt(var)
    return {"diff": diff, "z": z, "p_value": math.erfc(abs(z) / math.sqrt(2))}


def dersimonian_laird(estimates: list[float], ses: list[float]) -> float:
    """The between-cell variance τ² of DerSimonian & Laird (1986): with weights wᵢ = 1/seᵢ², the weighted mean μ,
    Q = Σ wᵢ (xᵢ − μ)² and k estimates, τ² = max(0, (Q − (k − 1)) / (Σwᵢ − Σwᵢ² / Σwᵢ)). 0 with fewer than two
    estimates; estimates whose standard error is missing or 0 are left out."""
    pairs = [(x, 1 / (se * se)) for x, se in zip(estimates, ses, strict=True) if se is not None and se > 0]
    if len(pairs) < 2:
        return 0.0
    sw = sum(w for _, w in pairs)
    mu = sum(w * x for x, w in pairs) / sw
    q = sum(w * (x - mu) ** 2 for x, w in pairs)
    denominator = sw - sum(w * w for _, w in pairs) / sw
    return max(0.0, (q - (len(pairs) - 1)) / denominator) if denominator > 0 else 0.0


def shrunk(estimate: float | None, se: float | None, tau2: float) -> float | None:
    """A normal–normal empirical-Bayes estimate shrunk towards 0: ``estimate × τ² / (τ² + se²)`` — a noisy estimate
    (large se) is pulled in, a precise one kept. ``None`` without an estimate; 0 without a standard error (no
    evidence) when τ² > 0; the estimate itself when τ² = 0 is not usable (the caller ranks by the raw figures)."""
    if estimate is None:
        return None
    if tau2 <= 0:
        return estimate
    if se is None or se <= 0:
        return 0.0
    return estimate * tau2 / (tau2 + se * se)


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


MIN_EXPECTED = 5
"""``independence_test`` uses Pearson's chi-square only when every expected count is at least this."""
MONTE_CARLO_RESAMPLES = 9_999
"""Random tables drawn by ``independence_test``'s Monte-Carlo p-value: p ≥ 1 / 10,000, its standard error at most
0.005 (about 4 ms for a few groups)."""
MONTE_CARLO_SEED = 20_250_117
"""The fixed seed of those draws: the same table always gets the same p-value."""


def independence_test(table: list[list[int]]) -> tuple[float | None, str | None]:
    """``(p_value, test)``: whether the rows of an r×c contingency table of counts differ, by a test that holds for
    small counts.

    All-zero rows and columns are dropped first (as ``chi_square_pvalue``); ``(None, None)`` when fewer than 2 rows
    or 2 columns remain. Then, with N the total and the expected count of a cell = its row total × its column total
    / N:

    * every expected count ≥ ``MIN_EXPECTED`` (5): ``"chi-square"``, Pearson's chi-square without continuity
      correction (``chi_square_pvalue``), whose χ² approximation holds there;
    * else a 2×2 table: ``"fisher"``, Fisher's exact test, two-sided (``scipy.stats.fisher_exact``);
    * else (more rows or columns): ``"monte-carlo"``, the share of ``MONTE_CARLO_RESAMPLES`` random tables with the
      same margins (independence: ``scipy.stats.random_table``) whose Pearson statistic is at least the observed
      one, counting the observed table: (b + 1) / (9,999 + 1) — so never below 0.0001. The draws use the fixed
      ``MONTE_CARLO_SEED``: the same table always gets the same p-value (``scipy.stats.chi2_contingency`` with a
      ``MonteCarloMethod``, SciPy ≥ 1.15).
    """
    t = _drop_empty(table)
    if len(t) < 2 or len(t[0]) < 2:
        return None, None
    if any(len(r) != len(t[0]) or any(v < 0 for v in r) for r in t):
        raise ValueError("a contingency table needs rows of equal length and non-negative counts")
    total = sum(map(sum, t))
    rows, cols = [sum(r) for r in t], [sum(c) for c in zip(*t, strict=True)]
    if all(r * c >= MIN_EXPECTED * total for r in rows for c in cols):  # r·c / N ≥ 5, in integers
        return chi_square_pvalue(t), "chi-square"
    if len(t) == 2 and len(t[0]) == 2:
        from scipy.stats import fisher_exact

        return float(fisher_exact(t).pvalue), "fisher"
    import numpy as np
    from scipy.stats import MonteCarloMethod, chi2_contingency

    method = MonteCarloMethod(n_resamples=MONTE_CARLO_RESAMPLES, rng=np.random.default_rng(MONTE_CARLO_SEED))
    return float(chi2_contingency(t, correction=False, method=method).pvalue), "monte-carlo"


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


# -- survival: Kaplan–Meier on counts per day ----------------------------------------------------------------------

WITHIN_DAYS = (30, 90, 365)
"""The days at which ``km_quantiles`` gives the share who got there."""

_EPS = 1e-12  # S(t) compared with 0.5 etc.: a product of fractions lands a rounding error away from the exact value


def _survival_counts(table) -> list[tuple[int, int, int]]:
    """``table`` checked and added up per time, in time order: ``[(time, events, censored), …]``."""
    per: dict[int, list[int]] = {}
    for row in table:
        time, events, censored = row
        if isinstance(time, bool) or int(time) != time or time < 0:
            raise ValueError(f"a survival time is a whole number of days ≥ 0, not {time!r}")
        if int(events) != events or int(censored) != censored or events < 0 or censored < 0:
            raise ValueError(f"inconsistent counts at day {time}: events={events}, censored={censored}")
        cell = per.setdefault(int(time), [0, 0])
        cell[0] += int(events)
        cell[1] += int(censored)
    return [(t, e, c) for t, (e, c) in sorted(per.items())]


def kaplan_meier(table) -> list[dict]:
    """The Kaplan–Meier curve of a survival table (see the module's docstring), one row per event time.

    Each row: ``time``; ``at_risk`` = customers whose time is ≥ ``time`` (those censored at ``time`` included);
    ``events``; ``censored`` (at that time); ``survival`` S(t) = ∏_{tᵢ ≤ t} (1 − dᵢ/nᵢ); ``greenwood`` =
    Σ_{tᵢ ≤ t} dᵢ / (nᵢ (nᵢ − dᵢ)) (None once S reaches 0, where it is infinite); ``variance`` = Greenwood's
    variance of S(t), S(t)² × ``greenwood`` (0 once S reaches 0). S is 1 before the first row, and between two
    rows it keeps the value of the earlier one. Empty table (or no event): ``[]``.
    """
    rows = _survival_counts(table)
    at_risk = sum(e + c for _, e, c in rows)
    s, gw, curve = 1.0, 0.0, []
    for time, events, censored in rows:
        if events:
            if at_risk == events:  # everyone still followed has the event: S = 0, Greenwood's sum is undefined
                s, gw = 0.0, None
            else:
                s *= 1 - events / at_risk
                gw += events / (at_risk * (at_risk - events))
            curve.append({"time": time, "at_risk": at_risk, "events": events, "censored": censored,
                          "survival": s, "greenwood": gw, "variance": s * s * gw if s > 0 else 0.0})
        at_risk -= events + censored
    return curve


def _step_at(curve: list[dict], day: float) -> dict | None:
    """The curve's last row at or before ``day`` (None: before the first event, where S = 1)."""
    found = None
    for row in curve:
        if row["time"] > day:
            break
        found = row
    return found


def _loglog_band(survival: float, greenwood: float, z: float = _Z95) -> tuple[float, float]:
    """Pointwise interval of S by the log-log transform (Kalbfleisch & Prentice): with θ = ln(−ln S) and
    se(θ) = √greenwood / |ln S|, S^exp(±z·se). At S = 1 or S = 0 the interval is that single point."""
    if survival >= 1.0 or survival <= 0.0:
        return survival, survival
    se = math.sqrt(greenwood) / abs(math.log(survival))
    return survival ** math.exp(z * se), survival ** math.exp(-z * se)


def km_reach(table, window: int | None) -> dict:
    """The share who reached the stage by day ``window``, F(w) = 1 − S(w), with its 95 % interval.

    Returned fields:

    * ``n``: customers in the table; ``events``: those with the event at a time ≤ w.
    * ``at_risk``: customers still followed at day w (time ≥ w: with the event at w, censored at w or later).
    * ``in_progress``: customers censored before w (time < w), hence without the event: "still in progress".
    * ``rate``: F(w); ``variance``: its Greenwood variance (that of S(w)); ``ci_low``, ``ci_high``: its 95 % interval.
    * ``method``: ``"share"`` when nobody is censored before w — then ``rate`` is the plain share ``events / n``
      with its Wilson interval and ``variance`` = rate (1 − rate) / n, which is also Greenwood's value in that
      case; ``"kaplan_meier"`` otherwise — Greenwood with the log-log transform, except at an estimate of exactly
      0 or 1, where the interval is the Wilson interval of the customers with full follow-up (``n − in_progress``,
      of whom ``events`` had the event), the estimate staying 0 or 1 (no interval when nobody has full
      follow-up: everyone is in progress).
    * ``shown``: ``at_risk ≥ MIN_N`` (30), or nobody in progress and ``n ≥ MIN_N`` (the plain share, as any share);
      otherwise the caller says "too early: ``in_progress`` of ``n`` still in progress" instead of the figure (which
      is still computed).

    ``window=None`` (no window, ``--window all``): the plain share at the end of the data, ``events / n`` with
    its Wilson interval; ``in_progress`` = every customer without the event (censored), ``at_risk`` = ``n``.
    Empty table: ``n`` 0 and ``rate``, ``variance``, ``ci_low``, ``ci_high`` all None, not shown.
    """
    rows = _survival_counts(table)
    n = sum(e + c for _, e, c in rows)
    if window is None:
        events = sum(e for _, e, _ in rows)
        in_progress, at_risk = n - events, n
    else:
        if window < 0:
            raise ValueError(f"a window is a number of days ≥ 0, not {window!r}")
        events = sum(e for t, e, _ in rows if t <= window)
        in_progress = sum(c for t, _, c in rows if t < window)
        at_risk = sum(e + c for t, e, c in rows if t >= window)
    # with nobody in progress the figure is the plain share, shown from MIN_N customers "as today" (those with the
    # event by w are not at risk at w, yet their outcome is known)
    shown = at_risk >= MIN_N or (in_progress == 0 and n >= MIN_N)
    out = {"n": n, "events": events, "at_risk": at_risk, "in_progress": in_progress, "rate": None,
           "variance": None, "ci_low": None, "ci_high": None, "method": "share", "shown": shown}
    if n == 0:
        return out
    if window is None or in_progress == 0:
        rate = events / n
        out["rate"], out["variance"] = rate, rate * (1 - rate) / n
        out["ci_low"], out["ci_high"] = wilson_interval(events, n)
        return out
    step = _step_at(kaplan_meier(rows), window)
    s, gw = (step["survival"], step["greenwood"]) if step else (1.0, 0.0)
    out["method"] = "kaplan_meier"
    out["rate"], out["variance"] = 1 - s, (s * s * gw if s > 0 else 0.0)
    if s >= 1.0 - _EPS or s <= _EPS:
        out["rate"] = 0.0 if s >= 1.0 - _EPS else 1.0
        out["ci_low"], out["ci_high"] = wilson_interval(events, n - in_progress)
    else:
        s_low, s_high = _loglog_band(s, gw)
        out["ci_low"], out["ci_high"] = 1 - s_high, 1 - s_low
    return out


def km_quantiles(table, within: tuple[int, ...] = WITHIN_DAYS) -> dict:
    """Time to event read from the Kaplan–Meier curve (``time_to_next_stage`` of the report).

    * ``at_risk``: customers in the table (those who reached the earlier stage); ``events``: those with the event.
    * ``p25_days``, ``median_days``, ``p75_days``, ``p90_days``: the smallest event time t with S(t) ≤ 1 − p
      (p = .25, .5, .75, .9) — no interpolation, as ``lifelines`` (R takes the midpoint when S stays exactly at
      1 − p over an interval); None when the curve never gets there.
    * ``ci_low``, ``ci_high``: the median's 95 % interval by Brookmeyer & Crowley (1982) with the log-log
      transform: the times t where the test of S(t) = 0.5, |ln(−ln S(t)) − ln(ln 2)| / se ≤ 1.96 with se =
      √Greenwood / |ln S(t)|, is not rejected — i.e. where 0.5 lies in the pointwise log-log band of S. As in R's
      ``survival`` (``conf.type="log-log"``), the ends are read at event times: ``ci_low`` = the first event time
      where the band's lower end is ≤ 0.5, ``ci_high`` = the first where its upper end is ≤ 0.5 (the closure of
      that set on the step curve); None when the band never gets there.
    * ``within_30``, ``within_90``, ``within_365`` (one per day of ``within``): F(d) = 1 − S(d); None when nobody
      is followed to day d (no time ≥ d) and the curve has not reached 0 by then.
    """
    rows = _survival_counts(table)
    curve = kaplan_meier(rows)
    out = {"at_risk": sum(e + c for _, e, c in rows), "events": sum(e for _, e, _ in rows)}

    def first_time(test) -> int | None:
        return next((r["time"] for r in curve if test(r)), None)

    for name, p in (("p25_days", 0.25), ("median_days", 0.5), ("p75_days", 0.75), ("p90_days", 0.9)):
        out[name] = first_time(lambda r, p=p: r["survival"] <= 1 - p + _EPS)
    out["ci_low"] = first_time(lambda r: _loglog_band(r["survival"], r["greenwood"])[0] <= 0.5 + _EPS)
    out["ci_high"] = first_time(lambda r: _loglog_band(r["survival"], r["greenwood"])[1] <= 0.5 + _EPS)
    for day in within:
        step = _step_at(curve, day)
        s = step["survival"] if step else 1.0
        followed = any(t >= day for t, _, _ in rows) or s <= 0.0
        out[f"within_{day}"] = 1 - s if followed and rows else None
    return out


def reach_product(first: dict, second: dict) -> dict:
    """The share who reach both steps, F = F₁ × F₂ (e.g. a post-conversion stage over the whole cohort:
    P(convert) × P(stage | converted)), from two ``km_reach`` results (their ``rate`` and ``variance``).

    The two estimates are taken as independent (different customers' clocks: the second is measured from the
    conversion). ``variance`` = F₂² V₁ + F₁² V₂ (delta method). The 95 % interval is the delta method on the log
    scale — ln F = ln F₁ + ln F₂, se² = V₁/F₁² + V₂/F₂², F·exp(±1.96 se), capped at 1 — so it stays above 0.
    When F₁ or F₂ is 0: F = 0, ``ci_low`` 0 and ``ci_high`` the product of the two upper bounds (None when one
    of them is None: nobody followed through).
    None everywhere when either rate is None.
    """
    out = {"rate": None, "variance": None, "ci_low": None, "ci_high": None}
    f1, f2 = first.get("rate"), second.get("rate")
    if f1 is None or f2 is None:
        return out
    v1, v2 = first.get("variance") or 0.0, second.get("variance") or 0.0
    rate = f1 * f2
    out["rate"], out["variance"] = rate, f2 * f2 * v1 + f1 * f1 * v2
    if rate <= 0.0:
        highs = (first.get("ci_high"), second.get("ci_high"))
        out["ci_low"], out["ci_high"] = 0.0, (None if None in highs else highs[0] * highs[1])
        return out
    se = math.sqrt(v1 / (f1 * f1) + v2 / (f2 * f2))
    out["ci_low"], out["ci_high"] = rate * math.exp(-_Z95 * se), min(1.0, rate * math.exp(_Z95 * se))
    return out


def reach_difference_test(a: dict, b: dict) -> dict:
    """Whether two reach estimates differ: z = (F₁ − F₂) / √(V₁ + V₂) on their ``rate`` and ``variance`` (Greenwood
    variances from ``km_reach`` or ``reach_product``), two-sided p-value from the normal distribution.

    When nothing is censored, V = F(1 − F)/n and this is the *unpooled* two-proportion z-test (each group's own
    variance, as Greenwood gives), not the pooled one. Returns ``{"diff", "z", "p_value"}`` with ``diff`` = F₁ − F₂;
    all None when a rate is None; with no variance at all (both estimates 0 or 1), ``z`` None and ``p_value`` 1.0
    for equal estimates, 0.0 for different ones.
    """
    if a.get("rate") is None or b.get("rate") is None:
        return {"diff": None, "z": None, "p_value": None}
    diff = a["rate"] - b["rate"]
    se = math.sqrt((a.get("variance") or 0.0) + (b.get("variance") or 0.0))
    if se == 0:
        return {"diff": diff, "z": None, "p_value": 1.0 if diff == 0 else 0.0}
    z = diff / se
    return {"diff": diff, "z": z, "p_value": math.erfc(abs(z) / math.sqrt(2))}


def welch_t_test(mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int) -> dict:
    """Welch's t-test of two means from each group's mean, *sample* variance (n − 1 denominator) and size
    (e.g. revenue per customer): t = (m_a − m_b) / √(v_a/n_a + v_b/n_b), Welch–Satterthwaite degrees of freedom,
    two-sided p-value from Student's t (scipy).

    Returns ``{"diff", "t", "df", "p_value"}`` with ``diff`` = m_a − m_b; all None when a group has fewer than 2
    values; with no spread in either group, ``t`` and ``df`` None and ``p_value`` 1.0 for equal means, else 0.0.
    """
    if min(n_a, n_b) < 0 or min(var_a, var_b) < 0:
        raise ValueError(f"inconsistent groups: n={n_a}, {n_b}; variance={var_a}, {var_b}")
    if n_a < 2 or n_b < 2:
        return {"diff": None, "t": None, "df": None, "p_value": None}
    diff = mean_a - mean_b
    qa, qb = var_a / n_a, var_b / n_b
    if qa + qb == 0:
        return {"diff": diff, "t": None, "df": None, "p_value": 1.0 if diff == 0 else 0.0}
    t = diff / math.sqrt(qa + qb)
    df = (qa + qb) ** 2 / (qa * qa / (n_a - 1) + qb * qb / (n_b - 1))
    from scipy.stats import t as student

    return {"diff": diff, "t": t, "df": df, "p_value": float(2 * student.sf(abs(t), df))}
