from django.urls import path

from hms.registers.views import agreements, documents, overview, requirements, routines

app_name = "registers"

urlpatterns = [
    path("requirements/", requirements.catalogue, name="catalogue"),
    path("requirements/export.<str:fmt>", requirements.catalogue_export, name="catalogue_export"),
    path("requirements/new/", requirements.catalogue_edit, name="catalogue_create"),
    path("requirements/<int:pk>/", requirements.catalogue_edit, name="catalogue_edit"),
    path(
        "requirements/local/<int:pk>/",
        requirements.local_requirement_edit,
        name="local_requirement_edit",
    ),
    path("documents/", documents.document_list, name="document_list"),
    path("documents/export.<str:fmt>", documents.document_export, name="document_export"),
    path("documents/<int:pk>/", documents.document_detail, name="document"),
    path("documents/<int:pk>/edit/", documents.document_edit, name="document_edit"),
    path("documents/<int:pk>/file/", documents.document_file, name="document_file"),
    path("documents/<int:pk>/approve/", documents.document_approve, name="document_approve"),
    path(
        "documents/<int:pk>/versions/<int:number>/file/",
        documents.document_version_file,
        name="document_version_file",
    ),
    path("documents/<int:pk>/delete/", documents.document_delete, name="document_delete"),
    path("routines/", routines.routine_list, name="routine_list"),
    path("routines/export.<str:fmt>", routines.routine_export, name="routine_export"),
    path("routines/templates/", routines.template_list, name="templates"),
    path("routines/templates/new/", routines.template_edit, name="template_create"),
    path("routines/templates/<int:pk>/", routines.template_edit, name="template_edit"),
    path("routines/<int:pk>/", routines.routine_detail, name="routine"),
    path("routines/<int:pk>/edit/", routines.routine_edit, name="routine_edit"),
    path("routines/<int:pk>/approve/", routines.routine_approve, name="routine_approve"),
    path("routines/<int:pk>/delete/", routines.routine_delete, name="routine_delete"),
    path("routines/<int:pk>/routine.pdf", routines.routine_pdf, name="routine_pdf"),
    path("agreements/", agreements.agreement_list, name="agreement_list"),
    path("agreements/export.<str:fmt>", agreements.agreement_export, name="agreement_export"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/edit/", agreements.agreement_edit, name="agreement_edit"),
    *agreements.attachment_views.urls("agreements/<int:pk>/"),
    path(
        "agreements/<int:pk>/plan/<int:item_pk>/delete/",
        agreements.plan_item_delete,
        name="plan_item_delete",
    ),
    path("<str:code>/", overview.unit_registers, name="unit"),
    path("<str:code>/summary/", overview.unit_summary, name="unit_summary"),
    path("<str:code>/requirements/", requirements.register, name="requirements"),
    path(
        "<str:code>/requirements/export.<str:fmt>",
        requirements.register_export,
        name="register_export",
    ),
    path("<str:code>/requirements/review/", requirements.register_review, name="register_review"),
    path(
        "<str:code>/requirements/new/",
        requirements.local_requirement_edit,
        name="local_requirement_create",
    ),
    path("<str:code>/documents/new/", documents.document_create, name="document_create"),
    path("<str:code>/routines/new/", routines.routine_create, name="routine_create"),
    path("<str:code>/agreements/new/", agreements.agreement_create, name="agreement_create"),
]
