"""Changes on a risk assessment's page: the mapping of tasks, the hazards (rows) with their
scores, a measure proposed for a hazard, and the participants. Each answers with the assessment
page, or a redirect back to its section.

Every fetch is scoped: an assessment the user may not see is a 404. Someone who sees it but may
not change it gets the page back with a 403 and a message. Every change is one service call;
what the user typed comes back with the reason when a change is refused.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actionplans.models import Priority
from risk import forms, services
from risk.models import AssessmentStatus, RiskAssessment, RiskRow
from risk.views.assessments import (
    _activity_formset,
    _assessment,
    _forbidden,
    _refused,
    _render_detail,
)
from risk.views.matrix import describe_row, matrix_grid
from units import versions
from units.forms import add_service_errors

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


def _row(assessment: RiskAssessment, row_pk: int) -> RiskRow:
    return get_object_or_404(assessment.rows.select_related("activity"), pk=row_pk)


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
                elif data.get("version") != activity.version or any(
                    getattr(activity, name) != value for name, value in fields.items()
                ):
                    # A task changed meanwhile is refused even when this page left it as it
                    # was: the page showed the old version, and saving it would undo theirs.
                    services.activity_save(
                        actor=request.user,
                        assessment=assessment,
                        activity=activity,
                        version=data.get("version"),
                        **fields,
                    )
                    changed += 1
    except PermissionDenied:
        return _forbidden(request, assessment)
    except ValidationError as error:
        if versions.is_stale(error):
            return _stale_mapping(request, assessment, formset)
        formset._non_form_errors = formset.error_class(error.messages)
        return _render_detail(request, assessment, bound={"activities": formset}, status=400)
    if changed:
        messages.success(request, _("The mapping was saved."))
    return redirect(reverse("risk:assessment", args=[assessment.pk]) + "#mapping")


def _stale_mapping(request, assessment, formset):
    """409: someone changed a task of the mapping after this page was opened. The typed
    mapping stays in the form, now carrying the current versions; what they saved is listed
    above it."""
    current = {activity.pk: activity for activity in assessment.activities.all()}
    data = formset.data.copy()
    saved = []
    for form in formset:
        activity = current.get((form.cleaned_data or {}).get("id"))
        if activity is None:
            continue
        if form.cleaned_data.get("version") != activity.version:
            saved.append(activity)
        data[form.add_prefix("version")] = activity.version
    formset = _activity_formset([], data=data)
    formset.is_valid()
    formset._non_form_errors = formset.error_class([versions.stale_error().messages[0]])
    return _render_detail(
        request,
        assessment,
        bound={"activities": formset, "activities_saved": saved},
        status=409,
    )


def _row_page(request, assessment, form, *, row=None, saved=None, status=200):
    context = {
        "assessment": assessment,
        "form": form,
        "row": row,
        "saved": saved,
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
            initial["version"] = row.version
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
    if row is not None:
        # An edit without the version it was shown with could overwrite anything.
        form.fields["version"].required = True
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ROW_FIELDS}
        if row is None:
            fields["order"] = (max(assessment.rows.values_list("order", flat=True), default=0)) + 1
        try:
            services.row_save(
                actor=request.user,
                assessment=assessment,
                row=row,
                version=form.cleaned_data["version"] if row else None,
                **fields,
            )
        except PermissionDenied:
            return _forbidden(request, assessment)
        except ValidationError as error:
            add_service_errors(form, error)
            if versions.is_stale(error):
                saved = describe_row(_row(assessment, row.pk), assessment.matrix)
                versions.take_current_version(form, saved.version)
                return _row_page(request, assessment, form, row=row, saved=saved, status=409)
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
                estimated_cost=data["estimated_cost"],
            )
        except PermissionDenied:
            return _forbidden(request, assessment)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The measure was added to the unit's action plan."))
            return redirect(reverse("risk:assessment", args=[assessment.pk]) + f"#row-{row.pk}")
    context = {
        "assessment": assessment,
        "row": row,
        "form": form,
        "measures": list(row.measures.select_related("responsible").order_by("deadline", "pk")),
        "priority": str(Priority(services.priority_for_row(row)).label),
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
            messages.success(request, _("%(person)s was invited.") % {"person": data["person"]})
        elif action == "took_part":
            invited = list(assessment.participants.select_related("user"))
            form = forms.TookPartForm(request.POST, participants=invited)
            if not form.is_valid():
                messages.error(request, _("The list of participants changed; look again."))
                return redirect(reverse("risk:assessment", args=[assessment.pk]) + "#participants")
            ticked = set(form.cleaned_data["took_part"])
            shown = form.shown_versions()
            try:
                with transaction.atomic():
                    for participant in invited:
                        took_part = str(participant.pk) in ticked
                        if took_part != participant.took_part:
                            # A tick someone changed meanwhile is refused even when this page
                            # left it as it was: saving it would undo theirs.
                            services.participant_save(
                                actor=request.user,
                                assessment=assessment,
                                user=participant.user,
                                role=participant.role,
                                took_part=took_part,
                                version=shown[participant.pk],
                            )
            except ValidationError as error:
                if versions.is_stale(error):
                    return _stale_took_part(request, assessment, form)
                raise
            messages.success(request, _("The participation was recorded."))
        else:
            messages.error(request, _("Choose what to do with the participants."))
    except PermissionDenied:
        return _forbidden(request, assessment)
    except ValidationError as error:
        return _refused(request, assessment, error)
    return redirect(reverse("risk:assessment", args=[assessment.pk]) + "#participants")


def _stale_took_part(request, assessment, form):
    """409: someone recorded participation after this page was opened. The ticks made here
    stay, now carrying the current versions; the participants they changed are marked."""
    shown = form.shown_versions()
    data = form.data.copy()
    changed = set()
    for participant in assessment.participants.all():
        if shown.get(participant.pk) != participant.version:
            changed.add(participant.pk)
        data[f"version_{participant.pk}"] = participant.version
    bound = {"took_part": data, "took_part_changed": changed}
    return _render_detail(request, assessment, bound=bound, status=409)
