"""The dashboard's pages, under /dashboard/ (config/urls.py), with its own login."""

from django.urls import path

from dashboard import account_views as account
from dashboard import collect_views, views
from dashboard import greenfield_views as greenfield
from dashboard import pos_views as pos
from dashboard import selling_views as selling
from dashboard import settings_views as store

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/export.csv", views.invoice_export, name="invoices_export"),
    path("invoices/new/", selling.new_invoice, name="new_invoice"),
    path("invoices/<uuid:invoice_id>/share/", selling.invoice_share, name="invoice_share"),
    path("links/", selling.link_list, name="links"),
    path("links/new/", selling.link_new, name="link_new"),
    path("links/<uuid:link_id>/", selling.link_detail, name="link"),
    path("links/<uuid:link_id>/edit/", selling.link_edit, name="link_edit"),
    path("links/<uuid:link_id>/toggle/", selling.link_toggle, name="link_toggle"),
    path("pos/", pos.terminal_list, name="pos"),
    path("pos/new/", pos.terminal_new, name="pos_new"),
    path("pos/<uuid:terminal_id>/edit/", pos.terminal_edit, name="pos_edit"),
    path("pos/<uuid:terminal_id>/rotate/", pos.terminal_rotate, name="pos_rotate"),
    path("pos/<uuid:terminal_id>/toggle/", pos.terminal_toggle, name="pos_toggle"),
    path("account/preferences/", selling.preferences, name="preferences"),
    path("invoices/<uuid:invoice_id>/", views.invoice_detail, name="invoice"),
    path("invoices/<uuid:invoice_id>/payout/", views.record_payout, name="invoice_payout"),
    path("invoices/<uuid:invoice_id>/refunds/new/", views.invoice_refund, name="invoice_refund"),
    path("refunds/", views.refund_list, name="refunds"),
    path("collect/", collect_views.collect, name="collect"),
    path("collect/record/", collect_views.collect_record, name="collect_record"),
    path("collect/<slug:network>/payout/", collect_views.collect_payout, name="collect_payout"),
    path("refunds/<uuid:refund_id>/", views.refund_detail, name="refund"),
    path("refunds/<uuid:refund_id>/cancel/", views.refund_cancel, name="refund_cancel"),
    path("refunds/<uuid:refund_id>/mark-paid/", views.refund_mark_paid, name="refund_mark_paid"),
    path(
        "invoices/<uuid:invoice_id>/events/<uuid:event_id>/redeliver/",
        views.redeliver,
        name="redeliver",
    ),
    path("invoices/<uuid:invoice_id>/<slug:action>/", views.invoice_action, name="invoice_action"),
    path("mode/", account.switch_mode, name="switch_mode"),
    path("settings/", store.profile, name="settings"),
    path("settings/payments/", store.payments, name="settings_payments"),
    path("settings/wallets/", store.wallets, name="settings_wallets"),
    path("settings/wallets/<slug:family>/", store.wallet, name="settings_wallet"),
    path("settings/callbacks/", store.callbacks_settings, name="settings_callbacks"),
    path("settings/callbacks/test/", store.callback_test, name="callback_test"),
    path("settings/callbacks/rotate/", store.rotate_secret, name="rotate_secret"),
    path("settings/callbacks/new/", store.endpoint_add, name="endpoint_add"),
    path("settings/callbacks/<uuid:endpoint_id>/", store.endpoint_detail, name="settings_endpoint"),
    path(
        "settings/callbacks/<uuid:endpoint_id>/toggle/",
        store.endpoint_toggle,
        name="endpoint_toggle",
    ),
    path(
        "settings/callbacks/<uuid:endpoint_id>/delete/",
        store.endpoint_delete,
        name="endpoint_delete",
    ),
    path("settings/callbacks/<uuid:endpoint_id>/test/", store.callback_test, name="endpoint_test"),
    path(
        "settings/callbacks/<uuid:endpoint_id>/rotate/",
        store.rotate_secret,
        name="endpoint_rotate",
    ),
    path(
        "settings/callbacks/<uuid:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        store.endpoint_redeliver,
        name="endpoint_redeliver",
    ),
    path("settings/api-keys/", store.api_keys, name="settings_api_keys"),
    path("settings/connect/", greenfield.connect, name="connect"),
    path("settings/api-keys/<str:prefix>/revoke/", store.revoke_key, name="revoke_key"),
    path("settings/team/", store.team, name="settings_team"),
    path(
        "settings/team/invites/<int:invite_id>/cancel/", store.cancel_invite, name="cancel_invite"
    ),
    path("settings/team/members/<int:member_id>/role/", store.change_role, name="change_role"),
    path(
        "settings/team/members/<int:member_id>/remove/", store.remove_member, name="remove_member"
    ),
    path("account/", account.account, name="account"),
    path("account/two-factor/", account.two_factor, name="two_factor"),
    path("login/", account.login_view, name="login"),
    path("login/verify/", account.verify, name="verify"),
    path("logout/", account.logout_view, name="logout"),
    path("password-reset/", account.password_reset, name="password_reset"),
    path("password-reset/sent/", account.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", account.password_reset_complete, name="password_reset_complete"),
    path("invite/<str:token>/", account.accept_invite, name="accept_invite"),
]
