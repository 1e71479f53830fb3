from django.urls import path

from indicators.review import views

app_name = "review"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.review_create, name="create"),
    path("<int:year>/", views.review_detail, name="detail"),
    path("<int:year>/pdf/", views.review_pdf, name="pdf"),
    path("<int:year>/participants/", views.participants, name="participants"),
    path(
        "<int:year>/participants/<int:pk>/remove/",
        views.participant_remove,
        name="participant_remove",
    ),
    path("<int:year>/items/<int:pk>/notes/", views.item_notes, name="item_notes"),
    path("<int:year>/items/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("<int:year>/decisions/<int:pk>/measure/", views.decision_measure, name="decision_measure"),
    path("<int:year>/decisions/<int:pk>/remove/", views.decision_remove, name="decision_remove"),
    path("<int:year>/refresh/", views.refresh, name="refresh"),
    path("<int:year>/finalise/", views.finalise, name="finalise"),
]
