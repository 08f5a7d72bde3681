"""The HTML report: one self-contained page for stakeholders (setup, metrics at a threshold, interactive charts).

It works offline: plotly.js travels inside it, packed, and every name from outside is escaped.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..runs.evaluation import METRIC_LABELS
from ..settings import THRESHOLD
from .figures import result_figures

if TYPE_CHECKING:
    from ..runs.result import ExperimentResult

__all__ = ["report_html", "setup_rows"]


def setup_rows(result: ExperimentResult, threshold: float | None = None) -> list[tuple[str, str]]:
    """The whole setup of a run as (what, value) pairs, for the report and captions."""
    network = result.config.network
    counts = result.counts
    rows = [
        ("Data set", result.dataset_name),
        ("Classes (training rows)", ", ".join(f"{k}: {v}" for k, v in counts["train"].items())),
        ("Positive class", result.positive_class if len(result.classes) == 2 else "multi-class (macro averages)"),
        ("Strategy", result.strategy_label),
        ("Strategy settings", ", ".join(f"{k} = {v}" for k, v in result.params.items()) or "none"),
        ("Network", f"hidden layers {', '.join(map(str, network.hidden_layers))}; {network.activation}; "
                    f"learning rate {network.learning_rate}; {network.epochs} epochs; batch {network.batch_size}"
                    + ("; output bias from class priors" if network.prior_bias else "")
                    + (f"; early stopping, patience {network.patience}" if network.patience else "")
                    + (f"; L2 weight decay {network.l2:g}" if network.l2 else "")
                    + (f"; dropout {network.dropout:g}" if network.dropout else "")),
        ("Seed", str(result.config.seed)),
        ("Split", f"{len(result.prepared.y_fit)} training, {len(result.prepared.y_val)} validation, "
                  f"{len(result.prepared.y_test)} test rows (stratified; test split untouched)"),
    ]
    if threshold is not None and len(result.classes) == 2:
        rows.append(("Decision threshold", f"{threshold:.2f}"))
    return rows


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1f2328; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.3rem; }
table { border-collapse: collapse; margin: 0.8rem 0; } td, th { border: 1px solid #ddd; padding: 0.35rem 0.7rem; }
th { background: #f4f6f8; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: #eef5ff; border-left: 4px solid #4a90d9; padding: 0.5rem 0.8rem; margin: 0.4rem 0; }
.muted { color: #666; font-size: 0.9rem; }
"""


def _table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f'<td class="num">{"n/a" if math.isnan(value) else f"{value:.3f}"}</td>'
        if isinstance(value, int) and not isinstance(value, bool):
            return f'<td class="num">{value}</td>'
        return f"<td>{html.escape(str(value))}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def report_html(result: ExperimentResult, *, threshold: float = THRESHOLD.default) -> str:
    """A self-contained HTML page (Plotly inlined, no network needed): setup, metrics, interactive figures."""
    evaluation = result.evaluate_at(threshold)
    figures = result_figures(result, threshold=threshold, evaluation=evaluation, animate=True)
    charts = []
    for name in ["boundary", "members", "confusion", "roc", "pr", "balance", "history"]:
        if name in figures:  # each figure as JSON ("</" escaped so no text can close the script element)
            spec = figures[name].to_json().replace("</", "<\\/")
            charts.append(f'<div id="chart-{name}" class="chart"></div>'
                          f'<script type="application/json" class="figure" data-target="chart-{name}">{spec}</script>')
    metrics = [[METRIC_LABELS[k], float(v)] for k, v in evaluation.metrics.items()]
    per_class = evaluation.per_class
    per_class_rows = [[v.item() if isinstance(v, np.generic) else v for v in row]
                      for row in per_class.itertuples(index=False)]
    notes = "".join(f'<div class="note">{html.escape(n)}</div>' for n in result.notes)
    title = f"{result.strategy_label} on {result.dataset_name}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Imbalance Lab report - {html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="muted">Imbalance Lab report. Every number is measured on the test split, which no resampling,
preprocessing or threshold choice ever saw.</p>
<h2>Setup</h2>
{_table(["What", "Value"], [list(r) for r in setup_rows(result, threshold)])}
<h2>Metrics (test split, {len(result.prepared.y_test)} rows)</h2>
{_table(["Metric", "Value"], metrics)}
<h3>Per class</h3>
{_table([str(c) for c in per_class.columns], per_class_rows)}
{notes}
<h2>Figures</h2>
<p class="muted">Interactive: hover for values, drag to zoom, double-click to reset.</p>
{"".join(charts)}
<noscript>The figures need JavaScript; everything above is plain text.</noscript>
<script type="application/octet-stream" id="plotly-gz">{_plotly_gz()}</script>
<script>{_LOADER}</script>
</body></html>
"""


# plotly.js (about 4.8 MB) travels gzip-compressed and base64-encoded (about 2 MB), so a report fits in an e-mail;
# the browser unpacks it with its own DecompressionStream (no network needed) and then draws every figure
_LOADER = """
(async () => {
  const packed = Uint8Array.from(atob(document.getElementById('plotly-gz').textContent.trim()), c => c.charCodeAt(0));
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('gzip'));
  const library = document.createElement('script');
  library.textContent = await new Response(stream).text();
  document.head.appendChild(library);
  for (const spec of document.querySelectorAll('script.figure')) {
    const figure = JSON.parse(spec.textContent);
    Plotly.newPlot(spec.dataset.target, {data: figure.data, layout: figure.layout, frames: figure.frames || [],
                                         config: {displaylogo: false, responsive: true}});
  }
})();
"""


@functools.lru_cache(maxsize=1)
def _plotly_gz() -> str:
    """The plotly.js bundled with plotly.py, gzip-compressed and base64-encoded (computed once per process)."""
    from plotly.offline import get_plotlyjs

    return base64.b64encode(gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")
