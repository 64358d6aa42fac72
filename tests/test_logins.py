"""Who can sign in: failed logins lock out one account from one address (never another user,
never the owner elsewhere), the client's address comes from the proxy's header only when
proxies are configured, and the admin asks for a second factor."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.proxy import client_ip
from merchants.models import MerchantUser

PASSWORD = "a long enough passphrase"
PROXY = "10.0.0.2"


@pytest.fixture
def members(api):
    users = get_user_model()
    made = []
    for email in ("alice@shop.example", "bob@shop.example"):
        user = users.objects.create_user(email, email, PASSWORD)
        MerchantUser.objects.create(user=user, merchant=api.merchant, role=MerchantUser.OWNER)
        made.append(email)
    return made


def login(email, password, ip="192.0.2.10", forwarded=None):
    """A fresh browser signing in from `ip` (or through the proxy, as `forwarded`)."""
    meta = {"REMOTE_ADDR": ip}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return (
        Client()
        .post("/dashboard/login/", {"username": email, "password": password}, **meta)
        .status_code
    )


def fail_five_times(email, **where):
    return [login(email, "wrong", **where) for _ in range(5)]


def test_five_bad_passwords_do_not_lock_out_another_user_from_the_same_address(members):
    alice, bob = members
    assert fail_five_times(alice)[-1] == 429
    assert login(bob, PASSWORD) == 302  # same address, other account
    assert login(alice, PASSWORD) == 429  # the pair is locked…
    assert login(alice, PASSWORD, ip="198.51.100.20") == 302  # …not the account elsewhere


def test_without_a_proxy_setting_the_forwarded_header_is_ignored(members, settings):
    alice, _ = members
    fail_five_times(alice, forwarded="203.0.113.1")
    # A forged header cannot dodge the lock: the socket's address is the client.
    assert login(alice, PASSWORD, forwarded="203.0.113.99") == 429


def test_behind_a_proxy_each_client_is_locked_apart(members, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    alice, bob = members
    assert fail_five_times(alice, ip=PROXY, forwarded="203.0.113.1")[-1] == 429
    assert login(alice, PASSWORD, ip=PROXY, forwarded="203.0.113.2") == 302  # another client
    assert login(bob, PASSWORD, ip=PROXY, forwarded="203.0.113.1") == 302
    # What the client wrote left of the proxy's entry changes nothing.
    assert login(alice, PASSWORD, ip=PROXY, forwarded="198.51.100.7, 203.0.113.1") == 429


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.1", PROXY),
        (1, None, PROXY),
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "6.6.6.6, 203.0.113.1", "203.0.113.1"),
        (2, "6.6.6.6, 203.0.113.1, 10.0.0.1", "203.0.113.1"),
        (2, "203.0.113.1", "203.0.113.1"),  # fewer hops than proxies: the left-most there is
    ],
)
def test_client_address_rule(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    meta = {"REMOTE_ADDR": PROXY}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("operator", "op@example.com", PASSWORD)


def admin_login(client, token="", device=None):
    """The admin's login form: password, then the device (listed once the password is
    right) and its code."""
    return client.post(
        "/admin/login/?next=/admin/",
        {
            "username": "operator",
            "password": PASSWORD,
            "otp_token": token,
            "otp_device": device.persistent_id if device else "",
        },
    )


def code(device):
    return str(
        TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    ).zfill(6)


def test_the_admin_requires_a_second_factor(operator):
    client = Client()
    assert admin_login(client).status_code == 200  # the form again: no device, no entry
    assert client.get("/admin/").status_code == 302
    device = TOTPDevice.objects.create(user=operator, name="admin", confirmed=True)
    assert admin_login(client).status_code == 200  # a device, no code
    assert client.get("/admin/").status_code == 302
    assert admin_login(client, code(device), device).status_code == 302
    assert client.get("/admin/").status_code == 200
    other = Client()
    assert admin_login(other, code(device), device).status_code == 200  # a code counts once
    assert other.get("/admin/").status_code == 302


def test_a_password_session_alone_does_not_open_the_admin(operator):
    client = Client()
    client.force_login(operator)  # e.g. signed in to the dashboard without a device
    assert client.get("/admin/").status_code == 302


def test_operators_enroll_their_device_with_a_command(operator, capsys):
    call_command("operator_totp", "operator")
    printed = capsys.readouterr().out
    device = TOTPDevice.objects.get(user=operator)
    assert device.confirmed and device.config_url in printed
    with pytest.raises(CommandError):
        call_command("operator_totp", "operator")  # one at a time, unless renewed
    call_command("operator_totp", "operator", "--replace")
    assert TOTPDevice.objects.get(user=operator).pk != device.pk
    with pytest.raises(CommandError):
        call_command("operator_totp", "nobody")
