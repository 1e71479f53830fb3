"""Inspection rounds (HMS-runde): the list, planning, the round page with its three stages
(pre-meeting, walk-through, post-meeting) and completing the round. The walk-through's answers,
measure checks and findings are saved in `round_steps`; the report and the flags for units
without a completed round in the last 12 months are in `round_reports`.

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
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from deviations.models import Deviation
from risk import filters, forms, services
from risk.filters import RoundFilter
from risk.models import (
    Answer,
    ChecklistTemplate,
    FindingAttachment,
    InspectionRound,
    ParticipantRole,
    RoundStatus,
    checklists_by_slug,
)
from units import access, listing, versions
from units.attachments import AttachmentViews, attachments_context
from units.forms import add_service_errors
from units.models import Role, Unit, UnitType

PAGE_SIZE = 50
OWN_UNIT_ROLES = (Role.LINE_MANAGER, Role.HMS_COORDINATOR)
OPEN_DEVIATIONS_SHOWN = 100
ROLE_ORDER = {role: index for index, role in enumerate(ParticipantRole.values)}
# The checklists proposed for a new round (by their keys), while the HSE department keeps
# them active: every unit walks the general and fire lists, a laboratory also its own two.
DEFAULT_CHECKLISTS = {"general", "fire"}
LAB_CHECKLISTS = {"laboratory", "chemicals"}


# Helpers ---------------------------------------------------------------------------------------


def _round(request, pk: int) -> InspectionRound:
    return get_object_or_404(
        InspectionRound.objects.visible_to(request.user).select_related("unit"), pk=pk
    )


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

LIST_ORDERING = filters.ROUND_ORDERING  # the API pages through the same


def filter_rounds(rounds, unit: Unit | None, status: str):
    """The API's filters: the unit with its sub-units, and the status (an empty one: all)."""
    if unit is not None:
        rounds = rounds.filter(unit__path__startswith=unit.path)
    if status:
        rounds = rounds.filter(status=status)
    return rounds


def with_counts(rounds):
    """What the list shows of each round: its findings, and the questions answered "not OK"."""
    return rounds.annotate(
        findings_count=Count("findings", distinct=True),
        not_ok_count=Count("answers", filter=Q(answers__answer=Answer.NOT_OK), distinct=True),
    )


