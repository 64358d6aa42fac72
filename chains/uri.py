"""Wallet URIs a QR code carries: BIP21 for UTXO coins, EIP-681 for EVM coins and tokens,
Monero's `monero:<address>?tx_amount=<XMR>&tx_description=<text>` (the URI scheme of the
Monero wallets, GUI and CLI: amount in XMR, description percent-encoded).

TRON has none: no URI scheme is common to TRON wallets (TronLink, Trust Wallet, exchange
apps each read something else, most only a bare address), so a TRON QR code carries the
plain `T…` address and the checkout shows the amount beside it."""

from urllib.parse import quote

from chains.registry import Asset, Network


def _decimal(units: int, decimals: int) -> str:
    """BIP21 wants a plain decimal amount without superfluous zeros."""
    whole, fraction = divmod(units, 10**decimals)
    fraction_digits = str(fraction).rjust(decimals, "0").rstrip("0") if decimals else ""
    return f"{whole}.{fraction_digits}" if fraction_digits else str(whole)


def payment_uri(
    network: Network,
    asset: Asset,
    address: str,
    units: int,
    description: str = "",
    *,
    token_uri: bool = True,
) -> str:
    """The URI, or "" where wallets share none (TRON, a network CHAINS_CONFIG defines
    without a `uri_scheme`) or, for a token, where the merchant chose the plain address
    (`token_uri` false: some wallets take the token contract of an EIP-681 URI for the
    recipient): then the QR holds the address. `description` (the invoice's) is carried
    where the scheme has a place for it (Monero)."""
    if network.kind == "tron" or not network.uri_scheme or (not token_uri and not asset.is_native):
        return ""
    if network.kind == "monero":
        uri = f"monero:{address}?tx_amount={_decimal(units, asset.decimals)}"
        return uri + (f"&tx_description={quote(description, safe='')}" if description else "")
    if network.kind == "evm":
        if asset.is_native:
            return f"ethereum:{address}@{network.chain_id}?value={units}"
        return (
            f"ethereum:{asset.contract}@{network.chain_id}/transfer"
            f"?address={address}&uint256={units}"
        )
    amount = _decimal(units, asset.decimals)
    if asset.contract is None:  # the native coin
        return f"{network.uri_scheme}:{address}?amount={amount}"
    return f"{network.uri_scheme}:{address}?amount={amount}&token={quote(asset.contract, safe='')}"
