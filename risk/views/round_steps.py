"""The walk-through of an inspection round: the checklist answers, the checks of earlier
measures (with a new measure for one not working as intended), and the findings, each followed
up as a measure in the unit's action plan or as a deviation.

Every change is a POST handled by one service; what the user typed is never lost: a refused
change shows the round page again with the form, the input and the reason. The answers and the
checks are also saved as they are given (static/js/round-autosave.js posts the same form with
an `X-Autosave` header and gets JSON back), so adding a finding meanwhile loses none of them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from risk import forms, services
from risk.models import InspectionRound
from risk.views.rounds import (
    _load_answers,
    _load_checks,
    _refused,
    _render_detail,
    _round,
    _round_url,
)
from units.forms import add_service_errors


def _autosaving(request) -> bool:
    return request.headers.get("X-Autosave") == "1"


def _autosave_refused(form, conflicts=None) -> JsonResponse:
    """Not saved: the page's script says so and the user saves with the button, which shows
    the reason (or the other person's answer) beside the input."""
    if conflicts:
        return JsonResponse({"saved": False, "conflicts": sorted(conflicts)}, status=409)
    return JsonResponse({"saved": False, "errors": form.errors.get_json_data()}, status=400)


def _autosaved(form, rows) -> JsonResponse:
    """Saved: the fingerprints of the rows as saved now, for the page's hidden `shown_` fields,
    so the next save is compared with what this one wrote."""
    return JsonResponse({"saved": True, "shown": {str(row.pk): form.digest(row) for row in rows}})


def _rows_with_conflicts(request, form, rows, save) -> dict:
    """Save each row the user changed. A row someone else changed since the page was shown is
    not saved: it is returned, with what is saved now, so the user can decide."""
    conflicts = {}
    with transaction.atomic():
        for row in rows:
            new = form.submitted(row)
            current = {name: getattr(row, name) for name in form.row_fields}
            new_clean = {k: v.strip() if isinstance(v, str) else v for k, v in new.items()}
            if new_clean == current:
                continue
            if form.was_shown(row) != form.digest(row):
                conflicts[row.pk] = row
                continue
            save(row, new_clean)
    if conflicts and not _autosaving(request):
        # The page is shown again with the user's input; the fingerprints now name what is
        # saved, so saving again overwrites it knowingly.
        form.data = form.data.copy()
        for row in rows:
            form.data[f"shown_{row.pk}"] = form.digest(row)
        messages.warning(
            request,
            _(
                "Someone else saved %(count)s of these rows while you were filling in. Your "
                "input is kept below, with what is saved now; save again to keep yours."
            )
            % {"count": len(conflicts)},
        )
    return conflicts


@login_required
@require_POST
def save_answers(request, pk: int):
    round_ = _round(request, pk)
    if refused := _refused(request, round_, "walk"):
        return refused
    answers = _load_answers(round_)
    form = forms.AnswersForm(request.POST, rows=answers)
    if not form.is_valid():
        if _autosaving(request):
            return _autosave_refused(form)
        return _render_detail(request, round_, answers_form=form, focus="walk")

    def save(answer, values):
        services.answer_save(
            actor=request.user, answer=answer, value=values["answer"], comment=values["comment"]
        )

    try:
        conflicts = _rows_with_conflicts(request, form, answers, save)
    except ValidationError as error:
        add_service_errors(form, error)
        if _autosaving(request):
            return _autosave_refused(form)
        return _render_detail(request, round_, answers_form=form, focus="walk")
    if _autosaving(request):
        if conflicts:
            return _autosave_refused(form, conflicts)
        return _autosaved(form, _load_answers(round_))
    if conflicts:
        return _render_detail(
            request, round_, answers_form=form, answer_conflicts=conflicts, status=409, focus="walk"
        )
    messages.success(request, _("The checklist answers were saved."))
    return redirect(_round_url(round_, "walk"))


@login_required
@require_POST
def save_checks(request, pk: int):
    """Save every measure check at once, or (`follow_up`) make a new measure for one found not
    working as intended."""
    round_ = _round(request, pk)
    if refused := _refused(request, round_, "checks"):
        return refused
    checks = _load_checks(round_)
    if follow_up := request.POST.get("follow_up"):
        check = next((c for c in checks if str(c.pk) == follow_up), None)
        if check is None:
            raise Http404
        form = forms.RoundMeasureForm(request.POST, prefix=f"c{check.pk}")
        if form.is_valid():
            try:
                measure = services.measure_check_follow_up(
                    actor=request.user, check=check, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The new measure “%(title)s” is in the unit's action plan.")
                    % {"title": measure.title},
                )
                return redirect(_round_url(round_, "checks"))
        return _render_detail(
            request, round_, check_forms={check.pk: form}, focus=f"check-{check.pk}"
        )
    form = forms.ChecksForm(request.POST, rows=checks)
    if not form.is_valid():
        if _autosaving(request):
            return _autosave_refused(form)
        return _render_detail(request, round_, checks_form=form, focus="checks")

    def save(check, values):
        services.measure_check_save(actor=request.user, check=check, **values)

    try:
        conflicts = _rows_with_conflicts(request, form, checks, save)
    except ValidationError as error:
        add_service_errors(form, error)
        if _autosaving(request):
            return _autosave_refused(form)
        return _render_detail(request, round_, checks_form=form, focus="checks")
    if _autosaving(request):
        if conflicts:
            return _autosave_refused(form, conflicts)
        return _autosaved(form, _load_checks(round_))
    if conflicts:
        return _render_detail(
            request, round_, checks_form=form, check_conflicts=conflicts, status=409, focus="checks"
        )
    messages.success(request, _("The measure checks were saved."))
    return redirect(_round_url(round_, "checks"))


@login_required
@require_POST
def add_finding(request, pk: int):
    round_ = _round(request, pk)
    if refused := _refused(request, round_, "findings"):
        return refused
    form = forms.FindingForm(request.POST)
    if form.is_valid():
        try:
            finding = services.finding_add(actor=request.user, round_=round_, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The finding was added. Make it a measure or report it as a deviation.")
            )
            return redirect(_round_url(round_, f"finding-{finding.pk}"))
    return _render_detail(request, round_, finding_form=form, focus="findings")


def _finding(round_: InspectionRound, finding_pk: int):
    return get_object_or_404(round_.findings.all(), pk=finding_pk)


def _already_followed_up(request, round_, finding):
    messages.info(request, _("This finding has been followed up already."))
    return redirect(_round_url(round_, f"finding-{finding.pk}"))


@login_required
@require_POST
def finding_measure(request, pk: int, finding_pk: int):
    round_ = _round(request, pk)
    if refused := _refused(request, round_, "findings"):
        return refused
    finding = _finding(round_, finding_pk)
    if finding.outcome:
        return _already_followed_up(request, round_, finding)
    form = forms.RoundMeasureForm(request.POST, prefix=f"m{finding.pk}")
    if form.is_valid():
        try:
            measure = services.finding_to_measure(
                actor=request.user, finding=finding, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The measure “%(title)s” is in the unit's action plan.")
                % {"title": measure.title},
            )
            return redirect(_round_url(round_, f"finding-{finding.pk}"))
    return _render_detail(
        request,
        round_,
        finding_forms={("measure", finding.pk): form},
        focus=f"finding-{finding.pk}",
    )


@login_required
@require_POST
def finding_deviation(request, pk: int, finding_pk: int):
    round_ = _round(request, pk)
    if refused := _refused(request, round_, "findings"):
        return refused
    finding = _finding(round_, finding_pk)
    if finding.outcome:
        return _already_followed_up(request, round_, finding)
    form = forms.FindingDeviationForm(request.POST, prefix=f"d{finding.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            deviation = services.finding_to_deviation(
                actor=request.user,
                finding=finding,
                category=data["category"],
                severity=data["severity"],
                deviation_type=data["deviation_type"],
                submission_token=data["submission_token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The finding was reported as deviation %(number)s.")
                % {"number": deviation.number},
            )
            return redirect(_round_url(round_, f"finding-{finding.pk}"))
    return _render_detail(
        request,
        round_,
        finding_forms={("deviation", finding.pk): form},
        focus=f"finding-{finding.pk}",
    )
