"""Timing one page against its floor: a bare re-render of the page's own template with the page's own rows.

The floor is rendered inside the page's request, after the view and before the
request edge commits or rolls back: once the request is over the rollback has
expired every row the template was given, so a re-render outside it would load
them again and measure the database, not the template. Inside the request it
runs with the same user signed in, the same ``g``, the same loaded rows.

A page request and a floor request alternate in one loop, so whatever else the
machine does hits both. Transaction control (``BEGIN``) is not counted as a
statement: SQLite issues it explicitly and PostgreSQL's driver does not, and the
counts should compare across databases.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from flask import before_render_template, template_rendered
from sqlalchemy import event

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class StatementCounter:
    """Counts the SQL statements an engine runs, so a page's cost in queries can be read off a difference."""

    def __init__(self, engine):
        self.engine, self.count, self.recording = engine, 0, None
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip()[:9].upper().startswith(TRANSACTION_CONTROL):
            self.count += 1
            if self.recording is not None:
                self.recording.append(" ".join(statement.split())[:200])

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


@dataclass
class Render:
    ms: float
    sql: int
    size: int  # bytes the floor rendered
    page_size: int  # bytes the page answered in the same request


class RenderProbe:
    """Watches one app's requests: which template each renders outermost, and what re-rendering it costs.

    ``render_statements`` are the statements issued while the page's own
    template rendered (lazy loads, queries called from the template), or while
    the floor re-rendered it, whichever are more: the re-render finds relations
    the first render loaded, so it alone would hide a lazy load. Install it
    before the app's first request (it adds an ``after_request`` hook, which
    then runs before the edge's commit or rollback).
    """

    def __init__(self, app, counter: StatementCounter):
        self.app, self.counter, self.floor_wanted = app, counter, False
        self.start()
        before_render_template.connect(self._starting, app, weak=False)
        template_rendered.connect(self._rendered, app, weak=False)
        app.after_request(self._render_floor)

    def start(self) -> None:
        """Forget the previous request."""
        self.template = self.context = self.floor = None
        self.render_statements, self._depth = [], 0

    def _starting(self, _app, template, context, **_extra) -> None:
        if self._depth == 0:
            self.counter.recording = []
        self._depth += 1

    def _rendered(self, _app, template, context, **_extra) -> None:
        self._depth -= 1
        if self._depth == 0:  # the outermost render of the request (nested ones finish first)
            self.template, self.context = template, context
            self.render_statements, self.counter.recording = self.counter.recording or [], None

    def _render_floor(self, response):
        if self.floor_wanted and self.template is not None:
            self.counter.recording = []
            start = time.perf_counter()
            html = self.template.render(self.context)
            elapsed = (time.perf_counter() - start) * 1000
            statements, self.counter.recording = self.counter.recording, None
            self.render_statements = max(self.render_statements, statements, key=len)
            self.floor = Render(elapsed, len(statements), len(html.encode()), len(response.get_data()))
        return response

    def close(self) -> None:
        before_render_template.disconnect(self._starting, self.app)
        template_rendered.disconnect(self._rendered, self.app)
        self.counter.close()


@dataclass
class Timing:
    """What the rounds of one page measured."""

    status: int
    template: str = ""
    context: dict = field(default_factory=dict, repr=False)
    page_ms: list[float] = field(default_factory=list)
    sql: list[int] = field(default_factory=list)
    floors: list[Render] = field(default_factory=list)
    render_statements: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """Median, p95, statements and the ratio to the floor, as the report shows them."""
        if self.status != 200 or not self.floors:  # an error, a redirect, or an answer drawn without a template
            return {"status": self.status, "template": self.template}
        floor_ms = statistics.median(f.ms for f in self.floors)
        median = statistics.median(self.page_ms)
        return {
            "status": 200, "template": self.template, "median_ms": median, "p95_ms": p95(self.page_ms),
            "sql": max(self.sql), "sql_varies": len(set(self.sql)) > 1, "floor_ms": floor_ms,
            "floor_sql": len(self.render_statements), "ratio": median / floor_ms,
            "floor_statements": self.render_statements, "overhead_ms": median - floor_ms,
            "page_bytes": self.floors[-1].page_size, "floor_bytes": self.floors[-1].size,
        }


def p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank: with 20 rounds, the second slowest."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def request(client, probe: RenderProbe, url: str, *, floor: bool) -> tuple[float, int, object]:
    """One GET: its time in ms, its statements, and the response."""
    probe.start()
    probe.floor_wanted = floor
    sql_before, start = probe.counter.count, time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, probe.counter.count - sql_before, response


def time_page(client, probe: RenderProbe, url: str, rounds: int) -> Timing:
    """Warm the page up once, then ``rounds`` times a timed request and a floor request, in turn."""
    _, _, response = request(client, probe, url, floor=True)
    timing = Timing(response.status_code, probe.template.name if probe.template else "", probe.context or {})
    if response.status_code != 200 or probe.floor is None:
        return timing
    for n in range(rounds):
        for floor in ((False, True) if n % 2 == 0 else (True, False)):  # neither always goes first
            elapsed, sql, _ = request(client, probe, url, floor=floor)
            timing.render_statements = max(timing.render_statements, probe.render_statements, key=len)
            if floor:
                timing.floors.append(probe.floor)
            else:
                timing.page_ms.append(elapsed)
                timing.sql.append(sql)
    return timing
