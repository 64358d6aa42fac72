"""Merchant use cases: onboarding, settings, wallets, callback secrets, API keys, the team
(invitations, roles, removal) and each person's second factor and choices.

Every function takes keyword arguments, validates what is not the caller's form to check
(a rule that needs the database: the last owner, the invitation still open, the code of
the app) and writes. A refusal is a `GatewayError` (core.errors) whose message is for the
person who asked, which the dashboard shows as the form's error."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from chains import addresses, forwarders, hd, monero_keys, registry
from chains.backends.monero import WatchWallet
from core.errors import ErrorCode, GatewayError
from merchants import invites, notifications, notify
from merchants.models import (
    LIVE,
    SCOPE_ADMIN,
    SCOPE_INVOICES,
    ForwarderDeposit,
    ForwarderPayout,
    Merchant,
    MerchantAPIKey,
    MerchantUser,
    SettingsChange,
    TeamInvite,
    Wallet,
)
from merchants.signals import invite_created

MONERO = "monero"  # the wallet family of an address and a view key instead of an xpub
WALLET_FAMILIES = (*hd.FAMILIES, MONERO)

INVITE_LIFETIME = timedelta(days=7)
ROLES = (MerchantUser.OWNER, MerchantUser.STAFF)


# --- API keys -------------------------------------------------------------------------------


def create_api_key(
    *,
    merchant: Merchant,
    name: str = "default",
    mode: str = LIVE,
    scope: str = SCOPE_INVOICES,
    actor: str = "system",
) -> str:
    """Returns the key in clear: this is the only time it exists outside the hash. The
    team hears of it (its label and prefix, never the key)."""
    with transaction.atomic():
        api_key, key = MerchantAPIKey.objects.create_key(
            name=name, merchant=merchant, mode=mode, scope=scope
        )
        notifications.api_key_created(merchant, name, api_key.display_prefix, actor)
    return key


def revoke_api_key(*, merchant: Merchant, prefix: str) -> MerchantAPIKey:
    """Requests with the key are refused from now on; a revoked key stays revoked."""
    key = MerchantAPIKey.objects.filter(merchant=merchant, prefix=prefix, revoked=False).first()
    if key is None:
        raise GatewayError(ErrorCode.API_KEY_NOT_FOUND)
    MerchantAPIKey.objects.filter(pk=key.pk).update(revoked=True)
    key.revoked = True
    return key


# --- onboarding, settings, wallets, callbacks ------------------------------------------------


@transaction.atomic
def create_merchant(
    *, name: str, email: str = "", password: str = "", mode: str = LIVE, scope: str = SCOPE_ADMIN
) -> tuple[Merchant, str]:
    """A merchant with one API key (the operator's: `admin` unless told otherwise), a
    sandbox wallet when the sandbox is on, and an owner login when e-mail and password are
    given."""
    merchant = Merchant.objects.create(name=name)
    if settings.SANDBOX:
        Wallet.objects.create(merchant=merchant, family="sandbox", xpub=hd.new_sandbox_xpub())
    # Before the owner exists: no e-mail for the first key.
    key = create_api_key(merchant=merchant, mode=mode, scope=scope)
    if email:
        user = get_user_model().objects.create_user(
            username=email, email=email, password=password or None
        )
        MerchantUser.objects.create(user=user, merchant=merchant, role=MerchantUser.OWNER)
    return merchant, key


def check_wallet_free(*, merchant: Merchant, family: str, xpub: str) -> None:
    """xpub_in_use when another store's wallet of the family has the same account key (the
    same account pasted as xpub there and zpub here included): both stores would be handed
    the same addresses, which the database refuses for the second invoice, and a payment
    could not tell whose it is. One base58 decoding per other wallet, no derivation."""
    key = hd.account_key(family, xpub)
    others = Wallet.objects.filter(family=family).exclude(merchant=merchant)
    if any(hd.account_key(family, other) == key for other in others.values_list("xpub", flat=True)):
        raise GatewayError(ErrorCode.XPUB_IN_USE, "xpub")


def set_wallet(*, merchant: Merchant, family: str, xpub: str, actor: str = "operator") -> Wallet:
    """Validate and store the account key, refused when another store uses it; the index
    counter survives a replacement. A change is recorded with its actor and the team is
    told (it moves the money)."""
    xpub = hd.validate_xpub(family, xpub)
    check_wallet_free(merchant=merchant, family=family, xpub=xpub)
    return _store_wallet(merchant=merchant, family=family, xpub=xpub, actor=actor)


def set_monero_wallet(
    *, merchant: Merchant, address: str, view_key: str, actor: str = "operator"
) -> Wallet:
    """Store a Monero primary address with its private view key, once the key is checked to
    belong to the address (a wrong key would watch nothing); the key is sealed at rest. The
    same address on another store is refused as a shared xpub is."""
    try:
        view_key = monero_keys.check_view_key(address, view_key)
    except monero_keys.MoneroKeyError as exc:
        if exc.mismatch:  # both well formed, but not one wallet's
            raise GatewayError(ErrorCode.VIEW_KEY_MISMATCH, exc.field) from exc
        raise GatewayError(ErrorCode.INVALID_XPUB, exc.field, message=exc.message) from exc
    address = address.strip()
    if Wallet.objects.filter(family=MONERO, xpub=address).exclude(merchant=merchant).exists():
        raise GatewayError(ErrorCode.XPUB_IN_USE, "address")
    return _store_wallet(
        merchant=merchant, family=MONERO, xpub=address, actor=actor, view_key=view_key
    )


def monero_watch_wallets() -> list[WatchWallet]:
    """Every merchant's Monero wallet as the backend watches it: the address, the view key
    unsealed, and the highest subaddress index given to invoices (`next_index`)."""
    return [
        WatchWallet(wallet.xpub, wallet.view_key(), wallet.next_index, wallet.updated_at)
        for wallet in Wallet.objects.filter(family=MONERO).order_by("pk")
    ]


def wallet_addresses(wallet: Wallet, start: int, count: int) -> list[str]:
    """The addresses invoices get at indexes `start` … `start + count - 1`: derived from the
    account xpub, or a Monero wallet's subaddresses (account 0, minor index + 1: minor 0 is
    the primary address itself, never an invoice's)."""
    if wallet.family == MONERO:
        view_key = wallet.view_key()
        return [
            monero_keys.subaddress(wallet.xpub, view_key, index + 1)
            for index in range(start, start + count)
        ]
    return hd.derive_addresses(wallet.family, wallet.xpub, start, count)


