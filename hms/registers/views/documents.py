from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hms.registers import export, services
from hms.registers.filters import DOCUMENT_COLUMNS, DocumentFilter, document_sort
from hms.registers.forms import DocumentForm
from hms.registers.models import Document, DocumentVersion
from hms.registers.views.scope import forbidden, list_context, shared_unit
from units.downloads import file_response
from units.forms import add_service_errors
from units.models import Unit

FIELDS = ["kind", "title", "edition", "review_due", "archive_ref"]


def _document(request, pk: int) -> Document:
    return get_object_or_404(
        Document.objects.visible_to(request.user).select_related("unit", "approved_by"), pk=pk
    )


def _documents(request):
    """The list's filterset and the documents it selects, in the order asked for: the page
    and its exports share it. Invalid filters select nothing; the page says what to correct."""
    base = Document.objects.visible_to(request.user).select_related("unit")
    filterset = DocumentFilter(request.GET, queryset=base)
    if not filterset.is_valid():
        return filterset, base.none()
    due = bool(filterset.form.cleaned_data.get("due"))
    return filterset, document_sort(filterset.qs, request.GET.get("sort"), due=due)


@login_required
@require_safe
def document_list(request):
    """Every document the person may read: their units' and those above them (shared down),
    and the units their roles cover."""
    filterset, documents = _documents(request)
    context = list_context(request, filterset, documents, DOCUMENT_COLUMNS)
    code = filterset.form.cleaned_data.get("unit") if filterset.is_valid() else ""
    context["unit"] = Unit.objects.filter(code__iexact=code).first() if code else None
    return render(request, "registers/document_list.html", context)


@login_required
@require_safe
def document_export(request, fmt: str):
    """The filtered list as CSV or XLSX: exactly the documents the page lists."""
    if fmt not in export.FORMATS:
        raise Http404
    _filterset, documents = _documents(request)
    return export.download(
        export.document_rows(documents),
        export.DOCUMENT_COLUMNS,
        _("documents"),
        fmt,
        sheet_title=_("Documentation"),
    )


def _save(request, form, *, unit, document=None):
    data = form.cleaned_data
    return services.document_save(
        actor=request.user,
        unit=unit,
        document=document,
        version=data.get("version"),
        upload=data.get("file") or None,
        **{name: data[name] for name in FIELDS},
    )


@login_required
def document_create(request, code: str):
    unit = shared_unit(request, code)
    if not services.can_change(request.user, unit):
        return forbidden(request, _("You may read this unit's documents, but not add to them."))
    form = DocumentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                document = _save(request, form, unit=unit)
            except PermissionDenied:
                return forbidden(request, _("You may not add documents to this unit."))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The document was added to the register."))
                return redirect(document)
    context = {"form": form, "unit": unit, "title": _("Add a document")}
    return render(request, "registers/document_form.html", context, status=status)


@login_required
@require_safe
def document_detail(request, pk: int):
    document = _document(request, pk)
    context = {
        "document": document,
        "unit": document.unit,
        "can_change": services.can_change(request.user, document.unit),
        "can_approve": services.can_approve(request.user, document.unit),
        "versions": document.versions.select_related("approved_by", "replaced_by"),
    }
    return render(request, "registers/document_detail.html", context)


@login_required
def document_edit(request, pk: int):
    document = _document(request, pk)
    if not services.can_change(request.user, document.unit):
        return forbidden(request, _("You can read this document, but you may not change it."))
    initial = {name: getattr(document, name) for name in FIELDS}
    initial["version"] = document.version
    form = DocumentForm(
        request.POST or None, request.FILES or None, initial=initial, has_file=bool(document.file)
    )
    # An edit always says which version it started from (a missing one is no overwrite).
    form.fields["version"].required = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                document = _save(request, form, unit=document.unit, document=document)
            except PermissionDenied:
                return forbidden(request, _("You may not change this document."))
            except ValidationError as error:
                add_service_errors(form, error)
                current = Document.objects.get(pk=document.pk)
                if current.version != form.cleaned_data.get("version"):
                    # Saving again is a deliberate overwrite of the newer version.
                    form.data = form.data.copy()
                    form.data["version"] = current.version
                    status = 409
            else:
                messages.success(request, _("The document was saved."))
                return redirect(document)
    context = {
        "form": form,
        "unit": document.unit,
        "document": document,
        "title": _("Change the document"),
    }
    return render(request, "registers/document_form.html", context, status=status)


@login_required
@require_safe
def document_file(request, pk: int):
    """The file, for those who may read the document only; never served as /media/."""
    document = _document(request, pk)
    return _stored_file(document)


@login_required
@require_safe
def document_version_file(request, pk: int, number: int):
    """An earlier version's file, for those who may read the document."""
    document = _document(request, pk)
    earlier = get_object_or_404(DocumentVersion, document=document, number=number)
    return _stored_file(earlier)


def _stored_file(version):
    """The file of a document or of one of its earlier versions (both keep file, file_name
    and file_type); 404 when there is none or it is gone from storage."""
    if not version.file:
        raise Http404
    try:
        handle = version.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    return file_response(handle, version.file_name or "document", content_type=version.file_type)


@login_required
@require_POST
def document_approve(request, pk: int):
    document = _document(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.document_approve(actor=request.user, document=document, version=version)
    except PermissionDenied:
        return forbidden(request, _("Only the unit's line manager approves its documents."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(document)
    messages.success(request, _("The document is approved."))
    return redirect(document)


@login_required
@require_POST
def document_delete(request, pk: int):
    document = _document(request, pk)
    unit = document.unit
    try:
        services.document_delete(actor=request.user, document=document)
    except PermissionDenied:
        return forbidden(request, _("You can read this document, but you may not delete it."))
    messages.success(request, _("The document was removed from the register."))
    return redirect(reverse("registers:unit", args=[unit.code]) + "#documents")
