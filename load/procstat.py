"""CPU seconds per group of processes, read from /proc (Linux only, no dependencies).

Used by the locustfile to split each measured window's CPU between the app's gunicorn (its process
group), PostgreSQL (processes named ``postgres``), the load generator (locust's own process group) and
the rest of the machine. Reading only: nothing here signals or changes a process.
"""
from __future__ import annotations

import os

TICKS = os.sysconf("SC_CLK_TCK")
GROUPS = ("app", "postgres", "load")


def _stat(pid: str) -> tuple[str, int, float] | None:
    """(comm, process group, user+system CPU seconds) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            raw = handle.read()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15
    return comm, int(fields[2]), (int(fields[11]) + int(fields[12])) / TICKS


def machine_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal
    return (total - idle) / TICKS, total / TICKS


def _database_of(pid: str) -> str | None:
    """The database a PostgreSQL backend serves, from its title ("postgres: 15/main: user database host(port) ..."),
    or None for the server's own processes (checkpointer, WAL writer, ...)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            title = handle.read().replace(b"\0", b" ").decode(errors="replace").split(": ")
    except OSError:
        return None
    words = title[-1].split() if len(title) >= 3 else []
    return words[1] if len(words) >= 3 and "(" in words[2] else None


def snapshot(app_pgid: int | None, load_pgid: int | None, database: str | None = None) -> dict:
    """CPU seconds used so far by each process of the app's group, PostgreSQL and the load generator's group,
    and by the machine. With ``database``, backends serving another database (someone else's work on the same
    server) count as "other", not "postgres"."""
    processes = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        found = _stat(pid)
        if found is None:
            continue
        comm, pgrp, seconds = found
        if app_pgid and pgrp == app_pgid:
            processes[int(pid)] = ("app", seconds)
        elif load_pgid and pgrp == load_pgid:
            processes[int(pid)] = ("load", seconds)
        elif comm == "postgres":
            served = _database_of(pid) if database else None
            if served is None or served == database:
                processes[int(pid)] = ("postgres", seconds)
    busy, total = machine_seconds()
    return {"processes": processes, "busy": busy, "total": total}


def share(before: dict, after: dict) -> dict:
    """Percent of the machine's CPU (all cores together = 100 %) each group used between two snapshots.

    A process alive at both counts its difference, one started in between all its seconds; one that ended in
    between is lost (a PostgreSQL backend of a closed connection, say): "other" then holds its share."""
    total = after["total"] - before["total"]
    if total <= 0:
        return {}
    used = dict.fromkeys(GROUPS, 0.0)
    for pid, (group, seconds) in after["processes"].items():
        earlier = before["processes"].get(pid)
        used[group] += seconds - (earlier[1] if earlier and earlier[0] == group else 0.0)
    result = {group: round(max(0.0, 100 * used[group] / total), 1) for group in GROUPS}
    busy = 100 * (after["busy"] - before["busy"]) / total
    result["other"] = round(max(0.0, busy - sum(result.values())), 1)
    result["idle"] = round(max(0.0, 100 - busy), 1)
    return result
