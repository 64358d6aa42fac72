"""Settings, all from the environment (see the README's settings table)."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Development: one generated key shared by the web server and the worker (django-q2
    # signs the tasks it queues), kept across restarts so sessions survive.
    _key_file = BASE_DIR / "var" / "dev-secret-key"
    if not _key_file.exists():
        _key_file.parent.mkdir(exist_ok=True)
        _key_file.write_text(get_random_secret_key())
    SECRET_KEY = _key_file.read_text().strip()
# Earlier keys, during a rotation: sessions and signatures made with them stay valid, and
# sealed Monero view keys open until `manage.py reseal_view_keys` (README, Backups).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]

# --- Transport: all on when the public URL is https, each can be turned off -------------------
HTTPS = PUBLIC_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True  # no script reads them: forms carry CSRF
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# Behind a TLS-terminating proxy (TRUSTED_PROXY_COUNT ≥ 1) the request is https when the
# proxy says so; the proxy must set X-Forwarded-Proto itself, overwriting the client's.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "config.apps.OTPAdminConfig",  # django.contrib.admin, behind a second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chains",
    "merchants",
    "invoices",
    "checkout",
    "links",
    "pos",
    "webhooks",
    "greenfield",
    "pages",  # its template tags ({% load labels %})
    "worker",  # before django_q: its `qcluster` wraps django-q2's (stops on SIGTERM)
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.reject_nul",
    "config.middleware.rate_limit_headers",
    "config.middleware.atomic_api_writes",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web + worker) share the file: wait for locks instead of failing,
    # and take the write lock at BEGIN so read-then-write transactions cannot deadlock.
    # temp_store=MEMORY keeps a savepoint's journal in memory rather than spilling it to a
    # temporary file: a create with a foreign_id (written in a savepoint) took 0.15 ms
    # less CPU (1.05 ms against 0.91 ms, invoices.services.creation, medians of 300).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

Q_CLUSTER: dict[str, Any] = {
    "name": "gateway",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 5,
    "catch_up": False,
    "save_limit": 1000,
    "ack_failures": True,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The payer's pages speak these (browser language by default, a switcher to change it).
LANGUAGES = [("en", "English"), ("es", "Español"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The app serves its own assets (CSS, JS, icons) with WhiteNoise, straight from the static
# folders: no CDN, no separate web server, no collectstatic step needed.
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["merchants.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "merchants.auth.HasMerchant",
        "invoices.api.parameters.KnownQueryParameters",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["merchants.throttling.ApiKeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["invoices.validation.StrictJSONParser"],
    "EXCEPTION_HANDLER": "invoices.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# The OpenAPI document: invoices/representation.py has the response shapes,
# invoices/api/schema.py the errors, parameters, headers and webhooks.
_SCHEMA = "invoices.api.schema"
_SHAPES = "invoices.representation"  # the response shapes and their enums
SPECTACULAR_SETTINGS = {
    "TITLE": "Payment gateway merchant API",
    "DESCRIPTION": "Create invoices, follow payments and resolve what went wrong. "
    "Amounts are decimal strings; every error has one shape (`Error`); every "
    "POST that changes something accepts `Idempotency-Key`.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatus": f"{_SHAPES}.INVOICE_STATUSES",
        "InvoiceKind": f"{_SHAPES}.INVOICE_KINDS",
        "StatusContext": f"{_SHAPES}.STATUS_CONTEXTS",
        "TransactionStatus": f"{_SHAPES}.TRANSACTION_STATUSES",
        "RefundStatus": f"{_SHAPES}.REFUND_STATUSES",
        "EventType": f"{_SHAPES}.EVENT_TYPES",
        "DeliveryStatus": f"{_SHAPES}.DELIVERY_STATUSES",
        "ResolveAction": f"{_SCHEMA}.RESOLVE_ACTIONS",
        "ReviewAction": f"{_SCHEMA}.REVIEW_ACTIONS",
        "RefundAmount": f"{_SCHEMA}.REFUND_AMOUNTS",
        "WalletFamily": f"{_SHAPES}.WALLET_FAMILIES",
        "ErrorType": f"{_SHAPES}.ERROR_TYPES",
        "ErrorCode": f"{_SHAPES}.ERROR_CODES",
    },
    "TAGS": [
        {"name": "Invoices", "description": "Create, read, cancel, archive, resolve, review."},
        {"name": "Refunds", "description": "Give back what an invoice received, and follow it."},
        {"name": "Payment methods", "description": "Currencies offered and rates."},
        {"name": "Events", "description": "Callback events and their delivery attempts."},
        {"name": "Merchant", "description": "Settings and the callback secret."},
        {
            "name": "Webhook endpoints",
            "description": "Where events are sent, each endpoint with its secret and log.",
        },
        {"name": "Wallets", "description": "The account xpubs addresses are derived from."},
        {"name": "Sandbox", "description": "Test payments (only when the sandbox is on)."},
    ],
    "WEBHOOKS": [f"{_SCHEMA}.invoice_event", f"{_SCHEMA}.test_event"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        f"{_SCHEMA}.postprocess",
    ],
    # The docs page's Swagger UI comes from drf-spectacular-sidecar's static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No validator badge: it would send the schema's URL to a third-party service.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True, "displayOperationId": True},
}

# --- The gateway -------------------------------------------------------------------------
# Rate limits, counted in Redis or the database so they hold across web processes.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min")  # per API key
API_AUTH_FAILURE_RATE = os.environ.get("API_AUTH_FAILURE_RATE", "20/min")  # per client IP
PASSWORD_RESET_RATE_PER_EMAIL = os.environ.get("PASSWORD_RESET_RATE_PER_EMAIL", "3/hour")
PASSWORD_RESET_RATE_PER_IP = os.environ.get("PASSWORD_RESET_RATE_PER_IP", "10/hour")
CHECKOUT_STATUS_RATE = os.environ.get("CHECKOUT_STATUS_RATE", "120/min")  # per client IP
SANDBOX_PANEL_RATE = os.environ.get("SANDBOX_PANEL_RATE", "30/min")  # per client IP
POS_CHARGE_RATE = os.environ.get("POS_CHARGE_RATE", "30/min")  # per point of sale
SANDBOX = env_bool("SANDBOX", DEBUG)
CHAINS_CONFIG = os.environ.get("CHAINS_CONFIG", "")
# Rate providers, first that answers wins: static, kraken, coinbase, coingecko, binance.
RATE_PROVIDERS = env_list("RATE_PROVIDERS", "static")
RATE_MAX_AGE_SECONDS = int(os.environ.get("RATE_MAX_AGE_SECONDS", "600"))
RATE_FIATS = env_list("RATE_FIATS", "USD,EUR")
# The `static` provider's table: price currency per one unit of the asset.
STATIC_RATES = {
    "BTC/USD": "60000",
    "BTC/EUR": "55000",
    "LTC/USD": "80",
    "LTC/EUR": "73.6",
    "ETH/USD": "3000",
    "ETH/EUR": "2760",
    "BNB/USD": "600",
    "BNB/EUR": "552",
    "POL/USD": "0.5",
    "POL/EUR": "0.46",
    "AVAX/USD": "30",
    "AVAX/EUR": "27.6",
    "TRX/USD": "0.2",
    "TRX/EUR": "0.184",
    "XMR/USD": "160",
    "XMR/EUR": "147.2",
    "USDT/USD": "1",
    "USDT/EUR": "0.92",
    "USDC/USD": "1",
    "USDC/EUR": "0.92",
}
# Issue 28, forwarder collection mode: a gas-only key (holding native coin for fees and
# nothing else) that sends `collect` calls automatically when a plan holds at least
# COLLECT_MIN_BALANCE of an asset ("USDT=100,ETH=0.05") and gas costs at most
# COLLECT_MAX_GAS_GWEI. It can pay fees; it cannot send anyone the merchant's money.
COLLECTOR_KEY = os.environ.get("COLLECTOR_KEY", "")
COLLECT_MIN_BALANCE = dict(
    item.split("=", 1) for item in env_list("COLLECT_MIN_BALANCE", "") if "=" in item
)
COLLECT_MAX_GAS_GWEI = os.environ.get("COLLECT_MAX_GAS_GWEI", "50")
CALLBACKS_ALLOW_PRIVATE = env_bool("CALLBACKS_ALLOW_PRIVATE", False)
SCAN_INTERVAL_SECONDS = float(os.environ.get("SCAN_INTERVAL_SECONDS", "2"))  # `manage.py scan`

# A callback attempt, connection to last byte, is cut after this many seconds.
CALLBACKS_TIMEOUT_SECONDS = float(os.environ.get("CALLBACKS_TIMEOUT_SECONDS", "10"))
# Deliveries one merchant may have in flight at once (default: half the workers), so a slow
# receiver never holds every worker.
CALLBACKS_PER_MERCHANT = int(
    os.environ.get("CALLBACKS_PER_MERCHANT", max(1, Q_CLUSTER["workers"] // 2))
)

# --- Operations: logs, readiness, metrics (core/logs.py, ops/) ---------------------------
from core.logs import logging_config  # noqa: E402

LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()  # text | json
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")  # /metrics is off without it
INSTALLED_APPS += ["ops"]
MIDDLEWARE.insert(0, "core.logs.RequestIdMiddleware")
MIDDLEWARE.insert(1, "ops.middleware.ProbeMiddleware")  # before ALLOWED_HOSTS is checked

# --- E-mail ----------------------------------------------------------------------------------
# The console backend prints every mail, with its reset, invitation and refund-claim links,
# to the worker's log: it is the default only with DEBUG on. In production EMAIL_BACKEND
# must be set (the console backend too, if that is really wanted); SMTP reads EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else ""
)
if not EMAIL_BACKEND:
    raise ImproperlyConfigured(
        "EMAIL_BACKEND must be set when DEBUG is off, e.g. "
        "django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST (see the README)"
    )
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "payments@localhost")

# --- The merchant dashboard ----------------------------------------------------------------
# Two-factor (TOTP, optional for owners, required for the admin) and throttled logins
# (django-axes: after AXES_FAILURE_LIMIT failures for one account from one address, that
# pair is refused for the cool-off; one success resets the count). By the pair, not by
# either: locking an address would lock everyone behind one NAT or proxy, and locking an
# account would let anyone lock out its owner by naming it.
from datetime import timedelta  # noqa: E402

INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "axes"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes asks
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:overview"
LOGOUT_REDIRECT_URL = "dashboard:login"
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address: X-Forwarded-For is read only behind TRUSTED_PROXY_COUNT proxies
# (core/proxy.py); the API's throttles count the same way.
AXES_CLIENT_IP_CALLABLE = "core.proxy.client_ip"
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "CryptoGate")
