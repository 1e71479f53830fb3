"""The pages' own filter forms, read from an API list's query string, so that a list filters
exactly as its page does. A filter the form refuses is a 400 with the form's messages."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from api.validation import cleaned

UNIT_PARAMETER = OpenApiParameter(
    "unit",
    OpenApiTypes.STR,
    description="A unit's code: the records of that unit and of the units below it.",
)


def filter_form(form_class, request, **kwargs) -> dict:
    return cleaned(form_class(request.query_params, **kwargs))
