"""The domain's use cases, one module each; reads are in `invoices.selectors`.

- writes: the one write path of a status. `change_status` is the one function that changes
  an invoice's status (it saves the status and records `status_changed`); `lock_invoice`
  takes the row lock every writer holds first (`in_lock_order` when it visits several);
  `reevaluate` and `apply_action` apply what `invoices.lifecycle` decides
- events: record_event, record_events (the outbox)
- quoting: what an invoice costs in each asset, and a quote's address
- creation: InvoiceRequest, create_invoice, check_return_url
- payer: the payer's actions (select_currency, claim a refund)
- reconciliation: what the chain and the clock decide (apply_transfers, match_payouts,
  sweep)
- merchant_actions: resolve, review, cancel, set_archived, record_payout

Refusals are `core.errors.GatewayError`s, with a code from `core.errors.ErrorCode`.
Callers import from the module that holds the function: this package re-exports nothing.
What the modules share is public; a name starting with `_` is used in its own module only
(tests/test_write_path.py checks both that and that no status is written outside here)."""
