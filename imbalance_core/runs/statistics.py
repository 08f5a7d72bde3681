"""Reading a benchmark: rank statistics over tables, from its rows (one per table x strategy x seed).

Scores are first averaged over seeds (one number per table and strategy). Then, on one metric:

- **average rank** per strategy (1 = best on a table; ties share their mean rank), over the tables where every
  strategy has a score;
- a **Friedman test** (SciPy) of "all strategies rank alike", with the **Nemenyi post-hoc test** (scikit-posthocs)
  for each pair: the critical-difference diagram joins strategies no pair test tells apart;
- per strategy, **wins / ties / losses against** ``none`` on each table (a difference under ``TIE`` is a tie) and
  a **Wilcoxon signed-rank** p-value (SciPy) of its differences to ``none``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import UserError
from .benchmark import BENCHMARK_COLUMNS, TEXT_COLUMNS
from .evaluation import IMBALANCE_METRICS

__all__ = ["ALPHA", "REQUIRED_COLUMNS", "TIE", "WTL_METRICS", "BenchmarkSummary", "check_columns", "read_results",
           "summarize", "table_scores", "tables_like"]

ALPHA = 0.05
TIE = 0.001  # two scores closer than this are a tie
WTL_METRICS = ("pr_auc", "recall", "balanced_accuracy")
REQUIRED_COLUMNS = ("data", "strategy", "seed")


def check_columns(frame: pd.DataFrame, metrics: Sequence[str] = WTL_METRICS) -> None:
    """A results table this module can read, or a ``UserError`` naming what is missing."""
    missing = [c for c in (*REQUIRED_COLUMNS, *metrics) if c not in frame.columns]
    if missing:
        raise UserError(f"this results file has no column {', '.join(repr(c) for c in missing)}: a benchmark's "
                        f"CSV has {', '.join(REQUIRED_COLUMNS)} and one column per metric "
                        f"({', '.join(IMBALANCE_METRICS)}); write one with `python -m imbalance_core benchmark`")
    if "none" not in set(frame["strategy"].astype(str)):
        raise UserError("this results file has no 'none' rows: wins and losses are counted against no treatment")


MAX_RESULTS_BYTES = 200 * 1024 * 1024


def read_results(data: bytes) -> pd.DataFrame:
    """A benchmark's results CSV (from ``benchmark --out`` or the Benchmark page), checked (:func:`check_columns`).

    Read as written: only empty cells are missing (a strategy named ``none`` is a strategy, not a missing value)."""
    import io

    if len(data) > MAX_RESULTS_BYTES:
        raise UserError(f"the file is {len(data) / 1e6:,.0f} MB; a results file has at most "
                        f"{MAX_RESULTS_BYTES // 2**20} MB")
    try:
        frame = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""], nrows=2_000_000)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UserError(f"it is not a CSV table ({' '.join(str(exc).split())[:160]})") from None
    check_columns(frame)
    for column in set(frame.columns) & (set(BENCHMARK_COLUMNS) - set(TEXT_COLUMNS)):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame["data"] = frame["data"].astype(str)
    frame["strategy"] = frame["strategy"].where(frame["strategy"].isna(), frame["strategy"].astype(str))
    return frame


def table_scores(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Tables x strategies: each table's score per strategy, averaged over its seeds (rows with an error and
    missing scores left out)."""
    rows = frame
    if "error" in rows.columns:
        rows = rows[rows["error"].isna() | (rows["error"].astype(str) == "")]
    rows = rows.dropna(subset=[metric])
    scores = rows.groupby(["data", "strategy"], sort=True)[metric].mean().unstack("strategy")
    return scores.astype(float)


@dataclass
class WinTieLoss:
    wins: int
    ties: int
    losses: int
    p_value: float  # Wilcoxon signed-rank, two-sided; NaN with fewer than two differing tables
    tables: int


@dataclass
class BenchmarkSummary:
    """What a benchmark says on ``metric``: ``ranks`` (average rank, best first), the Friedman test, the Nemenyi
    p-values (strategies x strategies), the critical difference, and wins / ties / losses against ``none`` for each
    metric of ``WTL_METRICS``."""

    metric: str
    tables: int  # complete tables the ranks are over
    strategies: list[str]
    ranks: pd.Series
    friedman_statistic: float
    friedman_p: float
    nemenyi: pd.DataFrame
    critical_difference: float
    groups: list[list[str]]  # strategies the post-hoc test does not tell apart (two or more each)
    versus_none: dict[str, dict[str, WinTieLoss]] = field(default_factory=dict)  # metric -> strategy -> counts
    failed: pd.DataFrame | None = None  # tables (and seeds) that were not read or trained, with their reason

    def wtl_table(self) -> pd.DataFrame:
        """One row per strategy (none left out): wins / ties / losses and p per metric."""
        out = []
        for strategy in self.strategies:
            if strategy == "none":
                continue
            row = {"strategy": strategy}
            for metric, by in self.versus_none.items():
                counts = by.get(strategy)
                if counts is not None:
                    row[f"{metric} W/T/L"] = f"{counts.wins}/{counts.ties}/{counts.losses}"
                    row[f"{metric} p"] = counts.p_value
            out.append(row)
        return pd.DataFrame(out)

    def to_dict(self) -> dict:
        def number(x: float) -> float | None:
            return None if x is None or not math.isfinite(x) else round(float(x), 6)

        return {
            "metric": self.metric, "tables": self.tables,
            "average_rank": {s: number(r) for s, r in self.ranks.items()},
            "friedman": {"statistic": number(self.friedman_statistic), "p_value": number(self.friedman_p)},
            "nemenyi": {"critical_difference": number(self.critical_difference), "alpha": ALPHA,
                        "not_told_apart": self.groups,
                        "p_values": {a: {b: number(self.nemenyi.loc[a, b]) for b in self.nemenyi.columns}
                                     for a in self.nemenyi.index}},
            "versus_none": {metric: {s: {"wins": c.wins, "ties": c.ties, "losses": c.losses,
                                         "p_value": number(c.p_value),
                                         "tables": c.tables} for s, c in by.items()}
                            for metric, by in self.versus_none.items()},
            "failed": [] if self.failed is None else [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in self.failed.to_dict("records")],
        }


