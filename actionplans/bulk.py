"""Acting on several measures of a plan at once: reassign, move the deadline, close with the
effect, or remind the responsible persons. Each change goes through the same service as the
single step (so the version check, the rules and the audit trail are the same: one change per
measure), all inside one transaction, and is refused whole if any selected measure is not the
user's to change or cannot take the change: nothing is saved then."""

from collections import defaultdict

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actionplans import notifications, services
from actionplans.forms import DateInput
from actionplans.models import Effectiveness, Measure
from units import outbox
from units.forms import BootstrapForm, PersonField
from units.limits import LONG_TEXT, BoundedDateField

REASSIGN, DEADLINE, CLOSE, REMIND = "reassign", "deadline", "close", "remind"
MAX_ROWS = 200


class BulkForm(BootstrapForm):
    action = forms.ChoiceField(
        label=gettext_lazy("With the selected measures"),
        choices=[
            (REASSIGN, gettext_lazy("Give them to another person")),
            (DEADLINE, gettext_lazy("Change the deadline")),
            (CLOSE, gettext_lazy("Close them, recording the effect")),
            (REMIND, gettext_lazy("Remind the responsible persons")),
        ],
    )
    responsible = PersonField(label=gettext_lazy("New responsible person"), required=False)
    deadline = BoundedDateField(
        label=gettext_lazy("New deadline"), required=False, widget=DateInput()
    )
    effectiveness = forms.ChoiceField(
        label=gettext_lazy("Did the measures work?"),
        choices=[("", "—"), *Effectiveness.choices],
        required=False,
    )
    effectiveness_comment = forms.CharField(
        label=gettext_lazy("Comment on the effect"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.selected: dict[int, int | None] = {}
        if data is not None:
            for raw in data.getlist("measure")[: MAX_ROWS + 1]:
                if raw.isdigit() and len(raw) < 12:
                    version = data.get(f"version-{raw}", "")
                    self.selected[int(raw)] = int(version) if version.isdigit() else None

    def clean(self):
        data = super().clean()
        if not self.selected:
            raise ValidationError(_("Select at least one measure."))
        if len(self.selected) > MAX_ROWS:
            raise ValidationError(_("Select at most %(n)d measures at once.") % {"n": MAX_ROWS})
        needs = {REASSIGN: "responsible", DEADLINE: "deadline", CLOSE: "effectiveness"}
        field = needs.get(data.get("action"))
        if field and not data.get(field):
            self.add_error(field, _("This field is required for the chosen action."))
        return data


class Refused(Exception):
    """The whole selection was refused; `rows` says which measures and why."""

    def __init__(self, rows: list[str]):
        super().__init__("; ".join(rows))
        self.rows = rows


def _check(actor, unit, selected: dict[int, int | None]) -> list[Measure]:
    """The selected measures, locked; refused whole if any is outside the plan or not the
    user's to change."""
    found = {
        m.pk: m
        for m in Measure.objects.select_for_update(of=("self",))
        .select_related("unit", "responsible")
        .filter(pk__in=selected, unit__path__startswith=unit.path)
        .order_by("pk")
    }
    refused = [
        _("Measure #%(pk)d is not in this plan.") % {"pk": pk} for pk in selected if pk not in found
    ]
    refused += [
        _("You may not change “%(title)s”.") % {"title": m.title}
        for m in found.values()
        if not services.can_change_plan(actor, m.unit)
    ]
    if refused:
        raise Refused(refused)
    return list(found.values())


def _each(measures, selected, change) -> int:
    """Apply `change` to every measure; collect every refusal, then refuse all if any."""
    refused = []
    for measure in measures:
        try:
            change(measure, selected[measure.pk])
        except ValidationError as error:
            refused.append(f"“{measure.title}”: {' '.join(error.messages)}")
    if refused:
        raise Refused(refused)
    return len(measures)


@transaction.atomic
def bulk_apply(*, actor, unit, selected: dict[int, int | None], action: str, **fields) -> int:
    """Apply one action to the selected measures of `unit`'s plan (with its sub-units). Returns
    how many measures were changed, or for a reminder how many e-mails were written."""
    measures = _check(actor, unit, selected)
    if action == REMIND:
        return remind(actor=actor, measures=measures)

    def update(measure, version, **changes):
        values = {
            "title": measure.title,
            "description": measure.description,
            "responsible": measure.responsible,
            "deadline": measure.deadline,
            "priority": measure.priority,
            "estimated_cost": measure.estimated_cost,
            **changes,
        }
        services.measure_update(actor=actor, measure=measure, version=version, **values)

    if action == REASSIGN:
        return _each(
            measures, selected, lambda m, v: update(m, v, responsible=fields["responsible"])
        )
    if action == DEADLINE:
        return _each(measures, selected, lambda m, v: update(m, v, deadline=fields["deadline"]))
    if action == CLOSE:
        return _each(
            measures,
            selected,
            lambda m, v: services.measure_close(
                actor=actor,
                measure=m,
                version=v,
                effectiveness=fields["effectiveness"],
                effectiveness_comment=fields.get("effectiveness_comment", ""),
            ),
        )
    raise ValidationError(_("Choose what to do with the selected measures."))


def remind(*, actor, measures: list[Measure]) -> int:
    """One e-mail per responsible person listing their selected open measures (not one per
    measure), through the outbox. Returns the number of e-mails written."""
    by_person = defaultdict(list)
    for measure in measures:
        if measure.is_open:
            by_person[measure.responsible].append(measure)
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    written = 0
    for person, own in by_person.items():
        written += outbox.add_for(
            kind="actionplans.bulk_reminder",
            key=f"{actor.pk}:{stamp}:{person.pk}",
            people=[person],
            template="actionplans/email/bulk_reminder",
            context={
                "measures": [(m, notifications._absolute(m.get_absolute_url())) for m in own],
                "sender": actor.get_full_name() or actor.username,
            },
        )
    return written
