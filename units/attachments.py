"""Photos and files on a record: the evidence of a measure (the fix, before and after), of a
round's finding, of a risk assessment, the signed copy of a coordination agreement.

Every app that keeps files on its records builds on this module: `RecordAttachment` is the
abstract model (a concrete one adds the foreign key to its record and names it in
`record_field`), `check_upload` tells a file by its content (units.downloads) and strips an
image's metadata (units.images), `AttachmentForm` keeps the limits, the services add and
remove files, and `AttachmentViews` gives each record kind its upload, delete and download
views, scoped by the app's own fetch and permission predicate. Deviation reports use
`MultipleFileField` and `check_upload` too.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from units.downloads import INLINE_TYPES, OFFICE_TYPES, detect_type, file_response
from units.images import REENCODE, strip_metadata

MAX_FILES_PER_RECORD = 10
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_REQUEST_BYTES = 40 * 1024 * 1024

IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif"}
)
# The evidence a record keeps, told by the content: photos, PDFs (a signed, scanned copy) and
# the Office and OpenDocument formats. Nothing that runs in a browser (HTML, SVG) or a program.
RECORD_TYPES = IMAGE_TYPES | {"application/pdf"} | OFFICE_TYPES
RECORD_ACCEPT = (
    "image/jpeg,image/png,image/gif,image/webp,image/heic,image/heif,.heic,.heif,"
    ".pdf,.docx,.xlsx,.pptx,.doc,.xls,.ppt,.odt,.ods,.odp"
)


def max_file_bytes() -> int:
    return getattr(settings, "RECORD_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_FILE_BYTES)


def max_request_bytes() -> int:
    return getattr(settings, "RECORD_ATTACHMENT_REQUEST_MAX_BYTES", DEFAULT_MAX_REQUEST_BYTES)


# --- Checking a file ---------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


def check_upload(upload, *, types: frozenset, limit: int, refused) -> None:
    """Accept one uploaded file or raise ValidationError. Its type is told by its content,
    never by its name or the browser's word; an image is re-encoded without its metadata (the
    GPS position, the camera owner's name). On success the upload carries what is stored:
    `content_type` and `detected_extension`. `refused` is the message for another type, with
    %(name)s."""
    if upload.size > limit:
        raise forms.ValidationError(
            _("“%(name)s” is %(size)s; the largest file accepted is %(limit)s."),
            params={
                "name": upload.name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(limit),
            },
        )
    found = detect_type(upload, upload.name or "")
    if found is None or found[0] not in types:
        raise forms.ValidationError(refused, params={"name": upload.name})
    if found[0] in REENCODE:
        found = strip_metadata(upload, found[0])
    # Stored with the type found in the file, not the one the browser claimed.
    upload.content_type, upload.detected_extension = found


class AttachmentForm(forms.Form):
    files = MultipleFileField(
        label=gettext_lazy("Photos or files"),
        widget=MultipleFileInput(attrs={"accept": RECORD_ACCEPT}),
    )
    caption = forms.CharField(
        label=gettext_lazy("Caption"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Optional, for example “before” or “after”."),
    )

    def __init__(self, *args, existing: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing
        self.fields["files"].help_text = _(
            "Photos, PDF, Word, Excel, PowerPoint or OpenDocument files, up to %(size)s each, "
            "%(total)s in one upload and %(count)s files on a record."
        ) % {
            "size": filesizeformat(max_file_bytes()),
            "total": filesizeformat(max_request_bytes()),
            "count": MAX_FILES_PER_RECORD,
        }

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        room = MAX_FILES_PER_RECORD - self.existing
        if len(uploads) > room:
            if room <= 0:
                message = _(
                    "This record has %(count)s files already, the most it can keep. Delete one "
                    "before adding another."
                ) % {"count": self.existing}
            else:
                message = _(
                    "At most %(max)s files can be attached to a record; it has %(count)s, so "
                    "choose at most %(room)s."
                ) % {"max": MAX_FILES_PER_RECORD, "count": self.existing, "room": room}
            raise forms.ValidationError(message)
        total = sum(upload.size for upload in uploads)
        if total > max_request_bytes():
            raise forms.ValidationError(
                _("These files are %(size)s together; one upload takes at most %(limit)s."),
                params={
                    "size": filesizeformat(total),
                    "limit": filesizeformat(max_request_bytes()),
                },
            )
        errors = []
        refused = _(
            "“%(name)s” is not a photo (JPEG, PNG, GIF, WebP, HEIC), a PDF or an Office or "
            "OpenDocument file."
        )
        for upload in uploads:
            try:
                check_upload(upload, types=RECORD_TYPES, limit=max_file_bytes(), refused=refused)
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            errors.append(
                forms.ValidationError(
                    _("Nothing was saved. Choose the files again, without the refused ones.")
                )
            )
            raise forms.ValidationError(errors)
        return uploads


# --- The model ---------------------------------------------------------------------------------


def stored_path(instance: "RecordAttachment", filename: str) -> str:
    # The stored name is not the uploaded one: names can carry personal data.
    meta = instance._meta
    return f"{meta.app_label}/{meta.model_name}/{instance.record_id}/{instance.token}"


class RecordAttachment(models.Model):
    """A file on a record. A concrete model adds `record_field`'s foreign key (named in the
    class attribute) and the URL name of the record's page in `url_name`."""

    record_field = ""
    url_name = ""  # the record page's URL name: its attachment URLs are named after it

    token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to=stored_path, max_length=200)
    original_name = models.CharField(gettext_lazy("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    caption = models.CharField(gettext_lazy("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]
        verbose_name = gettext_lazy("photo or file")
        verbose_name_plural = gettext_lazy("photos and files")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        args = [*self.record_args(self.record), self.token]
        return reverse(f"{self.url_name}_attachment", args=args)

    @property
    def record_id(self):
        return getattr(self, f"{self.record_field}_id")

    @property
    def record(self):
        return getattr(self, self.record_field)

    @property
    def is_image(self) -> bool:
        return self.content_type in INLINE_TYPES

    @classmethod
    def record_args(cls, record) -> list:
        """The URL arguments that name the record (a finding needs its round's too)."""
        return [record.pk]

    def delete_url(self) -> str:
        args = [*self.record_args(self.record), self.token]
        return reverse(f"{self.url_name}_attachment_delete", args=args)

    @classmethod
    def upload_url(cls, record) -> str:
        return reverse(f"{cls.url_name}_attachment_upload", args=cls.record_args(record))


# --- Services ----------------------------------------------------------------------------------


@transaction.atomic
def attachments_add(*, actor, model: type[RecordAttachment], record, uploads, caption: str = ""):
    """Store checked uploads (AttachmentForm) on a record. The record's row is locked, so two
    uploads at once cannot pass the limit of files together."""
    type(record)._base_manager.select_for_update().filter(pk=record.pk).first()
    existing = model.objects.filter(**{model.record_field: record}).count()
    if existing + len(uploads) > MAX_FILES_PER_RECORD:
        raise ValidationError(
            _("At most %(max)s files can be attached to a record."),
            params={"max": MAX_FILES_PER_RECORD},
        )
    stored = []
    for upload in uploads:
        attachment = model(
            **{model.record_field: record},
            original_name=(upload.name or "")[:200],
            content_type=upload.content_type,
            size=upload.size,
            caption=caption.strip(),
            uploaded_by=actor,
        )
        attachment.file.save(str(attachment.token), upload, save=False)
        attachment.full_clean(exclude=["file", model.record_field, "uploaded_by"])
        attachment.save()
        stored.append(attachment)
    return stored


@transaction.atomic
def attachment_delete(*, actor, attachment: RecordAttachment) -> None:
    """Remove a file from its record. The audit trail keeps the row's history; the stored file
    goes once the deletion is committed, so a photo taken off a record is gone."""
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- Serving -----------------------------------------------------------------------------------


def serve(attachment: RecordAttachment):
    """The stored file as a download: typed by its content, a photo shown in the browser and
    everything else saved (Content-Disposition), never cached, never sniffed."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    response = file_response(handle, attachment.original_name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Views -------------------------------------------------------------------------------------


@dataclass
class AttachmentViews:
    """The upload, delete and download views of one kind of record's attachments.

    `record(request, **url_kwargs)` is the app's scoped fetch (404 for a record the user may
    not see); `may_change(user, record)` its predicate for changing the record;
    `page(request, record, form, status)` renders the record's page with a refused upload form,
    and `page_url(record)` is where the user goes back to."""

    model: type[RecordAttachment]
    record: Callable
    may_change: Callable
    page: Callable
    page_url: Callable = lambda record: record.get_absolute_url() + "#attachments"
    # Several records' forms on one page (a round's findings) need their own field ids.
    form_prefix: Callable = lambda record: None

    def attachments_of(self, record):
        return self.model.objects.filter(**{self.model.record_field: record})

    def upload(self, request, **kwargs):
        record = self.record(request, **kwargs)
        if not self.may_change(request.user, record):
            raise PermissionDenied
        form = AttachmentForm(
            request.POST,
            request.FILES,
            existing=self.attachments_of(record).count(),
            prefix=self.form_prefix(record),
        )
        if form.is_valid():
            try:
                stored = attachments_add(
                    actor=request.user,
                    model=self.model,
                    record=record,
                    uploads=form.cleaned_data["files"],
                    caption=form.cleaned_data["caption"],
                )
            except ValidationError as error:
                form.add_error("files", error)
            else:
                count = len(stored)
                messages.success(
                    request,
                    ngettext("The file was attached.", "%(count)s files were attached.", count)
                    % {"count": count},
                )
                return redirect(self.page_url(record))
        return self.page(request, record, form, 400)

    def delete(self, request, token, **kwargs):
        record = self.record(request, **kwargs)
        attachment = get_object_or_404(self.attachments_of(record), token=token)
        if not self.may_change(request.user, record):
            raise PermissionDenied
        attachment_delete(actor=request.user, attachment=attachment)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": attachment.original_name})
        return redirect(self.page_url(record))

    def download(self, request, token, **kwargs):
        record = self.record(request, **kwargs)
        return serve(get_object_or_404(self.attachments_of(record), token=token))

    def urls(self, prefix: str) -> list:
        """The three URL patterns under the record's `prefix` (with its converters), named
        after the model's `url_name`."""
        name = self.model.url_name.rpartition(":")[2]
        upload = login_required(require_POST(self.upload))
        delete = login_required(require_POST(self.delete))
        download = never_cache(login_required(require_safe(self.download)))
        return [
            path(f"{prefix}attachments/", upload, name=f"{name}_attachment_upload"),
            path(f"{prefix}attachments/<uuid:token>/", download, name=f"{name}_attachment"),
            path(
                f"{prefix}attachments/<uuid:token>/delete/",
                delete,
                name=f"{name}_attachment_delete",
            ),
        ]


def attachments_context(views: AttachmentViews, record, user, form=None, attachments=None):
    """What templates/units/_attachments.html shows of one record."""
    if attachments is None:
        attachments = list(views.attachments_of(record).select_related("uploaded_by"))
        for attachment in attachments:  # their URLs name the record: no query for each
            setattr(attachment, views.model.record_field, record)
    may_change = views.may_change(user, record)
    if may_change and form is None and len(attachments) < MAX_FILES_PER_RECORD:
        form = AttachmentForm(existing=len(attachments), prefix=views.form_prefix(record))
    return {
        "attachments": attachments,
        "attachment_form": form if may_change else None,
        "attachment_upload_url": views.model.upload_url(record),
        "may_change_attachments": may_change,
        "full": len(attachments) >= MAX_FILES_PER_RECORD,
    }
