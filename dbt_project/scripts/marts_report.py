"""Render the marts of a DuckDB warehouse as a static HTML report with PNG charts (the local Power BI stand-in).

    python dbt_project/scripts/marts_report.py --duckdb warehouse.duckdb --out reports/

Writes `index.html`, `daily_activity.png`, `sales_pipeline.png`, `feature_usage.png` and `retention.png`.
Exit codes: 0 ok, 2 bad arguments, no warehouse or no marts (run `dbt build` first).
"""

from __future__ import annotations

import argparse
import html
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

MARTS = ("fct_customer_activity_daily", "fct_feature_usage_daily", "fct_sales_pipeline", "fct_retention_cohorts")
CATEGORY_COLOURS = {"open": "#4C78A8", "won": "#54A24B", "lost": "#E45756"}


class ReportError(Exception):
    """The report cannot be built; the message says why and what to run."""


@dataclass(frozen=True)
class Chart:
    """One rendered chart: its file name, title and a one-line reading guide."""

    file_name: str
    title: str
    caption: str


def _query(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _save(fig: Figure, path: Path, top: float | None = None) -> None:
    fig.tight_layout()
    if top is not None:  # room for a figure-level legend under the title
        fig.subplots_adjust(top=top)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _short_amount(value: float, _position: int) -> str:
    """Axis label for an amount: 12k, 1.5M."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    return f"{value / 1_000:.0f}k" if abs(value) >= 1_000 else f"{value:.0f}"


def chart_daily_activity(con: duckdb.DuckDBPyConnection, schema: str, out: Path) -> Chart:
    """Daily active customers on web and app, and events per active customer."""
    rows = _query(
        con,
        f"""
        select activity_date,
               count(*) filter (where is_web_active) as web_users,
               count(*) filter (where is_app_active) as app_users,
               count(*) as users,
               sum(events_count) * 1.0 / count(*) as events_per_user
        from {schema}.fct_customer_activity_daily
        group by 1 order by 1
        """,
    )
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, height_ratios=[2, 1])
    days = [r[0] for r in rows]
    top.plot(days, [r[3] for r in rows], marker="o", color="#333333", label="all")
    top.plot(days, [r[1] for r in rows], marker="o", color="#4C78A8", label="web")
    top.plot(days, [r[2] for r in rows], marker="o", color="#F58518", label="app")
    top.set_ylabel("active customers")
    top.set_ylim(bottom=0)
    top.legend(loc="upper left", frameon=False)
    top.grid(alpha=0.3)
    bottom.bar(days, [float(r[4]) for r in rows], color="#72B7B2")
    bottom.set_ylabel("events / customer")
    bottom.grid(alpha=0.3, axis="y")
    fig.autofmt_xdate()
    fig.suptitle("Daily active customers (UTC days)")
    _save(fig, out / "daily_activity.png")
    return Chart("daily_activity.png", "Daily activity", "Customers with at least one web or app event per day.")


def chart_sales_pipeline(con: duckdb.DuckDBPyConnection, schema: str, out: Path) -> Chart:
    """Pipeline amount by stage, per CRM, coloured open/won/lost."""
    rows = _query(
        con,
        f"""
        select crm_source, stage_label, min(stage_order), any_value(stage_category), sum(amount), count(*)
        from {schema}.fct_sales_pipeline
        group by 1, 2 order by 1, 3, 2
        """,
    )
    sources = sorted({r[0] for r in rows}) or ["no CRM loaded"]
    fig, axes = plt.subplots(1, len(sources), figsize=(6 * len(sources), 4.5), squeeze=False)
    for ax, source in zip(axes[0], sources, strict=True):
        mine = [r for r in rows if r[0] == source]
        labels = [f"{r[1]} ({r[5]})" for r in mine]
        ax.barh(labels, [float(r[4]) for r in mine], color=[CATEGORY_COLOURS.get(r[3], "#999999") for r in mine])
        ax.invert_yaxis()  # funnel order, top to bottom
        ax.set_title(source)
        ax.set_xlabel("amount")
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(FuncFormatter(_short_amount))
        ax.grid(alpha=0.3, axis="x")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in CATEGORY_COLOURS.values()]
    fig.suptitle("Sales pipeline by stage (deal count in brackets)")
    fig.legend(handles, list(CATEGORY_COLOURS), loc="upper center", bbox_to_anchor=(0.5, 0.94), frameon=False, ncols=3)
    _save(fig, out / "sales_pipeline.png", top=0.8)
    return Chart("sales_pipeline.png", "Sales pipeline", "Deal and opportunity amounts by stage, in funnel order.")


def chart_feature_usage(con: duckdb.DuckDBPyConnection, schema: str, out: Path) -> Chart:
    """Customers using each feature, web and app, over the whole period."""
    rows = _query(
        con,
        f"""
        select feature, platform, sum(users_count), sum(events_count)
        from {schema}.fct_feature_usage_daily
        group by 1, 2 order by 1, 2
        """,
    )
    features = sorted({r[0] for r in rows})
    fig, ax = plt.subplots(figsize=(9, 4))
    left = [0.0] * len(features)
    for platform, colour in (("web", "#4C78A8"), ("app", "#F58518")):
        values = [float(next((r[3] for r in rows if r[0] == f and r[1] == platform), 0)) for f in features]
        ax.barh(features, values, left=left, color=colour, label=platform)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_xlabel("feature events")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title("Feature usage, web and app")
    _save(fig, out / "feature_usage.png")
    return Chart("feature_usage.png", "Feature usage", "Events per feature: what customers actually use.")


def chart_retention(con: duckdb.DuckDBPyConnection, schema: str, out: Path) -> Chart:
    """Monthly cohort retention as a heatmap."""
    rows = _query(
        con,
        f"""
        select cohort_month, months_since_first_activity, retention_rate, cohort_size
        from {schema}.fct_retention_cohorts order by 1, 2
        """,
    )
    cohorts = sorted({r[0] for r in rows})
    width = max((r[1] for r in rows), default=0) + 1
    grid = [[float("nan")] * width for _ in cohorts]
    sizes = {r[0]: r[3] for r in rows}
    for cohort, offset, rate, _ in rows:
        grid[cohorts.index(cohort)][offset] = float(rate)
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * width + 3), 1 + 0.6 * max(len(cohorts), 1)))
    ax.imshow(grid or [[float("nan")]], cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if value == value:  # not NaN
                ax.text(j, i, f"{value:.0%}", ha="center", va="center", color="white" if value > 0.6 else "black")
    ax.set_xticks(range(width), [str(m) for m in range(width)])
    ax.set_yticks(range(len(cohorts)), [f"{c:%Y-%m} (n={sizes[c]})" for c in cohorts])
    ax.set_xlabel("months since first activity")
    ax.set_title("Monthly retention by cohort")
    _save(fig, out / "retention.png")
    return Chart("retention.png", "Retention", "Share of each monthly cohort active again N months later.")


def _kpis(con: duckdb.DuckDBPyConnection, schema: str) -> list[tuple[str, str]]:
    (customers,) = con.execute(f"select count(*) from {schema}.dim_customers").fetchone()
    (days, first, last) = con.execute(
        f"select count(distinct activity_date), min(activity_date), max(activity_date)"
        f" from {schema}.fct_customer_activity_daily"
    ).fetchone()
    (open_amount,) = con.execute(
        f"select coalesce(sum(amount), 0) from {schema}.fct_sales_pipeline where stage_category = 'open'"
    ).fetchone()
    return [
        ("Customers (all sources)", f"{customers:,}"),
        ("Days with activity", f"{days} ({first} to {last})"),
        ("Open pipeline amount", f"{open_amount:,.2f}"),
    ]


def build_report(warehouse: Path, out: Path, schema: str = "analytics_marts") -> Path:
    """Render the charts and index.html for the marts in `warehouse` into `out`; return the HTML path.

    Raises:
        ReportError: The warehouse or its marts are missing.
    """
    if not warehouse.is_file():
        raise ReportError(f"no DuckDB file at {warehouse}; run the extractor and `dbt build` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [schema]
            ).fetchall()
        }
        missing = [m for m in MARTS if m not in present]
        if missing:
            raise ReportError(f"{warehouse}: marts missing in schema {schema}: {', '.join(missing)}; run `dbt build`")
        out.mkdir(parents=True, exist_ok=True)
        charts = [
            chart_daily_activity(con, schema, out),
            chart_sales_pipeline(con, schema, out),
            chart_feature_usage(con, schema, out),
            chart_retention(con, schema, out),
        ]
        kpis = _kpis(con, schema)
    index = out / "index.html"
    index.write_text(_render_html(warehouse, kpis, charts), encoding="utf-8")
    return index


def _render_html(warehouse: Path, kpis: list[tuple[str, str]], charts: list[Chart]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in kpis)
    figures = "".join(
        f'<figure><img src="{c.file_name}" alt="{html.escape(c.title)}">'
        f"<figcaption><b>{html.escape(c.title)}.</b> {html.escape(c.caption)}</figcaption></figure>"
        for c in charts
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>ELT marts report</title>"
        "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
        "img{max-width:100%}figure{margin:2em 0}th{text-align:left;padding-right:2em}</style>"
        f"<h1>ELT marts report</h1><p>From <code>{html.escape(str(warehouse))}</code>, generated {generated}.</p>"
        f"<table>{rows}</table>{figures}</html>\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", type=Path, default=Path("warehouse.duckdb"), help="DuckDB file with the marts")
    parser.add_argument("--schema", default="analytics_marts", help="schema holding the marts")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="output directory")
    args = parser.parse_args(argv)
    try:
        index = build_report(args.duckdb, args.out, args.schema)
    except (ReportError, duckdb.Error) as exc:
        print(f"marts_report: {exc}", file=sys.stderr)
        return 2
    print(f"marts_report: wrote {index}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
