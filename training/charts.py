"""Tiny server-side SVG charts for the live run page (no JavaScript library, no CDN)."""
from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 520, 160, 28
COLORS = ("#3344cc", "#1f8a5b", "#c2410c")


def _polyline(points: Sequence[tuple[float, float]], x_range, y_range, color: str) -> str:
    (x0, x1), (y0, y1) = x_range, y_range
    span_x, span_y = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    coords = " ".join(
        f"{PAD + (x - x0) / span_x * (WIDTH - 2 * PAD):.1f},{HEIGHT - PAD - (y - y0) / span_y * (HEIGHT - 2 * PAD):.1f}"
        for x, y in points
    )
    dots = "".join(f'<circle cx="{c.split(",")[0]}" cy="{c.split(",")[1]}" r="2.5" fill="{color}"/>'
                   for c in coords.split()) if len(points) <= 30 else ""
    return f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{coords}"/>{dots}'


def _chart(series: dict[str, list[tuple[float, float]]], *, title: str, x_label: str) -> SafeString:
    series = {name: points for name, points in series.items() if points}
    if not series:
        return mark_safe(f'<p class="muted">{escape(title)}: no data yet.</p>')
    xs = [x for points in series.values() for x, _ in points]
    ys = [y for points in series.values() for _, y in points]
    x_range, y_range = (min(xs), max(xs)), (min(0.0, min(ys)), max(ys))
    lines = "".join(_polyline(points, x_range, y_range, COLORS[i % len(COLORS)]) for i, points in enumerate(series.values()))
    legend = "".join(
        f'<text x="{PAD + 120 * i}" y="14" font-size="11" fill="{COLORS[i % len(COLORS)]}">{escape(name)}</text>'
        for i, name in enumerate(series)
    )
    axes = (
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#c8cdd8"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#c8cdd8"/>'
        f'<text x="2" y="{PAD + 4}" font-size="10" fill="#667">{y_range[1]:.3g}</text>'
        f'<text x="2" y="{HEIGHT - PAD}" font-size="10" fill="#667">{y_range[0]:.3g}</text>'
        f'<text x="{WIDTH - PAD - 60}" y="{HEIGHT - 8}" font-size="10" fill="#667">{escape(x_label)} {x_range[1]:g}</text>'
    )
    return mark_safe(
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet">{axes}{lines}{legend}</svg>'
    )


def loss_chart_svg(loss_history: Sequence[Sequence[float]]) -> SafeString:
    points = [(float(step), float(loss)) for step, loss in loss_history or [] if loss is not None]
    return _chart({"training loss": points}, title="Training loss by step", x_label="step")


def metric_chart_svg(metrics_history: Sequence[dict]) -> SafeString:
    series: dict[str, list[tuple[float, float]]] = {"val_loss": []}
    for entry in metrics_history or []:
        scores = {"val_loss": entry.get("val_loss"),
                  **(entry.get("metrics") or {"accuracy": entry.get("accuracy"), "macro_f1": entry.get("macro_f1")})}
        for name, value in list(scores.items())[:3]:
            if isinstance(value, (int, float)):
                series.setdefault(name, []).append((float(entry["epoch"]), float(value)))
    return _chart(series, title="Validation metrics by epoch", x_label="epoch")


def per_label_bars_svg(evaluation: dict) -> SafeString:
    """Horizontal bars: the F1 of each label (or entity) on the final split, 0..1."""
    table = (evaluation or {}).get("per_label") or (evaluation or {}).get("per_entity") or {}
    if not table:
        return mark_safe("")
    row, label_width = 18, 140
    height = PAD + row * len(table)
    bars = []
    for index, (name, scores) in enumerate(table.items()):
        f1 = max(0.0, min(1.0, float(scores.get("f1") or 0.0)))
        y = 8 + index * row
        bars.append(
            f'<text x="4" y="{y + 12}" font-size="11" fill="#334">{escape(str(name)[:20])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{f1 * (WIDTH - label_width - 50):.1f}" height="{row - 5}" '
            f'fill="{COLORS[0]}"/><text x="{label_width + f1 * (WIDTH - label_width - 50) + 4:.1f}" y="{y + 12}" '
            f'font-size="11" fill="#334">{f1:.3f}</text>'
        )
    title = f"F1 per {'entity' if evaluation.get('per_entity') else 'label'} ({evaluation.get('split', 'test')} split)"
    return mark_safe(
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet">{"".join(bars)}</svg>'
    )
