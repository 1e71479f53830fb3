"""Risk assessments: the list, the assessment page with its mapping, hazards, participants and
approval, the risk matrix of an assessment, a unit and a subtree, the red risks, the matrix
settings of the HSE department, and the archive PDF.

Every fetch is scoped: an assessment the user may not see is a 404. Someone who sees it but may
not change it gets the page back with a 403 and a message. Every change is one service call;
what the user typed comes back with the reason when a change is refused.
"""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q
from django.db.models.functions import Greatest
from django.db.models.lookups import GreaterThanOrEqual
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from actionplans.models import Measure
from hms.pdf import pdf_response, render_pdf
from risk import forms, services
from risk.models import (
    CONSEQUENCE_LETTERS,
    AssessmentStatus,
    Dimension,
    HazardTemplate,
    ParticipantRole,
    RiskAssessment,
    RiskMatrix,
    RiskRow,
    RowMeasure,
    Zone,
)
from units import access
from units.models import Unit

PAGE_SIZE = 25
RED_PAGE_SIZE = 50
MATRIX_LIST_LIMIT = 50
PARTICIPANT_ORDER = {role: index for index, role in enumerate(ParticipantRole.values)}
DIMENSIONS = (
    (Dimension.PEOPLE, "consequence_people"),
    (Dimension.ENVIRONMENT, "consequence_environment"),
    (Dimension.MATERIAL, "consequence_material"),
    (Dimension.REPUTATION, "consequence_reputation"),
)
ROW_FIELDS = (
    "activity",
    "hazard",
    "existing_measures",
    "probability",
    "consequence_people",
    "consequence_environment",
    "consequence_material",
    "consequence_reputation",
    "proposed_measures",
    "residual_probability",
    "residual_consequence",
)


# --- The matrix, for pages and the PDF ---------------------------------------------------------