def reseal_view_keys() -> int:
    """Seals every stored view key again under the current SECRET_KEY, after a rotation put
    the old key in SECRET_KEY_FALLBACKS; returns how many were sealed again. A key that no
    SECRET_KEY opens raises (core.sealed.UnsealError) before anything is written."""
    with transaction.atomic():
        wallets = list(Wallet.objects.select_for_update().exclude(view_key_sealed=""))
        changed = [wallet for wallet in wallets if wallet.reseal()]
        Wallet.objects.bulk_update(changed, ["view_key_sealed"])
    return len(changed)


def _store_wallet(
    *, merchant: Merchant, family: str, xpub: str, actor: str, view_key: str | None = None
) -> Wallet:
    """Creates or replaces the family's wallet (the index counter survives); a new key is
    recorded with its actor and the team is told (it moves the money)."""
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().filter(merchant=merchant, family=family).first()
        old = wallet.xpub if wallet else ""
        created = wallet is None
        if wallet is None:
            wallet = Wallet(merchant=merchant, family=family, xpub=xpub)
        wallet.xpub = xpub
        if view_key is not None:
            wallet.seal_view_key(view_key)
        if created:
            wallet.save()
        elif old != xpub or view_key is not None:
            wallet.save(update_fields=["xpub", "view_key_sealed", "updated_at"])
        if old != xpub:
            notify.record_change(
                merchant,
                actor,
                SettingsChange.WALLET,
                detail=family,
                old=notify.short_xpub(old),
                new=notify.short_xpub(xpub),
            )
        return wallet


