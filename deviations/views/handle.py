"""The case page of a deviation and every handling action on it.

A case the user may not see is a 404 (the fetch is scoped with `visible_to`). Someone who sees
the case but may not do what they asked gets the case page back with a 403 and a message.
Every action is a POST handled by one service; what the user typed is never lost: a refused
change shows the page again with the form, the input and the reason.
"""

import contextlib
import datetime
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from actionplans.models import Measure
from actionplans.services import can_change_plan
from deviations import forms, services
from deviations.models import (
    Attachment,
    Category,
    Deviation,
    DeviationType,
    EventKind,
    InjuryKind,
    Severity,
    Status,
)
from units import access
from units.downloads import INLINE_TYPES, file_response
from units.forms import add_service_errors
from units.models import Unit

SEVERITY_BADGES = {
    "minor": "text-bg-light border",
    "serious": "text-bg-warning",
    "very_serious": "text-bg-danger",
}

FORM_CLASSES = {
    "accept": forms.AcceptForm,
    "reject": forms.RejectForm,
    "transfer": forms.TransferForm,
    "delegate": forms.DelegateForm,
    "deadline": forms.DeadlineForm,
    "add_measure": forms.MeasureForm,
    "close": forms.CloseForm,
    "comment": forms.CommentForm,
    "correct": forms.CorrectForm,
    "reopen": forms.ReopenForm,
}
VERSIONED = {"accept", "reject", "transfer", "delegate", "deadline", "close", "correct", "reopen"}


def _case(request, number: str) -> Deviation:
    return get_object_or_404(
        Deviation.objects.visible_to(request.user).select_related(
            "unit", "category", "handler", "reporter"
        ),
        number=number,
    )


def _measures(deviation: Deviation) -> list:
    return list(
        deviation.measures.select_related("responsible", "follow_up_of").order_by("deadline", "pk")
    )


def _followed_up(measures: list) -> set[int]:
    """The measures of the case that did not work and have a follow-up already."""
    failed = [m.pk for m in measures if m.did_not_work]
    if not failed:
        return set()
    return set(
        Measure.objects.filter(follow_up_of__in=failed).values_list("follow_up_of", flat=True)
    )


CORRECTION_LABELS = {
    "deviation_type": gettext_lazy("Type"),
    "category": gettext_lazy("Category"),
    "severity": gettext_lazy("Severity"),
    "injury_kind": gettext_lazy("Personal injury"),
    "absence_days": gettext_lazy("Days of absence"),
    "unit": gettext_lazy("Unit"),
}
CORRECTION_CHOICES = {
    "deviation_type": dict(DeviationType.choices),
    "severity": dict(Severity.choices),
    "injury_kind": dict(InjuryKind.choices),
}


def _in_words(step, value: str, categories: dict) -> str:
    """A corrected value as the reader understands it, never a code or an id."""
    if step.field == "category":
        category = categories.get(value)
        return category.name if category else "–"
    if step.field in CORRECTION_CHOICES:
        return str(CORRECTION_CHOICES[step.field].get(value, value))
    return value or "–"


def _steps(deviation: Deviation) -> list:
    steps = list(deviation.steps.select_related("actor", "from_unit", "to_unit"))
    corrections = [step for step in steps if step.kind == EventKind.CORRECTED]
    category_ids = {
        value
        for step in corrections
        if step.field == "category"
        for value in (step.old_value, step.new_value)
        if value.isdigit()
    }
    categories = (
        {str(c.pk): c for c in Category.objects.filter(pk__in=category_ids)} if category_ids else {}
    )
    for step in corrections:
        step.field_label = CORRECTION_LABELS.get(step.field, step.field)
        if step.field == "unit":
            step.old_words = step.from_unit.name if step.from_unit else "–"
            step.new_words = step.to_unit.name if step.to_unit else "–"
        else:
            step.old_words = _in_words(step, step.old_value, categories)
            step.new_words = _in_words(step, step.new_value, categories)
    for step in steps:
        # A deadline is logged as an ISO date; shown in the reader's format.
        step.note_date = None
        if step.kind in (EventKind.ACCEPTED, EventKind.DEADLINE) and step.note:
            with contextlib.suppress(ValueError):
                step.note_date = datetime.date.fromisoformat(step.note)
    return steps


