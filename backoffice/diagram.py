"""A workflow drawn as a diagram: its states as boxes, its transitions as labelled arrows, in SVG.

Drawn here, without a layout program: states go in columns by their distance
from the initial state (states no path reaches come last), and each column
lists its states top to bottom. Arrows to a later column are straight; arrows
back or within a column bend. The SVG is inline (no script, no external
resource) and carries a text alternative listing every transition.
"""
from __future__ import annotations

from collections import defaultdict, deque

from markupsafe import Markup, escape

from models.workflows import Tone, Workflow

BOX_W, BOX_H, COL_GAP, ROW_GAP, MARGIN = 150, 40, 110, 44, 24
FILL = {Tone.NEUTRAL.value: "#e9ecef", Tone.INFO.value: "#d1ecf1", Tone.PRIMARY.value: "#cfe2ff",
        Tone.SUCCESS.value: "#d4edda", Tone.WARNING.value: "#fff3cd", Tone.DANGER.value: "#f8d7da"}


def columns(workflow: Workflow) -> list[list]:
    """The states by their distance from the initial state (breadth first); unreachable ones last."""
    initial = next((s for s in workflow.states if s.initial), None)
    out = defaultdict(list)
    for t in workflow.transitions:
        out[t.from_state_id].append(t.to_state_id)
    depth, queue = ({initial.id: 0}, deque([initial.id])) if initial else ({}, deque())
    while queue:
        state_id = queue.popleft()
        for target in out[state_id]:
            if target not in depth:
                depth[target] = depth[state_id] + 1
                queue.append(target)
    last = max(depth.values(), default=-1) + 1
    grouped = defaultdict(list)
    for state in sorted(workflow.states, key=lambda s: (s.position, s.id)):
        grouped[depth.get(state.id, last)].append(state)
    return [grouped[k] for k in sorted(grouped)]


def workflow_svg(workflow: Workflow) -> Markup:
    cols = columns(workflow)
    where = {}
    for c, states in enumerate(cols):
        for r, state in enumerate(states):
            where[state.id] = (MARGIN + c * (BOX_W + COL_GAP), MARGIN + r * (BOX_H + ROW_GAP))
    width = MARGIN * 2 + len(cols) * BOX_W + max(len(cols) - 1, 0) * COL_GAP + 60
    height = MARGIN * 2 + max((len(s) for s in cols), default=1) * (BOX_H + ROW_GAP) + 40
    ends = _spread(workflow.transitions, where)
    arrows = [_arrow(t, where, ends) for t in workflow.transitions]
    parts = [line for line, _ in arrows] + [_box(state, *where[state.id]) for states in cols for state in states]
    parts += [label for _, label in arrows]  # last, so no box hides a label
    summary = "; ".join(f"{t.label}: {t.from_state.label} to {t.to_state.label}" for t in workflow.transitions)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="atrium-diagram" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="wf-title-{workflow.id}">'
        f'<title id="wf-title-{workflow.id}">{escape(workflow.name)}: {escape(summary or "no transitions")}</title>'
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#495057"/></marker></defs>'
        + "".join(parts) + "</svg>")


def _spread(transitions, where: dict) -> dict:
    """Where each arrow leaves its state and reaches the next: spread along the box's side, in the order of
    the other end's height, so arrows that share a state do not share a line."""
    leaving, reaching = defaultdict(list), defaultdict(list)
    for t in transitions:
        leaving[t.from_state_id].append(t)
        reaching[t.to_state_id].append(t)
    ends = {}
    for side, groups, other in (("from", leaving, "to_state_id"), ("to", reaching, "from_state_id")):
        for state_id, group in groups.items():
            group.sort(key=lambda t: (where[getattr(t, other)][1], where[getattr(t, other)][0], t.id or 0))
            for i, t in enumerate(group):
                ends[side, t.id, id(t)] = where[state_id][1] + BOX_H * (i + 1) / (len(group) + 1)
    return ends


def _box(state, x: int, y: int) -> str:
    fill = FILL.get(state.tone, FILL[Tone.NEUTRAL.value])
    stroke = 'stroke="#212529" stroke-width="2.5"' if state.initial else 'stroke="#6c757d" stroke-width="1"'
    double = (f'<rect x="{x + 3}" y="{y + 3}" width="{BOX_W - 6}" height="{BOX_H - 6}" rx="6" fill="none" '
              'stroke="#6c757d"/>') if state.final else ""
    return (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{fill}" {stroke}/>{double}'
            f'<text x="{x + BOX_W / 2}" y="{y + BOX_H / 2 + 5}" text-anchor="middle" font-size="14" '
            f'fill="#212529">{escape(state.label)}</text>')


def _arrow(t, where: dict, ends: dict) -> tuple[str, str]:
    (x1, _), (x2, _) = where[t.from_state_id], where[t.to_state_id]
    sy, ey = ends["from", t.id, id(t)], ends["to", t.id, id(t)]
    if x2 > x1:  # forward: right side to left side, the label near the arrow's head
        sx, ex = x1 + BOX_W, x2
        lx, ly = sx + (ex - sx) * 0.62, sy + (ey - sy) * 0.62 - 4
        path = f"M{sx},{sy:.1f} L{ex},{ey:.1f}"
    elif x2 < x1:  # back to an earlier column: left side to right side, arched above the forward arrows
        sx, ex = x1, x2 + BOX_W
        cx, cy = (sx + ex) / 2, min(sy, ey) - 30
        lx, ly = cx, cy + 8
        path = f"M{sx},{sy:.1f} Q{cx},{cy:.1f} {ex},{ey:.1f}"
    else:  # within a column: out of the right side, bending right, into the right side
        sx, ex = x1 + BOX_W, x2 + BOX_W
        bend = max(sx, ex) + 46
        lx, ly = bend - 10, (sy + ey) / 2 + 4
        path = f"M{sx},{sy:.1f} C{bend},{sy:.1f} {bend},{ey:.1f} {ex},{ey:.1f}"
    return (f'<path d="{path}" fill="none" stroke="#495057" stroke-width="1.4" marker-end="url(#wf-arrow)"/>',
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" font-size="11" fill="#343a40" stroke="#fff" '
            f'stroke-width="3" paint-order="stroke">{escape(t.label)}</text>')