@login_required
@require_safe
def round_list(request):
    user = request.user
    filterset = RoundFilter(
        request.GET or None,
        queryset=InspectionRound.objects.visible_to(user).select_related("unit"),
    )
    sort = listing.sort_key(filters.ROUND_COLUMNS, request.GET.get("sort"))
    rounds = filters.sort(
        with_counts(filterset.qs), filters.ROUND_COLUMNS, filters.ROUND_ORDERING, sort
    )
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    unit = filterset.form.cleaned_data.get("unit") if filterset.is_bound else None
    can_plan = services.can_run_round(user, unit) if unit else _can_plan_somewhere(user)
    query = listing.filter_query(request)
    return render(
        request,
        "risk/round_list.html",
        {
            "page": page,
            "filter": filterset,
            "unit": unit,
            "can_plan": can_plan,
            "can_keep_checklists": access.is_hms_department(user),
            "can_see_overview": access.is_hms_department(user)
            or bool(access.role_paths(user).get(Role.LINE_MANAGER)),
            "query": query.urlencode(),
            "filter_query": query,
            "sort": sort,
            "columns": listing.sort_links(query, filters.ROUND_COLUMNS, sort),
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
        # The people themselves: the pickers show their names without a query each.
        "line_manager": managers[0] if managers else "",
        "safety_rep": reps[0] if reps else "",
        "others": "\n".join(_user_label(user) for user in [*managers[1:], *reps[1:]]),
        "checklists": list(ChecklistTemplate.objects.active().filter(slug__in=kinds)),
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
        # The HSE department and administrators may hold no unit role of their own.
        proposed = (
            Unit.objects.filter(path=own[0]).values_list("code", flat=True).first() if own else None
        )
        unit_form = forms.RoundUnitForm(
            request.GET if code else None, initial={"unit": proposed} if proposed else None
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
            add_service_errors(form, error)
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


def visible_deviation_ids(user, findings) -> set[int]:
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


def by_checklist(items, checklist_of) -> list[tuple[str, list]]:
    """Answers grouped by their checklist, each under the checklist's name, in the order the
    HSE department keeps the lists (a retired list still names its answers)."""
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(checklist_of(item), []).append(item)
    templates = checklists_by_slug(groups)

    def place(slug: str) -> tuple:
        template = templates.get(slug)
        return (0, template.position, template.pk) if template else (1, 0, 0)

    return [
        (templates[slug].name if slug in templates else slug, groups[slug])
        for slug in sorted(groups, key=place)
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
    findings = list(
        round_.findings.select_related("deviation", "measure__responsible").prefetch_related(
            Prefetch("attachments", FindingAttachment.objects.select_related("uploaded_by"))
        )
    )
    previous = _previous_round(round_)
    previous_findings = (
        list(previous.findings.select_related("deviation", "measure__responsible"))
        if previous
        else []
    )
    visible_deviations = visible_deviation_ids(user, [*findings, *previous_findings])
    open_deviations = list(
        Deviation.objects.visible_to(user)
        .open()
        .filter(unit__path__startswith=round_.unit.path)
        .select_related("unit")
        .order_by("deadline", "-created_at")[: OPEN_DEVIATIONS_SHOWN + 1]
    )
    version_initial = {"version": round_.version}

    measure_initial = {
        "responsible": line_manager or "",
        "deadline": _deadline_default(),
    }
    finding_forms = overrides.get("finding_forms", {})
    category_choices = None
    attachment_forms = overrides.get("attachment_forms", {})
    for finding in findings:
        finding.follow_up_visible = finding.deviation_id in visible_deviations
        finding.files = attachments_context(
            finding_attachment_views,
            finding,
            user,
            attachment_forms.get(finding.pk),
            attachments=list(finding.attachments.all()),
        )
        finding.files["section_id"] = f"finding-{finding.pk}-files"
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
            answer.finding_text = services.answer_finding_text(answer)
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
        "participants_stale": overrides.get("participants_stale", ""),
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
        "answer_groups": by_checklist(answers_form.bound_rows(), lambda pair: pair[0].checklist),
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


def _finding(request, pk: int, finding_pk: int):
    return get_object_or_404(_round(request, pk).findings.select_related("round"), pk=finding_pk)


# Photos of what the round found: added while the round is open by those who run it, read by
# whoever may see the round.
finding_attachment_views = AttachmentViews(
    model=FindingAttachment,
    record=_finding,
    may_change=lambda user, finding: (
        finding.round.status != RoundStatus.COMPLETED
        and services.can_run_round(user, finding.round.unit)
    ),
    page=lambda request, finding, form, status: _render_detail(
        request,
        finding.round,
        status=status,
        attachment_forms={finding.pk: form},
        focus=f"finding-{finding.pk}",
    ),
    page_url=lambda finding: _round_url(finding.round, f"finding-{finding.pk}"),
    form_prefix=lambda finding: f"finding-{finding.pk}",
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
            try:
                services.round_participants_save(
                    actor=request.user,
                    round_=round_,
                    took_part=set(form.cleaned_data["took_part"]),
                    add=form.cleaned_data["add_person"],
                    shown_versions=form.shown_versions(),
                )
            except ValidationError as error:
                if not versions.is_stale(error):
                    raise
                return _stale_participants(request, round_, form)
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
            add_service_errors(form, error)
            status = _refresh_version(form, round_)
        else:
            messages.success(request, _("The notes were saved."))
            return redirect(_round_url(round_, anchor))
    else:
        status = 200
    key = "pre_form" if action == "pre_meeting" else "post_form"
    # The page shows the round as saved now: on 409, the other person's notes beside the form.
    return _render_detail(request, round_, status=status, focus=anchor, **{key: form})


def _stale_participants(request, round_: InspectionRound, form):
    """409: someone recorded participation after this page was opened. The ticks made here
    stay, now carrying the current versions; the participants they changed are marked."""
    shown = form.shown_versions()
    participants = _participants(round_)
    data = form.data.copy()
    for participant in participants:
        participant.saved_meanwhile = shown.get(participant.pk) != participant.version
        data[f"version_{participant.pk}"] = participant.version
    form = forms.ParticipantsForm(data, participants=participants)
    return _render_detail(
        request,
        round_,
        status=409,
        participants_form=form,
        participants_stale=versions.stale_error().messages[0],
        focus="participants",
    )


def _refresh_version(form, round_: InspectionRound) -> int:
    """After a refused change the page shows what is saved now; saving again then overwrites.
    Answers 409 when the refusal was someone else's change, else 200 (the page as before)."""
    current = InspectionRound.objects.get(pk=round_.pk)
    stale = current.version != form.cleaned_data.get("version")
    form.data = form.data.copy()
    form.data["version"] = current.version
    return 409 if stale else 200


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
            status = _refresh_version(form, round_)
            return _render_detail(
                request,
                round_,
                post_form=form,
                completion_errors=error.messages,
                focus="post",
                status=status,
            )
        messages.success(
            request, _("The round is completed. Its report is below and can be downloaded.")
        )
        return redirect("risk:round_report", round_.pk)
    return _render_detail(request, round_, post_form=form, focus="post")
