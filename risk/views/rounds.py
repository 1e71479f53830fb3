"""Inspection rounds (HMS-runde): the list, planning, the round page with its three stages
(pre-meeting, walk-through, post-meeting), the report as a page and a PDF, and the flags for
units without a completed round in the last 12 months.

A round the user may not see is a 404 (every fetch goes through `visible_to`). The line
manager owns the round; the HSE coordinator and the HSE department may run it too. The safety
representative takes part and reads all of it: a change they ask for gets the page back with a
403 and a message. Every change is a POST handled by one service; what the user typed is never
lost: a refused change shows the page again with the form, the input and the reason.
"""

import datetime
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from deviations.models import Deviation
from hms.pdf import pdf_response, render_pdf
from risk import forms, services
from risk.models import (
    Answer,
    ChecklistKind,
    ChecklistTemplate,
    InspectionRound,
    ParticipantRole,
    RoundStatus,
)
from units import access
from units.models import Role, Unit, UnitType

PAGE_SIZE = 50
OWN_UNIT_ROLES = (Role.LINE_MANAGER, Role.HMS_COORDINATOR)
OPEN_DEVIATIONS_SHOWN = 100
ROLE_ORDER = {role: index for index, role in enumerate(ParticipantRole.values)}
CHECKLIST_ORDER = {kind: index for index, kind in enumerate(ChecklistKind.values)}
DEFAULT_CHECKLISTS = {ChecklistKind.GENERAL, ChecklistKind.FIRE}
LAB_CHECKLISTS = {ChecklistKind.LABORATORY, ChecklistKind.CHEMICALS}


# Helpers ---------------------------------------------------------------------------------------


