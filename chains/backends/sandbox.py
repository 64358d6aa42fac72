"""The sandbox network: a ledger in the gateway's own database, read through the same
backend interface (and so the same scanner) as every real chain."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from chains import addresses, registry
from chains.backends.base import Block, BlockRef, ChainBackend, Mempool, Transfer, WatchedLookup
from chains.models import SandboxBlock, SandboxTransfer

NETWORK = "sandbox"
FEE_UNITS = 1_000  # a flat, realistic-looking fee in the native coin's base units


def _genesis() -> SandboxBlock:
    block, _ = SandboxBlock.objects.get_or_create(
        height=0,
        defaults={
            "hash": hashlib.sha256(b"sandbox genesis").hexdigest(),
            "parent_hash": "0" * 64,
            "mined_at": timezone.now(),
        },
    )
    return block


def _lock_chain() -> None:
    """The sandbox's one lock, the genesis row, taken first by every write (in the caller's
    transaction): a request that pays, scans and mines in one transaction and one that
    mines and scans then take their locks in the same order and cannot deadlock."""
    _genesis()
    SandboxBlock.objects.select_for_update().get(height=0)


def broadcast(to_address: str, asset: str, amount: int, sender: str) -> str:
    """Put a payment in the sandbox mempool and return its txid."""
    if amount <= 0:
        raise ValueError("a sandbox payment must be positive")
    txid = secrets.token_hex(32)
    with transaction.atomic():
        _lock_chain()
        SandboxTransfer.objects.create(
            txid=txid,
            to_address=to_address,
            asset=asset,
            amount=amount,
            sender=sender,
            created_at=timezone.now(),
        )
    return txid


def mine(blocks: int = 1) -> int:
    """Mine `blocks` blocks; the first takes every mempool payment. Returns the new tip.

    Miners queue on the genesis row and read the tip only once they hold it: locking the
    tip row itself let a second miner, woken when the first committed, build on the old
    tip (PostgreSQL re-checks the locked row, not which row is now the highest) and fail
    on the duplicate height."""
    with transaction.atomic():
        _lock_chain()
        tip = SandboxBlock.objects.latest("height")
        for _ in range(blocks):
            height = tip.height + 1
            tip = SandboxBlock.objects.create(
                height=height,
                parent_hash=tip.hash,
                mined_at=timezone.now(),
                hash=hashlib.sha256(
                    f"{tip.hash}:{height}:{secrets.token_hex(8)}".encode()
                ).hexdigest(),
            )
            SandboxTransfer.objects.filter(block__isnull=True).update(block=tip)
        return tip.height


def _transfer(row: SandboxTransfer, block: SandboxBlock | None) -> Transfer:
    """Its time: the block's `mined_at` once mined, else when it was broadcast."""
    return Transfer(
        network=NETWORK,
        txid=row.txid,
        index=row.index,
        to_address=row.to_address,
        asset=row.asset,
        amount=row.amount,
        from_addresses=(row.sender,),
        block_height=block.height if block else None,
        block_hash=block.hash if block else None,
        time=block.mined_at if block else row.created_at,
    )


def _matching(rows: list[SandboxTransfer], watched: WatchedLookup) -> list[SandboxTransfer]:
    """The rows paying watched addresses: one lookup for all of them, as on a real chain."""
    addresses = {row.to_address for row in rows}
    hits = watched(addresses) if addresses else set()
    return [row for row in rows if row.to_address in hits]


class SandboxBackend(ChainBackend):
    def tip(self) -> BlockRef:
        block = SandboxBlock.objects.order_by("-height").first() or _genesis()
        return BlockRef(block.height, block.hash)

    def block_hash(self, height: int) -> str | None:
        return SandboxBlock.objects.filter(height=height).values_list("hash", flat=True).first()

    def blocks(self, start: int, stop: int, watched: WatchedLookup) -> list[Block]:
        rows = SandboxBlock.objects.filter(height__gte=start, height__lte=stop).order_by("height")
        paid = SandboxTransfer.objects.filter(block__height__gte=start, block__height__lte=stop)
        transfers: dict[int, list[Transfer]] = {}
        for row in _matching(list(paid.select_related("block").order_by("pk")), watched):
            if row.block:  # filtered on its block: always there
                transfers.setdefault(row.block.height, []).append(_transfer(row, row.block))
        return [
            Block(
                b.height, b.hash, b.parent_hash, tuple(transfers.get(b.height, ())), time=b.mined_at
            )
            for b in rows
        ]

    def mempool(self, watched: WatchedLookup) -> Mempool:
        rows = list(SandboxTransfer.objects.filter(block__isnull=True).order_by("pk"))
        return Mempool(
            tuple(_transfer(row, None) for row in _matching(rows, watched)),
            frozenset(row.txid for row in rows),
        )

    def fee_estimate(self) -> int:
        return FEE_UNITS


def payer_address(seed) -> str:
    """A stable sender address for simulated payments of one invoice, so repeated sandbox
    payments look like one payer (two different senders would be `multiple_senders`); a
    valid sandbox address, so the refund form takes the sender it shows."""
    digest = hashlib.sha256(f"payer:{seed}".encode()).digest()[:20]
    return addresses.address_for(registry.network("sandbox"), digest)
