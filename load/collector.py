"""What locustfile.py measures: every request, and the measured windows (throughput, exact percentiles, errors,
and the CPU split from ``procstat``), kept in one ``COLLECTOR`` and written as the run's result JSON."""
from __future__ import annotations

import os
import time
from collections import Counter, defaultdict

import procstat
import rules
from loadenv import APP_PGID, DATABASE, MEASURE, MODE, OTHER_LIMIT, THINK, WARMUP


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"count": len(ordered), "p50_ms": round(percentile(ordered, 0.50), 1),
            "p95_ms": round(percentile(ordered, 0.95), 1), "p99_ms": round(percentile(ordered, 0.99), 1),
            "max_ms": round(ordered[-1], 1) if ordered else 0.0,
            "mean_ms": round(sum(ordered) / len(ordered), 1) if ordered else 0.0}


class Collector:
    """Every request, and the measured windows: throughput, exact percentiles, errors, CPU split."""

    def __init__(self):
        self.signed_in = 0
        self.sign_in_failed = 0
        self.requests = 0
        self.all_errors = Counter()  # (phase, name, status, message) over the whole run
        self.sign_in_times: list[float] = []
        self.windows: list[dict] = []
        self.window = None
        self.started = time.time()
        self.stop_reason = ""

    def ready(self) -> int:
        return self.signed_in + self.sign_in_failed

    def open(self, users: int, label: str) -> None:
        self.window = {"label": label, "users": users, "start": time.time(), "times": [],
                       "by_name": defaultdict(list), "errors": Counter(), "bytes": 0, "sign_ins": [],
                       "cpu": procstat.snapshot(APP_PGID, os.getpgrp(), DATABASE)}

    def disturbed(self, step: dict) -> bool:
        """Whether other work took more than OTHER_LIMIT % of the machine during ``step``'s window."""
        return step["cpu_pct"].get("other", 0.0) > OTHER_LIMIT

    def close(self) -> dict:
        window, self.window = self.window, None
        seconds = time.time() - window["start"]
        cpu = procstat.share(window["cpu"], procstat.snapshot(APP_PGID, os.getpgrp(), DATABASE))
        errors = sum(window["errors"].values())
        count = len(window["times"])
        step = {"label": window["label"], "users": window["users"], "seconds": round(seconds, 1),
                "requests": count, "rps": round(count / seconds, 1) if seconds else 0.0,
                **{k: v for k, v in summary(window["times"]).items() if k != "count"},
                "errors": errors, "error_pct": round(100 * errors / count, 3) if count else 0.0,
                "errors_by_kind": [{"name": n, "status": s, "message": m, "count": c}
                                   for (n, s, m), c in window["errors"].most_common(20)],
                "kb_per_request": round(window["bytes"] / count / 1024, 1) if count else 0.0,
                "sign_ins_in_window": len(window["sign_ins"]),
                "cpu_pct": cpu,
                "pages": {name: summary(times) for name, times in sorted(window["by_name"].items())}}
        self.windows.append(step)
        return step

    def record(self, name: str, response_time: float, length: int, status: int, exception) -> None:
        self.requests += 1
        sign_in = name.startswith("sign-in")
        if sign_in and name.startswith("sign-in POST"):
            self.sign_in_times.append(response_time)
        message = ""
        if exception is not None:
            message = str(exception).strip().splitlines()[0][:200] if str(exception).strip() else type(exception).__name__
            phase = self.window["label"] if self.window else "outside windows"
            self.all_errors[(phase, name, status, message)] += 1
        window = self.window
        if window is None:
            return
        if sign_in:
            window["sign_ins"].append(response_time)
            if exception is not None:
                window["errors"][(name, status, message)] += 1
            return
        window["times"].append(response_time)
        window["by_name"][name].append(response_time)
        window["bytes"] += length or 0
        if exception is not None:
            window["errors"][(name, status, message)] += 1

    def result(self) -> dict:
        point, why = rules.break_point([w for w in self.windows if w["label"].startswith("step")])
        return {"mode": MODE, "host": os.environ.get("LOAD_HOST_LABEL", ""), "think_seconds": THINK,
                "warmup_seconds": WARMUP, "measure_seconds": MEASURE, "seconds": round(time.time() - self.started, 1),
                "requests": self.requests, "signed_in": self.signed_in, "sign_in_failed": self.sign_in_failed,
                "sign_in": summary(self.sign_in_times), "stop_reason": self.stop_reason,
                "windows": self.windows,
                "break_point": point["users"] if point else None, "break_reason": why,
                "errors": [{"phase": p, "name": n, "status": s, "message": m, "count": c}
                           for (p, n, s, m), c in self.all_errors.most_common(50)]}


COLLECTOR = Collector()
