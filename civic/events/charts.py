"""Small server-side SVG charts (no CDN, no script; colours come from CSS classes)."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    # Every piece of text in ``body`` went through escape() where it was built.
    return Markup(  # noqa: S704
        f'<svg class="ev-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def over_time_svg(points: list[tuple]) -> Markup | None:
    """Cumulative registered and maybe people per day: a line chart."""
    if not points:
        return None
    width, height, left, bottom, top = 600, 240, 40, 40, 16
    plot_w, plot_h = width - left - 16, height - bottom - top
    peak = max(max(yes, maybe) for _day, yes, maybe in points) or 1
    n = len(points)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / peak

    body = [
        f'<line class="ev-axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>',
        f'<line class="ev-axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>',
        f'<text class="ev-tick" x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text class="ev-tick" x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for series, cls in ((1, "ev-yes"), (2, "ev-maybe")):
        coords = " ".join(f"{x(i):.1f},{y(p[series]):.1f}" for i, p in enumerate(points))
        body.append(f'<polyline class="ev-line {cls}" fill="none" points="{coords}"/>')
        for i, p in enumerate(points):
            body.append(
                f'<circle class="ev-dot {cls}" cx="{x(i):.1f}" cy="{y(p[series]):.1f}" r="3">'
                f"<title>{p[0].strftime('%d/%m')}: {p[series]}</title></circle>"
            )
    step = max(1, n // 6)
    for i in range(0, n, step):
        body.append(
            f'<text class="ev-tick" x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
            f"{points[i][0].strftime('%d/%m')}</text>"
        )
    body.append(
        f'<text class="ev-legend ev-yes" x="{left}" y="{height - 4}">■ {escape(_("Attending"))}</text>'
        f'<text class="ev-legend ev-maybe" x="{left + 160}" y="{height - 4}">■ {escape(_("Maybe"))}</text>'
    )
    return _svg(width, height, _("Answers over time"), body)


def by_group_svg(rows: list[tuple[str, int]]) -> Markup | None:
    """Registered people per tổ dân phố: horizontal bars that stay readable on a phone."""
    if not rows:
        return None
    rows = rows[:20]
    bar, gap, label_w, width = 26, 10, 230, 600
    height = len(rows) * (bar + gap) + gap
    peak = max(n for _name, n in rows) or 1
    plot_w = width - label_w - 50
    body = []
    for i, (name, n) in enumerate(rows):
        y = gap + i * (bar + gap)
        w = max(plot_w * n / peak, 2)
        body.append(
            f'<text class="ev-label" x="{label_w - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end">{escape(name[:28])}</text>'
            f'<rect class="ev-bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" rx="3">'
            f"<title>{escape(name)}: {n}</title></rect>"
            f'<text class="ev-value" x="{label_w + w + 6:.1f}" y="{y + bar * 0.7:.1f}">{n}</text>'
        )
    return _svg(width, height, _("Registered people by residential group"), body)
