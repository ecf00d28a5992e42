"""The benchmark's results: the machine, the targets each page and operation misses, JSON, Markdown and a chart.

A run at M or L is compared with the S run on the same database, read from
``S-<database>.json`` beside it: statements must not change and time may grow
1.5× at most (per row, for operations).
"""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

MAX_SQL, MAX_RATIO, MAX_GROWTH = 10, 5.0, 1.5
TARGETS = (f"SQL statements per page ≤ {MAX_SQL} and the same at S, M and L; each page at L ≤ {MAX_GROWTH}× "
           f"the page at S and ≤ {MAX_RATIO:g}× its floor; jobs and bulk operations: time per row at L within "
           f"{MAX_GROWTH}× the time per row at S. The floor is a bare re-render of the page's template with "
           "the page's rows. Flags name the targets missed, and findings: `floor SQL` (the template loads data "
           "itself: lazy loads or queries), `SQL varies` (between rounds), `floor shorter than page` (the "
           "re-render did not draw the whole page, so its ratio flatters it).")


def machine(engine) -> dict:
    """The machine, Python and database the numbers come from."""
    return {"cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
            "cores": os.cpu_count(), "ram_gb": _ram_gb(), "python": platform.python_version(),
            "database": _database_version(engine), "platform": platform.platform(), "commit": _commit()}


def _proc_field(path: str, name: str) -> str | None:
    try:
        with open(path) as lines:
            return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(name)), None)
    except OSError:
        return None


def _ram_gb() -> float | None:
    total = _proc_field("/proc/meminfo", "MemTotal")
    return round(int(total.split()[0]) / 1024 ** 2, 1) if total else None