def _relative_luminance(colour: str) -> float:
    channels = []
    for start in (1, 3, 5):
        value = int(colour[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on the zone colour (WCAG contrast)."""
    try:
        luminance = _relative_luminance(background)
    except (ValueError, IndexError):
        return "#000"
    return "#000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#fff"


def cell(matrix: RiskMatrix, probability: int | None, consequence: int | None) -> dict | None:
    """One cell of the matrix: its code ("C3"), risk value, zone and colours."""
    if not probability or not consequence:
        return None
    value = probability * consequence
    zone = Zone(matrix.zone(value))
    colour = matrix.colour(zone)
    return {
        "code": f"{CONSEQUENCE_LETTERS[consequence - 1]}{probability}",
        "letter": CONSEQUENCE_LETTERS[consequence - 1],
        "probability": probability,
        "consequence": consequence,
        "value": value,
        "zone": zone.value,
        "zone_label": zone.label,
        "colour": colour,
        "text": text_colour(colour),
    }


def zone_legend(matrix: RiskMatrix) -> list[dict]:
    ranges = {
        Zone.GREEN: f"≤ {matrix.green_max}",
        Zone.YELLOW: f"{matrix.green_max + 1}–{matrix.red_min - 1}",
        Zone.RED: f"≥ {matrix.red_min}",
    }
    if matrix.green_max + 1 > matrix.red_min - 1:  # no yellow zone at all
        ranges[Zone.YELLOW] = "–"
    return [
        {
            "zone": zone.value,
            "label": zone.label,
            "range": ranges[zone],
            "colour": matrix.colour(zone),
            "text": text_colour(matrix.colour(zone)),
        }
        for zone in (Zone.GREEN, Zone.YELLOW, Zone.RED)
    ]


def matrix_grid(matrix: RiskMatrix, counts: dict | None = None) -> dict:
    """The 5×5 grid for `risk/_matrix.html`: probability 5 → 1 top to bottom, consequence
    A → E left to right, coloured by `matrix`, each cell with its count from
    `services.matrix_counts` (leave `counts` out for the bare matrix, without counts).

        {% include "risk/_matrix.html" with grid=grid %}
    """
    show_counts = counts is not None
    counts = counts or {}
    probability_labels = matrix.labels("probability")
    consequence_labels = matrix.labels("consequence")
    rows = []
    for probability in range(5, 0, -1):
        cells = []
        for consequence in range(1, 6):
            entry = cell(matrix, probability, consequence)
            entry["count"] = counts.get((probability, consequence), 0)
            cells.append(entry)
        rows.append(
            {
                "probability": probability,
                "label": forms.scale_label(str(probability), probability_labels[probability - 1]),
                "cells": cells,
            }
        )
    consequences = [
        {
            "letter": letter,
            "label": forms.scale_label(letter, consequence_labels[index]),
        }
        for index, letter in enumerate(CONSEQUENCE_LETTERS)
    ]
    return {
        "matrix": matrix,
        "rows": rows,
        "consequences": consequences,
        "legend": zone_legend(matrix),
        "total": sum(counts.values()),
        "show_counts": show_counts,
    }


def describe_row(row: RiskRow, matrix: RiskMatrix) -> RiskRow:
    """Attach what the page and the PDF show of a hazard, from the assessment's own matrix."""
    row.cells = [
        {"dimension": dimension.label, "cell": cell(matrix, row.probability, getattr(row, field))}
        for dimension, field in DIMENSIONS
    ]
    row.worst = cell(matrix, row.probability, row.worst_consequence)
    row.residual = cell(matrix, row.residual_probability, row.residual_consequence)
    return row


# --- Fetching and permissions -----------------------------------------------------------------


def _assessment(request, pk: int) -> RiskAssessment:
    return get_object_or_404(
        RiskAssessment.objects.visible_to(request.user).select_related(
            "unit", "matrix", "approved_by", "created_by", "previous"
        ),
        pk=pk,
    )


def _row(assessment: RiskAssessment, row_pk: int) -> RiskRow:
    return get_object_or_404(assessment.rows.select_related("activity"), pk=row_pk)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _scope_unit(request, code: str) -> tuple[Unit | None, str]:
    """The unit a matrix or red list is asked for: by code, else the top unit the user's
    roles cover. A unit whose records the user may not see is a 404."""
    code = code.strip()
    if code:
        # A NUL cannot reach the database, and no code is longer than the field.
        valid = "\x00" not in code and len(code) <= Unit._meta.get_field("code").max_length
        unit = Unit.objects.filter(code__iexact=code).first() if valid else None
        if unit is None:
            return None, _("No unit has the code %(code)s.") % {"code": code}
        if not access.can_view_records(request.user, unit):
            raise Http404
        return unit, ""
    unit = access.units_covered(request.user).order_by("depth", "path").first()
    if unit is None:
        raise Http404
    return unit, ""


# --- The list -----------------------------------------------------------------------------


def _row_value():
    """A hazard's risk value, seen from its assessment: probability × worst consequence."""
    return F("rows__probability") * Greatest(
        "rows__consequence_people",
        "rows__consequence_environment",
        "rows__consequence_material",
        "rows__consequence_reputation",
        output_field=IntegerField(),
    )


@login_required
@require_safe
def assessment_list(request):
    user = request.user
    form = forms.AssessmentFilterForm(request.GET or None)
    assessments = RiskAssessment.objects.visible_to(user)
    unit = None
    if form.is_valid():
        unit = form.cleaned_data["unit"]
        if unit is not None:
            assessments = assessments.filter(unit__path__startswith=unit.path)
        status = form.cleaned_data["status"]
        today = timezone.localdate()
        if status == forms.AssessmentFilterForm.DUE:
            assessments = assessments.due_for_review(today)
        elif status == AssessmentStatus.APPROVED:
            assessments = assessments.filter(status=AssessmentStatus.APPROVED).exclude(
                review_date__lte=today
            )
        elif status == AssessmentStatus.DRAFT:
            assessments = assessments.filter(status=AssessmentStatus.DRAFT)
    red = GreaterThanOrEqual(_row_value(), F("matrix__red_min"))
    assessments = (
        assessments.select_related("unit", "matrix")
        .annotate(
            row_count=Count("rows"),
            red_count=Count("rows", filter=Q(red)),
            unscored_count=Count(
                "rows",
                filter=Q(rows__probability__isnull=True)
                | Q(rows__consequence_people__isnull=True)
                | Q(rows__consequence_environment__isnull=True)
                | Q(rows__consequence_material__isnull=True)
                | Q(rows__consequence_reputation__isnull=True),
            ),
        )
        .order_by("-assessed_on", "-pk")
    )
    page = Paginator(assessments, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    may_create = bool(
        access.sees_everything(user) or access.units_covered(user, access.MANAGER_ROLES).exists()
    )
    context = {
        "form": form,
        "page": page,
        "unit": unit,
        "query": query.urlencode(),
        "may_create": may_create,
        "may_configure": access.is_hms_department(user),
        "today": timezone.localdate(),
    }
    return render(request, "risk/assessment_list.html", context)


# --- Creating and editing the heading -------------------------------------------------------


def _editable_units(user):
    return access.units_covered(user, access.MANAGER_ROLES).active()


@login_required
def assessment_create(request):
    user = request.user
    units = _editable_units(user)
    if not units.exists():
        raise Http404
    initial = {"assessed_on": timezone.localdate()}
    if code := request.GET.get("unit", "").strip().replace("\x00", ""):
        unit = Unit.objects.filter(code__iexact=code[:32]).first()
        if unit is None or not access.can_view_records(user, unit):
            raise Http404
        if not services.can_edit(user, unit):
            raise PermissionDenied
        initial["unit"] = unit.code
    else:
        top = list(units.order_by("depth", "path")[:2])
        if len(top) == 1:
            initial["unit"] = top[0].code
    form = forms.AssessmentCreateForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not services.can_edit(user, data["unit"]):
            message = _("You may not make risk assessments for %(unit)s.")
            form.add_error("unit", message % {"unit": data["unit"]})
            status = 403
        else:
            try:
                assessment = services.assessment_create(
                    actor=user,
                    unit=data["unit"],
                    title=data["title"],
                    activity=data["activity"],
                    assessed_on=data["assessed_on"],
                    template=data["template"],
                )
            except PermissionDenied:
                form.add_error("unit", _("You may not make risk assessments for this unit."))
                status = 403
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The risk assessment was created as a draft."))
                return redirect(assessment)
    form.fields["unit"].widget.attrs["list"] = "unit-codes"
    context = {
        "form": form,
        "title": _("New risk assessment"),
        "unit_choices": units.order_by("path")[:300],
        "templates": HazardTemplate.objects.filter(is_active=True).prefetch_related("rows"),
    }
    return render(request, "risk/assessment_form.html", context, status=status)


@login_required
def assessment_edit(request, pk: int):
    assessment = _assessment(request, pk)
    if not services.can_edit(request.user, assessment.unit):
        return _forbidden(request, assessment)
    if assessment.status != AssessmentStatus.DRAFT:
        messages.error(request, _("An approved assessment is not changed; start a review instead."))
        return redirect(assessment)
    initial = {
        "title": assessment.title,
        "activity": assessment.activity,
        "assessed_on": assessment.assessed_on,
        "version": assessment.version,
    }
    form = forms.AssessmentEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.assessment_update(
                actor=request.user,
                assessment=assessment,
                version=data["version"],
                title=data["title"],
                activity=data["activity"],
                assessed_on=data["assessed_on"],
            )
        except PermissionDenied:
            return _forbidden(request, assessment)
        except ValidationError as error:
            _add_errors(form, error)
            current = RiskAssessment.objects.get(pk=assessment.pk)
            if current.version != data["version"]:
                # Saving again is a deliberate overwrite of what is shown above the form.
                form.data = form.data.copy()
                form.data["version"] = current.version
                status = 409
        else:
            messages.success(request, _("The heading was saved."))
            return redirect(assessment)
    context = {"form": form, "title": _("Edit the heading"), "assessment": assessment}
    return render(request, "risk/assessment_form.html", context, status=status)


# --- The assessment page ----------------------------------------------------------------------


def _activity_formset(activities, data=None):
    initial = [
        {
            "id": activity.pk,
            "name": activity.name,
            "harms_people": activity.harms_people,
            "harms_material": activity.harms_material,
            "harms_environment": activity.harms_environment,
        }
        for activity in activities
    ]
    if data is not None:
        return forms.ActivityFormSet(data, prefix="activities")
    return forms.ActivityFormSet(initial=initial, prefix="activities")


def _participants(assessment: RiskAssessment) -> list:
    participants = list(assessment.participants.select_related("user"))
    participants.sort(
        key=lambda p: (PARTICIPANT_ORDER.get(p.role, 99), p.user.last_name, p.user.first_name)
    )
    return participants


def _rows(assessment: RiskAssessment) -> list[RiskRow]:
    rows = list(
        assessment.rows.select_related("activity").prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.select_related("responsible").order_by("deadline", "pk"),
            )
        )
    )
    for row in rows:
        describe_row(row, assessment.matrix)
    return rows


def _measures(rows: list[RiskRow]) -> list:
    """The measures proposed from the hazards, each once, with the hazards it answers."""
    measures: dict[int, Measure] = {}
    for row in rows:
        for measure in row.measures.all():
            if measure.pk not in measures:
                measure.hazards = []
                measures[measure.pk] = measure
            measures[measure.pk].hazards.append(row)
    return sorted(measures.values(), key=lambda m: (m.deadline, m.pk))


def _document(assessment: RiskAssessment) -> dict:
    """What the page and the PDF both show."""
    participants = _participants(assessment)
    activities = list(assessment.activities.all())
    rows = _rows(assessment)
    per_activity = Counter(row.activity_id for row in rows)
    for activity in activities:
        activity.row_count = per_activity.get(activity.pk, 0)
    counts = services.matrix_counts(assessment.rows.all())
    safety_reps = [p for p in participants if p.role == ParticipantRole.SAFETY_REP]
    return {
        "assessment": assessment,
        "matrix": assessment.matrix,
        "participants": participants,
        "took_part": [p for p in participants if p.took_part],
        "activities": activities,
        "rows": rows,
        "measures": _measures(rows),
        "grid": matrix_grid(assessment.matrix, counts),
        "checks": {
            "has_rows": bool(rows),
            "all_scored": all(row.is_scored for row in rows),
            "unscored": sum(1 for row in rows if not row.is_scored),
            "safety_rep_invited": bool(safety_reps),
            "safety_rep_took_part": any(p.took_part for p in safety_reps),
        },
        "is_due": assessment.is_due_for_review(),
    }


def _render_detail(request, assessment: RiskAssessment, *, bound=None, status: int = 200):
    """The assessment page. `bound` holds forms that come back with the user's input."""
    bound = bound or {}
    user = request.user
    context = _document(assessment)
    is_draft = assessment.status == AssessmentStatus.DRAFT
    may_edit = services.can_edit(user, assessment.unit)
    may_approve = services.can_approve(user, assessment.unit)
    context.update(
        {
            "ancestors": list(
                Unit.objects.filter(path__in=assessment.unit.ancestor_paths()).order_by("path")
            ),
            "reviews": list(assessment.reviews.order_by("-assessed_on", "-pk")),
            "may_edit": may_edit,
            "editable": may_edit and is_draft,
            "may_approve": may_approve and is_draft,
            "may_review": may_edit and not is_draft,
            "may_propose": may_edit,
        }
    )
    if context["editable"]:
        formset = bound.get("activities") or _activity_formset(context["activities"])
        by_id = {activity.pk: activity for activity in context["activities"]}
        for form in formset:
            value = str(form["id"].value() or "")
            form.activity = by_id.get(int(value)) if value.isdigit() else None
        context["activity_formset"] = formset
        context["participant_form"] = bound.get("participant") or forms.ParticipantForm(
            auto_id="participant-%s"
        )
    if context["may_approve"]:
        context["approve_form"] = bound.get("approve") or forms.ApproveForm(
            initial={
                "review_date": forms.ApproveForm.default_review_date(),
                "version": assessment.version,
            },
            auto_id="approve-%s",
        )
    return render(request, "risk/assessment_detail.html", context, status=status)


def _forbidden(request, assessment: RiskAssessment):
    messages.error(request, _("You can read this risk assessment, but you may not change it."))
    return _render_detail(request, assessment, status=403)


def _refused(request, assessment: RiskAssessment, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)
    return _render_detail(request, assessment, status=400)


@login_required
@require_safe
def assessment_detail(request, pk: int):
    return _render_detail(request, _assessment(request, pk))


@login_required
@require_POST
def activities(request, pk: int):
    """Save the mapping: every task with its three checkboxes, new tasks and removals."""
    assessment = _assessment(request, pk)
    if not services.can_edit(request.user, assessment.unit):
        return _forbidden(request, assessment)
    formset = _activity_formset([], data=request.POST)
    if not formset.is_valid():
        return _render_detail(request, assessment, bound={"activities": formset})
    existing = {activity.pk: activity for activity in assessment.activities.all()}
    next_order = max((a.order for a in existing.values()), default=0) + 1
    changed = 0
    try:
        with transaction.atomic():
            for form in formset:
                data = form.cleaned_data
                if not data:
                    continue  # the empty line for a new task, left empty
                fields = {
                    "name": data["name"].strip(),
                    "harms_people": data["harms_people"],
                    "harms_material": data["harms_material"],
                    "harms_environment": data["harms_environment"],
                }
                activity = existing.get(data["id"]) if data.get("id") else None
                if data.get("id") and activity is None:
                    raise ValidationError(
                        _("A task on the page was removed meanwhile; look at the mapping again.")
                    )
                if data.get("DELETE"):
                    if activity is not None:
                        services.activity_delete(actor=request.user, activity=activity)
                        changed += 1
                elif activity is None:
                    services.activity_save(
                        actor=request.user, assessment=assessment, order=next_order, **fields
                    )
                    next_order += 1
                    changed += 1
                elif any(getattr(activity, name) != value for name, value in fields.items()):
                    services.activity_save(
                        actor=request.user, assessment=assessment, activity=activity, **fields
                    )
                    changed += 1
    except PermissionDenied:
        return _forbidden(request, assessment)
    except ValidationError as error:
        formset._non_form_errors = formset.error_class(error.messages)
        return _render_detail(request, assessment, bound={"activities": formset}, status=400)
    if changed:
        messages.success(request, _("The mapping was saved."))
    return redirect(reverse("risk:assessment", args=[assessment.pk]) + "#mapping")


def _row_page(request, assessment, form, *, row=None, status=200):
    context = {
        "assessment": assessment,
        "form": form,
        "row": row,
        "grid": matrix_grid(assessment.matrix),
        "title": _("Edit hazard") if row else _("New hazard"),
    }
    return render(request, "risk/assessment_row_form.html", context, status=status)


def _save_row(request, assessment, *, row=None):
    if not services.can_edit(request.user, assessment.unit):
        return _forbidden(request, assessment)
    if assessment.status != AssessmentStatus.DRAFT:
        messages.error(request, _("An approved assessment is not changed; start a review instead."))
        return redirect(assessment)
    form_kwargs = {"matrix": assessment.matrix, "activities": assessment.activities.all()}
    if request.method != "POST":
        if row is not None:
            initial = {name: getattr(row, name) for name in ROW_FIELDS}
        else:
            initial = {}
            activity_id = request.GET.get("activity", "")
            if activity_id.isdigit():
                activity = assessment.activities.filter(pk=int(activity_id)).first()
                if activity is not None:
                    initial["activity"] = activity
        form = forms.RowForm(initial=initial, **form_kwargs)
        return _row_page(request, assessment, form, row=row)
    form = forms.RowForm(request.POST, **form_kwargs)
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ROW_FIELDS}
        if row is None:
            fields["order"] = (max(assessment.rows.values_list("order", flat=True), default=0)) + 1
        try:
            services.row_save(actor=request.user, assessment=assessment, row=row, **fields)
        except PermissionDenied:
            return _forbidden(request, assessment)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The hazard was saved."))
            return redirect(reverse("risk:assessment", args=[assessment.pk]) + "#hazards")
    return _row_page(request, assessment, form, row=row)


