import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hms.registers import export, services
from hms.registers.filters import AGREEMENT_COLUMNS, AgreementFilter, agreement_sort
from hms.registers.forms import AgreementForm, CooperationItemForm, party_formset
from hms.registers.models import AgreementAttachment, CooperationItem, CoordinationAgreement
from hms.registers.views.scope import forbidden, list_context, records_unit
from units.attachments import AttachmentViews, attachments_context
from units.forms import add_service_errors
from units.models import Unit

FIELDS = ["title", "premises", "activities", "valid_from", "valid_to", "archive_ref"]


def _agreement(request, pk: int) -> CoordinationAgreement:
    return get_object_or_404(
        CoordinationAgreement.objects.visible_to(request.user).select_related("unit"), pk=pk
    )


def _agreements(request):
    """The list's filterset and the agreements it selects, in the order asked for: the page
    and its exports share it. Invalid filters select nothing; the page says what to correct."""
    base = CoordinationAgreement.objects.visible_to(request.user).select_related("unit")
    filterset = AgreementFilter(request.GET, queryset=base)
    if not filterset.is_valid():
        return filterset, base.none()
    return filterset, agreement_sort(filterset.qs, request.GET.get("sort"))


@login_required
@require_safe
def agreement_list(request):
    filterset, agreements = _agreements(request)
    agreements = agreements.prefetch_related("parties")
    context = list_context(request, filterset, agreements, AGREEMENT_COLUMNS)
    return render(request, "registers/agreement_list.html", context)


@login_required
@require_safe
def agreement_export(request, fmt: str):
    """The filtered list as CSV or XLSX: exactly the agreements the page lists."""
    if fmt not in export.FORMATS:
        raise Http404
    _filterset, agreements = _agreements(request)
    return export.download(
        export.agreement_rows(agreements),
        export.AGREEMENT_COLUMNS,
        _("coordination-agreements"),
        fmt,
        sheet_title=_("Coordination agreements"),
    )


def _edit(request, *, unit: Unit, agreement: CoordinationAgreement | None):
    if not services.can_change(request.user, unit):
        return forbidden(request, _("You can read the agreements, but you may not change them."))
    initial, parties = {}, []
    if agreement:
        initial = {name: getattr(agreement, name) for name in FIELDS}
        initial["version"] = agreement.version
        parties = [
            {"name": p.name, "contact": p.contact, "is_main": p.is_main}
            for p in agreement.parties.all()
        ]
    form = AgreementForm(request.POST or None, initial=initial)
    formset = party_formset(request.POST or None, initial=parties)
    form.fields["version"].required = agreement is not None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                agreement = services.agreement_save(
                    actor=request.user,
                    unit=unit,
                    agreement=agreement,
                    version=data.get("version"),
                    parties=formset.parties(),
                    **{name: data[name] for name in FIELDS},
                )
            except PermissionDenied:
                return forbidden(request, _("You may not change this unit's agreements."))
            except ValidationError as error:
                add_service_errors(form, error)
                if agreement is not None:
                    current = CoordinationAgreement.objects.get(pk=agreement.pk)
                    if current.version != data.get("version"):
                        form.data = form.data.copy()
                        form.data["version"] = current.version
                        status = 409
            else:
                messages.success(request, _("The coordination agreement was saved."))
                return redirect(agreement)
    context = {
        "form": form,
        "formset": formset,
        "unit": unit,
        "agreement": agreement,
        "title": _("Change the agreement") if agreement else _("New coordination agreement"),
    }
    return render(request, "registers/agreement_form.html", context, status=status)


@login_required
def agreement_create(request, code: str):
    return _edit(request, unit=records_unit(request, code), agreement=None)


@login_required
def agreement_edit(request, pk: int):
    agreement = _agreement(request, pk)
    return _edit(request, unit=agreement.unit, agreement=agreement)


@login_required
def agreement_detail(request, pk: int):
    agreement = _agreement(request, pk)
    can_change = services.can_change(request.user, agreement.unit)
    year = timezone.localdate().year
    with contextlib.suppress(ValueError):
        year = int(request.GET.get("year", year))
    form = CooperationItemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_change:
            return forbidden(request, _("You can read this agreement, but you may not change it."))
        status = 400
        if form.is_valid():
            try:
                item = services.cooperation_item_add(
                    actor=request.user, agreement=agreement, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The plan item was added."))
                return redirect(f"{agreement.get_absolute_url()}?year={item.date.year}#plan")
    return _render_detail(request, agreement, year=year, form=form, status=status)


def _render_detail(
    request, agreement, *, year=None, form=None, attachment_form=None, status: int = 200
):
    year = year or timezone.localdate().year
    context = {
        "agreement": agreement,
        "unit": agreement.unit,
        "parties": agreement.parties.all(),
        "items": agreement.plan_items.filter(date__year=year),
        "year": year,
        "form": form or CooperationItemForm(),
        "can_change": services.can_change(request.user, agreement.unit),
        **attachments_context(attachment_views, agreement, request.user, attachment_form),
    }
    return render(request, "registers/agreement_detail.html", context, status=status)


# The signed copy of the agreement, and any other file that belongs with it.
attachment_views = AttachmentViews(
    model=AgreementAttachment,
    record=lambda request, pk: _agreement(request, pk),
    may_change=lambda user, agreement: services.can_change(user, agreement.unit),
    page=lambda request, agreement, form, status: _render_detail(
        request, agreement, attachment_form=form, status=status
    ),
)


@login_required
@require_POST
def plan_item_delete(request, pk: int, item_pk: int):
    agreement = _agreement(request, pk)
    item = get_object_or_404(CooperationItem, agreement=agreement, pk=item_pk)
    try:
        services.cooperation_item_delete(actor=request.user, item=item)
    except PermissionDenied:
        return forbidden(request, _("You can read this agreement, but you may not change it."))
    messages.success(request, _("The plan item was removed."))
    return redirect(f"{agreement.get_absolute_url()}?year={item.date.year}#plan")
