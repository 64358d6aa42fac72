"""The tenancy services on their own: API keys, the team's rules (the last owner, nobody
removing themselves, invitations used once), the second factor, and the settings the
dashboard now checks with the API's rules rather than through its serializer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from rest_framework.test import APIClient

from core.errors import GatewayError
from merchants import invites
from merchants import services as merchant_services
from merchants.models import UNRESOLVED_CONTEXTS, MerchantUser, SettingsChange, TeamInvite
from webhooks import endpoints

PASSWORD = "a long enough passphrase"


def _member(merchant, email, role=MerchantUser.OWNER):
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    return MerchantUser.objects.create(user=user, merchant=merchant, role=role)


def _code(device) -> str:
    return str(
        TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    ).zfill(6)


# --- API keys --------------------------------------------------------------------------------


def test_a_revoked_key_stops_authenticating(api):
    key = merchant_services.create_api_key(merchant=api.merchant, name="backend", mode="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/invoices").status_code == 200
    prefix = key.removeprefix("cg_test_").split(".")[0]
    merchant_services.revoke_api_key(merchant=api.merchant, prefix=prefix)
    refused = client.get("/api/v1/invoices")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_api_key"
    with pytest.raises(GatewayError, match="^No such"):  # once, and only the merchant's own
        merchant_services.revoke_api_key(merchant=api.merchant, prefix=prefix)


def test_a_key_is_revoked_only_by_its_merchant(api, make_merchant):
    other = make_merchant("Other shop")
    key = merchant_services.create_api_key(merchant=api.merchant, name="backend")
    prefix = key.removeprefix("cg_live_").split(".")[0]
    with pytest.raises(GatewayError, match="^No such"):
        merchant_services.revoke_api_key(merchant=other.merchant, prefix=prefix)
    assert not api.merchant.api_keys.get(prefix=prefix).revoked


# --- the team ---------------------------------------------------------------------------------


def test_the_last_owner_stays(api):
    owner = _member(api.merchant, "owner@shop.example")
    staff = _member(api.merchant, "staff@shop.example", MerchantUser.STAFF)
    with pytest.raises(GatewayError, match="at least one owner"):
        merchant_services.remove_member(
            merchant=api.merchant, member_id=owner.pk, removed_by=staff.user
        )
    with pytest.raises(GatewayError, match="at least one owner"):
        merchant_services.change_role(merchant=api.merchant, member_id=owner.pk, role="staff")
    merchant_services.change_role(merchant=api.merchant, member_id=staff.pk, role="owner")
    merchant_services.remove_member(
        merchant=api.merchant, member_id=owner.pk, removed_by=staff.user
    )  # another owner is left
    assert not get_user_model().objects.filter(username="owner@shop.example").exists()
    with pytest.raises(GatewayError, match="cannot remove yourself"):
        merchant_services.remove_member(
            merchant=api.merchant, member_id=staff.pk, removed_by=staff.user
        )


def test_team_changes_stay_within_the_merchant(api, make_merchant):
    other = make_merchant("Other shop")
    outsider = _member(other.merchant, "owner@other.example")
    with pytest.raises(GatewayError, match="^No such"):
        merchant_services.change_role(merchant=api.merchant, member_id=outsider.pk, role="staff")
    with pytest.raises(GatewayError, match="^No such"):
        merchant_services.remove_member(
            merchant=api.merchant, member_id=outsider.pk, removed_by=outsider.user
        )
    with pytest.raises(GatewayError, match="owner or staff"):
        merchant_services.change_role(merchant=other.merchant, member_id=outsider.pk, role="admin")


def test_an_invitation_is_used_once(api, django_capture_on_commit_callbacks):
    owner = _member(api.merchant, "owner@shop.example")
    with django_capture_on_commit_callbacks() as queued:
        invite = merchant_services.invite_member(
            merchant=api.merchant, email="New@Shop.example", role="staff", invited_by=owner.user
        )
    assert len(queued) == 1  # the e-mail, at commit
    token = invites.invite_token(invite)
    assert invite.email == "new@shop.example" and token not in invite.token_hash
    assert merchant_services.open_invite(token=token) == invite
    user = merchant_services.accept_invite(invite=invite, password=PASSWORD)
    assert user.check_password(PASSWORD)
    assert (user.merchant_user.merchant, user.merchant_user.role) == (api.merchant, "staff")
    assert merchant_services.open_invite(token=token) is None
    with pytest.raises(GatewayError, match="already has a login"):
        merchant_services.accept_invite(invite=invite, password=PASSWORD)


def test_an_invitation_for_an_existing_login_or_expired_opens_nothing(api):
    owner = _member(api.merchant, "owner@shop.example")
    invite = merchant_services.invite_member(
        merchant=api.merchant, email="OWNER@shop.example", role="owner", invited_by=owner.user
    )
    with pytest.raises(GatewayError, match="already has a login"):
        merchant_services.check_can_join(invite=invite)
    with pytest.raises(GatewayError, match="owner or staff"):
        merchant_services.invite_member(
            merchant=api.merchant, email="x@shop.example", role="root", invited_by=owner.user
        )
    TeamInvite.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert merchant_services.open_invite(token=invites.invite_token(invite)) is None
    merchant_services.cancel_invite(merchant=api.merchant, invite_id=invite.pk)
    with pytest.raises(GatewayError, match="^No such"):
        merchant_services.cancel_invite(merchant=api.merchant, invite_id=invite.pk)


# --- the second factor ------------------------------------------------------------------------


def test_two_factor_on_and_off_only_with_a_code(api):
    user = _member(api.merchant, "owner@shop.example").user
    device = merchant_services.two_factor_device(user=user)
    assert merchant_services.two_factor_device(user=user) == device  # the same secret
    with pytest.raises(GatewayError, match="not right"):
        merchant_services.enable_two_factor(device=device, token="000000")
    assert merchant_services.confirmed_device(user=user) is None
    device.throttle_reset()
    merchant_services.enable_two_factor(device=device, token=_code(device))
    assert merchant_services.confirmed_device(user=user) == device
    device.refresh_from_db()
    with pytest.raises(GatewayError):
        merchant_services.disable_two_factor(user=user, token="000000")
    assert merchant_services.confirmed_device(user=user) is not None


def test_wrong_codes_are_throttled(api):
    user = _member(api.merchant, "owner@shop.example").user
    device = merchant_services.two_factor_device(user=user)
    with pytest.raises(GatewayError, match="not right"):
        merchant_services.check_code(device=device, token="000000")
    device.throttling_failure_count = 3  # django-otp's count after three wrong codes
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    with pytest.raises(GatewayError, match="Too many wrong codes") as refused:
        merchant_services.check_code(device=device, token=_code(device))  # even a right one
    assert refused.value.param == "otp_token"


# --- settings ---------------------------------------------------------------------------------


def test_a_callback_url_change_is_recorded_with_its_actor(api):
    endpoints.set_callback_url(
        merchant=api.merchant, url="https://shop.example/hook", actor="user:owner@shop.example"
    )
    merchant_services.update_settings(
        merchant=api.merchant, changes={"name": "Renamed"}, actor="user:owner@shop.example"
    )
    api.merchant.refresh_from_db()
    assert (api.merchant.name, endpoints.callback_url(api.merchant)) == (
        "Renamed",
        "https://shop.example/hook",
    )
    (change,) = SettingsChange.objects.filter(merchant=api.merchant)
    assert (change.what, change.actor, change.new_value) == (
        SettingsChange.CALLBACK_URL,
        "user:owner@shop.example",
        "https://shop.example/hook",
    )


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        (
            "/dashboard/settings/callbacks/",
            {"callback_url": "ftp://shop.example/hook"},
            "must be an http(s) URL",
        ),
        (
            "/dashboard/settings/callbacks/",
            {"callback_url": "https://shop.example:99999/"},
            "Port out of range",
        ),
        (  # refused when saved, with the reason, not at the first delivery
            "/dashboard/settings/callbacks/",
            {"callback_url": "http://127.0.0.1:18001/hook"},
            "resolves to 127.0.0.1, a loopback address",
        ),
        (
            "/dashboard/settings/callbacks/",
            {"callback_url": "http://localhost:18001/hook"},
            "a loopback address",
        ),
        (
            "/dashboard/settings/",
            {"name": "Shop", "logo_url": "https://shop.example/" + "l" * 200},
            "200 characters",
        ),
        (
            "/dashboard/settings/",
            {"name": "Shop", "allowed_return_hosts": "h\n" * 201},
            "allowed_return_hosts has at most 200 entries",
        ),
    ],
)
def test_the_dashboard_refuses_what_the_api_refuses(api, url, data, message):
    """Rules the dashboard used to get from the API's serializer, now from the same
    checks the serializer calls."""
    user = _member(api.merchant, "owner@shop.example").user
    client = Client()
    client.force_login(user)
    before = (api.merchant.name, endpoints.callback_url(api.merchant))
    response = client.post(url, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    api.merchant.refresh_from_db()
    assert (api.merchant.name, endpoints.callback_url(api.merchant)) == before
    if "callback_url" in data:  # the API's message is the same
        over_api = api.patch("/api/v1/merchant", data, format="json")
        assert over_api.status_code == 400 and message in over_api.json()["error"]["message"]


def test_timers_are_bounded_as_over_the_api(api):
    user = _member(api.merchant, "owner@shop.example").user
    client = Client()
    client.force_login(user)
    form = {
        "invoice_ttl_minutes": str(60 * 24 * 30 + 1),
        "payment_window_minutes": "20",
        "slippage_percent": "1",
        "insurance_percent": "0",
        "late_window_minutes": "60",
        "processing_timeout_minutes": "120",
        **{f"rule_{context}": "review" for context in UNRESOLVED_CONTEXTS},
    }
    response = client.post("/dashboard/settings/payments/", form)
    assert response.status_code == 422
    assert "less than or equal to 43200" in response.content.decode()
    assert (
        api.patch("/api/v1/merchant", {"invoice_ttl_minutes": 43201}, format="json").status_code
        == 400
    )
