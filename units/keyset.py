"""Keyset pagination for the lists' pages, and a count that stops at a threshold.

OFFSET costs every row it skips, and counting every visible row costs every row: on 100,000
deviations page 1,000 took up to twice page 1 (issue 14). Here a page starts right after the
last row of the page before, found through the list's order (an index answers it), and the
count reads at most `COUNT_LIMIT + 1` rows: above that the page says "more than 10,000".

The order is a tuple of keys (an expression and its direction) ending with the primary key,
so that it is total: rows with the same deadline keep one order on every page. Nulls come
last whichever way a key is sorted, on every page and in the files. A cursor holds the key
values of the row a page ends (or, going back, starts) on, signed and bound to the list and
its sort: a cursor that was not given out by this list and sort (typed, cut, or taken from
another sort) shows the first page, never an error. `last` shows the last page, read in the
reversed order.

The API has its own cursor pagination (api/keyset.py), which answers a bad cursor with a 400.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Q, QuerySet

COUNT_LIMIT = 10_000  # counted exactly up to here; above, the page says "more than"
LAST = "last"
SALT = "units.keyset"


@dataclass(frozen=True)
class Key:
    expression: object  # an F() or any expression the rows are ordered by
    descending: bool = False

    def ordering(self, backwards: bool = False, nullable: bool = True):
        # Nulls last in the list's order, so first when it is read backwards. A key that
        # cannot be null says nothing of nulls: "created_at DESC NULLS LAST" is not the order
        # of the index on created_at read backwards, and PostgreSQL would sort every row.
        nulls = {"nulls_first": True} if backwards else {"nulls_last": True}
        if not nullable:
            nulls = {}
        if self.descending != backwards:
            return self.expression.desc(**nulls)
        return self.expression.asc(**nulls)


def _nullable(model, expression) -> bool:
    """Whether the key may be null: a plain field says so; any other expression might be."""
    if not isinstance(expression, F):
        return True
    meta = model._meta
    try:
        for part in expression.name.split("__"):
            if part == "pk":
                return False
            found = meta.get_field(part)
            if found.null:
                return True
            if found.is_relation:
                meta = found.related_model._meta
    except (FieldDoesNotExist, AttributeError):
        return True
    return False


def _plain(value):
    """A value as a cursor carries it (JSON); the key's field turns it back in the query."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass
class KeysetPage:
    object_list: list
    count: int  # exact, or COUNT_LIMIT when capped
    count_capped: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first: bool = True
    is_last: bool = True
    cursor: str | None = None  # the cursor that shows this page ("" for the first)
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return not (self.is_first and self.is_last)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