@login_required
def row_create(request, pk: int):
    return _save_row(request, _assessment(request, pk))


@login_required
def row_edit(request, pk: int, row_pk: int):
    assessment = _assessment(request, pk)
    return _save_row(request, assessment, row=_row(assessment, row_pk))


@login_required
@require_POST
def row_delete(request, pk: int, row_pk: int):
    assessment = _assessment(request, pk)
    row = _row(assessment, row_pk)
    try:
        services.row_delete(actor=request.user, row=row)
    except PermissionDenied:
        return _forbidden(request, assessment)
    except ValidationError as error:
        return _refused(request, assessment, error)
    messages.success(request, _("The hazard was deleted."))
    return redirect(reverse("risk:assessment", args=[assessment.pk]) + "#hazards")


@login_required
def row_measure(request, pk: int, row_pk: int):
    """Propose a measure for a hazard: it goes into the unit's action plan."""
    assessment = _assessment(request, pk)
    row = describe_row(_row(assessment, row_pk), assessment.matrix)
    if not services.can_edit(request.user, assessment.unit):
        return _forbidden(request, assessment)
    initial = {"responsible": request.user.get_username()}
    if proposed := row.proposed_measures.strip():
        initial["title"] = proposed.splitlines()[0][:300]
    form = forms.MeasureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.row_propose_measure(
                actor=request.user,
                row=row,
                title=data["title"],
                description=data["description"],
                responsible=data["responsible"],
                deadline=data["deadline"],
            )
        except PermissionDenied:
            return _forbidden(request, assessment)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The measure was added to the unit's action plan."))
            return redirect(reverse("risk:assessment", args=[assessment.pk]) + f"#row-{row.pk}")
    context = {
        "assessment": assessment,
        "row": row,
        "form": form,
        "measures": list(row.measures.select_related("responsible").order_by("deadline", "pk")),
    }
    return render(request, "risk/assessment_measure_form.html", context)


