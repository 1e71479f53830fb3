"""Marking several requirements of a unit's register as reviewed at once. Each goes through
the same service as a single review (services.requirement_review: the version check, the rules
and the audit trail are the same, one change per entry), all inside one transaction, and the
selection is refused whole if any row is stale or not the user's to review: nothing is saved
then, and the page names each row refused and why."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hms.registers import services
from hms.registers.models import Requirement, UnitRequirement
from units.limits import SHORT_TEXT
from units.models import Unit

MAX_ROWS = 200


class BulkReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment for all the selected (optional)"),
        required=False,
        max_length=SHORT_TEXT,
        help_text=gettext_lazy(
            "Replaces the comment of each selected requirement. Leave it empty to keep each "
            "one's own comment."
        ),
        widget=forms.Textarea(attrs={"rows": 1}),
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # Each ticked requirement with the version of its entry the page showed (0: none yet).
        self.selected: dict[int, int | None] = {}
        if data is not None:
            for raw in data.getlist("requirement")[: MAX_ROWS + 1]:
                if raw.isdigit() and len(raw) < 12:
                    version = data.get(f"version-{raw}", "")
                    shown = int(version) if version.isdigit() and len(version) < 12 else None
                    self.selected[int(raw)] = shown

    def clean(self):
        data = super().clean()
        if not self.selected:
            raise ValidationError(_("Select at least one requirement."))
        if len(self.selected) > MAX_ROWS:
            raise ValidationError(_("Select at most %(n)d requirements at once.") % {"n": MAX_ROWS})
        return data


class Refused(Exception):
    """The whole selection was refused; `rows` says which requirements and why."""

    def __init__(self, rows: list[str]):
        super().__init__("; ".join(rows))
        self.rows = rows


@transaction.atomic
def bulk_review(*, actor, unit: Unit, selected: dict[int, int | None], comment: str = "") -> int:
    """Mark the selected requirements of `unit`'s register as reviewed today by `actor`, each
    with `comment` if one is given (else each keeps its own). `selected` maps each requirement
    to its entry's version as the page showed it. Returns how many were reviewed."""
    if not services.can_change(actor, unit):
        raise PermissionDenied
    requirements = {
        r.pk: r
        for r in Requirement.objects.filter(services.register_listable_q(unit), pk__in=selected)
    }
    # The unit's entries locked in one order, so two reviews of the register queue up.
    entries = {
        e.requirement_id: e
        for e in UnitRequirement.objects.select_for_update().filter(unit=unit).order_by("pk")
    }
    refused = [
        _("Requirement #%(pk)d is not in this register.") % {"pk": pk}
        for pk in selected
        if pk not in requirements
    ]
    for pk, requirement in requirements.items():
        entry = entries.get(pk)
        if selected[pk] is None:
            refused.append(
                _("“%(name)s”: the page did not say which version it showed; open it again.")
                % {"name": requirement.short_name}
            )
        elif selected[pk] != (entry.version if entry else 0):
            who = entry.reviewed_by if entry else None
            refused.append(
                _("“%(name)s”: reviewed by %(who)s after the page was opened.")
                % {
                    "name": requirement.short_name,
                    "who": (who.get_full_name() or who.username) if who else _("someone else"),
                }
            )
    if refused:
        raise Refused(refused)
    for pk, requirement in sorted(requirements.items()):
        try:
            services.requirement_review(
                actor=actor,
                unit=unit,
                requirement=requirement,
                version=selected[pk],
                comment=comment if comment.strip() else None,
            )
        except ValidationError as error:
            refused.append(f"“{requirement.short_name}”: {' '.join(error.messages)}")
    if refused:
        raise Refused(refused)
    return len(requirements)