class KeysetPaginator:
    """Pages of `queryset` in the order of `keys` (the primary key is added as the last key,
    in the direction of `pk_descending`). `name` binds the cursors to one list and sort."""

    def __init__(
        self,
        queryset: QuerySet,
        keys: list[Key],
        per_page: int,
        *,
        name: str,
        pk_descending: bool = False,
    ):
        self.queryset = queryset
        self.keys = [*keys, Key(F("pk"), pk_descending)]
        self.per_page = per_page
        self.salt = f"{SALT}:{name}"
        model = queryset.model
        self.nullable = [_nullable(model, key.expression) for key in self.keys]
        self.aliases = [f"keyset_{index}" for index in range(len(self.keys))]

    # -- the order, for the page and the files ------------------------------------------------

    def ordered(self, queryset: QuerySet | None = None, *, backwards: bool = False) -> QuerySet:
        """The rows in the list's order (or reversed), without the cursor's columns: for the
        exports, which list every row in the order the pages show them."""
        queryset = self.queryset if queryset is None else queryset
        return queryset.order_by(
            *(
                key.ordering(backwards, nullable)
                for key, nullable in zip(self.keys, self.nullable, strict=True)
            )
        )

    def _keyed(self, backwards: bool) -> QuerySet:
        annotated = self.queryset.annotate(
            **{alias: key.expression for alias, key in zip(self.aliases, self.keys, strict=True)}
        )
        return annotated.order_by(
            *(
                Key(F(alias), key.descending).ordering(backwards, nullable)
                for alias, key, nullable in zip(self.aliases, self.keys, self.nullable, strict=True)
            )
        )

    def _beyond(self, values: list, backwards: bool) -> Q:
        """The rows after `values` in the list's order (before them with `backwards`), nulls
        last: (a > x) or (a = x and b > y) or ..., each turned for a descending key. The first
        key's bound is repeated on its own, so that an index on it limits the scan."""
        condition = Q(pk__in=[])
        equal = Q()
        for alias, key, nullable, value in zip(
            self.aliases, self.keys, self.nullable, values, strict=True
        ):
            later = "lt" if key.descending != backwards else "gt"
            if value is None:
                # Forwards nothing is after a null but the nulls after it (by the next keys);
                # backwards, every value comes before it.
                if backwards:
                    condition |= equal & Q(**{f"{alias}__isnull": False})
                equal &= Q(**{f"{alias}__isnull": True})
                continue
            strictly = Q(**{f"{alias}__{later}": value})
            if nullable and not backwards:
                strictly |= Q(**{f"{alias}__isnull": True})
            condition |= equal & strictly
            equal &= Q(**{alias: value})
        first_value = values[0]
        if first_value is not None and (backwards or not self.nullable[0]):
            later = "lt" if self.keys[0].descending != backwards else "gt"
            condition &= Q(**{f"{self.aliases[0]}__{later}e": first_value})
        return condition

    # -- cursors ------------------------------------------------------------------------------

    def _token(self, row, backwards: bool) -> str:
        values = [_plain(getattr(row, alias)) for alias in self.aliases]
        return signing.dumps({"v": values, "b": backwards}, salt=self.salt, compress=True)

    def cursor_after(self, row) -> str:
        """The cursor of the page that starts after `row` (a row of `self._keyed`)."""
        return self._token(row, backwards=False)

    def rows_at(self, offset: int) -> list:
        """Rows with their keys from `offset` on, in the list's order: for the benchmark,
        which builds the cursor of a deep page."""
        return list(self._keyed(False)[offset : offset + 1])

    def _decode(self, cursor: str | None) -> tuple[list | None, bool] | None:
        """(values, backwards); (None, True) for the last page; None for the first page."""
        if not cursor:
            return None
        if cursor == LAST:
            return None, True
        try:
            data = signing.loads(cursor, salt=self.salt)
            values, backwards = data["v"], data["b"]
        except (signing.BadSignature, ValueError, TypeError, KeyError):
            return None
        if not isinstance(values, list) or len(values) != len(self.keys):
            return None
        return values, bool(backwards)

    # -- the page -----------------------------------------------------------------------------

    def count(self) -> tuple[int, bool]:
        """(count, capped): reads at most COUNT_LIMIT + 1 rows."""
        limit = COUNT_LIMIT
        counted = self.queryset.order_by().values("pk")[: limit + 1].count()
        return (limit, True) if counted > limit else (counted, False)

    def page(self, cursor: str | None) -> KeysetPage:
        decoded = self._decode(cursor)
        try:
            return self._page(decoded, cursor)
        except (ValidationError, ValueError, TypeError):
            # A signed cursor whose values no longer fit (a field changed type): page one.
            return self._page(None, None)

    def _page(self, decoded, cursor) -> KeysetPage:
        values, backwards = decoded if decoded else (None, False)
        queryset = self._keyed(backwards)
        if values is not None:
            queryset = queryset.filter(self._beyond(values, backwards))
        rows = list(queryset[: self.per_page + 1])
        if decoded and not rows:
            # Past the end (rows went away since the link was made): the first page.
            return self._page(None, None)
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if backwards:
            rows.reverse()
        count, capped = self.count()
        page = KeysetPage(rows, count, capped, cursor=cursor if decoded else "")
        if backwards:
            page.is_first = not more
            # From the last page nothing follows; going back, the page we came from does.
            page.is_last = values is None
        else:
            page.is_first = values is None
            page.is_last = not more
        if rows:
            if not page.is_last:
                page.next_cursor = self._token(rows[-1], backwards=False)
            if not page.is_first:
                page.previous_cursor = self._token(rows[0], backwards=True)
        return page