def _available(user, deviation: Deviation) -> set[str]:
    """The actions the user may take on the case in its present state."""
    actions = set()
    if services.can_comment(user, deviation):
        actions.add("comment")
    if services.can_handle(user, deviation):
        if deviation.status == Status.REPORTED:
            actions.add("accept")
        if deviation.status in (Status.REPORTED, Status.UNDER_TREATMENT):
            actions |= {"reject", "transfer"}
        if deviation.status in (Status.UNDER_TREATMENT, Status.MEASURES):
            # A reported case gets its deadline when it is taken for treatment.
            actions.add("deadline")
        if deviation.status in (Status.UNDER_TREATMENT, Status.MEASURES):
            actions |= {"add_measure", "close"}
        if deviation.is_open:
            actions.add("correct")
        if deviation.status == Status.CLOSED:
            actions.add("reopen")
        if deviation.is_serious_injury and deviation.authorities_notified_at is None:
            actions.add("authorities")
    if deviation.is_open and access.can_manage_records(user, deviation.unit):
        actions.add("delegate")
    return actions


def _form_kwargs(action: str, deviation: Deviation, measures: list | None = None) -> dict:
    kwargs = {"auto_id": f"{action}-%s"}
    if action == "close":
        kwargs["measures"] = _measures(deviation) if measures is None else measures
    if action == "correct":
        kwargs["category"] = deviation.category
    return kwargs


def _new_form(action: str, deviation: Deviation, measures: list):
    kwargs = _form_kwargs(action, deviation, measures)
    initial = {"version": deviation.version} if action in VERSIONED else {}
    if action in ("accept", "deadline", "delegate") and deviation.deadline:
        initial["deadline"] = deviation.deadline
    elif action == "delegate":
        initial["deadline"] = services.default_deadline()
    if action == "correct":
        initial.update(forms.CorrectForm.initial_for(deviation))
    return FORM_CLASSES[action](initial=initial, **kwargs)


def _render_case(request, deviation: Deviation, *, bound=None, status: int = 200):
    """The case page. `bound` is {action: form} for a form that comes back with errors."""
    user = request.user
    measures = _measures(deviation)
    actions = _available(user, deviation)
    case_forms = {
        action: _new_form(action, deviation, measures)
        for action in actions
        if action in FORM_CLASSES
    }
    failed = None
    if bound:
        for action, form in bound.items():
            if action in case_forms:
                case_forms[action] = form
                failed = action
            else:
                # The case has moved on (closed, transferred ...): the form is not on the page
                # any more, so say why here.
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else None
                    for error in errors:
                        messages.error(request, f"{label}: {error}" if label else error)
    may_see_health = services.can_view_health_details(user, deviation) or (
        deviation.reporter_id is not None and deviation.reporter_id == user.pk
    )
    context = {
        "deviation": deviation,
        "ancestors": list(
            Unit.objects.filter(path__in=deviation.unit.ancestor_paths()).order_by("path")
        ),
        "severity_badge": SEVERITY_BADGES.get(deviation.severity, "text-bg-light"),
        "is_overdue": deviation.is_overdue(),
        "overdue_days": (
            (timezone.localdate() - deviation.deadline).days if deviation.is_overdue() else 0
        ),
        "measures": measures,
        "steps": _steps(deviation),
        "comments": list(deviation.comments.select_related("author")),
        "attachments": list(deviation.attachments.all()),
        "inline_types": INLINE_TYPES,
        "may_see_health": may_see_health,
        "actions": actions,
        "forms": case_forms,
        "failed": failed,
        "handles": bool(actions - {"comment"}),
        "open_measures": [m for m in measures if m.is_open],
        "followed_up": _followed_up(measures),
        "may_see_plan": access.can_view_records(user, deviation.unit),
    }
    return render(request, "deviations/deviation_detail.html", context, status=status)


