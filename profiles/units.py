"""The business units of a data profile's company as a tree: regions, their sites, the sites' departments."""
from __future__ import annotations

from profiles.words import DEPARTMENTS, REGIONS, SITES


def unit_tree(count: int, taken=()) -> list[tuple[str, int | None]]:
    """Names and parents (an index into the list; None: the company's root unit) of ``count`` units: regions,
    their sites and the sites' departments, so a big company's tree is four levels deep; names not in ``taken``."""
    side = round(count ** (1 / 3))
    regions = min(len(REGIONS), side) if count >= 4 else 0  # a small company: sites under its headquarters
    sites = min(count - regions, max(1, regions) * side) if regions else count
    used, tree = {name.lower() for name in taken}, []
    for i in range(count):
        if i < regions:
            name, parent = f"Region {REGIONS[i]}", None
        elif i < regions + sites:
            name, parent = SITES[(i - regions) % len(SITES)], (i % regions if regions else None)
        else:
            parent = regions + (i - regions - sites) % sites
            name = f"{tree[parent][0]} {DEPARTMENTS[(i - regions - sites) // sites % len(DEPARTMENTS)]}"
        unique, number = name, 1
        while unique.lower() in used:
            number += 1
            unique = f"{name} {number}"
        used.add(unique.lower())
        tree.append((unique, parent))
    return tree
