"""DSR Desk settings: one file, every knob read from the environment.

Each variable is documented in the README's configuration table. The helpers
below fail fast with ImproperlyConfigured on a value they cannot read, so a
typo in a deployment stops the process at start-up instead of at 3 a.m.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from cryptography.fernet import Fernet
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def envint(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

# Everything the embedded default writes (database, broker, mail, media) lives here.
VAR_DIR = Path(envstr("DSR_VAR_DIR", str(BASE_DIR / "var"))).resolve()

# A development key is only acceptable while DEBUG is on; production must set its own.
_DEV_SECRET_KEY = "dev-only-insecure-key-3f9c1b7e2a6d4e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9"  # noqa: S105
SECRET_KEY = envstr("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

# Fernet keys for files and secrets at rest, comma separated: the first encrypts,
# all decrypt (so a key can be rotated). Generate one with `make key`.
_DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktaW5zZWN1cmUtZW5jcnlwdGlvbi1rZXk="
ENCRYPTION_KEYS = envlist("DSR_ENCRYPTION_KEYS", [_DEV_ENCRYPTION_KEY] if DEBUG else [])
if not ENCRYPTION_KEYS:
    raise ImproperlyConfigured("DSR_ENCRYPTION_KEYS must be set when DEBUG is off")
for _key in ENCRYPTION_KEYS:
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            "DSR_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes); "
            "generate one with `make key`"
        ) from None

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# Absolute base of links in e-mails and letters (confirmation links, status pages).
SITE_URL = envstr("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "accounts",
    "dsr",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First after security: its header goes on every response the others make (CSP block).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL in production).
DATABASE_URL = envstr("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
if not envstr("DATABASE_URL"):
    # The embedded default keeps its database in var/, which a fresh clone does not have yet
    # (SQLite creates the file, not its folder).
    VAR_DIR.mkdir(parents=True, exist_ok=True)
try:
    _database = dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=envint("CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: take the write lock at BEGIN so two writers
    # queue up instead of failing mid-transaction, and let readers run beside a writer.
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests too use a file (not the in-memory default): a real worker thread and the test
    # then share it the way processes do, waiting on the busy timeout; an in-memory shared
    # cache answers "table is locked" at once instead.
    # One per test process, so that two runs in one checkout never share it.
    _database["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "desk:queue"
PASSWORD_RESET_TIMEOUT = 3 * 3600  # a reset link works for three hours

# Desk sign-in (accounts/): password, then a one-time code from an authenticator app.
OTP_TOTP_ISSUER = "DSR Desk"
# A desk session ends after this many seconds without a request (SESSION_COOKIE_AGE caps it).
IDLE_TIMEOUT_SECONDS = envint("DSR_IDLE_TIMEOUT_SECONDS", 30 * 60, minimum=60)
# The header a trusted reverse proxy sets to the client's address (e.g. X-Real-IP); unset:
# REMOTE_ADDR. Sign-in lockout counts failures per account and per client address.
CLIENT_IP_HEADER = envstr("DSR_CLIENT_IP_HEADER", "") or ""

# Internationalisation: the desk and the subject pages speak English, Dutch and French.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English in the European convention (day first, 24-hour clock): config/formats/en.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
# Display zone of the desk; legal dates use each organisation's own zone (dsr/deadlines.py).
TIME_ZONE = envstr("TIME_ZONE", "Europe/Brussels")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: files go through views that check access


def _storage_from_env() -> dict:
    """The `default` storage: files under MEDIA_ROOT, or an S3-compatible bucket.

    DSR_STORAGE_URL=s3://bucket/prefix selects django-storages' S3 back-end (dsr/storage.py);
    every object is still encrypted by the desk before it leaves the process.
    """
    raw = (envstr("DSR_STORAGE_URL", "") or "").strip()
    if not raw:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    from urllib.parse import urlsplit

    parts = urlsplit(raw)
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if parts.scheme != "s3" or parts.query or parts.fragment or "@" in bucket:
        raise ImproperlyConfigured(
            f"DSR_STORAGE_URL must look like s3://bucket/prefix (or be unset for the local "
            f"file system), got {raw!r}"
        )
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket) or ".." in bucket:
        raise ImproperlyConfigured(
            f"DSR_STORAGE_URL: {bucket!r} is not a bucket name (3-63 lower-case letters, "
            f"digits, dots and hyphens)"
        )
    if any(part in {"", ".", ".."} for part in prefix.split("/")) and prefix:
        raise ImproperlyConfigured(f"DSR_STORAGE_URL: the prefix {prefix!r} is not a clean path")
    options: dict = {"bucket_name": bucket, "location": prefix}
    endpoint = (envstr("DSR_S3_ENDPOINT_URL", "") or "").strip()
    if endpoint:
        endpoint_parts = urlsplit(endpoint)
        if endpoint_parts.scheme not in {"http", "https"} or not endpoint_parts.hostname:
            raise ImproperlyConfigured(
                f"DSR_S3_ENDPOINT_URL must be an http(s):// URL, got {endpoint!r}"
            )
        options["endpoint_url"] = endpoint
    region = (envstr("DSR_S3_REGION", "") or "").strip()
    if region:
        options["region_name"] = region
    key_id = envstr("DSR_S3_ACCESS_KEY_ID", "") or ""
    secret = envstr("DSR_S3_SECRET_ACCESS_KEY", "") or ""
    if bool(key_id) != bool(secret):
        raise ImproperlyConfigured(
            "Set both DSR_S3_ACCESS_KEY_ID and DSR_S3_SECRET_ACCESS_KEY, or neither "
            "(then boto3's own chain: AWS_* variables, profile, instance role)"
        )
    if key_id:
        options["access_key"], options["secret_key"] = key_id, secret
    style = (envstr("DSR_S3_ADDRESSING_STYLE", "") or "").strip().lower()
    if style:
        if style not in {"path", "virtual", "auto"}:
            raise ImproperlyConfigured(
                f"DSR_S3_ADDRESSING_STYLE must be path, virtual or auto, got {style!r}"
            )
        options["addressing_style"] = style
    ca_bundle = (envstr("DSR_S3_CA_BUNDLE", "") or "").strip()
    if ca_bundle:
        if not Path(ca_bundle).is_file():
            raise ImproperlyConfigured(f"DSR_S3_CA_BUNDLE: no such file {ca_bundle!r}")
        options["verify"] = ca_bundle
    # Seconds to wait for the bucket before the work is left for the sweeps to retry.
    options["timeout"] = envint("DSR_S3_TIMEOUT", 20, minimum=1, maximum=600)
    return {"BACKEND": "dsr.storage.PrivateS3Storage", "OPTIONS": options}


STORAGES = {
    "default": _storage_from_env(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Cache (rate limits, locks): Redis when configured, otherwise files shared by all processes.
REDIS_URL = envstr("REDIS_URL") or None
if REDIS_URL:
    CACHES = {
        # Django's Redis backend, answering from memory while Redis is unreachable (dsr/cache.py)
        "default": {"BACKEND": "dsr.cache.ResilientRedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Celery: Redis in production; kombu's file-system transport under var/ when no Redis is set.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
# A broker that is down or hung must not hold up a page: publishing gives up within a few
# seconds (refused at once, silent after BROKER_TIMEOUT_SECONDS), the row stays queued and a
# sweep enqueues it again (dsr/broker.py, docs/ARCHITECTURE.md "Broker outage").
BROKER_TIMEOUT_SECONDS = envint("DSR_BROKER_TIMEOUT_SECONDS", 2, minimum=1, maximum=30)
REDIS_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_timeout": BROKER_TIMEOUT_SECONDS,  # the worker's BRPOP waits 1 second
}
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = (
    REDIS_TRANSPORT_OPTIONS
    if REDIS_URL
    else {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE  # crontab entries below are in the desk's zone
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often beat sweeps webhook deliveries whose task was lost, and how overdue a delivery
# must be to count as lost (as for mails: 5 minutes). One the broker never took is sent by
# the next sweep, and every sweep runs at once when the broker is back (dsr/broker.py).
WEBHOOK_SWEEP_SECONDS = envint("DSR_WEBHOOK_SWEEP_SECONDS", 300, minimum=10)
CELERY_BEAT_SCHEDULE = {
    "deadline-reminders": {
        "task": "dsr.tasks.reminder_sweep",
        "schedule": envint("DSR_REMINDER_SWEEP_SECONDS", 15 * 60, minimum=60),
    },
    "morning-digest": {
        "task": "dsr.tasks.digest_all",
        "schedule": crontab(hour=envint("DSR_DIGEST_HOUR", 7, minimum=0, maximum=23), minute=0),
    },
    "retention": {
        "task": "dsr.tasks.retention_run_all",
        "schedule": crontab(hour=3, minute=30),
    },
    "send-lost-webhooks": {
        "task": "dsr.tasks.webhook_sweep",
        "schedule": WEBHOOK_SWEEP_SECONDS,
    },
    "render-lost-letters": {
        "task": "dsr.tasks.letter_sweep",
        "schedule": envint("DSR_LETTER_SWEEP_SECONDS", 300, minimum=10),
    },
    "build-lost-register-exports": {
        "task": "dsr.tasks.register_export_sweep",
        "schedule": envint("DSR_LETTER_SWEEP_SECONDS", 300, minimum=10),
    },
    "send-lost-emails": {
        "task": "dsr.tasks.email_sweep",
        "schedule": envint("DSR_EMAIL_SWEEP_SECONDS", 300, minimum=10),
    },
    "requeue-lost-job-steps": {
        # Fulfilment steps queued or running past their lease (a lost message, a killed
        # worker) are enqueued again; the database says what is left to do.
        "task": "dsr.tasks.job_sweep",
        "schedule": envint("DSR_JOB_SWEEP_SECONDS", 60, minimum=5),
    },
    "delete-expired-packages": {
        "task": "dsr.tasks.package_purge",
        "schedule": crontab(minute=20),
    },
    "verify-audit-chains": {
        "task": "dsr.tasks.audit_verify_all",
        "schedule": envint("DSR_AUDIT_VERIFY_SECONDS", 24 * 3600, minimum=60),
    },
}

# Fulfilment (dsr/fulfilment/): the subject's data package expires after this many days or
# downloads; a step's lease is how long a worker may go without a checkpoint before the
# sweep hands the step to another worker.
PACKAGE_DAYS = envint("DSR_PACKAGE_DAYS", 7, minimum=1)
PACKAGE_MAX_DOWNLOADS = envint("DSR_PACKAGE_MAX_DOWNLOADS", 5, minimum=1)
JOB_LEASE_SECONDS = envint("DSR_JOB_LEASE_SECONDS", 300, minimum=2)
# SQL data sources on SQLite are files inside this directory only (dsr/connectors/
# sql_policy.py); the desk's own database must not be in it.
SQL_SOURCE_SQLITE_DIR = Path(
    envstr("DSR_SQL_SOURCE_SQLITE_DIR", str(VAR_DIR / "sources"))
).resolve()
if _database["ENGINE"] == "django.db.backends.sqlite3":
    for _desk_file in (_database["NAME"], _database.get("TEST", {}).get("NAME")):
        if _desk_file and Path(_desk_file).resolve().is_relative_to(SQL_SOURCE_SQLITE_DIR):
            raise ImproperlyConfigured(
                "DSR_SQL_SOURCE_SQLITE_DIR must not hold the desk's own database "
                f"({_desk_file}): choose a directory of its own, e.g. {VAR_DIR / 'sources'}"
            )

# E-mail: SMTP when EMAIL_HOST is set; otherwise every message is written to var/mail/
# so a newcomer can read what the product sends.
EMAIL_HOST = envstr("EMAIL_HOST") or ""
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "DSR Desk <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# HTTPS and cookies: strict unless DEBUG. Behind a TLS-terminating proxy set
# SECURE_PROXY_SSL_HEADER=true so Django trusts X-Forwarded-Proto.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer probes the processes directly, often over plain HTTP: no redirect there.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response: desk, admin, API, sign-in, the
# subject's pages, errors. Everything comes from this site (DESIGN.md: no third-party
# requests); no inline script or event handler at all, no inline style except a <style>
# that carries the response's nonce (DRF's code highlighting, templates/rest_framework/
# api.html; the nonce is in the header only on pages that use it). Views that need more say
# so with django-csp's decorators: the subject's pages (dsr/intake/http.py) drop connect-src,
# Swagger UI (dsr/api/urls.py) adds data: images for its stylesheet's icons, the request
# page (dsr/desk/views/request_page.py) frames its own identity PDF.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.NONE],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF, csp_constants.NONCE],
        "img-src": [csp_constants.SELF],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "base-uri": [csp_constants.NONE],
        "frame-ancestors": [csp_constants.NONE],
        "object-src": [csp_constants.NONE],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dsr.api.auth.TokenAuthentication",
        "dsr.api.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["dsr.api.auth.IsTokenOrMember"],
    "DEFAULT_THROTTLE_CLASSES": ["dsr.api.auth.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": envstr("DSR_API_RATE", "600/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dsr.api.errors.exception_handler",
    # One input policy for the whole API (dsr/api/parsers.py): JSON only, UTF-8, bounded.
    "DEFAULT_PARSER_CLASSES": ["dsr.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "dsr.api.renderers.SafeJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Webhook endpoints must be HTTPS; development and tests may allow plain HTTP.
WEBHOOKS_ALLOW_HTTP = envbool("DSR_WEBHOOKS_ALLOW_HTTP", DEBUG)
# A failed delivery is retried after this many seconds, doubling each time (at most an hour).
WEBHOOK_RETRY_SECONDS = envint("DSR_WEBHOOK_RETRY_SECONDS", 15, minimum=0)


def _networks(name: str) -> list[str]:
    import ipaddress

    entries = envlist(name, [])
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be a comma-separated list of networks (CIDR), got {entry!r}"
            ) from None
    return entries


# The egress policy (dsr/egress.py): every outbound connection (http data sources,
# webhooks, the time-stamp authority, sql data source hosts) goes to public addresses
# only, unless its network is listed here (e.g. "127.0.0.1/32,::1/128" for the demo's
# local systems, or "10.20.0.0/16" for a controller's internal network).
EGRESS_ALLOW = _networks("DSR_EGRESS_ALLOW")
# An extra CA bundle (PEM) trusted for outbound TLS, for a controller's internal CA.
EGRESS_CA_FILE = envstr("DSR_EGRESS_CA_FILE", "")
# The e-mail channel (docs/EMAIL.md): how often beat reads the organisations' mailboxes,
# and the largest message read whole (larger ones: headers recorded, message kept in the
# mailbox's processed folder; the pipe answers EX_DATAERR).
MAIL_POLL_SECONDS = envint("DSR_MAIL_POLL_SECONDS", 120, minimum=10)
MAIL_MAX_BYTES = envint("DSR_MAIL_MAX_BYTES", 40 * 1024 * 1024, minimum=1024 * 1024)
CELERY_BEAT_SCHEDULE["read-mailboxes"] = {
    "task": "dsr.tasks.mail_poll_all",
    "schedule": MAIL_POLL_SECONDS,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DSR Desk API",
    "DESCRIPTION": "File and follow GDPR data-subject requests from the controller's own "
    "systems. Authenticate with `Authorization: Bearer <token>` (tokens are created by a "
    'manager in the desk). Errors share one shape: `{"error": {"code", "message"}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from the app itself (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EvidenceKindEnum": "dsr.models.EvidenceKind",
        "RefusalGroundEnum": "dsr.models.RefusalGround",
        "AttachmentKindEnum": "dsr.models.AttachmentKind",
        "EventKindEnum": "dsr.models.EventKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# Public intake (dsr/intake): the subject's form, confirmation link and status page.
# Difficulty of the proof-of-work the form's script solves: leading zero bits of a SHA-256.
# Each extra bit doubles the work; 17 takes well under a second on a phone.
INTAKE_POW_BITS = envint("DSR_INTAKE_POW_BITS", 17, minimum=0)
# Without JavaScript there is no proof of work: such a form must have been open this long,
# and the stricter "nojs" limits below apply (docs/ARCHITECTURE.md, "Public intake").
INTAKE_NOJS_MIN_SECONDS = 8
# The client's address for the rate limits is DSR_CLIENT_IP_HEADER's (see above).
# Rate limits, (count, seconds), counted in the shared cache (Redis in production).
INTAKE_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "form_post_ip": (60, 3600),  # any POST of the form, before it is even parsed
    "submission_ip": (10, 3600),  # submissions that passed the proof of work
    "submission_nojs_ip": (3, 3600),  # submissions without it (no JavaScript)
    "submission_nojs_organization": (30, 3600),  # bounds a botnet skipping the proof of work
    "submission_email": (5, 86400),  # confirmation mails one address can be sent per day
    "status_action_ip": (30, 3600),  # answers, withdrawals, confirmations, new links
    "confirmation_resend": (3, 86400),  # new confirmation links per submission
}
if not REDIS_URL:
    # The file cache culls random entries past MAX_ENTRIES (300 by default), which would
    # forget rate-limit counters and used challenges under load: keep more.
    CACHES["default"]["OPTIONS"] = {"MAX_ENTRIES": 5000}
CELERY_BEAT_SCHEDULE["withdraw-unconfirmed"] = {
    "task": "dsr.tasks.intake_withdraw_unconfirmed",
    "schedule": envint("DSR_UNCONFIRMED_SWEEP_SECONDS", 3600, minimum=60),
}
