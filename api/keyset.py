"""Cursor pagination on the list's whole ordering (keyset pagination).

The cursor holds the values of every ordering field of the row a page ends on, so the next
page starts right after that row however many rows share a date, and a row added meanwhile
neither repeats nor hides another (DRF's CursorPagination positions on the first field only,
with an offset capped at 1000 rows, and cannot order across a relation). The cursor is
signed, bound to the list's ordering: one that was not given out by this list (typed, cut or
taken from another list) is a 400, and no value from outside ever reaches the query.

A view names its ordering in `ordering`, ending with "pk" or "-pk" so that it is total; the
fields may follow relations ("indicator__order") and must not be null.
"""

import datetime
from decimal import Decimal

from django.core import signing
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

SALT = "api.keyset"


def _value_of(instance, field: str):
    value = instance
    for part in field.split("__"):
        value = getattr(value, part)
    return value


def _plain(value):
    """A value as the cursor carries it; the field turns it back when the query is built."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def after(ordering: tuple[str, ...], values: list, *, backwards: bool = False) -> Q:
    """The rows that come after `values` in `ordering` (before them with `backwards`):
    (a > x) or (a = x and b > y) or ..., each comparison turned for a descending field."""
    condition = Q(pk__in=[])
    equal = Q()
    for field, value in zip(ordering, values, strict=True):
        name = field.lstrip("-")
        later = "lt" if field.startswith("-") != backwards else "gt"
        condition |= equal & Q(**{f"{name}__{later}": value})
        equal &= Q(**{name: value})
    return condition


class KeysetPagination(BasePagination):
    page_size = api_settings.PAGE_SIZE or 50
    # As api.pagination.Cursor: a client may ask for fewer or more rows a page, up to 500.
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"
    invalid_cursor_message = _("The cursor is not valid: use the next or previous link as given.")

    def _ordering(self, view) -> tuple[str, ...]:
        ordering = tuple(view.ordering)
        if ordering[-1].lstrip("-") != "pk":
            raise ValueError("A keyset ordering ends with pk, so that it is total.")
        return ordering

    def _salt(self, ordering) -> str:
        return f"{SALT}:{','.join(ordering)}"

    def _encode(self, ordering, instance, *, backwards: bool) -> str:
        values = [_plain(_value_of(instance, field.lstrip("-"))) for field in ordering]
        token = signing.dumps({"v": values, "b": backwards}, salt=self._salt(ordering))
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def _decode(self, request, ordering) -> tuple[list | None, bool]:
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return None, False
        try:
            cursor = signing.loads(token, salt=self._salt(ordering))
            values, backwards = cursor["v"], bool(cursor["b"])
        except (signing.BadSignature, ValueError, TypeError, KeyError):
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None
        if not isinstance(values, list) or len(values) != len(ordering):
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            )
        return values, backwards

    def _page_size(self, request) -> int:
        asked = request.query_params.get(self.page_size_query_param, "")
        if asked.isascii() and asked.isdigit() and len(asked) <= 4 and int(asked) > 0:
            return min(int(asked), self.max_page_size)
        return self.page_size

    def paginate_queryset(self, queryset, request, view=None):
        ordering = self._ordering(view)
        self.base_url = remove_query_param(request.build_absolute_uri(), self.cursor_query_param)
        values, backwards = self._decode(request, ordering)
        self.page_size = self._page_size(request)
        if backwards:
            reversed_ordering = [f[1:] if f.startswith("-") else f"-{f}" for f in ordering]
            queryset = queryset.order_by(*reversed_ordering)
        else:
            queryset = queryset.order_by(*ordering)
        if values is not None:
            queryset = queryset.filter(after(ordering, values, backwards=backwards))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        page = rows[: self.page_size]
        if backwards:
            page.reverse()
        self.next_link = self.previous_link = None
        if page:
            # Forwards, a next page exists when a row was left over; backwards, the page we
            # came from always follows.
            if (more and not backwards) or (backwards and values is not None):
                self.next_link = self._encode(ordering, page[-1], backwards=False)
            if (more and backwards) or (not backwards and values is not None):
                self.previous_link = self._encode(ordering, page[0], backwards=True)
        return page

    def get_paginated_response(self, data):
        return Response({"next": self.next_link, "previous": self.previous_link, "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Rows a page, up to %(max)s.") % {"max": self.max_page_size}),
                "schema": {"type": "integer"},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("The page to show: the cursor of a next or previous link as given.")
                ),
                "schema": {"type": "string"},
            },
        ]
