"""The sandbox backend speaks the same interface as the node backends: it matches the
watched addresses first (one lookup per call) and gives times (broadcast, then mined)."""

from chains.backends import sandbox
from chains.backends.sandbox import SandboxBackend
from chains.models import SandboxBlock, SandboxTransfer
from chains.registry import get_network
from tests.test_backend_bitcoin import watching


def test_only_watched_payments_with_their_times(db):
    backend = SandboxBackend(get_network("sandbox"))
    paid = sandbox.broadcast("sbx1qwatched", "USDT", 5, "sbx1qpayer")
    other = sandbox.broadcast("sbx1qsomeoneelse", "USDT", 7, "sbx1qpayer")
    lookup = watching("sbx1qwatched")

    mempool = backend.mempool(lookup)
    (pending,) = mempool.transfers
    assert (pending.txid, pending.amount, pending.block_height) == (paid, 5, None)
    assert pending.time == SandboxTransfer.objects.get(txid=paid).created_at
    assert mempool.txids == {paid, other}
    assert lookup.asked == [{"sbx1qwatched", "sbx1qsomeoneelse"}]

    height = sandbox.mine(2)
    blocks = backend.blocks(height - 1, height, lookup)
    mined_at = SandboxBlock.objects.get(height=height - 1).mined_at
    assert [b.time for b in blocks] == [mined_at, SandboxBlock.objects.get(height=height).mined_at]
    (transfer,) = blocks[0].transfers
    assert (transfer.txid, transfer.block_height, transfer.time) == (paid, height - 1, mined_at)
    assert blocks[1].transfers == ()
    assert len(lookup.asked) == 2  # one more lookup for both blocks
    assert backend.mempool(lookup).txids == frozenset()
