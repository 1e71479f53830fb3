"""Risk assessments: the list, creating one and editing its heading, the assessment page,
approval, the review, and the archive PDF. The mapping, hazards and participants are changed in
`assessment_rows`; the matrix itself, of a unit and of a subtree, and the red risks are in
`matrix`.

Every fetch is scoped: an assessment the user may not see is a 404. Someone who sees it but may
not change it gets the page back with a 403 and a message. Every change is one service call;
what the user typed comes back with the reason when a change is refused.
"""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from actionplans.models import Measure
from hms.pdf import pdf_response, render_pdf
from risk import export, filters, forms, services
from risk.filters import AssessmentFilter
from risk.models import (
    AssessmentAttachment,
    AssessmentStatus,
    HazardTemplate,
    ParticipantRole,
    RiskAssessment,
    RiskRow,
)
from risk.views.matrix import describe_row, matrix_grid, zone_css
from units import access, listing, versions
from units.attachments import AttachmentViews, attachments_context
from units.forms import add_service_errors
from units.models import Unit
from units.spreadsheet import respond

PAGE_SIZE = 25
LIST_ORDERING = filters.ASSESSMENT_ORDERING  # the API pages through the same
PARTICIPANT_ORDER = {role: index for index, role in enumerate(ParticipantRole.values)}


# --- Fetching and permissions -----------------------------------------------------------------


def _assessment(request, pk: int) -> RiskAssessment:
    return get_object_or_404(
        RiskAssessment.objects.visible_to(request.user).select_related(
            "unit", "matrix", "approved_by", "created_by", "previous"
        ),
        pk=pk,
    )


# --- The list -----------------------------------------------------------------------------


def filter_assessments(assessments, data: dict, today=None):
    """The API's filters, from AssessmentFilterForm's cleaned data, by the list's own rules
    (risk.filters): the unit with its sub-units, and the status."""
    assessments = filters.in_subtree(assessments, data.get("unit"))
    return filters.with_status(assessments, data.get("status") or "", today)


