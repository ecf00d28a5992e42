"""Atrium's benchmark: every page and every bulk operation, and each page against its floor.

    make bench PROFILE=S                      # S, M or L; SQLite in a temporary file
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/atrium_bench make bench PROFILE=M

Seeds the demo data plus the profile's bulk data, then opens every portal page
as Acme's Account Admin and every back office page as the administrator (the
pages are read from the app: ``bench.catalog``), each with its last page and a
search when it has them. Per page: median and p95 time, SQL statements, and the
ratio to the floor, a bare re-render of the same template with the same rows
(``bench.floor``). Then the jobs and bulk operations, per row
(``bench.operations``). Writes ``bench/results/<profile>-<database>.json``,
``.md`` and ``.png``; at M and L each page is compared with the S run.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import catalog, report  # noqa: E402
from bench.data import build_app, reset_database, seed  # noqa: E402
from bench.floor import RenderProbe, StatementCounter, time_page  # noqa: E402
from bench.operations import OPERATIONS, time_operation, unmeasured_jobs  # noqa: E402
from extensions import db  # noqa: E402

ROUNDS = {"S": 20, "M": 15, "L": 10}
RESULTS = Path(__file__).resolve().parent / "results"


def sign_in(client, email: str) -> None:
    """Sign in through the sign-in form, as a person would (the back office has its own)."""
    path = "/admin/login/" if email.endswith("@atrium.example") else "/login"
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(path, data={"email": email, "password": "atrium-demo", "csrf_token": token})
    assert response.status_code == 302, f"{email} could not sign in"


def install_probe(app) -> RenderProbe:
    """Count statements and watch renders; before the app's first request (it adds an after_request hook)."""
    with app.app_context():
        return RenderProbe(app, StatementCounter(db.engine))


def measure_pages(app, probe: RenderProbe, pages: list[catalog.Page], rounds: int, search: str,
                  show=print) -> list[dict]:
    """Time each page against its floor; a list's deep page and search are measured right after it."""
    clients, results, queue = {}, [], list(pages)
    while queue:
        page = queue.pop(0)
        if page.user not in clients:
            clients[page.user] = app.test_client()
            sign_in(clients[page.user], page.user)
        timing = time_page(clients[page.user], probe, page.url, rounds)
        queue[0:0] = catalog.derived_pages(page, timing.context, search)
        results.append({**asdict(page), **timing.summary(), "rows": catalog.rows_shown(timing.context)})
        show(_progress(results[-1]))
    return results


def _progress(page: dict) -> str:
    if "median_ms" not in page:
        return f"  {page['url']}: HTTP {page['status']}, not timed"
    return (f"  {page['url']}: {page['median_ms']:.1f} ms, {page['sql']} SQL, floor {page['floor_ms']:.2f} ms "
            f"({page['floor_sql']} SQL), ratio {page['ratio']:.1f}")


def measure_operations(app, probe: RenderProbe, rounds: int, rows: int | None = None, show=print) -> list[dict]:
    results = []
    with app.app_context():
        for operation in OPERATIONS:
            results.append(time_operation(operation, probe.counter, rounds, rows))
            show(f"  {operation.name}: {results[-1]['per_row_ms']:.3f} ms per row")
    return results


def all_pages(app) -> list[catalog.Page]:
    return catalog.portal_pages(app) + catalog.back_office_pages(app)


def run(app, probe: RenderProbe, *, profile: str, data: dict, pages: list[catalog.Page], rounds: int,
        operation_rounds: int, search: str, out_dir: Path, rows: int | None = None, show=print) -> dict:
    """Measure, compare with the S run, write the files; returns the result with the paths written."""
    with app.app_context():
        database = db.engine.dialect.name
        result = {"profile": profile, "database": database, "date": report.now(), "rounds": rounds,
                  "operation_rounds": operation_rounds, "machine": report.machine(db.engine), "data": data,
                  "targets": report.TARGETS}
    show("\n".join(report.heading({**result, "data": data})))
    result["pages"] = measure_pages(app, probe, pages, rounds, search, show)
    result["operations"] = measure_operations(app, probe, operation_rounds, rows, show) if operation_rounds else []
    result["not_measured"] = {"routes": catalog.not_measured(app, pages), "jobs": unmeasured_jobs()}
    baseline = report.load_baseline(out_dir, profile, database)
    report.mark_pages(result["pages"], baseline)
    report.mark_operations(result["operations"], baseline)
    result["files"] = {kind: str(path) for kind, path in report.write(result, out_dir).items()}
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(ROUNDS), default=os.environ.get("PROFILE", "S"))
    parser.add_argument("--rounds", type=int, help="timed requests per page (default: 20 at S, 15 at M, 10 at L)")
    parser.add_argument("--operation-rounds", type=int, default=3, help="runs per bulk operation (0: none)")
    parser.add_argument("--search", default="acme", help="the term searched on every list with a search box")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON, Markdown and PNG go")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """On ``BENCH_DATABASE_URL``, else on a SQLite file in a directory removed afterwards."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="atrium-bench-") as scratch:
        bench(args, os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite")


def bench(args: argparse.Namespace, database_url: str) -> None:
    app = build_app(database_url)
    probe = install_probe(app)
    with app.app_context():
        reset_database()
        data = seed(args.profile)
    result = run(app, probe, profile=args.profile, data=data, pages=all_pages(app),
                 rounds=args.rounds or ROUNDS[args.profile], operation_rounds=args.operation_rounds,
                 search=args.search, out_dir=args.out)
    print()
    print(report.text_table(report.PAGE_COLUMNS, [report.page_row(p) for p in result["pages"]]))
    print()
    print(report.text_table(report.OP_COLUMNS, [report.operation_row(op) for op in result["operations"]]))
    print("\nNot measured: routes", result["not_measured"]["routes"] or "none", "; jobs",
          result["not_measured"]["jobs"] or "none")
    print("Written:", ", ".join(result["files"].values()))
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
