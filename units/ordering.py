"""Lists the HSE department orders by hand (hazard and checklist templates, courses): moving one
row up or down among the rows like it, the ones in use or the retired ones."""


def move_one_place(ordered: list, moved, *, up: bool, field: str) -> list:
    """Swap `moved` with its neighbour among the rows of the same `is_active`, then number
    every row afresh into `field` from 1. `ordered` is the whole list in its current order,
    locked by the caller; returns the rows whose number changed, for one bulk_update."""
    alike = [item for item in ordered if item.is_active == moved.is_active]
    index = alike.index(moved)
    neighbour = index - 1 if up else index + 1
    if 0 <= neighbour < len(alike):
        a, b = ordered.index(moved), ordered.index(alike[neighbour])
        ordered[a], ordered[b] = ordered[b], ordered[a]
    changed = []
    for number, item in enumerate(ordered, start=1):
        if getattr(item, field) != number:
            setattr(item, field, number)
            changed.append(item)
    return changed
