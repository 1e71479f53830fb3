"""What every list shares: sorting by its columns and a text search. Any app may use it (it sits
in the bottom layer).

Sorting: a list names its sortable columns once, as whitelisted keys, each with the expressions
it orders by. `?sort=key` sorts ascending, `?sort=-key` descending; an unknown key is ignored
(the list keeps its own order). The headings are plain links with aria-sort, so sorting works
from the keyboard and without JavaScript.

Search: `text_search` matches each word typed in any of the named fields (icontains); fields of
related rows (a risk assessment's activities, their hazards) are matched through EXISTS
subqueries, never joins, so a row matching twice is still listed once.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import QueryDict

MAX_WORDS = 8


def choice_labels(choices) -> dict[str, str]:
    """Each choice's label in the current language, for a list to show on every row:
    get_FOO_display() translates every label of the field's choices at each call, as it
    rebuilds their dict."""
    return {value: str(label) for value, label in choices}


def filter_query(request) -> QueryDict:
    """The list's filters and sort as given, without empty fields and without where the user
    is in the list (a page number, a keyset cursor): for the links that keep them (pages,
    column headings, the files)."""
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        kept = [value for value in values if value.strip()]
        if key not in ("page", "cursor") and kept:
            query.setlist(key, kept)
    return query


@dataclass(frozen=True)
class Column:
    label: str
    order: Callable[[], list]  # the expressions the column orders by


def column(label, *fields: str) -> Column:
    """A column ordered by plain fields (first, then the next as tie-breakers)."""
    return Column(label, lambda: [F(name) for name in fields])


def sort_key(columns: dict[str, Column], sort: str | None) -> str:
    """The sort asked for if it is one of the list's columns, else ""."""
    sort = (sort or "").strip()
    return sort if sort.lstrip("-") in columns and sort.count("-") <= 1 else ""


def sort_queryset(
    queryset: QuerySet, columns: dict[str, Column], sort: str | None, tiebreak=("pk",)
) -> QuerySet:
    """The queryset in the asked order (nulls last either way), ties broken by `tiebreak`, so
    the order is the same on every page load. Without a known sort: as it was ordered."""
    sort = sort_key(columns, sort)
    if not sort:
        return queryset
    descending = sort.startswith("-")
    order = [
        expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        for expression in columns[sort.lstrip("-")].order()
    ]
    return queryset.order_by(*order, *(F(name).asc() for name in tiebreak))


def sort_links(query, columns: dict[str, Column], sort: str | None) -> list[dict]:
    """Each sortable column's heading, with the link that sorts by it (the other way round if
    it is the sort already) and the state a screen reader announces (aria-sort). `query` is
    the list's filters as a QueryDict; the page number is dropped."""
    sort = sort_key(columns, sort)
    links = []
    for key, col in columns.items():
        if sort == key:
            state, target = "ascending", f"-{key}"
        elif sort == f"-{key}":
            state, target = "descending", key
        else:
            state, target = "none", key
        link = query.copy()
        link.pop("page", None)
        link["sort"] = target
        links.append({"key": key, "label": col.label, "state": state, "query": link.urlencode()})
    return links


@dataclass(frozen=True)
class Related:
    """Rows of another model that make a row match: `queryset` of that model, `link` the field
    on it pointing at the listed row (e.g. "assessment"), `fields` searched on it."""

    queryset: QuerySet
    link: str
    fields: tuple[str, ...]


def text_search(
    queryset: QuerySet, value: str | None, fields: Iterable[str], related: Iterable[Related] = ()
) -> QuerySet:
    """Rows where every word of `value` is found (case-insensitive) in one of `fields` or in a
    related row's fields. Empty input filters nothing."""
    words = (value or "").split()[:MAX_WORDS]
    fields, related = list(fields), list(related)
    for word in words:
        match = Q()
        for name in fields:
            match |= Q(**{f"{name}__icontains": word})
        for rel in related:
            found = Q()
            for name in rel.fields:
                found |= Q(**{f"{name}__icontains": word})
            match |= Q(Exists(rel.queryset.filter(found, **{rel.link: OuterRef("pk")})))
        queryset = queryset.filter(match)
    return queryset
