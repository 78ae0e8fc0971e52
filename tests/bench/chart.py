"""Latency percentiles, routed vs baseline, from bench-results.json -> docs/bench/latency.png.

    python3 tests/bench/chart.py bench-results.json docs/bench/latency.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

res = json.load(open(sys.argv[1]))
out = sys.argv[2]
pcts = ["p50", "p95", "p99", "max"]
panels = [p for p in res.get("chart", []) if p.get("series")]
cols = min(3, max(1, len(panels)))
rows = (len(panels) + cols - 1) // cols or 1
fig, axes = plt.subplots(rows, cols, figsize=(5.6 * cols, 4.4 * rows), squeeze=False)
axes = [a for r in axes for a in r]
for ax in axes[len(panels):]:
    ax.set_visible(False)
for ax, panel in zip(axes, panels):
    series = panel["series"]
    width = 0.8 / len(series)
    for i, s in enumerate(series):
        vals = [s["percentiles"].get(p) or s["percentiles"].get("p90" if p == "p95" else p) or 0 for p in pcts]
        if panel.get("log"):
            vals = [max(v, 0.05) for v in vals]  # 0.1 ms clock resolution: keep bars visible
        xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(pcts))]
        bars = ax.bar(xs, vals, width, label=f'{s["label"]} (n={s["n"]})')
        for b, v in zip(bars, vals):
            ax.annotate(f"{v:.3g}", (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom", fontsize=7)
    if panel.get("target") is not None:
        ax.axhline(panel["target"], color="red", linestyle="--", linewidth=1, label=f'target {panel["target"]} ms')
    ax.set_xticks(range(len(pcts)))
    ax.set_xticklabels(pcts)
    ax.set_ylabel("ms" + (" (log scale)" if panel.get("log") else ""))
    if panel.get("log"):
        ax.set_yscale("log")
    ax.set_title(panel["title"], fontsize=10)
    ax.legend(fontsize=7)
fig.suptitle(f'zd-dl-router latency, routed vs baseline ({res.get("machine", "")})', fontsize=10)
fig.tight_layout()
fig.savefig(out, dpi=110)
print(out)