def _round(request, pk: int) -> InspectionRound:
    return get_object_or_404(
        InspectionRound.objects.visible_to(request.user).select_related("unit"), pk=pk
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _can_plan_somewhere(user) -> bool:
    return access.sees_everything(user) or access.units_covered(user, access.MANAGER_ROLES).exists()


def _deadline_default() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


def _round_url(round_: InspectionRound, anchor: str = "") -> str:
    return round_.get_absolute_url() + (f"#{anchor}" if anchor else "")


def _refused(request, round_: InspectionRound, anchor: str = ""):
    """The answer to a change the user may not make, or None when they may make it."""
    if not services.can_run_round(request.user, round_.unit):
        messages.error(
            request,
            _(
                "Only the line manager, the HSE coordinator or the HSE department can change "
                "the round. You can read all of it."
            ),
        )
        return _render_detail(request, round_, status=403)
    if round_.status == RoundStatus.COMPLETED:
        messages.error(request, _("The round is completed and its report archived."))
        return redirect(_round_url(round_, anchor))
    return None


def _user_label(user) -> str:
    return user.username if user else ""


# The list and planning -------------------------------------------------------------------------


@login_required
@require_safe
def round_list(request):
    user = request.user
    rounds = InspectionRound.objects.visible_to(user).select_related("unit")
    unit_form = forms.RoundUnitForm(request.GET if request.GET.get("unit") else None)
    unit = unit_form.cleaned_data["unit"] if unit_form.is_bound and unit_form.is_valid() else None
    if unit is not None:
        rounds = rounds.filter(unit__path__startswith=unit.path)
    status = request.GET.get("status", "")
    if status in RoundStatus.values:
        rounds = rounds.filter(status=status)
    else:
        status = ""
    rounds = rounds.annotate(
        findings_count=Count("findings", distinct=True),
        not_ok_count=Count("answers", filter=Q(answers__answer=Answer.NOT_OK), distinct=True),
    ).order_by("-planned_for", "-pk")
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    can_plan = services.can_run_round(user, unit) if unit else _can_plan_somewhere(user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "risk/round_list.html",
        {
            "page": page,
            "unit_form": unit_form,
            "unit": unit,
            "status": status,
            "statuses": RoundStatus.choices,
            "can_plan": can_plan,
            "can_see_overview": access.is_hms_department(user)
            or bool(access.role_paths(user).get(Role.LINE_MANAGER)),
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


def _plan_initial(unit: Unit, managers: list, reps: list) -> dict:
    """The unit's line manager and safety rep are proposed (the nearest holders of the roles);
    a second holder of either role is proposed among the others."""
    kinds = set(DEFAULT_CHECKLISTS)
    if unit.unit_type == UnitType.LABORATORY:
        kinds |= LAB_CHECKLISTS
    return {
        "planned_for": timezone.localdate(),
        "line_manager": _user_label(managers[0]) if managers else "",
        "safety_rep": _user_label(reps[0]) if reps else "",
        "others": "\n".join(_user_label(user) for user in [*managers[1:], *reps[1:]]),
        "checklists": list(ChecklistTemplate.objects.filter(kind__in=kinds, is_active=True)),
    }


def _propose_help(form, field: str, holders: list, missing: str) -> None:
    if holders:
        names = ", ".join(f"{user} ({user.username})" for user in holders)
        form.fields[field].help_text = _(
            "Proposed from the unit's roles: %(names)s. User name or e-mail address."
        ) % {"names": names}
    else:
        form.fields[field].help_text = missing


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_plan(request):
    user = request.user
    code = request.GET.get("unit", "").strip()
    unit = Unit.objects.filter(code__iexact=code).first() if code else None
    if unit is None:
        if not _can_plan_somewhere(user):
            raise Http404
        # The unit the user leads is proposed: most plan their own unit's round.
        held = access.role_paths(user)
        own = sorted({path for role in OWN_UNIT_ROLES for path in held.get(role, ())})
        proposed = Unit.objects.filter(path=own[0]).values_list("code", flat=True).first()
        unit_form = forms.RoundUnitForm(
            request.GET if code else None, initial={"unit": proposed} if own else None
        )
        if code:
            unit_form.is_valid()
        return render(request, "risk/round_plan.html", {"unit_form": unit_form})
    if not access.can_view_records(user, unit):
        raise Http404
    context = {"unit": unit}
    if not services.can_run_round(user, unit) or not unit.is_active:
        messages.error(
            request,
            _("Only the line manager, the HSE coordinator or the HSE department can plan a round.")
            if unit.is_active
            else _("This unit is no longer active."),
        )
        return render(request, "risk/round_plan.html", context, status=403)
    managers = access.nearest_role_holders(unit, Role.LINE_MANAGER)
    reps = access.nearest_role_holders(unit, Role.SAFETY_REP)
    form = forms.RoundPlanForm(request.POST or None, initial=_plan_initial(unit, managers, reps))
    _propose_help(
        form,
        "line_manager",
        managers,
        _("No line manager is registered for this unit or the units above it: give one."),
    )
    _propose_help(
        form,
        "safety_rep",
        reps,
        _("No safety representative is registered for this unit or the units above it: give one."),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        participants = [
            (data["line_manager"], ParticipantRole.LINE_MANAGER),
            (data["safety_rep"], ParticipantRole.SAFETY_REP),
            *((person, ParticipantRole.OTHER) for person in data["others"]),
        ]
        try:
            round_ = services.round_plan(
                actor=user,
                unit=unit,
                planned_for=data["planned_for"],
                participants=participants,
                checklists=list(data["checklists"]),
                pre_meeting_notes=data["pre_meeting_notes"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The round is planned. Start with the pre-meeting."))
            return redirect(round_)
    context.update(_plan_inputs(user, unit))
    context["form"] = form
    return render(request, "risk/round_plan.html", context)


def _plan_inputs(user, unit: Unit) -> dict:
    """What the pre-meeting will look at, counted, so the planner sees it at once."""
    last = (
        InspectionRound.objects.completed()
        .filter(unit=unit)
        .order_by("-completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    return {
        "last_completed": last,
        "open_deviations": Deviation.objects.visible_to(user)
        .open()
        .filter(unit__path__startswith=unit.path)
        .count(),
        "measures_to_check": services.measures_to_check(unit).count(),
    }


# The round page --------------------------------------------------------------------------------


def _visible_deviation_ids(user, findings) -> set[int]:
    ids = {finding.deviation_id for finding in findings if finding.deviation_id}
    if not ids:
        return set()
    return set(Deviation.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _previous_round(round_: InspectionRound):
    previous = InspectionRound.objects.completed().filter(unit=round_.unit).exclude(pk=round_.pk)
    if round_.completed_at:
        previous = previous.filter(completed_at__lt=round_.completed_at)
    return previous.order_by("-completed_at").first()


def _participants(round_: InspectionRound) -> list:
    participants = list(round_.participants.select_related("user"))
    participants.sort(
        key=lambda p: (ROLE_ORDER.get(p.role, 99), p.user.last_name, p.user.first_name)
    )
    return participants


def _load_answers(round_: InspectionRound) -> list:
    answers = list(round_.answers.all())
    for answer in answers:
        answer.round = round_  # the services check the round; no query per answer
    return answers


def _load_checks(round_: InspectionRound) -> list:
    checks = list(
        round_.measure_checks.select_related("measure__responsible").order_by(
            "measure__deadline", "pk"
        )
    )
    for check in checks:
        check.round = round_
    return checks


def _grouped_answers(bound_rows) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for row, fields in bound_rows:
        groups.setdefault(row.checklist, []).append((row, fields))
    return [
        (ChecklistKind(kind).label, rows)
        for kind, rows in sorted(groups.items(), key=lambda item: CHECKLIST_ORDER.get(item[0], 99))
    ]


def _detail_context(request, round_: InspectionRound, overrides: dict) -> dict:
    user = request.user
    today = timezone.localdate()
    can_run = services.can_run_round(user, round_.unit)
    editable = can_run and round_.status == RoundStatus.PLANNED
    participants = _participants(round_)
    line_manager = next(
        (p.user for p in participants if p.role == ParticipantRole.LINE_MANAGER), None
    )
    answers_form = overrides.get("answers_form") or forms.AnswersForm(rows=_load_answers(round_))
    checks_form = overrides.get("checks_form") or forms.ChecksForm(rows=_load_checks(round_))
    answers, checks = answers_form.rows, checks_form.rows
    findings = list(round_.findings.select_related("deviation", "measure__responsible"))
    previous = _previous_round(round_)
    previous_findings = (
        list(previous.findings.select_related("deviation", "measure__responsible"))
        if previous
        else []
    )
    visible_deviations = _visible_deviation_ids(user, [*findings, *previous_findings])
    open_deviations = list(
        Deviation.objects.visible_to(user)
        .open()
        .filter(unit__path__startswith=round_.unit.path)
        .select_related("unit")
        .order_by("deadline", "-created_at")[: OPEN_DEVIATIONS_SHOWN + 1]
    )
    version_initial = {"version": round_.version}

    measure_initial = {
        "responsible": _user_label(line_manager),
        "deadline": _deadline_default(),
    }
    finding_forms = overrides.get("finding_forms", {})
    category_choices = None
    for finding in findings:
        finding.follow_up_visible = finding.deviation_id in visible_deviations
        if finding.outcome or not editable:
            continue
        first_line = finding.text.strip().splitlines()[0] if finding.text.strip() else ""
        finding.measure_form = finding_forms.get(("measure", finding.pk)) or forms.RoundMeasureForm(
            prefix=f"m{finding.pk}", initial={**measure_initial, "title": first_line[:300]}
        )
        if category_choices is None:
            category_choices = list(forms.FindingDeviationForm().fields["category"].choices)
        finding.deviation_form = finding_forms.get(
            ("deviation", finding.pk)
        ) or forms.FindingDeviationForm(prefix=f"d{finding.pk}", category_choices=category_choices)
    for finding in previous_findings:
        finding.follow_up_visible = finding.deviation_id in visible_deviations

    # A question answered "not OK" is recorded as a finding with one tap.
    findings_by_text = {finding.text: finding.pk for finding in findings}
    for answer in answers:
        if answer.answer == Answer.NOT_OK:
            answer.finding_text = (
                f"{answer.question_text} {answer.comment}"
                if answer.comment
                else answer.question_text
            )
            answer.finding_pk = findings_by_text.get(answer.finding_text)
    check_forms = overrides.get("check_forms", {})
    for check, fields in checks_form.bound_rows():
        check.fields = fields
        check.follow_ups = services.findings_of_check(check, findings)
        check.overdue = check.measure.is_overdue(today)
        if editable and (check.working is False or check.pk in check_forms):
            check.follow_up_form = check_forms.get(check.pk) or forms.RoundMeasureForm(
                prefix=f"c{check.pk}",
                initial={**measure_initial, "title": check.measure.title},
            )
            # Its fields sit inside the checks' form on the page, but belong to its own.
            for field in check.follow_up_form.fields.values():
                field.widget.attrs["form"] = f"follow-up-{check.pk}"
    counts = Counter(answer.answer for answer in answers)
    unanswered = counts.get("", 0)
    unchecked = sum(1 for c in checks if c.implemented is None or c.working is None)
    open_findings = sum(1 for f in findings if not f.outcome)
    return {
        "round": round_,
        "unit": round_.unit,
        "can_run": can_run,
        "editable": editable,
        "today": today,
        "participants": participants,
        "took_part_count": sum(1 for p in participants if p.took_part),
        "participants_form": overrides.get("participants_form")
        or forms.ParticipantsForm(
            initial={"took_part": [p.pk for p in participants if p.took_part]},
            participants=participants,
        ),
        "pre_form": overrides.get("pre_form")
        or forms.PreMeetingForm(
            initial={**version_initial, "pre_meeting_notes": round_.pre_meeting_notes}
        ),
        "post_form": overrides.get("post_form")
        or forms.PostMeetingForm(
            initial={**version_initial, "post_meeting_notes": round_.post_meeting_notes}
        ),
        "answers_form": answers_form,
        "answer_groups": _grouped_answers(answers_form.bound_rows()),
        "answer_conflicts": overrides.get("answer_conflicts", {}),
        "answers_total": len(answers),
        "answers_done": len(answers) - unanswered,
        "not_ok_count": counts.get(Answer.NOT_OK, 0),
        "checks_form": checks_form,
        "checks": checks,
        "check_conflicts": overrides.get("check_conflicts", {}),
        "checks_done": len(checks) - unchecked,
        "findings": findings,
        "finding_form": overrides.get("finding_form") or forms.FindingForm(),
        "open_findings": open_findings,
        "unanswered": unanswered,
        "unchecked": unchecked,
        "open_deviations": open_deviations[:OPEN_DEVIATIONS_SHOWN],
        "more_deviations": len(open_deviations) > OPEN_DEVIATIONS_SHOWN,
        "previous": previous,
        "previous_findings": previous_findings,
        "completion_errors": overrides.get("completion_errors", []),
        # After a refused change, the page opens where the form with the reason is.
        "focus": overrides.get("focus", ""),
    }


def _render_detail(request, round_: InspectionRound, status: int = 200, **overrides):
    return render(
        request,
        "risk/round_detail.html",
        _detail_context(request, round_, overrides),
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_detail(request, pk: int):
    """The round page; its POSTs save the participants and the meeting notes."""
    round_ = _round(request, pk)
    if request.method != "POST":
        return _render_detail(request, round_)
    action = request.POST.get("action", "")
    anchor = {"participants": "participants", "pre_meeting": "pre", "post_meeting": "post"}.get(
        action
    )
    if anchor is None:
        messages.error(request, _("Unknown action."))
        return redirect(round_)
    if refused := _refused(request, round_, anchor):
        return refused
    if action == "participants":
        form = forms.ParticipantsForm(request.POST, participants=_participants(round_))
        if form.is_valid():
            services.round_participants_save(
                actor=request.user,
                round_=round_,
                took_part=set(form.cleaned_data["took_part"]),
                add=form.cleaned_data["add_person"],
            )
            messages.success(request, _("The participants were saved."))
            return redirect(_round_url(round_, anchor))
        return _render_detail(request, round_, participants_form=form, focus="participants")
    form_class = forms.PreMeetingForm if action == "pre_meeting" else forms.PostMeetingForm
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.round_notes_save(
                actor=request.user,
                round_=round_,
                version=data["version"],
                pre_meeting_notes=data.get("pre_meeting_notes"),
                post_meeting_notes=data.get("post_meeting_notes"),
            )
        except ValidationError as error:
            _add_errors(form, error)
            _refresh_version(form, round_)
        else:
            messages.success(request, _("The notes were saved."))
            return redirect(_round_url(round_, anchor))
    key = "pre_form" if action == "pre_meeting" else "post_form"
    return _render_detail(request, round_, focus=anchor, **{key: form})


def _refresh_version(form, round_: InspectionRound) -> None:
    """After a refused change the page shows what is saved now; saving again then overwrites."""
    current = InspectionRound.objects.get(pk=round_.pk)
    form.data = form.data.copy()
    form.data["version"] = current.version


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
    if conflicts:
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
        return _render_detail(request, round_, answers_form=form, focus="walk")

    def save(answer, values):
        services.answer_save(
            actor=request.user, answer=answer, value=values["answer"], comment=values["comment"]
        )

    try:
        conflicts = _rows_with_conflicts(request, form, answers, save)
    except ValidationError as error:
        _add_errors(form, error)
        return _render_detail(request, round_, answers_form=form, focus="walk")
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
                _add_errors(form, error)
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
        return _render_detail(request, round_, checks_form=form, focus="checks")

    def save(check, values):
        services.measure_check_save(actor=request.user, check=check, **values)

    try:
        conflicts = _rows_with_conflicts(request, form, checks, save)
    except ValidationError as error:
        _add_errors(form, error)
        return _render_detail(request, round_, checks_form=form, focus="checks")
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
            _add_errors(form, error)
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
            _add_errors(form, error)
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
            _add_errors(form, error)
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


@login_required
@require_POST
def complete(request, pk: int):
    round_ = _round(request, pk)
    if refused := _refused(request, round_, "post"):
        return refused
    form = forms.PostMeetingForm(request.POST)
    if form.is_valid():
        try:
            round_ = services.round_complete(
                actor=request.user,
                round_=round_,
                post_meeting_notes=form.cleaned_data["post_meeting_notes"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            _refresh_version(form, round_)
            return _render_detail(
                request, round_, post_form=form, completion_errors=error.messages, focus="post"
            )
        messages.success(
            request, _("The round is completed. Its report is below and can be downloaded.")
        )
        return redirect("risk:round_report", round_.pk)
    return _render_detail(request, round_, post_form=form, focus="post")


# The report ------------------------------------------------------------------------------------


def _report_context(request, round_: InspectionRound) -> dict:
    participants = _participants(round_)
    answers = list(round_.answers.all())
    groups: dict[str, list] = {}
    for answer in answers:
        groups.setdefault(answer.checklist, []).append(answer)
    answer_groups = [
        (ChecklistKind(kind).label, rows)
        for kind, rows in sorted(groups.items(), key=lambda item: CHECKLIST_ORDER.get(item[0], 99))
    ]
    checks = list(
        round_.measure_checks.select_related("measure__responsible").order_by(
            "measure__deadline", "pk"
        )
    )
    findings = list(round_.findings.select_related("deviation__handler", "measure__responsible"))
    counts = Counter(answer.answer for answer in answers)
    return {
        "round": round_,
        "unit": round_.unit,
        "ancestors": list(
            Unit.objects.filter(path__in=round_.unit.ancestor_paths()).order_by("path")
        ),
        "participants": participants,
        "took_part": [p for p in participants if p.took_part],
        "answer_groups": answer_groups,
        "answers_total": len(answers),
        "not_ok_count": counts.get(Answer.NOT_OK, 0),
        "ok_count": counts.get(Answer.OK, 0),
        "not_relevant_count": counts.get(Answer.NOT_RELEVANT, 0),
        "unanswered": counts.get("", 0),
        "checks": checks,
        "findings": findings,
        "generated_at": timezone.now(),
        "today": timezone.localdate(),
    }


@login_required
@require_safe
def report(request, pk: int):
    round_ = _round(request, pk)
    return render(request, "risk/round_report.html", _report_context(request, round_))


@login_required
@require_safe
def report_pdf(request, pk: int):
    round_ = _round(request, pk)
    pdf = render_pdf("risk/pdf/round_report.html", _report_context(request, round_))
    filename = f"inspection-round-{round_.unit.code}-{round_.planned_for.isoformat()}.pdf"
    return pdf_response(pdf, filename)


# Flags: units without a completed round in the last 12 months ----------------------------------


@login_required
@require_safe
def unit_status(request, code: str):
    """A small partial for the unit page. Whether a unit has had its yearly round is not a
    record's content, so every logged-in user sees it; the round itself stays scoped."""
    unit = get_object_or_404(Unit, code=code)
    if not unit.is_active:
        return HttpResponse("")
    last = (
        InspectionRound.objects.completed()
        .filter(unit=unit)
        .order_by("-completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    flagged = services.units_without_recent_round(Unit.objects.filter(pk=unit.pk)).exists()
    return render(
        request,
        "risk/_round_unit_status.html",
        {
            "unit": unit,
            "last_completed": last,
            "flagged": flagged,
            # Loaded into the round list itself, it need not link to it.
            "can_view": access.can_view_records(request.user, unit)
            and not (request.htmx.current_url_abs_path or "").startswith(reverse("risk:rounds")),
            "can_plan": services.can_run_round(request.user, unit),
        },
    )


def _overview_scope(user) -> tuple[bool, list[str]]:
    """(whole tree?, the paths of the units the user leads). Others get a 404."""
    if access.is_hms_department(user):
        return True, []
    paths = sorted(access.role_paths(user).get(Role.LINE_MANAGER, ()))
    outer = [path for path in paths if not any(path != o and path.startswith(o) for o in paths)]
    if not outer:
        raise Http404
    return False, outer


def _last_completed_subquery():
    return Subquery(
        InspectionRound.objects.completed()
        .filter(unit=OuterRef("pk"))
        .order_by()
        .values("unit")
        .annotate(last=Max("completed_at"))
        .values("last")[:1]
    )


def _branch_counts(unit: Unit) -> tuple[dict, dict]:
    """For each child of `unit`: how many active units its subtree has, and how many of them
    lack a completed round in 12 months. Two grouped queries, whatever the size of the tree:
    a unit's branch is the prefix of its path at the children's depth."""
    subtree = Unit.objects.active().filter(path__startswith=unit.path, depth__gt=unit.depth)
    branch = Substr("path", 1, (unit.depth + 1) * Unit.steplen)

    def grouped(queryset) -> dict:
        rows = queryset.order_by().annotate(branch=branch).values("branch").annotate(n=Count("pk"))
        return {row["branch"]: row["n"] for row in rows}

    return grouped(subtree), grouped(services.units_without_recent_round(subtree))


def _overview_children(unit: Unit) -> list[Unit]:
    totals, flagged = _branch_counts(unit)
    children = list(Unit.objects.active().filter(depth=unit.depth + 1, path__startswith=unit.path))
    for child in children:
        child.total = totals.get(child.path, 0)
        child.flagged = flagged.get(child.path, 0)
        child.share = round(100 * child.flagged / child.total) if child.total else 0
    children.sort(key=lambda child: child.name.lower())
    return children


@login_required
@require_safe
def overview(request):
    """The HSE department's overview of the tree (a line manager's of their own subtree): per
    branch, how many units lack a completed round in the last 12 months, and which."""
    user = request.user
    whole_tree, led_paths = _overview_scope(user)
    code = request.GET.get("unit", "").strip()
    if code:
        unit = get_object_or_404(Unit, code__iexact=code)
    elif whole_tree:
        unit = Unit.objects.filter(depth=1).order_by("path").first()
        if unit is None:
            raise Http404
    else:
        unit = Unit.objects.get(path=led_paths[0])
    if not whole_tree and not any(unit.path.startswith(path) for path in led_paths):
        raise Http404
    children = _overview_children(unit)
    if request.htmx and request.GET.get("rows"):
        return render(
            request, "risk/_round_overview_rows.html", {"children": children, "nested": True}
        )
    flagged_units = (
        services.units_without_recent_round(
            Unit.objects.active().filter(path__startswith=unit.path)
        )
        .annotate(last_completed=_last_completed_subquery())
        .order_by("path")
    )
    page = Paginator(flagged_units, PAGE_SIZE).get_page(request.GET.get("page"))
    for flagged_unit in page:
        flagged_unit.can_plan = services.can_run_round(user, flagged_unit)
    total = sum(child.total for child in children) + (1 if unit.is_active else 0)
    ancestors = [
        ancestor
        for ancestor in Unit.objects.filter(path__in=unit.ancestor_paths()).order_by("path")
        if whole_tree or any(ancestor.path.startswith(path) for path in led_paths)
    ]
    return render(
        request,
        "risk/round_overview.html",
        {
            "unit": unit,
            "ancestors": ancestors,
            "children": children,
            "page": page,
            "flagged_total": page.paginator.count,
            "total": total,
            "share": round(100 * page.paginator.count / total) if total else 0,
            "overview_url": reverse("risk:round_overview"),
        },
    )