@login_required
@require_POST
def participants(request, pk: int):
    """Invite someone (`action=invite`), or record who took part (`action=took_part`)."""
    assessment = _assessment(request, pk)
    if not services.can_edit(request.user, assessment.unit):
        return _forbidden(request, assessment)
    action = request.POST.get("action")
    try:
        if action == "invite":
            form = forms.ParticipantForm(request.POST, auto_id="participant-%s")
            if not form.is_valid():
                return _render_detail(request, assessment, bound={"participant": form})
            data = form.cleaned_data
            if assessment.participants.filter(user=data["person"]).exists():
                form.add_error("person", _("This person is invited already."))
                return _render_detail(request, assessment, bound={"participant": form})
            services.participant_save(
                actor=request.user,
                assessment=assessment,
                user=data["person"],
                role=data["role"],
                took_part=data["took_part"],
            )
            if not access.can_view_records(data["person"], assessment.unit):
                messages.warning(
                    request,
                    _(
                        "%(person)s was invited, but has no role on this unit and cannot open "
                        "the assessment in the app; share the PDF with them."
                    )
                    % {"person": data["person"]},
                )
            messages.success(request, _("%(person)s was invited.") % {"person": data["person"]})
        elif action == "took_part":
            invited = list(assessment.participants.select_related("user"))
            form = forms.TookPartForm(request.POST, participants=invited)
            if not form.is_valid():
                messages.error(request, _("The list of participants changed; look again."))
                return redirect(reverse("risk:assessment", args=[assessment.pk]) + "#participants")
            ticked = set(form.cleaned_data["took_part"])
            with transaction.atomic():
                for participant in invited:
                    took_part = str(participant.pk) in ticked
                    if took_part != participant.took_part:
                        services.participant_save(
                            actor=request.user,
                            assessment=assessment,
                            user=participant.user,
                            role=participant.role,
                            took_part=took_part,
                        )
            messages.success(request, _("The participation was recorded."))
        else:
            messages.error(request, _("Choose what to do with the participants."))
    except PermissionDenied:
        return _forbidden(request, assessment)
    except ValidationError as error:
        return _refused(request, assessment, error)
    return redirect(reverse("risk:assessment", args=[assessment.pk]) + "#participants")


