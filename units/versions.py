"""The version check behind every edit form: a row carries a `version` that each save through
its service bumps; the form carries the version it was shown with; a save prepared on an older
version is refused with a ValidationError of code "stale", and the view answers 409 with the
input kept, the row as saved meanwhile shown beside it, and the form now carrying the current
version, so saving again is a deliberate overwrite.

Deviations, measures, assessments, rounds and the hms registers grew their own copies of this
before it lived here; new checks use these pieces.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

STALE = "stale"


class VersionField(forms.IntegerField):
    """The hidden version an edit form was shown with (0: the row did not exist yet)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def stale_error(message: str | None = None) -> ValidationError:
    return ValidationError(
        message
        or _(
            "Someone else saved this while you were editing it. What they saved is shown; "
            "your input is kept in the form. Save again to replace theirs with it."
        ),
        code=STALE,
    )


def check_version(current: int, version: int | None, message: str | None = None) -> None:
    """Refuse a save prepared on another version than the row has now. Without a version
    (a caller that shows no form) there is nothing to compare."""
    if version is not None and current != version:
        raise stale_error(message)


def is_stale(error: ValidationError) -> bool:
    if hasattr(error, "error_dict"):
        errors = [e for field in error.error_dict.values() for e in field]
    else:
        errors = error.error_list
    return any(e.code == STALE for e in errors)


def bump(obj, fields: list[str]) -> None:
    """Save the changed fields with the version raised by one, in the database, and read the
    new version back (the form shown next carries it)."""
    obj.version = F("version") + 1
    obj.save(update_fields=[*fields, "version"])
    obj.refresh_from_db(fields=["version"])


def take_current_version(form, current: int, name: str = "version") -> None:
    """After a stale save: keep the typed input but carry the current version, so the next
    save is a deliberate overwrite of what is shown."""
    form.data = form.data.copy()
    form.data[form.add_prefix(name)] = current
