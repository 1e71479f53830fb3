from django.urls import path

from units import views

app_name = "units"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("new/", views.unit_create, name="create"),
    path("import/", views.unit_import, name="import"),
    path("import/people/", views.people_import_page, name="import_people"),
    path("import/roles/", views.roles_import_page, name="import_roles"),
    path("export.csv", views.unit_export, name="export"),
    path("people/pick/", views.person_pick, name="person_pick"),
    path("roles/<int:pk>/end/", views.role_end, name="role_end"),
    path("roles/<int:pk>/delegated/", views.role_delegation, name="role_delegation"),
    path("roles/descriptions/", views.role_descriptions, name="role_descriptions"),
    path(
        "roles/descriptions/<str:role>/",
        views.role_description_edit,
        name="role_description_edit",
    ),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/children/", views.children, name="children"),
    path("<str:code>/edit/", views.unit_edit, name="edit"),
    path("<str:code>/move/", views.unit_move, name="move"),
    path("<str:code>/deactivate/", views.unit_deactivate, name="deactivate"),
    path("<str:code>/reactivate/", views.unit_reactivate, name="reactivate"),
    path("<str:code>/delete/", views.unit_delete, name="delete"),
    path("<str:code>/roles/new/", views.role_assign, name="role_assign"),
]