def with_row_counts(assessments):
    """What the list shows of each assessment's hazards: how many, how many red, how many
    not yet scored. Each a count of the assessment's own rows in the SELECT list, not a join
    grouped over every hazard: PostgreSQL then counts only the page's 25 assessments (the HSE
    department's list over 32,000 hazards: 67 ms grouped)."""

    def hazards(condition: Q | None = None):
        rows = (
            RiskRow.objects.filter(condition or Q(), assessment=OuterRef("pk"))
            .order_by()
            .values("assessment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    value = F("probability") * services.worst_consequence_expression()
    unscored = Q()
    for field in (
        "probability",
        "consequence_people",
        "consequence_environment",
        "consequence_material",
        "consequence_reputation",
    ):
        unscored |= Q(**{f"{field}__isnull": True})
    return assessments.select_related("unit", "matrix").annotate(
        row_count=hazards(),
        red_count=hazards(
            Q(probability__isnull=False) & Q(GreaterThanOrEqual(value, OuterRef("matrix__red_min")))
        ),
        unscored_count=hazards(unscored),
    )


def _filtered(request):
    """The list's filterset and the rows it selects, counted and sorted: the page and its
    files share them. A filter that is not valid is reported and left out; the rest apply."""
    filterset = AssessmentFilter(
        request.GET or None, queryset=RiskAssessment.objects.visible_to(request.user)
    )
    assessments = with_row_counts(filterset.qs)
    sorted_assessments = filters.sort(
        assessments,
        filters.ASSESSMENT_COLUMNS,
        filters.ASSESSMENT_ORDERING,
        request.GET.get("sort"),
    )
    return filterset, sorted_assessments


def _chosen_unit(filterset) -> Unit | None:
    if not filterset.is_bound:
        return None
    return filterset.form.cleaned_data.get("unit")


@login_required
@require_safe
def assessment_list(request):
    user = request.user
    filterset, assessments = _filtered(request)
    page = Paginator(assessments, PAGE_SIZE).get_page(request.GET.get("page"))
    query = listing.filter_query(request)
    sort = listing.sort_key(filters.ASSESSMENT_COLUMNS, request.GET.get("sort"))
    may_create = bool(
        access.sees_everything(user) or access.units_covered(user, access.MANAGER_ROLES).exists()
    )
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "unit": _chosen_unit(filterset),
        "query": query.urlencode(),
        "filter_query": query,
        "sort": sort,
        "columns": listing.sort_links(query, filters.ASSESSMENT_COLUMNS, sort),
        "may_create": may_create,
        "may_configure": access.is_hms_department(user),
        "today": timezone.localdate(),
    }
    return render(request, "risk/assessment_list.html", context)


@login_required
@require_safe
def assessment_export(request, fmt: str):
    """The list as a file: the rows the filters select, in the list's order, every page."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _filterset, assessments = _filtered(request)
    name = slugify(_("risk-assessments"))
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    return respond(
        export.assessment_rows(assessments),
        export.ASSESSMENT_COLUMNS,
        filename,
        fmt,
        sheet_title=_("Risk assessments"),
    )


# --- Creating and editing the heading -------------------------------------------------------


def _makes_assessments(user) -> bool:
    """Whether the user makes risk assessments for some unit (from the cached roles)."""
    held = access.role_paths(user)
    return access.sees_everything(user) or any(held.get(role) for role in access.MANAGER_ROLES)


def _editable_units(user):
    return access.units_covered(user, access.MANAGER_ROLES).active()


# How many earlier assessments the new-assessment page offers at once; a search narrows them.
SOURCE_CHOICES = 30


def _sources(user, text: str, selected: str | int | None) -> tuple[list, bool]:
    """The earlier assessments the page offers to start from, newest first: those matching
    the search, and the one already chosen. One query (two when the chosen one is further
    down). Also says whether more match than are shown."""
    sources = RiskAssessment.objects.usable_as_source(user).select_related("unit")
    shown = list(sources.search(text).order_by(*LIST_ORDERING)[: SOURCE_CHOICES + 1])
    more = len(shown) > SOURCE_CHOICES
    shown = shown[:SOURCE_CHOICES]
    selected = str(selected or "")
    if selected.isdigit() and int(selected) not in {source.pk for source in shown}:
        shown[:0] = sources.filter(pk=int(selected))
    return shown, more


def _clean_text(value: str, limit: int) -> str:
    return value.strip().replace("\x00", "")[:limit]


@login_required
def assessment_create(request):
    user = request.user
    units = _editable_units(user)
    if not units.exists():
        raise Http404
    initial = {"assessed_on": timezone.localdate()}
    source = None
    if (pk := request.GET.get("source", "").strip()).isdigit():
        # Linked from an assessment's page: its title and area are the starting point.
        source = get_object_or_404(
            RiskAssessment.objects.usable_as_source(user).select_related("unit"), pk=int(pk)
        )
        initial.update(source=source.pk, title=source.title, activity=source.activity)
    if code := _clean_text(request.GET.get("unit", ""), 32):
        unit = Unit.objects.filter(code__iexact=code).first()
        if unit is None or not access.can_view_records(user, unit):
            raise Http404
        if not services.can_edit(user, unit):
            raise PermissionDenied
        initial["unit"] = unit.code
    elif source is not None and services.can_edit(user, source.unit):
        initial["unit"] = source.unit.code
    else:
        top = list(units.order_by("depth", "path")[:2])
        if len(top) == 1:
            initial["unit"] = top[0].code
    search = _clean_text(request.GET.get("q", ""), 100)
    selected = request.POST.get("source") if request.method == "POST" else initial.get("source")
    shown_sources, more_sources = _sources(user, search, selected)
    form = forms.AssessmentCreateForm(
        request.POST or None,
        initial=initial,
        sources=RiskAssessment.objects.usable_as_source(user),
        shown_sources=shown_sources,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not services.can_edit(user, data["unit"]):
            message = _("You may not make risk assessments for %(unit)s.")
            form.add_error("unit", message % {"unit": data["unit"]})
            status = 403
        else:
            fields = {
                "actor": user,
                "unit": data["unit"],
                "title": data["title"],
                "activity": data["activity"],
                "assessed_on": data["assessed_on"],
            }
            try:
                if data["source"] is not None:
                    assessment = services.assessment_create_from(source=data["source"], **fields)
                else:
                    assessment = services.assessment_create(template=data["template"], **fields)
            except PermissionDenied:
                form.add_error("unit", _("You may not make risk assessments for this unit."))
                status = 403
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if data["source"] is not None:
                    message = _(
                        "The risk assessment was created as a draft from %(source)s. Go "
                        "through every hazard and score again for this unit."
                    )
                    messages.success(request, message % {"source": data["source"].title})
                else:
                    messages.success(request, _("The risk assessment was created as a draft."))
                return redirect(assessment)
    form.fields["unit"].widget.attrs["list"] = "unit-codes"
    context = {
        "form": form,
        "title": _("New risk assessment"),
        "unit_choices": units.order_by("path")[:300],
        "templates": HazardTemplate.objects.filter(is_active=True).prefetch_related("rows"),
        "sources": shown_sources,
        "more_sources": more_sources,
        "search": search,
        "unit_code": code,
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
            add_service_errors(form, error)
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
            "version": activity.version,
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
            # Another unit's draft is not a starting point; the roles are cached: no query.
            "may_start_from": (may_edit or not is_draft) and _makes_assessments(user),
        }
    )
    if context["editable"]:
        formset = bound.get("activities") or _activity_formset(context["activities"])
        by_id = {activity.pk: activity for activity in context["activities"]}
        for form in formset:
            value = str(form["id"].value() or "")
            form.activity = by_id.get(int(value)) if value.isdigit() else None
        context["activity_formset"] = formset
        context["activities_saved"] = bound.get("activities_saved", [])
        context["participant_form"] = bound.get("participant") or forms.ParticipantForm(
            auto_id="participant-%s"
        )
        took_part_form = forms.TookPartForm(
            bound.get("took_part"), participants=context["participants"]
        )
        changed = bound.get("took_part_changed", set())
        for participant, ticked, version in took_part_form.rows():
            participant.ticked, participant.version_input = ticked, version
            participant.saved_meanwhile = participant.pk in changed
        if changed:
            context["took_part_stale"] = versions.stale_error().messages[0]
    context.update(
        attachments_context(attachment_views, assessment, user, bound.get("attachments"))
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


# Photos and files on the assessment (a sketch of the lab, the signed copy): added by those who
# may edit it, also once approved, since a signed copy comes after the approval.
attachment_views = AttachmentViews(
    model=AssessmentAttachment,
    record=lambda request, pk: _assessment(request, pk),
    may_change=lambda user, assessment: services.can_edit(user, assessment.unit),
    page=lambda request, assessment, form, status: _render_detail(
        request, assessment, bound={"attachments": form}, status=status
    ),
)


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
    context["zone_css"] = zone_css([assessment.matrix])
    pdf = render_pdf("risk/pdf/assessment.html", context)
    filename = f"risk-assessment-{assessment.unit.code}-{assessment.pk}.pdf"
    return pdf_response(pdf, filename)