def _forbidden(request, deviation: Deviation):
    messages.error(request, _("You can read this case, but you may not change it."))
    return _render_case(request, deviation, status=403)


def _back_to_top(deviation: Deviation):
    # The forms post to an address with a fragment (#close ...), so that a form coming back
    # with errors is scrolled into view. A redirect without a fragment of its own would keep
    # that one and scroll past the message at the top; "#top" is the top of the page.
    return redirect(deviation.get_absolute_url() + "#top")


def _act(
    request,
    number: str,
    action: str,
    perform: Callable,
    success: str,
    allowed: Callable = services.can_handle,
):
    """Run one handling action from the case page: check, validate, call the service."""
    deviation = _case(request, number)
    if not allowed(request.user, deviation):
        return _forbidden(request, deviation)
    form = FORM_CLASSES[action](request.POST, **_form_kwargs(action, deviation))
    if form.is_valid():
        try:
            result = perform(deviation, form)
        except PermissionDenied:
            return _forbidden(request, deviation)
        except services.ConcurrentEdit:
            form.add_error(
                None,
                _(
                    "Someone else changed this case while you were working on it. Your input "
                    "is kept below; check the case as it is now and submit again."
                ),
            )
            current = _case(request, number)
            form.data = form.data.copy()
            form.data["version"] = current.version
            return _render_case(request, current, bound={action: form}, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return result or _back_to_top(deviation)
    return _render_case(request, deviation, bound={action: form})


# Every case page and file carries health details: no browser or proxy may keep a copy.
@never_cache
@login_required
@require_safe
def detail(request, number: str):
    return _render_case(request, _case(request, number))


@never_cache
@login_required
@require_POST
def accept(request, number: str):
    def perform(deviation, form):
        services.deviation_accept(
            actor=request.user,
            deviation=deviation,
            deadline=form.cleaned_data["deadline"],
            version=form.cleaned_data["version"],
        )

    return _act(request, number, "accept", perform, _("You are now handling the deviation."))


@never_cache
@login_required
@require_POST
def reject(request, number: str):
    def perform(deviation, form):
        services.deviation_reject(
            actor=request.user,
            deviation=deviation,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )

    return _act(request, number, "reject", perform, _("The deviation was rejected."))


@never_cache
@login_required
@require_POST
def transfer(request, number: str):
    def perform(deviation, form):
        to_unit = form.cleaned_data["to_unit"]
        services.deviation_transfer(
            actor=request.user,
            deviation=deviation,
            to_unit=to_unit,
            note=form.cleaned_data["note"],
            version=form.cleaned_data["version"],
        )
        if not Deviation.objects.visible_to(request.user).filter(pk=deviation.pk).exists():
            messages.info(
                request,
                _("The case now belongs to %(unit)s; you no longer see it.")
                % {"unit": to_unit.name},
            )
            return redirect("deviations:list")
        return None

    return _act(request, number, "transfer", perform, _("The deviation was transferred."))


@never_cache
@login_required
@require_POST
def delegate(request, number: str):
    def perform(deviation, form):
        services.deviation_delegate(
            actor=request.user,
            deviation=deviation,
            handler=form.cleaned_data["handler"],
            version=form.cleaned_data["version"],
            deadline=form.cleaned_data["deadline"],
        )

    def may_delegate(user, deviation):
        return access.can_manage_records(user, deviation.unit)

    return _act(
        request,
        number,
        "delegate",
        perform,
        _("The handling was delegated."),
        allowed=may_delegate,
    )


@never_cache
@login_required
@require_POST
def set_deadline(request, number: str):
    def perform(deviation, form):
        services.deviation_set_deadline(
            actor=request.user,
            deviation=deviation,
            deadline=form.cleaned_data["deadline"],
            version=form.cleaned_data["version"],
        )

    return _act(request, number, "deadline", perform, _("The deadline was set."))


@never_cache
@login_required
@require_POST
def add_measure(request, number: str):
    def perform(deviation, form):
        services.deviation_add_measure(
            actor=request.user,
            deviation=deviation,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            responsible=form.cleaned_data["responsible"],
            deadline=form.cleaned_data["deadline"],
            priority=form.cleaned_data["priority"],
            estimated_cost=form.cleaned_data["estimated_cost"],
        )
        return redirect(deviation.get_absolute_url() + "#measures")

    return _act(request, number, "add_measure", perform, _("The measure was added."))


@never_cache
@login_required
@require_POST
def close(request, number: str):
    def perform(deviation, form):
        try:
            services.deviation_close(
                actor=request.user,
                deviation=deviation,
                cause=form.cleaned_data["cause"],
                lessons_learned=form.cleaned_data["lessons_learned"],
                measure_effects=form.measure_effects(),
                version=form.cleaned_data["version"],
                measure_versions=form.measure_versions(),
            )
        except ValidationError:
            # A measure changed meanwhile is named in the message; the form now carries its
            # version, so submitting again after reading it is a choice made seeing it.
            form.take_current_versions(_measures(deviation))
            raise

    return _act(request, number, "close", perform, _("The deviation was closed."))


@never_cache
@login_required
@require_POST
def reopen(request, number: str):
    def perform(deviation, form):
        services.deviation_reopen(
            actor=request.user,
            deviation=deviation,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )

    return _act(request, number, "reopen", perform, _("The case was reopened."))


@never_cache
@login_required
@require_POST
def correct(request, number: str):
    def perform(deviation, form):
        data = form.cleaned_data
        services.deviation_correct(
            actor=request.user,
            deviation=deviation,
            version=data["version"],
            deviation_type=data["deviation_type"],
            category=data["category"],
            severity=data["severity"],
            injury_kind=data["injury_kind"],
            absence_days=data["absence_days"],
            unit=data["unit"],
        )
        if not Deviation.objects.visible_to(request.user).filter(pk=deviation.pk).exists():
            return redirect("deviations:list")
        return None

    return _act(request, number, "correct", perform, _("The case was corrected."))


@never_cache
@login_required
@require_POST
def follow_up(request, number: str, pk: int):
    """One click: a follow-up measure for a measure of the case that did not work."""
    deviation = _case(request, number)
    if not services.can_handle(request.user, deviation):
        return _forbidden(request, deviation)
    measure = get_object_or_404(deviation.measures.all(), pk=pk)
    try:
        follow_up = services.deviation_follow_up_measure(
            actor=request.user, deviation=deviation, measure=measure
        )
    except PermissionDenied:
        return _forbidden(request, deviation)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(deviation.get_absolute_url() + "#measures")
    messages.success(
        request,
        _("A follow-up measure was added to the case and the action plan. Set its deadline."),
    )
    if can_change_plan(request.user, follow_up.unit):
        return redirect("actionplans:measure_edit", follow_up.pk)
    return redirect(deviation.get_absolute_url() + "#measures")


@never_cache
@login_required
@require_POST
def comment(request, number: str):
    def perform(deviation, form):
        saved = services.comment_add(
            author=request.user, deviation=deviation, text=form.cleaned_data["text"]
        )
        return redirect(saved.get_absolute_url())

    return _act(
        request,
        number,
        "comment",
        perform,
        _("Your comment was added."),
        allowed=services.can_comment,
    )


@never_cache
@login_required
@require_POST
def authorities_notified(request, number: str):
    deviation = _case(request, number)
    if not services.can_handle(request.user, deviation):
        return _forbidden(request, deviation)
    try:
        services.deviation_record_authorities_notified(actor=request.user, deviation=deviation)
    except PermissionDenied:
        return _forbidden(request, deviation)
    messages.success(
        request, _("Recorded: the labour inspection authority and the police were notified.")
    )
    return _back_to_top(deviation)


@never_cache
@login_required
@require_safe
def attachment(request, number: str, token):
    """An attachment, for those who may see the case only. Stored under a random name; served
    as what its content is, and downloaded unless it is a photo."""
    deviation = _case(request, number)
    stored = get_object_or_404(Attachment, deviation=deviation, token=token)
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    return file_response(handle, stored.original_name, content_type=stored.content_type)
