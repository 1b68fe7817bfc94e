"""FacetCoder settings: one file, driven by the environment.

DEBUG is off unless DJANGO_DEBUG=1; with DEBUG off the secret key must come from
DJANGO_SECRET_KEY. DATABASE_URL selects the database (default: SQLite in the project).
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def release() -> str:
    """What tells this release of the code from the last one, read once at start-up: part of
    the ETags and cache keys of the reference pages (codes/caching.py), so that a new release
    never answers 304 with, or serves from a shared cache, a page built by the old templates.

    FACETCODER_RELEASE when the deployment sets it; otherwise the commit of the git checkout
    the app runs from (every app server of a release has the same); otherwise the time this
    process started, which is never stale but gives each server and restart tags of its own.
    """
    if os.environ.get("FACETCODER_RELEASE"):
        return os.environ["FACETCODER_RELEASE"]
    git = shutil.which("git")
    if git:
        found = subprocess.run(  # noqa: S603 - a fixed command, no user input
            [git, "rev-parse", "--short=12", "HEAD"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip()
    return f"started-{time.time_ns()}"


DEBUG = env_bool("DJANGO_DEBUG")
# The test run (pytest) gets the development fallbacks too, never a production server.
TESTING = env_bool("FACETCODER_TESTING") or "pytest" in sys.modules

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-only-for-debug-and-tests"
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DEBUG off FacetCoder refuses to start without a "
            "secret key from the environment (or set DJANGO_DEBUG=1 for local development)."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "axes",
    "codes",
    "coding",
    "notes",
    "quiz",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL byte or an absurdly long value is a 400 before anything reads it (see the module).
    "facetsite.middleware.RejectBadInput",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A trainee's owner token is a signed cookie of its own, not a session (see the module).
    "quiz.owner.OwnerCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

if env_bool("DJANGO_GZIP"):
    # Pages are compressed by the proxy in front (see README, "Production serving"); with
    # nothing there to do it, here. Right after whitenoise (which serves the static files
    # compressed already), before any middleware that reads or changes the body, so that it
    # compresses last; with Django's BREACH mitigation (random bytes in each gzip header).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
        "django.middleware.gzip.GZipMiddleware",
    )

ROOT_URLCONF = "facetsite.urls"
WSGI_APPLICATION = "facetsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "codes.context_processors.frame",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "facetcoder",
    },
    # Objects read to be shown and keyed by the content revision (codes.caching.kept): each
    # process keeps its own, unpickled, as a change of content is a new key (facetsite/cache.py).
    "objects": {
        "BACKEND": "facetsite.cache.ObjectCache",
        "LOCATION": "facetcoder-objects",
        # A few revisions' worth of questions and quizzes (under 100 each); beyond that, the
        # least recently read go.
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}
if os.environ.get("DJANGO_CACHE_LOCATION"):
    # A cache shared by several app servers (a database table; see README).
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": os.environ["DJANGO_CACHE_LOCATION"],
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
# Locked is one username from one address: five wrong guesses of made-up names never lock out
# the real users behind the same address, nor five guesses from elsewhere a named account.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address, from the load balancer's X-Forwarded-For only behind one (BEHIND_PROXY).
AXES_CLIENT_IP_CALLABLE = "facetsite.middleware.client_ip"
AXES_ENABLED = not env_bool("AXES_DISABLED")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365 if not DEBUG else 0
# Without collectstatic (development, tests) whitenoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Security: strict in production, relaxed only where DEBUG needs plain http.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
# Load balancers probe the app servers over plain HTTP: the health check is never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
SECURE_HSTS_SECONDS = (
    0 if DEBUG or TESTING else int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Behind the load balancer: trust the X-Forwarded-Proto and X-Forwarded-For it sets.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Part of the reference pages' ETags and cache keys (see release() above).
RELEASE = release()

# CPT descriptors are AMA-licensed text: shown only where the site holds a licence.
SHOW_CPT_DESCRIPTORS = env_bool("SHOW_CPT_DESCRIPTORS")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/quiz/"
LOGOUT_REDIRECT_URL = "/"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
