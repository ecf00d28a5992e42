"""Lists a page at a time: by page number with the count riding along (``paginate``), a list already in
memory (``page_of``), or by position for logs that grow without end (``keyset_page``: no count, no
OFFSET, so the thousandth page costs what the first does)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from flask import request
from sqlalchemy import func, literal_column, select, tuple_

from extensions import db

MAX_PAGE = 100_000
COUNT_CAP = 1000  # the most rows a count beside a link reads (``capped_counts``)


def capped_counts(queries, cap: int | None = None) -> list[str]:
    """How many rows each of ``queries`` has, as a page shows it beside a link to their list: "1,234", or
    "1,000+" past ``cap``. One statement, reading at most ``cap`` + 1 rows of each and no column (a count walks
    the filter's index alone), so the page costs the same however many rows there are; the linked list counts
    them all."""
    cap = COUNT_CAP if cap is None else cap
    counts = [select(func.count()).select_from(
        query.with_only_columns(literal_column("1"), maintain_column_froms=True).order_by(None).limit(cap + 1)
        .subquery()).scalar_subquery() for query in queries]
    row = db.session.execute(select(*counts)).one() if counts else ()
    return [f"{count:,}" if count <= cap else f"{cap:,}+" for count in row]


def page_number(arg: str = "page") -> int:
    """The page asked for in the query string (``arg``): 1 for anything that is not a sane page number."""
    page = request.args.get(arg, 1, type=int) or 1
    return page if 1 <= page <= MAX_PAGE else 1


class ListPage:
    """One page of rows, read like ``paginate``'s pages (the pager macros take either)."""

    def __init__(self, items: list, page: int, per_page: int, total: int, capped: bool = False,
                 more: bool | None = None):
        self.items, self.page, self.per_page, self.total = items, page, per_page, total
        self.capped = capped  # there are more than ``total`` rows: the list shows the first ``total``
        self.counted_past = more is not None  # there are more than ``total`` rows, all of them paged through
        self.pages = page + bool(more) if self.counted_past else -(-total // per_page)
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1

    @property
    def count_text(self) -> str:
        """How many rows there are, as the list says it: "1,234", or "1,000+" where counting stopped."""
        return f"{self.total:,}+" if self.capped or self.counted_past else f"{self.total:,}"

    def __iter__(self):
        return iter(self.items)


def page_of(rows: list, per_page: int = 25, arg: str = "page") -> ListPage:
    """The asked-for page of a list already in memory (a unit tree in its order); past the end, the last."""
    pages = -(-len(rows) // per_page)
    page = min(page_number(arg), pages) if pages else 1
    return ListPage(rows[(page - 1) * per_page:page * per_page], page, per_page, len(rows))


def paginate(query, per_page: int = 25, arg: str = "page", *, up_to: int | None = None,
             counted: bool = True) -> ListPage:
    """One page of ``query`` (a select of one entity) in one statement: the count rides along as a scalar
    sub-query, counted once over the filter's index (a window count would read every matching row in full
    before the page). A page past the end costs a second statement and shows the last page. A page with
    several paged sections names each section's page by its own query argument (``arg``).

    With ``up_to``, the list reaches its first ``up_to`` rows only and counts no further (the page says
    there are more, and its search narrows them): for lists whose every row costs to count.

    With ``counted=False``, the count stops at ``COUNT_CAP`` ("1,000+") and the pages go on past it, each
    read with one row more to know whether another follows: for a company's history, which grows without
    end (a page past the end counts it all once, to show the last page)."""
    page, cap = page_number(arg), up_to if counted else COUNT_CAP
    every_row = query.order_by(None)
    counted_rows = every_row if cap is None else every_row.limit(cap + 1)
    with_count = query.add_columns(select(func.count()).select_from(counted_rows.subquery()).scalar_subquery())
    if up_to is not None:
        page = min(page, max(1, -(-up_to // per_page)))
    extra = 0 if counted else 1
    limit, offset = _window(page, per_page, up_to)
    rows = db.session.execute(_page_of(with_count, limit + extra, offset)).all()
    if not rows and page > 1:
        total = db.session.scalar(select(func.count()).select_from((counted_rows if counted else every_row).subquery()))
        page = max(1, -(-min(total, up_to or total) // per_page))
        limit, offset = _window(page, per_page, up_to)
        rows = db.session.execute(_page_of(with_count, limit + extra, offset)).all()
    total, items = (rows[0][1] if rows else 0), [row[0] for row in rows[:per_page]]
    if up_to is not None and total > up_to:
        return ListPage(items, page, per_page, up_to, capped=True)
    if not counted and total > COUNT_CAP:
        return ListPage(items, page, per_page, COUNT_CAP, more=len(rows) > per_page)
    return ListPage(items, page, per_page, total)


def _window(page: int, per_page: int, up_to: int | None) -> tuple[int, int]:
    """(limit, offset) of a page; a list that reaches ``up_to`` rows ends its last page there."""
    offset = (page - 1) * per_page
    return (per_page if up_to is None else max(1, min(per_page, up_to - offset))), offset


def _page_of(query, limit: int, offset: int):
    """``query`` limited to one page, the page's ids found first: the skipped rows are read from the
    order's index alone, and only the page's rows are read in full and joined to what they show
    (an OFFSET over the query itself would read and join every skipped row)."""
    entity = query.column_descriptions[0]["entity"]
    ids = query.with_only_columns(entity.id).limit(limit).offset(offset).subquery("page_ids")
    return query.join(ids, ids.c.id == entity.id).limit(limit)


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
CURSOR = re.compile(r"^(\d{1,17})-(\d{1,10})$")


class KeysetPage:
    """One page of a newest-first list, and where the pages beside it start (``None``: there is none)."""

    def __init__(self, items: list, newer: str | None, older: str | None):
        self.items, self.newer, self.older = items, newer, older

    def __iter__(self):
        return iter(self.items)


def _cursor(row, at: str = "at") -> str:
    return f"{(getattr(row, at) - EPOCH) // timedelta(microseconds=1)}-{row.id}"


def _position(raw: str | None):
    """(at, id) from a cursor of the query string; None for a missing or malformed one (the newest page)."""
    found = CURSOR.match(raw or "")
    if not found:
        return None
    try:
        return EPOCH + timedelta(microseconds=int(found.group(1))), int(found.group(2))
    except OverflowError:
        return None


def keyset_page(query, model, per_page: int = 25, at: str = "at") -> KeysetPage:
    """The page of ``query`` (rows of ``model`` with a time column ``at`` and ``id``, newest first) before
    ``?older=`` or after ``?newer=``: the index on (…, at, id) is read from that position, one row more than
    the page to know whether more follow. A cursor past either end shows the newest page."""
    time = getattr(model, at)
    key = tuple_(time, model.id)
    older, newer = _position(request.args.get("older")), _position(request.args.get("newer"))
    if older is not None:
        rows = db.session.scalars(query.where(key < older).limit(per_page + 1)).all()
        if rows:
            return KeysetPage(rows[:per_page], _cursor(rows[0], at),
                              _cursor(rows[per_page - 1], at) if len(rows) > per_page else None)
    elif newer is not None:
        rows = db.session.scalars(query.where(key > newer).order_by(None).order_by(time, model.id)
                                  .limit(per_page + 1)).all()
        if rows:
            more, rows = len(rows) > per_page, rows[:per_page][::-1]
            return KeysetPage(rows, _cursor(rows[0], at) if more else None, _cursor(rows[-1], at))
    rows = db.session.scalars(query.limit(per_page + 1)).all()
    return KeysetPage(rows[:per_page], None, _cursor(rows[per_page - 1], at) if len(rows) > per_page else None)
