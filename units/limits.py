"""The bounds every input keeps, whatever the page sent: how many rows a formset builds, which
dates make sense and how long a text may be. One place, so every form, model and import says
the same."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

# --- Free text ---------------------------------------------------------------------------------
# Django enforces a TextField's max_length in forms only (the admin's included), not in the
# database: the forms that write a text field give it the same limit.

SHORT_TEXT = 2_000  # a comment on one line of a list, a reason
LONG_TEXT = 10_000  # a description, a procedure, a finding: some pages of text
NOTES_TEXT = 20_000  # the notes of a meeting

# --- Formsets ----------------------------------------------------------------------------------

# A formset's TOTAL_FORMS comes from the page and can say anything; Django builds at most
# `absolute_max` forms, and this many rows is more than any page of the app shows.
MAX_FORMSET_ROWS = 200


def bounded_formset(form, *, max_num: int = MAX_FORMSET_ROWS, **kwargs):
    """A formset class that builds and takes at most `max_num` rows: more is a form error
    above the rows, not thousands of forms."""
    formset_class = forms.formset_factory(
        form, max_num=max_num, absolute_max=max_num, validate_max=True, **kwargs
    )
    # Django merges these with its own messages along the class's bases.
    formset_class.default_error_messages = {
        "too_many_forms": ngettext_lazy(
            "At most %(num)d row can be saved at once.",
            "At most %(num)d rows can be saved at once.",
            "num",
        ),
    }
    return formset_class


# --- Dates -------------------------------------------------------------------------------------

# A year like 0024 or 9999 is a typing slip, not a deadline: the reminders and reports add days
# to these dates, and 9999-12-31 plus a day is beyond Python's dates. Domain rules (a deadline
# not in the past, an event not in the future) are the forms' own, on top of this.
EARLIEST_DATE = datetime.date(1900, 1, 1)
YEARS_AHEAD = 50


def latest_date(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def validate_date_in_range(value: datetime.date | datetime.datetime) -> None:
    """Refuse a date, or a date and time, before 1900 or more than 50 years from today."""
    day = value
    if isinstance(value, datetime.datetime):
        try:
            day = timezone.localdate(value) if timezone.is_aware(value) else value.date()
        except OverflowError:  # the last hours of year 9999: out of range either way
            day = value.date()
    latest = latest_date()
    if not EARLIEST_DATE <= day <= latest:
        raise ValidationError(
            _("Check the year: give a date from %(first)s to %(last)s."),
            code="date_out_of_range",
            params={"first": date_format(EARLIEST_DATE), "last": date_format(latest)},
        )


class BoundedDateField(forms.DateField):
    """A date a person types, within the sane range."""

    default_validators = [validate_date_in_range]


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time a person types, within the sane range."""

    default_validators = [validate_date_in_range]