@login_required
@require_POST
def approve(request, pk: int):
    assessment = _assessment(request, pk)
    if not services.can_approve(request.user, assessment.unit):
        return _forbidden(request, assessment)
    form = forms.ApproveForm(request.POST, auto_id="approve-%s")
    status = 200
    if form.is_valid():
        try:
            services.assessment_approve(
                actor=request.user,
                assessment=assessment,
                review_date=form.cleaned_data["review_date"],
                version=form.cleaned_data["version"],
            )
        except PermissionDenied:
            return _forbidden(request, assessment)
        except ValidationError as error:
            current = RiskAssessment.objects.get(pk=assessment.pk)
            if current.version != form.cleaned_data["version"]:
                form.add_error(
                    None,
                    _(
                        "Someone else changed this assessment after you opened it. Look at it "
                        "as it is now below, then approve again."
                    ),
                )
                form.data = form.data.copy()
                form.data["version"] = current.version
                status = 409
            else:
                for message in error.messages:
                    field = "review_date" if "review date" in message.lower() else None
                    form.add_error(field, message)
                status = 400
        else:
            messages.success(request, _("The risk assessment was approved."))
            return redirect(assessment)
    if assessment.status != AssessmentStatus.DRAFT:
        messages.error(request, _("This assessment has been approved already."))
        return redirect(assessment)
    return _render_detail(request, assessment, bound={"approve": form}, status=status)


