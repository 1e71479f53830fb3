"""Writing indicator values: the entry form's save, with its version check, and the apply
step of a CSV import (indicators/values_csv.py reads and checks the file)."""

from dataclasses import dataclass
from decimal import Decimal

import pghistory
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import Indicator, IndicatorValue, PeriodKind, Source
from units import access
from units.models import Unit


class ConcurrentEdit(Exception):
    """Someone saved values for the same unit and period after the form was shown."""

    def __init__(self, indicators: list[Indicator]):
        super().__init__(", ".join(indicator.code for indicator in indicators))
        self.indicators = indicators


@dataclass(frozen=True)
class Posted:
    """What the form sent for one indicator: the value (None: empty) and the version of the
    value it was shown with (0: there was none)."""

    value: Decimal | None
    version: int


def entry_indicators(tertial: int):
    """The indicators entered for a tertial (1–3) or for a whole year (0)."""
    kind = PeriodKind.TERTIAL if tertial else PeriodKind.YEAR
    return Indicator.objects.active().stored().filter(period=kind)


@transaction.atomic
def values_save(
    *, actor, unit: Unit, year: int, tertial: int, posted: dict[int, Posted]
) -> dict[str, int]:
    """Save the entry form of a unit and period: add, change and (for emptied fields) delete
    values, all or nothing. Raises ConcurrentEdit, writing nothing, when a value the user
    changed was saved by someone else after their form was shown."""
    if not access.can_manage_records(actor, unit):
        raise PermissionDenied
    indicators = {indicator.pk: indicator for indicator in entry_indicators(tertial)}
    existing = {
        value.indicator_id: value
        for value in IndicatorValue.objects.select_for_update().filter(
            unit=unit, year=year, tertial=tertial, indicator_id__in=list(indicators)
        )
    }
    conflicts = []
    for indicator_id, sent in posted.items():
        if indicator_id not in indicators:
            continue
        current = existing.get(indicator_id)
        current_value = current.value if current else None
        current_version = current.version if current else 0
        if current_version != sent.version and current_value != sent.value:
            conflicts.append(indicators[indicator_id])
    if conflicts:
        raise ConcurrentEdit(conflicts)

    counts = {"added": 0, "changed": 0, "removed": 0}
    now = timezone.now()
    try:
        for indicator_id, sent in posted.items():
            if indicator_id not in indicators:
                continue
            current = existing.get(indicator_id)
            if sent.value is None:
                if current is not None:
                    current.delete()
                    counts["removed"] += 1
                continue
            if current is None:
                value = IndicatorValue(
                    indicator=indicators[indicator_id],
                    unit=unit,
                    year=year,
                    tertial=tertial,
                    value=sent.value,
                    source=Source.ENTERED,
                    entered_by=actor,
                    entered_at=now,
                )
                value.full_clean()
                value.save()
                counts["added"] += 1
            elif current.value != sent.value:
                current.value = sent.value
                current.source = Source.ENTERED
                current.entered_by = actor
                current.entered_at = now
                current.version += 1
                current.full_clean()
                current.save(
                    update_fields=["value", "source", "entered_by", "entered_at", "version"]
                )
                counts["changed"] += 1
    except IntegrityError as error:
        # Two first saves of the same value at once: the unique constraint stops the second.
        raise ConcurrentEdit([indicators[i] for i in posted if i in indicators]) from error
    return counts


def _write_plan(plan, *, actor) -> None:
    """Write what a checked plan changes, in two statements however many values it holds."""
    now = timezone.now()
    IndicatorValue.objects.bulk_update(
        [
            IndicatorValue(
                pk=change.before_pk,
                value=change.row.value,
                source=Source.IMPORTED,
                entered_by=actor,
                entered_at=now,
                version=change.before_version + 1,
            )
            for change in plan.changed
        ],
        ["value", "source", "entered_by", "entered_at", "version"],
        batch_size=1000,
    )
    IndicatorValue.objects.bulk_create(
        [
            IndicatorValue(
                indicator_id=change.row.indicator_id,
                unit_id=change.row.unit_id,
                year=change.row.year,
                tertial=change.row.tertial,
                value=change.row.value,
                source=Source.IMPORTED,
                entered_by=actor,
                entered_at=now,
            )
            for change in plan.new
        ],
        batch_size=1000,
    )


@transaction.atomic
def values_import(*, actor, content: bytes, filename: str, expected_digest: str = ""):
    """Apply a values CSV file all or nothing. Raises values_csv.ImportRejected when the file
    has problems and values_csv.ImportChanged when the values changed since the preview."""
    import hmac

    from indicators import values_csv

    plan = values_csv.plan_import(content, actor=actor, lock=True)
    if plan.problems:
        raise values_csv.ImportRejected(plan)
    if expected_digest and not hmac.compare_digest(expected_digest, plan.digest):
        raise values_csv.ImportChanged(plan)
    with pghistory.context(import_file=filename):
        _write_plan(plan, actor=actor)
    return plan


class ValuesOutdated(Exception):
    """Values sent to change stored ones without their version (`missing`), or with a version
    that is no longer the stored one (`stale`): nothing was written. Each is a Problem."""

    def __init__(self, plan, *, missing: list, stale: list):
        super().__init__(f"{len(missing)} without a version, {len(stale)} outdated")
        self.plan, self.missing, self.stale = plan, missing, stale


def _outdated(plan, versions: dict[int, int | None]) -> tuple[list, list]:
    from indicators.values_csv import Problem

    missing, stale = [], []
    for change in plan.changed:
        sent = versions.get(change.row.line)
        if sent is None:
            missing.append(
                Problem(
                    change.row.line,
                    "version",
                    _(
                        "A value is stored for this unit, indicator and period (version "
                        "%(version)s): send its version to change it."
                    )
                    % {"version": change.before_version},
                )
            )
        elif sent != change.before_version:
            stale.append(
                Problem(
                    change.row.line,
                    "version",
                    _(
                        "Someone else saved this value after version %(sent)s; it is at "
                        "version %(version)s now. Read it again before changing it."
                    )
                    % {"sent": sent, "version": change.before_version},
                )
            )
    for change in plan.new:
        sent = versions.get(change.row.line)
        if sent:
            stale.append(
                Problem(
                    change.row.line,
                    "version",
                    _("No value is stored for this unit, indicator and period any more."),
                )
            )
    return missing, stale


@transaction.atomic
def values_upsert(
    *, actor, records: list[tuple[int, dict[str, str]]], versions: dict[int, int | None]
):
    """Add and change values sent by an integration, all or nothing, checked as the CSV import
    checks a file (`records` hold each value as text with its place in the list). A value that
    changes a stored one must carry the stored value's version (`versions`, by place; 0 or
    None for a new value), so nobody's figure is overwritten unseen. Raises
    values_csv.ImportRejected for values that do not check, ValuesOutdated for missing or
    outdated versions; returns the plan that was written."""
    from indicators import values_csv

    values_csv.lock_values()
    rows, problems = values_csv.check_records(
        records,
        actor=actor,
        duplicate_message=_("The same unit, indicator and period is also at index %(line)s."),
    )
    plan = values_csv.plan_rows(rows, problems)
    if plan.problems:
        raise values_csv.ImportRejected(plan)
    missing, stale = _outdated(plan, versions)
    if missing or stale:
        raise ValuesOutdated(plan, missing=missing, stale=stale)
    with pghistory.context(api="indicator values"):
        _write_plan(plan, actor=actor)
    return plan
