"""Trellis settings: everything comes from environment variables, with safe defaults.

`TRELLIS_MODE` is `development` (the default: no variables needed, SQLite in the data
directory, e-mail to the console) or `production` (refuses to start until SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL are set, and enables every transport protection).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from trellis.config import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
MODE = env_str("TRELLIS_MODE", "development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured("TRELLIS_MODE must be 'development' or 'production'.")
PRODUCTION = MODE == "production"

DATA_DIR = Path(env_str("TRELLIS_DATA_DIR", str(PACKAGE_DIR.parent / "data"))).resolve()

if not PRODUCTION:
    (DATA_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)

DEBUG = False if PRODUCTION else env_bool("TRELLIS_DEBUG", True)

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", required=True)
    DATABASE_URL = env_str("DATABASE_URL", required=True)
else:
    # A development key: production mode never uses it (see above).
    SECRET_KEY = env_str("SECRET_KEY", "development-only-key-" + "x" * 40)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'trellis.sqlite3'}")

# The secret from which each partnership's pseudonym key is derived (trellis.core.pseudonym).
# Never stored in the database; production refuses to start without it.
if PRODUCTION:
    TRELLIS_PSEUDONYM_SECRET = env_str("TRELLIS_PSEUDONYM_SECRET", required=True)
    if len(TRELLIS_PSEUDONYM_SECRET) < 32:
        raise ImproperlyConfigured(
            "TRELLIS_PSEUDONYM_SECRET must be at least 32 random characters."
        )
else:
    TRELLIS_PSEUDONYM_SECRET = env_str(
        "TRELLIS_PSEUDONYM_SECRET", "development-only-pseudonym-secret-" + "x" * 16
    )

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so the browser tests' live server thread has its own connection.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    # A persistent connection is checked before a request reuses it, so one dropped by a
    # database restart costs no request an error; a database that does not answer fails
    # the request within seconds (as a 503 page) instead of holding a worker.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # No statement runs for ever and no transaction is left open holding locks: past these
    # PostgreSQL cancels the statement (the page answers 503) or ends the session. Seconds;
    # 0 turns one off. `trellis worker` sets its own, longer statement timeout.
    TRELLIS_DB_STATEMENT_TIMEOUT = env_int("TRELLIS_DB_STATEMENT_TIMEOUT", 30)
    TRELLIS_DB_IDLE_IN_TRANSACTION_TIMEOUT = env_int("TRELLIS_DB_IDLE_IN_TRANSACTION_TIMEOUT", 60)
    if min(TRELLIS_DB_STATEMENT_TIMEOUT, TRELLIS_DB_IDLE_IN_TRANSACTION_TIMEOUT) < 0:
        raise ImproperlyConfigured("Database timeouts are seconds: 0 or more.")
    DATABASES["default"]["OPTIONS"].setdefault(
        "options",
        f"-c statement_timeout={TRELLIS_DB_STATEMENT_TIMEOUT * 1000}"
        f" -c idle_in_transaction_session_timeout={TRELLIS_DB_IDLE_IN_TRANSACTION_TIMEOUT * 1000}",
    )
# The longest a page waits for one statement, even from a database that does not answer
# at all (trellis/db_deadline.py), and how long the gunicorn worker then answers the 503
# page without trying the database. Seconds; 0 turns the deadline off. PostgreSQL only:
# SQLite is a local file.
TRELLIS_DB_WAIT_SECONDS = env_int(
    "TRELLIS_DB_WAIT_SECONDS", 0 if DATABASES["default"]["ENGINE"].endswith("sqlite3") else 15
)
TRELLIS_DB_BREAKER_SECONDS = env_int("TRELLIS_DB_BREAKER_SECONDS", 10)
# The statement timeout of `trellis worker`, in seconds (0: none): its computations and
# report builds take minutes, though each statement seldom takes more than seconds.
TRELLIS_WORKER_STATEMENT_TIMEOUT = env_int("TRELLIS_WORKER_STATEMENT_TIMEOUT", 600)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "trellis.audit",
    "trellis.accounts",
    "trellis.plans",
    "trellis.progress",
    "trellis.measures",
    "trellis.casedata",
    "trellis.reports",
    "trellis.transfer",
    "trellis.meetings",
    "trellis.api",
    "trellis.improvement",
]

MIDDLEWARE = [
    "trellis.http.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "trellis.http.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that can fail on the way out (the session's save): an error page
    # rendered then still has its nonce, whether or not the response before it used one.
    "csp.middleware.CSPMiddleware",
    "trellis.db_deadline.DatabaseDeadlineMiddleware",  # outside the session's queries
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "trellis.progress.drafts.KeepWorkMiddleware",  # wraps the session limit's sign-out
    "trellis.accounts.middleware.SessionLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "trellis.http.TrellisErrorMiddleware",
]

ROOT_URLCONF = "trellis.urls"
WSGI_APPLICATION = "trellis.wsgi.application"
AUTH_USER_MODEL = "accounts.Person"
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "home"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trellis.accounts.context_processors.membership",
            ],
        },
    }
]

# Passwords: Argon2id first; PBKDF2 kept only so older hashes upgrade on sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "trellis.accounts.passwords.ContextWordsValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60

# Two-step sign-in (trellis/accounts/mfa.py): everyone in production but demo accounts;
# elsewhere only those who set it up.
TRELLIS_MFA_REQUIRED = PRODUCTION
# Sign-in throttling: a timed cool-off, never a permanent lock-out.
TRELLIS_SIGN_IN_MAX_FAILURES = env_int("TRELLIS_SIGN_IN_MAX_FAILURES", 10)
TRELLIS_SIGN_IN_WINDOW_SECONDS = 5 * 60
TRELLIS_SIGN_IN_COOL_OFF_SECONDS = 15 * 60
# Single sign-on (trellis/accounts/sso.py): seconds to wait for a partnership's identity
# provider (discovery, keys, token) before giving up.
TRELLIS_SSO_TIMEOUT_SECONDS = env_int("TRELLIS_SSO_TIMEOUT_SECONDS", 5)
# Number of proxies in front of the app whose X-Forwarded-For entries are trusted.
TRELLIS_TRUSTED_PROXIES = env_int("TRELLIS_TRUSTED_PROXIES", 0)

# Sessions: 30 minutes idle, 12 hours at most.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
TRELLIS_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "trellis.views.csrf_failure"

# Transport and headers. Production turns every protection on.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("TRELLIS_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preload is on by default so deployments pass check --deploy; a host whose subdomains
    # are not all HTTPS-only can turn it off.
    SECURE_HSTS_PRELOAD = env_bool("TRELLIS_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"https://{h}" for h in ALLOWED_HOSTS])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# Uploads: small form bodies, one file a request, and files (evidence) stopped while they
# arrive once past TRELLIS_UPLOAD_MAX_BYTES. The proxy's client_max_body_size caps the rest.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 1
TRELLIS_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# Case-level extracts uploaded in the browser (the command line has no limit but the disk).
TRELLIS_EXTRACT_MAX_BYTES = env_int("TRELLIS_EXTRACT_MAX_BYTES", 200 * 1024 * 1024)
# Rows after the header in one dataset file of an extract, by any channel: far above a
# partnership's largest file (a million-row file is the validation benchmark's).
TRELLIS_EXTRACT_MAX_ROWS = env_int("TRELLIS_EXTRACT_MAX_ROWS", 2_000_000)
FILE_UPLOAD_HANDLERS = [
    "trellis.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "trellis.uploads.SpoolingUploadHandler",
]
# A large upload is spooled here, on the data volume (not the system's /tmp), so a full
# disk is met where Trellis can refuse it cleanly. Made here (Django's checks want it); a
# read-only data directory is left to those checks to report.
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "upload-tmp")
with contextlib.suppress(OSError):
    Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True, mode=0o700)
# Every uploaded file passes this scanner; it fails closed. The default finds only the
# EICAR test string: point it at a clamd-backed scanner in production.
TRELLIS_UPLOAD_SCANNER = env_str(
    "TRELLIS_UPLOAD_SCANNER", "trellis.progress.filetypes.signature_scan"
)
# Per-person rate limits (trellis/accounts/limits.py), counted in the database so every
# worker process shares them: requests of each kind allowed in the window; 0 is no limit.
TRELLIS_RATE_WINDOW_SECONDS = env_int("TRELLIS_RATE_WINDOW_SECONDS", 60 * 60)
TRELLIS_RATE_LIMITS = {
    "extract-upload": env_int("TRELLIS_RATE_EXTRACT_UPLOADS", 10),
    "evidence-upload": env_int("TRELLIS_RATE_EVIDENCE_UPLOADS", 30),
    "plan-import": env_int("TRELLIS_RATE_PLAN_IMPORTS", 20),
    "record-download": env_int("TRELLIS_RATE_RECORD_DOWNLOADS", 60),
    "report-build": env_int("TRELLIS_RATE_REPORT_BUILDS", 20),
    "plan-export": env_int("TRELLIS_RATE_PLAN_EXPORTS", 60),
}

# E-mail: the console in development, SMTP from the environment in production.
if PRODUCTION or env_str("EMAIL_HOST", ""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST", required=True)
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Where links in e-mails sent by commands (not web requests) point.
TRELLIS_BASE_URL = env_str("TRELLIS_BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Trellis <no-reply@trellis.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: tasks queued in the database, run by `trellis worker`, which also runs
# the daily reminders (`trellis reminders send`) at TRELLIS_REMINDER_HOUR, local time.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
TRELLIS_REMINDER_HOUR = env_int("TRELLIS_REMINDER_HOUR", 7)
# A reminder item already sent is sent again only when its reason changes or after this.
TRELLIS_REMINDER_RESEND_DAYS = env_int("TRELLIS_REMINDER_RESEND_DAYS", 7)
# Pseudonymised case-level rows (a snapshot's Parquet files) are purged this many months
# after they were loaded, by `trellis worker` each night; figures, manifests and checksums
# stay (trellis/casedata/retention.py). 0 turns the automatic purge off.
TRELLIS_CASE_ROWS_RETENTION_MONTHS = env_int("TRELLIS_CASE_ROWS_RETENTION_MONTHS", 24)
# Where `trellis worker` appends the audit chain's head each night (trellis/audit/heads.py):
# storage the host mounts outside the application's reach. Empty: no export.
TRELLIS_AUDIT_HEAD_DIR = env_str("TRELLIS_AUDIT_HEAD_DIR", "")

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
USE_I18N = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "files"

# The security event log (trellis.security_log): JSON lines on standard error, or appended
# to the file TRELLIS_SECURITY_LOG names (reopened when logrotate moves it).
SECURITY_LOG_FILE = env_str("TRELLIS_SECURITY_LOG", "")
if SECURITY_LOG_FILE and not Path(SECURITY_LOG_FILE).parent.is_dir():
    raise ImproperlyConfigured(
        "TRELLIS_SECURITY_LOG names a file in a folder that does not exist: "
        f"{Path(SECURITY_LOG_FILE).parent}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "trellis.http.RequestIdLogFilter"},
        "database_unavailable": {"()": "trellis.http.DatabaseUnavailableLogFilter"},
        "not_security": {"()": "trellis.security_log.NotSecurityLogFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json_lines": {"()": "trellis.security_log.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "database_unavailable", "not_security"],
        },
        "security": (
            {
                "class": "logging.handlers.WatchedFileHandler",
                "filename": SECURITY_LOG_FILE,
                "formatter": "json_lines",
                "filters": ["request_id"],
            }
            if SECURITY_LOG_FILE
            else {
                "class": "logging.StreamHandler",
                "formatter": "json_lines",
                "filters": ["request_id"],
            }
        ),
    },
    "root": {"handlers": ["console"], "level": env_str("TRELLIS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # Its own level: every security event is kept whatever TRELLIS_LOG_LEVEL says.
        "trellis.security": {"handlers": ["security"], "level": "INFO"},
    },
}