@login_required
@require_POST
def start_review(request, pk: int):
    assessment = _assessment(request, pk)
    try:
        review = services.assessment_copy_for_review(actor=request.user, assessment=assessment)
    except PermissionDenied:
        return _forbidden(request, assessment)
    except ValidationError as error:
        existing = assessment.reviews.filter(status=AssessmentStatus.DRAFT).first()
        for message in error.messages:
            messages.info(request, message)
        return redirect(existing or assessment)
    messages.success(
        request,
        _("This is the review: a draft copy of the assessment. Go through every hazard again."),
    )
    return redirect(review)


@login_required
@require_safe
def assessment_pdf(request, pk: int):
    assessment = _assessment(request, pk)
    context = _document(assessment)
    context["ancestors"] = list(
        Unit.objects.filter(path__in=assessment.unit.ancestor_paths()).order_by("path")
    )
    context["printed_at"] = timezone.now()
    pdf = render_pdf("risk/pdf/assessment.html", context)
    filename = f"risk-assessment-{assessment.unit.code}-{assessment.pk}.pdf"
    return pdf_response(pdf, filename)


# --- The matrix of a unit, red risks, and the matrix settings --------------------------------


def _scope_assessments(user, unit: Unit, subtree: bool):
    assessments = RiskAssessment.objects.visible_to(user).in_force()
    if subtree:
        return assessments.filter(unit__path__startswith=unit.path)
    return assessments.filter(unit=unit)


