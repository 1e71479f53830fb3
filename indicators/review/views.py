"""The management review pages. Every fetch goes through `ManagementReview.objects.
visible_to(user)`: someone who may not read a review gets a 404; a reader who tries to
change it gets a 403 with the page as it is."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hms.pdf import pdf_response, render_pdf
from indicators.review import facts, forms, services
from indicators.review.models import (
    AgendaItem,
    Decision,
    ManagementReview,
    ReviewParticipant,
    can_run_review,
)
from units import listing
from units.forms import add_service_errors
from units.models import Unit

SORT_COLUMNS = {
    "year": listing.column(gettext_lazy("Review"), "year", "root__path"),
    "status": listing.column(gettext_lazy("Status"), "status", "year"),
    "meeting": listing.column(gettext_lazy("Meeting date"), "meeting_date"),
    "archive": listing.column(gettext_lazy("Archive case number"), "archive_case_number"),
}


def _roots_run_by(user) -> list[Unit]:
    return [root for root in Unit.objects.filter(depth=1) if can_run_review(user, root)]


def _review(request, year: int) -> ManagementReview:
    if not 2000 <= year <= 2100:
        raise Http404
    review = (
        ManagementReview.objects.visible_to(request.user)
        .filter(year=year)
        .select_related("root", "created_by", "finalised_by")
        .order_by("root__path")
        .first()
    )
    if review is None:
        raise Http404
    return review


@login_required
@require_safe
def review_list(request):
    sort = listing.sort_key(SORT_COLUMNS, request.GET.get("sort"))
    reviews = ManagementReview.objects.visible_to(request.user).select_related("root")
    reviews = list(
        listing.sort_queryset(reviews.order_by("-year", "root__path"), SORT_COLUMNS, sort)
    )
    roots = _roots_run_by(request.user)
    if not reviews and not roots:
        raise Http404
    next_year = max([r.year for r in reviews] + [timezone.localdate().year - 1]) + 1
    next_year = min(next_year, timezone.localdate().year + 1)
    return render(
        request,
        "review/review_list.html",
        {
            "reviews": reviews,
            "several_institutions": len({review.root_id for review in reviews}) > 1,
            "can_create": bool(roots),
            "create_form": forms.ReviewCreateForm(initial={"year": next_year}),
            "columns": listing.sort_links(request.GET, SORT_COLUMNS, sort),
        },
    )


@login_required
@require_POST
def review_create(request):
    roots = _roots_run_by(request.user)
    if not roots:
        raise Http404
    form = forms.ReviewCreateForm(request.POST)
    if form.is_valid():
        try:
            review = services.review_create(
                actor=request.user, root=roots[0], year=form.cleaned_data["year"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The review is created with the year's facts as they are now.")
            )
            return redirect(review)
    reviews = list(ManagementReview.objects.visible_to(request.user).select_related("root"))
    return render(
        request,
        "review/review_list.html",
        {"reviews": reviews, "can_create": True, "create_form": form},
        status=400,
    )


def _detail_context(request, review: ManagementReview, overrides: dict) -> dict:
    can_edit = can_run_review(request.user, review.root)
    editable = can_edit and not review.is_final
    participants = list(review.participants.select_related("user"))
    items = list(
        review.items.prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("responsible", "measure"),
            )
        )
    )
    blocks = facts.for_display(review.facts)
    today = timezone.localdate()
    item_forms = overrides.get("item_forms", {})
    for item in items:
        item.facts = blocks.get(item.key)
        for decision in item.decisions.all():
            measure = decision.measure
            decision.measure_overdue = bool(measure and measure.is_overdue(today))
        if editable:
            item.notes_form = item_forms.get(("notes", item.pk)) or forms.NotesForm(
                prefix=f"n{item.pk}", initial={"notes": item.notes, "version": item.version}
            )
            item.decision_form = item_forms.get(("decision", item.pk)) or forms.DecisionForm(
                prefix=f"d{item.pk}"
            )
    header_form = None
    if can_edit and (editable or not review.archive_case_number):
        header_form = overrides.get("header_form") or forms.ReviewHeaderForm(
            initial={
                "meeting_date": review.meeting_date,
                "archive_case_number": review.archive_case_number,
                "version": review.version,
            }
        )
    return {
        "review": review,
        "items": items,
        "participants": participants,
        "can_edit": can_edit,
        "editable": editable,
        "header_form": header_form,
        "participant_form": overrides.get("participant_form") or forms.ParticipantAddForm(),
        "took_part_form": forms.TookPartForm(participants=participants),
        "measure_form": forms.MeasureForm(initial={"priority": "medium"}),
        "conflict": overrides.get("conflict"),
        "finalise_errors": overrides.get("finalise_errors", []),
        "focus": overrides.get("focus", ""),
        "today": today,
    }


def _render_detail(request, review: ManagementReview, status: int = 200, **overrides):
    return render(
        request,
        "review/review_detail.html",
        _detail_context(request, review, overrides),
        status=status,
    )


def _refused(request, review: ManagementReview, *, final_allowed: bool = False):
    """The answer to a change the user may not make, or None when they may make it."""
    if not can_run_review(request.user, review.root):
        messages.error(
            request,
            _("Only the HSE department and the rector can change the review. You can read it."),
        )
        return _render_detail(request, review, status=403)
    if review.is_final and not final_allowed:
        messages.error(request, _("The review is final and can no longer be changed."))
        return _render_detail(request, review, status=403)
    return None


def _anchor(review: ManagementReview, anchor: str) -> str:
    return f"{review.get_absolute_url()}#{anchor}"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_detail(request, year: int):
    """The review; its POST saves the meeting date and the archive case number."""
    review = _review(request, year)
    if request.method != "POST":
        return _render_detail(request, review)
    if refused := _refused(request, review, final_allowed=True):
        return refused
    form = forms.ReviewHeaderForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.review_update(
                actor=request.user,
                review=review,
                version=data["version"],
                meeting_date=data["meeting_date"],
                archive_case_number=data["archive_case_number"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            current = ManagementReview.objects.get(pk=review.pk)
            if current.version != data["version"]:
                # Saving again is a deliberate overwrite of what is shown now.
                form.data = form.data.copy()
                form.data["version"] = current.version
                status = 409
            review = current
        else:
            messages.success(request, _("Saved."))
            return redirect(_anchor(review, "meeting"))
    return _render_detail(request, review, status=status, header_form=form, focus="meeting")


@login_required
@require_POST
def participants(request, year: int):
    review = _review(request, year)
    if refused := _refused(request, review):
        return refused
    if request.POST.get("action") == "took_part":
        form = forms.TookPartForm(request.POST, participants=list(review.participants.all()))
        if form.is_valid():
            services.participants_took_part(
                actor=request.user, review=review, took_part=set(form.cleaned_data["took_part"])
            )
            messages.success(request, _("Saved who took part."))
        else:
            messages.error(request, _("This page is out of date. Reload it and try again."))
        return redirect(_anchor(review, "participants"))
    form = forms.ParticipantAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.participant_add(
                actor=request.user,
                review=review,
                function=data["function"],
                user=data["person"],
                name=data["name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The participant was added."))
            return redirect(_anchor(review, "participants"))
    return _render_detail(request, review, status=400, participant_form=form, focus="participants")


@login_required
@require_POST
def participant_remove(request, year: int, pk: int):
    review = _review(request, year)
    participant = get_object_or_404(ReviewParticipant, review=review, pk=pk)
    if refused := _refused(request, review):
        return refused
    services.participant_remove(actor=request.user, participant=participant)
    messages.success(request, _("The participant was removed."))
    return redirect(_anchor(review, "participants"))


@login_required
@require_POST
def item_notes(request, year: int, pk: int):
    review = _review(request, year)
    item = get_object_or_404(AgendaItem, review=review, pk=pk)
    if refused := _refused(request, review):
        return refused
    form = forms.NotesForm(request.POST, prefix=f"n{item.pk}")
    status = 400
    conflict = None
    if form.is_valid():
        try:
            services.item_notes_save(
                actor=request.user,
                item=item,
                version=form.cleaned_data["version"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            current = AgendaItem.objects.get(pk=item.pk)
            form.data = form.data.copy()
            form.data[form.add_prefix("version")] = current.version
            conflict = {"item": item.pk, "notes": current.notes}
            status = 409
        else:
            messages.success(request, _("The notes were saved."))
            return redirect(_anchor(review, f"item-{item.order}"))
    return _render_detail(
        request,
        review,
        status=status,
        item_forms={("notes", item.pk): form},
        conflict=conflict,
        focus=f"item-{item.order}",
    )


@login_required
@require_POST
def decision_add(request, year: int, pk: int):
    review = _review(request, year)
    item = get_object_or_404(AgendaItem, review=review, pk=pk)
    if refused := _refused(request, review):
        return refused
    form = forms.DecisionForm(request.POST, prefix=f"d{item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_add(
                actor=request.user,
                item=item,
                text=data["text"],
                responsible=data["responsible"],
                deadline=data["deadline"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The decision was added."))
            return redirect(_anchor(review, f"item-{item.order}"))
    return _render_detail(
        request,
        review,
        status=400,
        item_forms={("decision", item.pk): form},
        focus=f"item-{item.order}",
    )


def _decision(review: ManagementReview, pk: int) -> Decision:
    return get_object_or_404(
        Decision.objects.select_related("item", "responsible"), item__review=review, pk=pk
    )


@login_required
@require_POST
def decision_measure(request, year: int, pk: int):
    review = _review(request, year)
    decision = _decision(review, pk)
    if refused := _refused(request, review):
        return refused
    form = forms.MeasureForm(request.POST)
    anchor = _anchor(review, f"item-{decision.item.order}")
    if not form.is_valid():
        messages.error(request, _("Choose a priority, and give the cost as a number (or nothing)."))
        return redirect(anchor)
    try:
        services.decision_to_measure(actor=request.user, decision=decision, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The decision is now a measure of the action plan."))
    return redirect(anchor)


@login_required
@require_POST
def decision_remove(request, year: int, pk: int):
    review = _review(request, year)
    decision = _decision(review, pk)
    if refused := _refused(request, review):
        return refused
    try:
        services.decision_remove(actor=request.user, decision=decision)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The decision was removed."))
    return redirect(_anchor(review, f"item-{decision.item.order}"))


@login_required
@require_POST
def refresh(request, year: int):
    review = _review(request, year)
    if refused := _refused(request, review):
        return refused
    services.review_refresh_facts(actor=request.user, review=review)
    messages.success(request, _("The facts were taken again, as they are now."))
    return redirect(review)


@login_required
@require_POST
def finalise(request, year: int):
    review = _review(request, year)
    if refused := _refused(request, review):
        return refused
    form = forms.VersionForm(request.POST)
    if not form.is_valid():
        return _render_detail(
            request, review, status=400, finalise_errors=form.non_field_errors(), focus="finalise"
        )
    try:
        services.review_finalise(
            actor=request.user, review=review, version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        current = ManagementReview.objects.select_related("root").get(pk=review.pk)
        status = 409 if current.version != form.cleaned_data["version"] else 400
        return _render_detail(
            request, current, status=status, finalise_errors=error.messages, focus="finalise"
        )
    except PermissionDenied:
        return _refused(request, review)
    messages.success(request, _("The review is final. Download the PDF for the archive."))
    return redirect(review)


@login_required
@require_safe
def review_pdf(request, year: int):
    review = _review(request, year)
    context = _detail_context(request, review, {})
    context["generated_at"] = timezone.now()
    pdf = render_pdf("review/pdf/review.html", context)
    return pdf_response(pdf, f"management-review-{review.year}-{review.root.code}.pdf")