def _database_version(engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return "SQLite " + connection.exec_driver_sql("select sqlite_version()").scalar()
        return "PostgreSQL " + connection.exec_driver_sql("show server_version").scalar()


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def key(page: dict) -> str:
    """The same page at every size: a deep page is the last one, whatever its number, or the one an Older
    link leads to, whatever its cursor."""
    if page["kind"] != "deep":
        return page["url"]
    return re.sub(r"older=\d+-\d+", "older=cursor", re.sub(r"page=\d+", "page=last", page["url"]))


def mark_pages(pages: list[dict], baseline: dict | None) -> None:
    """Add ``vs_s`` (time against the S run) and ``flags`` (targets missed, findings) to each page."""
    before = {key(page): page for page in (baseline or {}).get("pages", []) if "median_ms" in page}
    for page in pages:
        page["flags"], base = [], before.get(key(page))
        if "median_ms" not in page:
            page["flags"].append(f"HTTP {page['status']}" if page["status"] != 200 else "no template")
            continue
        page["vs_s"] = page["median_ms"] / base["median_ms"] if base else None
        checks = [(page["sql"] > MAX_SQL, f"SQL > {MAX_SQL}"), (page["sql_varies"], "SQL varies"),
                  (page["floor_sql"] > 0, "floor SQL"), (page["ratio"] > MAX_RATIO, f"ratio > {MAX_RATIO:g}"),
                  (page["floor_bytes"] < 0.9 * page["page_bytes"], "floor shorter than page"),
                  (bool(base) and base["sql"] != page["sql"], "SQL ≠ S"),
                  (bool(base) and page["vs_s"] > MAX_GROWTH, f"> {MAX_GROWTH}× S")]
        page["flags"] += [label for failed, label in checks if failed]


def mark_operations(operations: list[dict], baseline: dict | None) -> None:
    before = {op["name"]: op for op in (baseline or {}).get("operations", [])}
    for op in operations:
        base = before.get(op["name"])
        op["vs_s"] = op["per_row_ms"] / base["per_row_ms"] if base else None
        op["flags"] = [f"> {MAX_GROWTH}× S per row"] if base and op["vs_s"] > MAX_GROWTH else []


def load_baseline(out_dir: Path, profile: str, database: str) -> dict | None:
    path = Path(out_dir) / f"S-{database}.json"
    if profile == "S" or not path.exists():
        return None
    return json.loads(path.read_text())


PAGE_COLUMNS = ("page", "median ms", "p95 ms", "SQL", "floor ms", "floor SQL", "ratio", "× S", "flags")
OP_COLUMNS = ("operation", "rows", "median ms", "ms per row", "SQL", "× S", "flags")


def page_row(page: dict) -> tuple:
    label = page["url"]
    if "median_ms" not in page:
        return (label, "", "", "", "", "", "", "", ", ".join(page["flags"]))
    return (label, f"{page['median_ms']:.1f}", f"{page['p95_ms']:.1f}", str(page["sql"]),
            f"{page['floor_ms']:.2f}", str(page["floor_sql"]), f"{page['ratio']:.1f}", _times(page.get("vs_s")),
            ", ".join(page["flags"]))


def operation_row(op: dict) -> tuple:
    return (op["name"], str(op["rows"]), f"{op['median_ms']:.0f}", f"{op['per_row_ms']:.3f}", str(op["sql"]),
            _times(op.get("vs_s")), ", ".join(op["flags"]))


def _times(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def text_table(columns: tuple, rows: list[tuple]) -> str:
    """Columns padded to their widest cell: for the terminal."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows)]
    lines = ["  ".join(str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
                       for i, (cell, width) in enumerate(zip(row, widths))) for row in [columns, *rows]]
    return "\n".join(lines)


def markdown_table(columns: tuple, rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(["---"] + ["---:"] * (len(columns) - 2) + ["---"]) + "|"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def heading(result: dict) -> list[str]:
    m = result["machine"]
    return [f"Atrium benchmark: profile {result['profile']} on {m['database']}, {result['rounds']} rounds per page, "
            f"{result['operation_rounds']} per operation ({result['date']}, commit {m['commit'] or '?'})",
            f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, {m['platform']}",
            "Data: " + ", ".join(f"{k} {v}" for k, v in result["data"].items())]


def markdown(result: dict) -> str:
    missing = result["not_measured"]
    parts = [f"# {heading(result)[0]}", "", *[line + "  " for line in heading(result)[1:]], "", f"Targets: {TARGETS}",
             "", "## Pages", "", markdown_table(PAGE_COLUMNS, [page_row(p) for p in result["pages"]]), "",
             "## Jobs and bulk operations", "",
             markdown_table(OP_COLUMNS, [operation_row(op) for op in result["operations"]]), "",
             "## Not measured", "", f"- GET routes: {', '.join(missing['routes']) or 'none'}",
             f"- jobs: {', '.join(missing['jobs']) or 'none'}", ""]
    return "\n".join(parts)


def chart(result: dict, path: Path) -> None:
    """A bar per page: its ratio to the floor, with the 5× target drawn across."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pages = [p for p in result["pages"] if "median_ms" in p]
    figure, axes = pyplot.subplots(figsize=(10, 1 + 0.26 * len(pages)))
    ratios = [p["ratio"] for p in pages]
    axes.barh([p["url"] for p in pages], ratios,
              color=["#c0392b" if r > MAX_RATIO else "#2e86c1" for r in ratios])
    axes.axvline(MAX_RATIO, color="#c0392b", linestyle="--", linewidth=1, label=f"target {MAX_RATIO:g}×")
    axes.invert_yaxis()
    axes.margins(y=0.005)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_xlabel("median page time / median bare render of its template")
    axes.set_title(heading(result)[0], fontsize=8)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def write(result: dict, out_dir: Path) -> dict[str, Path]:
    """``<profile>-<database>.json``, ``.md`` and ``.png`` in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{result['profile']}-{result['database']}"
    paths = {kind: stem.with_suffix(f".{kind}") for kind in ("json", "md", "png")}
    paths["json"].write_text(json.dumps(result, indent=2, default=str))
    paths["md"].write_text(markdown(result))
    chart(result, paths["png"])
    return paths


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