@login_required
@require_safe
def unit_matrix(request):
    """The risk matrix of a unit's assessments in force, or of its whole subtree rolled up."""
    unit, error = _scope_unit(request, request.GET.get("unit", ""))
    subtree = request.GET.get("subtree") == "1"
    context = {"unit": unit, "error": error, "subtree": subtree, "code": request.GET.get("unit")}
    if unit is not None:
        scope = _scope_assessments(request.user, unit, subtree)
        counts = services.matrix_counts(RiskRow.objects.filter(assessment__in=scope))
        versions = sorted(set(scope.values_list("matrix__version", flat=True)))
        current = services.current_matrix()
        # One version in use: its colours. Several: the current matrix, and the page says so.
        matrix = RiskMatrix.objects.get(version=versions[0]) if len(versions) == 1 else current
        assessments = list(
            scope.select_related("unit", "matrix")
            .annotate(row_count=Count("rows"))
            .order_by("unit__path", "-assessed_on", "-pk")[: MATRIX_LIST_LIMIT + 1]
        )
        context.update(
            {
                "grid": matrix_grid(matrix, counts),
                "versions": versions,
                "mixed_versions": len(versions) > 1,
                "assessments": assessments[:MATRIX_LIST_LIMIT],
                "more_assessments": len(assessments) > MATRIX_LIST_LIMIT,
                "ancestors": list(
                    Unit.objects.filter(path__in=unit.ancestor_paths()).order_by("path")
                ),
            }
        )
    return render(request, "risk/unit_matrix.html", context, status=200 if unit else 400)


