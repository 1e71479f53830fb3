"""Every error of the API is JSON: `{"message": "...", "errors": {"field": ["..."]}}`.

DRF's own exceptions, Django's Http404 / PermissionDenied / ValidationError (what the services
raise) and the database's refusals of out-of-range input all come out in that shape, so no
client ever parses an HTML page, and nothing a client sends is answered with a 500."""

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from deviations.services import ConcurrentEdit
from units.versions import is_stale

NON_FIELD = "non_field_errors"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy(
        "Send the If-Match header with the ETag of the version you read, so that nobody's "
        "change is overwritten silently."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "Someone else changed this since you read it. Read it again and repeat your change."
    )
    default_code = "precondition_failed"


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...]} with dotted names for nested fields
    ("rows.3.value") and NON_FIELD for errors of the whole input."""
    if isinstance(detail, dict):
        found: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = NON_FIELD if key in (NON_FIELD, "__all__") and not prefix else str(key)
            for field, messages in _flatten(value, f"{prefix}{name}").items():
                found.setdefault(field, []).extend(messages)
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]} if detail else {}
        found = {}
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                for field, messages in _flatten(
                    item, f"{prefix}.{index}." if prefix else f"{index}."
                ).items():
                    found.setdefault(field.rstrip("."), []).extend(messages)
            else:
                found.setdefault(prefix or NON_FIELD, []).append(str(item))
        return found
    return {prefix.rstrip(".") or NON_FIELD: [str(detail)]}


def body(message: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"message": str(message), "errors": errors or {}}


def _from_django_validation(exc: DjangoValidationError) -> exceptions.APIException:
    if is_stale(exc):
        return PreconditionFailed()
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {
                field: [str(m) for e in errors for m in e.messages]
                for field, errors in exc.error_dict.items()
            }
        )
    return exceptions.ValidationError({NON_FIELD: exc.messages})


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, ConcurrentEdit):
        exc = PreconditionFailed()
    elif isinstance(exc, DjangoValidationError):
        exc = _from_django_validation(exc)
    elif isinstance(exc, DataError):
        # A number or text the database cannot hold (an integer past its range): bad input.
        exc = exceptions.ValidationError({NON_FIELD: [_("A value is out of range.")]})
    elif isinstance(exc, ValueError) and "NUL" in str(exc):
        exc = exceptions.ValidationError({NON_FIELD: [_("Null characters are not allowed.")]})
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's 500 handling and the error log take it

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    if isinstance(exc, exceptions.ValidationError):
        data = body(_("The input is not valid."), _flatten(exc.detail))
    else:
        data = body(exc.detail if not isinstance(exc.detail, dict | list) else exc.default_detail)
    set_rollback()
    return Response(data, status=exc.status_code, headers=headers)


def not_found(request, *args, **kwargs):
    """Any address under /api/ that names nothing: JSON, not the site's HTML 404 page."""
    return JsonResponse(body(_("Not found.")), status=404)