def summarize(frame: pd.DataFrame, metric: str = "pr_auc", wtl_metrics: Sequence[str] = WTL_METRICS
              ) -> BenchmarkSummary:
    """The statistics of a benchmark's rows on ``metric`` (see the module's text)."""
    from scipy import stats

    check_columns(frame, (metric, *wtl_metrics))
    scores = table_scores(frame, metric)
    strategies = list(scores.columns)
    complete = scores.dropna()
    if len(strategies) < 2 or len(complete) < 2:
        raise UserError(f"too few results to rank: {len(complete)} table(s) with a score for every one of "
                        f"{len(strategies)} strategies; a benchmark needs at least two of each")
    ranks = complete.rank(axis=1, ascending=False, method="average").mean().sort_values()
    if len(strategies) >= 3:
        friedman = stats.friedmanchisquare(*[complete[s].to_numpy() for s in strategies])
        statistic, p_value = float(friedman.statistic), float(friedman.pvalue)
    else:
        statistic, p_value = float("nan"), float("nan")
    nemenyi = _nemenyi(complete)
    k, n = len(strategies), len(complete)
    q = stats.studentized_range.ppf(1 - ALPHA, k, np.inf) / math.sqrt(2)
    critical = float(q * math.sqrt(k * (k + 1) / (6 * n)))
    failed = None
    if "error" in frame.columns:
        bad = frame[frame["error"].notna() & (frame["error"].astype(str) != "")]
        keep = [c for c in ("data", "strategy", "seed", "error") if c in bad.columns]
        failed = bad[keep].reset_index(drop=True)
    versus = {m: _versus_none(table_scores(frame, m)) for m in wtl_metrics}
    return BenchmarkSummary(metric, n, list(ranks.index), ranks, statistic, p_value, nemenyi, critical,
                            _groups(list(ranks.index), nemenyi), versus, failed)


def _nemenyi(complete: pd.DataFrame) -> pd.DataFrame:
    import scikit_posthocs as sp

    p = sp.posthoc_nemenyi_friedman(complete.to_numpy())
    p.index = p.columns = list(complete.columns)
    return p


def _groups(ordered: list[str], p_values: pd.DataFrame) -> list[list[str]]:
    """Runs of strategies, in rank order, that no pair test within tells apart (each maximal, two or more)."""
    runs: list[list[str]] = []
    for i in range(len(ordered)):
        j = i
        while j + 1 < len(ordered) and all(p_values.loc[a, ordered[j + 1]] > ALPHA for a in ordered[i:j + 1]):
            j += 1
        run = ordered[i:j + 1]
        if len(run) > 1 and not any(set(run) <= set(other) for other in runs):
            runs.append(run)
    return runs


def _versus_none(scores: pd.DataFrame) -> dict[str, WinTieLoss]:
    from scipy import stats

    out = {}
    if "none" not in scores.columns:
        return out
    for strategy in scores.columns:
        if strategy == "none":
            continue
        pair = scores[[strategy, "none"]].dropna()
        difference = (pair[strategy] - pair["none"]).to_numpy()
        wins, losses = int(np.sum(difference > TIE)), int(np.sum(difference < -TIE))
        nonzero = difference[difference != 0]
        p_value = float(stats.wilcoxon(pair[strategy], pair["none"]).pvalue) if len(nonzero) >= 2 else float("nan")
        out[strategy] = WinTieLoss(wins, len(difference) - wins - losses, losses, p_value, len(difference))
    return out


def tables_like(frame: pd.DataFrame, rows: int, features: int, imbalance_ratio: float, metric: str = "pr_auc",
                k: int = 5) -> pd.DataFrame:
    """The ``k`` benchmark tables nearest a data set in rows, features and imbalance ratio (distance on the
    logarithms: 100 vs 1,000 rows is as far as 1,000 vs 10,000), with what won there on ``metric``.

    Columns: data, rows, features, imbalance_ratio, distance, best (the strategy with the highest score, seeds
    averaged), best_score, none_score."""
    about = frame.dropna(subset=["imbalance_ratio", "rows", "features"]).groupby("data")[
        ["rows", "features", "imbalance_ratio"]].first().astype(float)
    scores = table_scores(frame, metric)
    about = about.loc[about.index.intersection(scores.index)]
    if about.empty:
        return pd.DataFrame(columns=["data", "rows", "features", "imbalance_ratio", "distance", "best", "best_score",
                                     "none_score"])
    here = np.log([max(rows, 1), max(features, 1), max(imbalance_ratio, 1.0)])
    there = np.log(about[["rows", "features", "imbalance_ratio"]].clip(lower=1).to_numpy())
    distance = np.sqrt(((there - here) ** 2).sum(axis=1))
    near = about.assign(distance=distance).sort_values("distance").head(k)
    table = scores.loc[near.index]
    near["best"] = table.idxmax(axis=1)
    near["best_score"] = table.max(axis=1)
    near["none_score"] = table["none"] if "none" in table.columns else np.nan
    near[["rows", "features"]] = near[["rows", "features"]].astype(int)
    return near.reset_index()
