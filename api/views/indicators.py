"""Indicator definitions and values, read; and the bulk upsert of values for integrations.

The catalogue is read by every signed-in user, as the indicator pages show it. Values are
records of their unit: `IndicatorValue.objects.visible_to(user)`, so a value of a unit the
user's roles do not cover is a 404. The bulk upsert checks each row as the CSV import checks a
line (indicators.values_csv), through the same service, lock and version rule: all or nothing,
and only for the units the user enters figures for.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from api.errors import NON_FIELD, body
from api.filters_pages import filter_form
from api.keyset import KeysetPagination
from api.serializers.indicators import (
    BulkCountsSerializer,
    BulkValueSerializer,
    IndicatorSerializer,
    IndicatorValueSerializer,
)
from api.versions import VersionedMixin
from api.views.units import ID
from indicators import services, values_csv
from indicators.models import Category, Indicator, IndicatorValue, PeriodKind, Source
from units.forms import UnitCodeField

MAX_ROWS = 10_000
MAX_TEXT = 100
FIELDS = ("indicator", "unit", "year", "tertial", "value")


class IndicatorFilterForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices, required=False)
    period = forms.ChoiceField(choices=PeriodKind.choices, required=False)
    source = forms.ChoiceField(choices=Source.choices, required=False)
    active = forms.NullBooleanField(required=False)


class ValueFilterForm(forms.Form):
    indicator = forms.SlugField(label=gettext_lazy("Indicator"), max_length=40, required=False)
    unit = UnitCodeField(label=gettext_lazy("Unit"), required=False)
    subtree = forms.NullBooleanField(required=False)
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False
    )
    tertial = forms.IntegerField(
        label=gettext_lazy("Tertial"), min_value=0, max_value=3, required=False
    )


def _boolean(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.BOOL, description=description)


@extend_schema_view(
    list=extend_schema(
        summary="Indicator definitions",
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, enum=Category.values),
            OpenApiParameter("period", OpenApiTypes.STR, enum=PeriodKind.values),
            OpenApiParameter("source", OpenApiTypes.STR, enum=Source.values),
            _boolean("active", "Only the indicators in use (true) or those retired (false)."),
        ],
    ),
    retrieve=extend_schema(summary="An indicator definition, by its code"),
)
class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IndicatorSerializer
    pagination_class = KeysetPagination
    ordering = ("order", "code", "pk")
    lookup_field = "code"

    def get_queryset(self):
        indicators = Indicator.objects.all()
        if self.action != "list":
            return indicators
        data = filter_form(IndicatorFilterForm, self.request)
        for field in ("category", "period", "source"):
            if data[field]:
                indicators = indicators.filter(**{field: data[field]})
        if data["active"] is not None:
            indicators = indicators.filter(is_active=data["active"])
        return indicators


def _as_text(value) -> str | None:
    """A JSON value as the CSV check reads a field; None for one no field takes."""
    if value is None:
        return ""
    if isinstance(value, bool | list | dict):
        return None
    if isinstance(value, str):
        return None if "\x00" in value or len(value) > MAX_TEXT else value.strip()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # The decimal the JSON number was written as, not the float's binary expansion.
        return format(Decimal(repr(value)), "f")
    return None


def _version(value) -> tuple[int | None, bool]:
    if value is None:
        return None, True
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        return None, False
    return value, True


def _read_rows(data):
    """The sent list as the text records the CSV check takes, each row's version, and the
    problems of rows that are not even of the right shape."""
    problem = values_csv.Problem
    records, versions, problems = [], {}, []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(
                problem(
                    index,
                    None,
                    _("Each value is an object with indicator, unit, year, tertial and value."),
                )
            )
            continue
        row_problems = [
            problem(index, str(name)[:MAX_TEXT], _("Unknown field."))
            for name in item
            if name not in (*FIELDS, "version")
        ]
        values = {}
        for name in FIELDS:
            text = _as_text(item.get(name))
            if text is None:
                row_problems.append(problem(index, name, _("This is not a valid value here.")))
            else:
                values[name] = text
        version, valid = _version(item.get("version"))
        if not valid:
            row_problems.append(
                problem(index, "version", _("The version is a whole number, 0 or more."))
            )
        if row_problems:
            problems.extend(row_problems)
        else:
            records.append((index, values))
            versions[index] = version
    return records, versions, problems


def _problems_response(message: str, problems, code: int) -> Response:
    """The API's error shape, with each row's problems under "<index>.<field>" (or the index
    alone for the row as a whole), as api.errors names the fields of a nested input."""
    errors: dict[str, list[str]] = {} if problems else {NON_FIELD: [str(message)]}
    for problem in sorted(problems, key=lambda problem: problem.line or 0):
        if problem.line is None:
            key = NON_FIELD
        else:
            key = f"{problem.line}.{problem.field}" if problem.field else str(problem.line)
        errors.setdefault(key, []).append(str(problem.message))
    return Response(body(message, errors), status=code)


@extend_schema_view(
    list=extend_schema(
        summary="Indicator values",
        parameters=[
            OpenApiParameter("indicator", OpenApiTypes.STR, description="An indicator's code."),
            OpenApiParameter(
                "unit",
                OpenApiTypes.STR,
                description="A unit's code: its values and, unless subtree is false, those "
                "of the units below it.",
            ),
            _boolean("subtree", "With unit: include the units below it (the default)."),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter(
                "tertial", OpenApiTypes.INT, description="1–3; 0 for the values of a whole year."
            ),
        ],
    ),
    retrieve=extend_schema(summary="An indicator value"),
)
class IndicatorValueViewSet(VersionedMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID
    serializer_class = IndicatorValueSerializer
    pagination_class = KeysetPagination
    ordering = ("indicator__order", "year", "tertial", "pk")

    def get_queryset(self):
        values = IndicatorValue.objects.visible_to(self.request.user).select_related(
            "indicator", "unit", "entered_by"
        )
        if self.action != "list":
            return values
        data = filter_form(ValueFilterForm, self.request)
        if data["indicator"]:
            values = values.filter(indicator__code=data["indicator"])
        if data["unit"] is not None:
            if data["subtree"] is False:
                values = values.filter(unit=data["unit"])
            else:
                values = values.in_subtree(data["unit"])
        if data["year"] is not None:
            values = values.filter(year=data["year"])
        if data["tertial"] is not None:
            values = values.filter(tertial=data["tertial"])
        return values

    @extend_schema(
        summary="Add and change values, all or nothing",
        description=(
            "A list of values by indicator code, unit code, year and tertial (null for a "
            "yearly indicator). Each is checked as a line of the CSV import is; if any is "
            "refused, nothing is written and every problem is answered under "
            "`<index>.<field>` (the row's place in the list, from 0). "
            "Only units whose figures the user enters are accepted. A value that changes a "
            "stored one must carry that value's version: without it the answer is 428, with "
            f"an outdated one 412. At most {MAX_ROWS} values at a time."
        ),
        request=BulkValueSerializer(many=True),
        responses={200: BulkCountsSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        pagination_class=None,
        parser_classes=[JSONParser],
    )
    def bulk(self, request):
        data = request.data
        if not isinstance(data, list):
            return _problems_response(
                _(
                    'Send a list of values: [{"indicator": …, "unit": …, "year": …, '
                    '"tertial": …, "value": …}].'
                ),
                [],
                status.HTTP_400_BAD_REQUEST,
            )
        if len(data) > MAX_ROWS:
            return _problems_response(
                _("At most %(count)s values at a time.") % {"count": MAX_ROWS},
                [],
                status.HTTP_400_BAD_REQUEST,
            )
        refused = _("Nothing was saved: correct the values below and send them all again.")
        records, versions, problems = _read_rows(data)
        if problems:
            _rows, more = values_csv.check_records(records, actor=request.user)
            return _problems_response(refused, problems + more, status.HTTP_400_BAD_REQUEST)
        try:
            plan = services.values_upsert(actor=request.user, records=records, versions=versions)
        except values_csv.ImportRejected as rejected:
            return _problems_response(refused, rejected.plan.problems, status.HTTP_400_BAD_REQUEST)
        except services.ValuesOutdated as outdated:
            detail = _("Nothing was saved: some values were changed or need their version.")
            code = (
                status.HTTP_412_PRECONDITION_FAILED
                if outdated.stale
                else status.HTTP_428_PRECONDITION_REQUIRED
            )
            return _problems_response(detail, outdated.stale + outdated.missing, code)
        return Response(self._written(plan))

    def _written(self, plan) -> dict:
        changes = sorted([*plan.new, *plan.changed, *plan.unchanged], key=lambda c: c.row.line)
        keys = [(c.row.unit_id, c.row.indicator_id, c.row.year, c.row.tertial) for c in changes]
        stored = {
            (value.unit_id, value.indicator_id, value.year, value.tertial): value
            for value in IndicatorValue.objects.filter(
                unit_id__in={key[0] for key in keys},
                indicator_id__in={key[1] for key in keys},
                year__in={key[2] for key in keys},
            ).select_related("indicator", "unit", "entered_by")
        }
        values = [stored[key] for key in keys]
        return {
            **plan.counts(),
            "values": IndicatorValueSerializer(
                values, many=True, context=self.get_serializer_context()
            ).data,
        }
