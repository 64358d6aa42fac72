"""Test settings: the real settings with tasks run in-process and the sandbox on."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("SANDBOX", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from config.settings import *  # noqa: E402,F403
from config.settings import Q_CLUSTER  # noqa: E402

# django-q2 reads its configuration once: tasks run synchronously in tests.
Q_CLUSTER["sync"] = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
API_THROTTLE_RATE = "100000/min"
