"""The domain's use cases, one module each; reads are in `invoices.selectors`.

- events: record_event (the outbox), and the invoice-row lock every writer holds
- quoting: what an invoice costs in each asset, and a quote's address
- creation: InvoiceRequest, create_invoice, check_return_url
- payer: the payer's actions (select_currency, claim a refund)
- reconciliation: what the chain and the clock decide (apply_transfers, match_payouts,
  sweep, reevaluate)
- merchant_actions: resolve, review, cancel, set_archived, record_payout

Refusals are `core.errors.GatewayError`s, with a code from `core.errors.ErrorCode`.
Callers import from the module that holds the function: this package re-exports nothing.
Names starting with `_` are shared between these modules only."""