@login_required
@require_safe
def red_risks(request):
    """Red hazards across a unit's subtree, each judged by its own assessment's matrix."""
    unit, error = _scope_unit(request, request.GET.get("unit", ""))
    missing = request.GET.get("missing") == "1"
    context = {"unit": unit, "error": error, "missing": missing, "code": request.GET.get("unit")}
    if unit is not None:
        rows = RiskRow.objects.visible_to(request.user).filter(
            assessment__in=_scope_assessments(request.user, unit, subtree=True)
        )
        rows = services.red_rows(rows).annotate(
            has_measures=Exists(RowMeasure.objects.filter(row=OuterRef("pk")))
        )
        if missing:
            rows = rows.filter(has_measures=False)
        rows = rows.select_related("assessment__unit", "assessment__matrix", "activity").order_by(
            "-value", "assessment__unit__path", "assessment_id", "order", "pk"
        )
        page = Paginator(rows, RED_PAGE_SIZE).get_page(request.GET.get("page"))
        for row in page:
            describe_row(row, row.assessment.matrix)
        query = request.GET.copy()
        query.pop("page", None)
        context.update({"page": page, "query": query.urlencode()})
    return render(request, "risk/red_risks.html", context, status=200 if unit else 400)


@login_required
def matrix_settings(request):
    """The HSE department's page: the current matrix, its versions, and a new version."""
    if not access.is_hms_department(request.user):
        raise Http404
    current = services.current_matrix()
    form = forms.MatrixVersionForm(request.POST or None, matrix=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            matrix = services.matrix_new_version(
                actor=request.user,
                probability_labels=form.labels("probability"),
                consequence_labels=form.labels("consequence"),
                green_max=data["green_max"],
                red_min=data["red_min"],
                green_colour=data["green_colour"],
                yellow_colour=data["yellow_colour"],
                red_colour=data["red_colour"],
            )
        except PermissionDenied as denied:
            raise Http404 from denied
        except ValidationError as error:
            _add_errors(form, error)
        except IntegrityError:
            form.add_error(
                None, _("Someone else made a new version at the same moment; look again.")
            )
        else:
            messages.success(
                request,
                _(
                    "Version %(version)s of the risk matrix is now in use for new assessments. "
                    "Earlier assessments keep the version they were made with."
                )
                % {"version": matrix.version},
            )
            return redirect("risk:matrix_settings")
    versions = RiskMatrix.objects.select_related("created_by").annotate(
        assessment_count=Count("assessments")
    )
    context = {
        "matrix": current,
        "grid": matrix_grid(current),
        "probability_labels": list(
            zip(
                current.probability_labels.get("nb", []),
                current.probability_labels.get("en", []),
                strict=False,
            )
        ),
        "consequence_labels": list(
            zip(
                current.consequence_labels.get("nb", []),
                current.consequence_labels.get("en", []),
                strict=False,
            )
        ),
        "versions": versions,
        "form": form,
    }
    return render(request, "risk/matrix_settings.html", context)