def set_forwarder_payout(
    *, merchant: Merchant, network: str, payout: str, actor: str = "operator"
) -> ForwarderPayout | None:
    """Switch an EVM network to forwarder collection mode with this payout address (checked
    like any EVM address, EIP-55), or back to the HD mode with an empty payout. Addresses
    already handed out keep the payout they were computed with: a change never redirects
    them. Recorded and told to the team like a wallet change."""
    chain = registry.get_network(network)
    if chain is None or chain.kind != "evm" or not chain.forwarder_factory:
        raise GatewayError(
            ErrorCode.INVALID_ADDRESS,
            "network",
            message=_("Forwarder mode needs an EVM network with a forwarder_factory."),
        )
    current = ForwarderPayout.objects.filter(merchant=merchant, network=network).first()
    old = current.payout if current else ""
    if payout:
        try:
            payout = addresses.validate_address(chain, payout.strip())
        except addresses.InvalidAddress as exc:
            raise GatewayError(ErrorCode.INVALID_ADDRESS, "payout", message=str(exc)) from exc
    with transaction.atomic():
        if not payout:
            ForwarderPayout.objects.filter(merchant=merchant, network=network).delete()
            current = None
        else:
            current, _created = ForwarderPayout.objects.update_or_create(
                merchant=merchant, network=network, defaults={"payout": payout}
            )
        if old != payout:
            notify.record_change(
                merchant,
                actor,
                SettingsChange.WALLET,
                detail=f"forwarder {network}",
                old=old,
                new=payout,
            )
    return current


def forwarder_address(*, merchant: Merchant, network: str, index: int) -> str | None:
    """In forwarder mode on `network`: the CREATE2 deposit address for (payout, index),
    recorded with what it was computed from; None in the HD mode (no statement at all on
    a network without a factory: invoice creation stays a few statements)."""
    factory = registry.get_network(network).forwarder_factory
    if not factory:
        return None
    setting = ForwarderPayout.objects.filter(merchant=merchant, network=network).first()
    if setting is None:
        return None
    address = forwarders.deposit_address(factory, setting.payout, index)
    ForwarderDeposit.objects.create(
        merchant=merchant,
        network=network,
        address=address,
        factory=forwarders.to_checksum_address(factory),
        payout=setting.payout,
        salt=index,
    )
    return address


def update_settings(*, merchant: Merchant, changes: dict, actor: str) -> Merchant:
    """Store settings already checked by the caller's serializer or form (both through
    `invoices.merchant_settings` and the model's validators). Only the changed columns are
    written. The callback URL is the default webhook endpoint's (webhooks.endpoints)."""
    with transaction.atomic():
        for name, value in changes.items():
            setattr(merchant, name, value)
        merchant.save(update_fields=list(changes))
    return merchant


# --- the team -------------------------------------------------------------------------------


def keep_at_least_one_owner(roles: dict[int, str], member_id: int, new_role: str | None) -> bool:
    """Whether giving `member_id` the role `new_role` (None: removing them) still leaves the
    team an owner, who alone can manage keys, wallets and the team."""
    after = {**roles}
    if new_role is None:
        after.pop(member_id, None)
    else:
        after[member_id] = new_role
    return MerchantUser.OWNER in after.values()


def _locked_roles(merchant: Merchant) -> dict[int, str]:
    """Every member's role, the rows locked: two owners demoting each other at once cannot
    both pass the last-owner check."""
    return dict(
        MerchantUser.objects.select_for_update().filter(merchant=merchant).values_list("pk", "role")
    )


def invite_member(*, merchant: Merchant, email: str, role: str, invited_by) -> TeamInvite:
    """An invitation for `email` with `role`, open for INVITE_LIFETIME; its e-mail is
    queued at commit. Only the token's hash is stored (see `invites.invite_token`)."""
    if role not in ROLES:
        raise GatewayError(ErrorCode.INVALID_ROLE, "role")
    now = timezone.now()
    with transaction.atomic():  # the token needs the row's id: a random hash until then
        invite = TeamInvite.objects.create(
            merchant=merchant,
            email=email.lower(),
            role=role,
            token_hash=secrets.token_hex(32),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + INVITE_LIFETIME,
        )
        invite.token_hash = invites.invite_hash(invites.invite_token(invite))
        invite.save(update_fields=["token_hash"])
        transaction.on_commit(
            lambda: invite_created.send_robust(sender=TeamInvite, invite_id=invite.pk)
        )
    return invite


def cancel_invite(*, merchant: Merchant, invite_id: int) -> TeamInvite:
    """Its link stops working at once."""
    invite = TeamInvite.objects.filter(
        merchant=merchant, pk=invite_id, accepted_at__isnull=True
    ).first()
    if invite is None:
        raise GatewayError(ErrorCode.INVITE_NOT_FOUND)
    invite.delete()
    return invite


