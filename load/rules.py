"""The break point, defined once for the ramp (locustfile.py stops on it) and the report (run.py).

A ramp raises the number of simulated users step by step (each step 1.5x the one before), measures
each step once everyone of it has signed in, and reports its throughput, p95 and errors. A step
*holds* when all three are true:

- no errors (0 failed requests in its window);
- p95 <= P95_LIMIT_MS;
- throughput still rises with the users: it grew at least SCALING x as much as the users did since the
  step before (1.5x the users must bring >= 1.4x the requests/s when SCALING is 0.8, i.e. >= 80 %).

The break point is the last step before the first one that does not hold: the most users the app serves
with throughput still growing in step with them, no error and p95 within the limit. The steady run
then uses 80 % of its users.
"""
from __future__ import annotations

P95_LIMIT_MS = 500.0
SCALING = 0.8
STEADY_SHARE = 0.8


def holds(step: dict, previous: dict | None) -> tuple[bool, str]:
    """Whether ``step`` holds after ``previous``; with the reason when it does not."""
    if step["errors"]:
        return False, f"{step['errors']} errors"
    if step["p95_ms"] > P95_LIMIT_MS:
        return False, f"p95 {step['p95_ms']:.0f} ms > {P95_LIMIT_MS:.0f} ms"
    if previous is not None and previous["rps"] > 0 and previous["users"] > 0:
        grew_users = step["users"] / previous["users"]
        grew_rps = step["rps"] / previous["rps"]
        if grew_rps - 1 < SCALING * (grew_users - 1):
            return False, (f"throughput x{grew_rps:.2f} for users x{grew_users:.2f} "
                           f"(needs >= x{1 + SCALING * (grew_users - 1):.2f})")
    return True, ""


def break_point(steps: list[dict]) -> tuple[dict | None, str]:
    """The last step that holds before the first that does not (None if the first step fails), and why the
    ramp broke there ("" when every step held: the break point is then at least the last step)."""
    last = None
    for step in steps:
        ok, why = holds(step, last)
        if not ok:
            return last, f"{step['users']} users: {why}"
        last = step
    return last, ""


def steady_users(point: dict | None, first_step: int) -> int:
    """80 % of the break point's users (at least 1); the first step's users if no step held."""
    users = point["users"] if point else first_step
    return max(1, round(users * STEADY_SHARE))
