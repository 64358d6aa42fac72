"""Transport security from the environment: with an https PUBLIC_URL the cookies are Secure,
HSTS is sent and http is redirected; behind a proxy its X-Forwarded-Proto says what is
https; `check --deploy` is clean with the README's production settings; and without a real
e-mail backend a production gateway refuses to start."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

REPO = Path(__file__).resolve().parent.parent
SECRET = "production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def production_env(tmp_path, **changes) -> dict:
    """The README's production settings (section "Production settings"), on a scratch
    database, and nothing from the test run's environment."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "pay.example.com",
        "PUBLIC_URL": "https://pay.example.com",
        "SANDBOX": "0",
        "TRUSTED_PROXY_COUNT": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": "587",
        "EMAIL_USE_TLS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_in(env) -> dict:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: "
        "getattr(s, k, None) for k in ['SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY', "
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
        "'SECURE_PROXY_SSL_HEADER']}))"
    )
    result = manage(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_the_readme_settings(tmp_path, processes):
    result = manage(production_env(tmp_path), "check", "--deploy")
    issues = re.findall(r"\((\S+\.[EW]\d+)\)", result.stdout + result.stderr)
    # drf-spectacular reports how it guessed the API schema; that is not deployment.
    assert [issue for issue in issues if not issue.startswith("drf_spectacular.")] == [], (
        result.stdout + result.stderr
    )
    assert result.returncode == 0


def test_the_readme_lists_the_settings_the_check_runs_with(tmp_path):
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Production settings", 1)[1].split("\n## ", 1)[0]
    for name in (
        "DEBUG=0",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "PUBLIC_URL=https://",
        "TRUSTED_PROXY_COUNT",
        "EMAIL_BACKEND",
        "EMAIL_HOST",
    ):
        assert name in section, name


def test_an_https_public_url_turns_everything_on(tmp_path, processes):
    assert settings_in(production_env(tmp_path)) == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_plain_http_development_keeps_them_off_and_each_can_be_turned_off(tmp_path, processes):
    development = settings_in(
        production_env(
            tmp_path, DEBUG="1", PUBLIC_URL="http://127.0.0.1:8000", TRUSTED_PROXY_COUNT=None
        )
    )
    assert not development["SECURE_SSL_REDIRECT"] and not development["SESSION_COOKIE_SECURE"]
    assert development["SECURE_HSTS_SECONDS"] == 0
    assert development["SECURE_PROXY_SSL_HEADER"] is None  # no proxy: the header is ignored
    chosen = settings_in(
        production_env(
            tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_PRELOAD="0", SECURE_HSTS_SECONDS="600"
        )
    )
    assert (
        chosen["SECURE_SSL_REDIRECT"],
        chosen["SECURE_HSTS_PRELOAD"],
        chosen["SECURE_HSTS_SECONDS"],
    ) == (False, False, 600)


def test_without_an_email_backend_a_production_gateway_refuses_to_start(tmp_path, processes):
    refused = manage(production_env(tmp_path, EMAIL_BACKEND=None), "check")
    assert refused.returncode != 0
    assert "EMAIL_BACKEND must be set when DEBUG is off" in refused.stderr
    console = "django.core.mail.backends.console.EmailBackend"
    assert manage(production_env(tmp_path, EMAIL_BACKEND=console), "check").returncode == 0
    demo = production_env(
        tmp_path, EMAIL_BACKEND=None, DEBUG="1", PUBLIC_URL="http://127.0.0.1:8000"
    )
    assert manage(demo, "check").returncode == 0  # make demo: DEBUG=1, the console


@pytest.fixture
def https_behind_proxy(db):
    with override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_HSTS_SECONDS=31536000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_HSTS_PRELOAD=True,
        SESSION_COOKIE_SECURE=True,
        CSRF_COOKIE_SECURE=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ):
        yield Client()


def test_plain_http_is_redirected_and_https_gets_hsts_and_secure_cookies(https_behind_proxy):
    client = https_behind_proxy
    plain = client.get("/dashboard/login/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/dashboard/login/"
    page = client.get("/dashboard/login/", HTTP_X_FORWARDED_PROTO="https")
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    cookie = page.cookies["csrftoken"]
    assert cookie["secure"] and cookie["httponly"]