def open_invite(*, token: str) -> TeamInvite | None:
    """The invitation a link's token opens: not used, not cancelled, not expired."""
    if len(token) > 100:
        return None
    return (
        TeamInvite.objects.select_related("merchant")
        .filter(
            token_hash=invites.invite_hash(token),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def check_can_join(*, invite: TeamInvite) -> None:
    """Refused when the invited address has a login already (logins are e-mail addresses,
    compared without case; a login belongs to one store)."""
    if get_user_model().objects.filter(username__iexact=invite.email).exists():
        raise GatewayError(ErrorCode.LOGIN_EXISTS)


def accept_invite(*, invite: TeamInvite, password: str):
    """A login for the invited address with `password` (checked by the caller's form
    against the site's validators), in the merchant with the invitation's role; the
    invitation is used up. Returns the new user."""
    check_can_join(invite=invite)
    with transaction.atomic():
        locked = TeamInvite.objects.select_for_update().get(pk=invite.pk)
        if locked.accepted_at is not None:
            raise GatewayError(ErrorCode.INVITE_USED)
        user = get_user_model()(username=invite.email, email=invite.email)
        user.set_password(password)
        user.save()
        MerchantUser.objects.create(user=user, merchant=invite.merchant, role=invite.role)
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
    return user


def change_role(*, merchant: Merchant, member_id: int, role: str) -> MerchantUser:
    """Any role change that leaves the team an owner."""
    with transaction.atomic():
        member = (
            MerchantUser.objects.select_related("user")
            .filter(merchant=merchant, pk=member_id)
            .first()
        )
        if member is None:
            raise GatewayError(ErrorCode.MEMBER_NOT_FOUND)
        if role not in ROLES:
            raise GatewayError(ErrorCode.INVALID_ROLE, "role")
        if not keep_at_least_one_owner(_locked_roles(merchant), member.pk, role):
            raise GatewayError(ErrorCode.LAST_OWNER)
        MerchantUser.objects.filter(pk=member.pk).update(role=role)
        member.role = role
    return member


def remove_member(*, merchant: Merchant, member_id: int, removed_by) -> MerchantUser:
    """Delete the member's login (what they did stays in the timelines under their name).
    Nobody removes themselves, and the last owner stays."""
    with transaction.atomic():
        member = (
            MerchantUser.objects.select_related("user")
            .filter(merchant=merchant, pk=member_id)
            .first()
        )
        if member is None:
            raise GatewayError(ErrorCode.MEMBER_NOT_FOUND)
        if member.user_id == removed_by.pk:
            raise GatewayError(ErrorCode.CANNOT_REMOVE_SELF)
        if not keep_at_least_one_owner(_locked_roles(merchant), member.pk, None):
            raise GatewayError(ErrorCode.LAST_OWNER)
        member.user.delete()
    return member


def set_preferences(
    *, member: MerchantUser, language: str, notifications: list[str]
) -> MerchantUser:
    """A person's own choices: the dashboard's language and the e-mails they get."""
    member.language, member.notifications = language, notifications
    member.save(update_fields=["language", "notifications"])
    return member


# --- the second factor ----------------------------------------------------------------------


def confirmed_device(*, user) -> TOTPDevice | None:
    """The authenticator app a login asks a code of, when the user set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_device(*, user) -> TOTPDevice:
    """The app in use, else the one being set up (made on the first visit: its secret
    must stay the same while the user scans it and types a code)."""
    return (
        confirmed_device(user=user)
        or TOTPDevice.objects.filter(user=user, confirmed=False).first()
        or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    )


def check_code(*, device: TOTPDevice, token: str) -> None:
    """Refused unless `token` is the app's current code; django-otp throttles wrong
    guesses per device, and past three the refusal says to wait."""
    if device.verify_token(token.strip()):
        return
    _allowed, details = device.verify_is_allowed()
    raise GatewayError(
        ErrorCode.TOO_MANY_CODES
        if (details or {}).get("failure_count", 0) >= 3
        else ErrorCode.WRONG_CODE,
        "otp_token",
    )


def enable_two_factor(*, device: TOTPDevice, token: str) -> TOTPDevice:
    """The app being set up becomes the one logins ask, once it proved it with a code."""
    check_code(device=device, token=token)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def disable_two_factor(*, user, token: str) -> None:
    """Off only with a code of the app, so a session left open cannot switch it off."""
    device = confirmed_device(user=user)
    if device is None:
        raise GatewayError(ErrorCode.TWO_FACTOR_OFF)
    check_code(device=device, token=token)
    TOTPDevice.objects.filter(user=user).delete()
