from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from mozilla_django_oidc.views import OIDCLogoutView

from api.views import tokens as api_tokens
from hms import organisation, people, views
from units import oidc

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("organisation/state/", organisation.organisation_state, name="organisation_state"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("history/<int:content_type_id>/<int:object_id>/", views.history, name="history"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    # Ends the session here and, after an institution sign-in, at the provider too.
    path("accounts/logout/", OIDCLogoutView.as_view(), name="logout"),
    path("accounts/api-tokens/", api_tokens.token_list, name="api_tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", api_tokens.token_revoke, name="api_token_revoke"),
    path("accounts/", include("hms.accounts.urls")),
    # The institution's sign-in; each answers 404 without OIDC_ISSUER.
    path(
        "accounts/oidc/authenticate/",
        oidc.AuthenticationRequest.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "accounts/oidc/callback/",
        oidc.AuthenticationCallback.as_view(),
        name="oidc_authentication_callback",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("units/", include("units.urls")),
    path("people/", include((people.urlpatterns, "people"))),
    path("deviations/", include("deviations.urls")),
    path("risk/", include("risk.urls")),
    path("cycle/", include("hms.cycle.urls")),
    path("actionplans/", include("actionplans.urls")),
    path("surveys/", include("hms.surveys.urls")),
    path("registers/", include("hms.registers.urls")),
    path("training/", include("hms.training.urls")),
    path("indicators/", include("indicators.urls")),
    path("reports/", include("indicators.reports.urls")),
    path("review/", include("indicators.review.urls")),
    path("exports/", include("hms.transfer.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
# Uploaded files are never served as /media/: attachments go through views that check who
# may see them.

# A database outage raised outside a view still gets the site's 503 page (hms/middleware.py).
handler500 = "hms.middleware.server_error"
