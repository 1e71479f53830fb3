from django.core.exceptions import FieldDoesNotExist, ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Every list is cursor-paginated on its viewset's `ordering` (its first field must be
    one the rows are sorted by on the page, with the primary key last to break ties).

    A cursor is an opaque base64 string; one a client made up could hold a position that is
    not a value of the ordering field, which DRF would hand to the database (a 500). It is
    checked against the field first and refused like any unknown cursor."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        name = self.ordering[0].lstrip("-")
        try:
            meta = self._model._meta
            field = meta.pk if name == "pk" else meta.get_field(name)
            field.to_python(cursor.position)
        except (FieldDoesNotExist, ValidationError, ValueError, TypeError, OverflowError):
            raise NotFound(self.invalid_cursor_message) from None
        if "\x00" in cursor.position:
            raise NotFound(self.invalid_cursor_message)
        return cursor
