"""core.leases: one conditional UPDATE takes, renews or releases a row's lease."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chains.models import ChainCursor
from core.leases import Lease, owner_token

CURSOR = Lease(until="lease_until", owner="lease_owner")
ANONYMOUS = Lease(until="lease_until")
MINUTE = timedelta(minutes=1)


@pytest.fixture
def rows(db):
    ChainCursor.objects.create(network="sandbox")
    return ChainCursor.objects.filter(network="sandbox")


def test_one_holder_at_a_time_until_the_lease_runs_out(rows):
    now, first, second = timezone.now(), owner_token(), owner_token()
    assert first != second
    assert CURSOR.take(rows, now=now, duration=MINUTE, owner=first)
    assert not CURSOR.take(rows, now=now, duration=MINUTE, owner=second)
    assert not CURSOR.take(
        rows, now=now + MINUTE - timedelta(microseconds=1), duration=MINUTE, owner=second
    )
    assert CURSOR.take(rows, now=now + MINUTE, duration=MINUTE, owner=second)  # ran out
    assert rows.get().lease_owner == second


def test_only_the_holder_renews_and_releases(rows):
    now, mine, theirs = timezone.now(), owner_token(), owner_token()
    assert CURSOR.take(rows, now=now, duration=MINUTE, owner=mine)
    assert CURSOR.renew(rows, owner=mine, now=now + MINUTE, duration=MINUTE)
    assert rows.get().lease_until == now + 2 * MINUTE
    assert not CURSOR.renew(rows, owner=theirs, now=now, duration=MINUTE)
    assert CURSOR.release(rows, owner=theirs, height=7) == 0
    assert CURSOR.release(rows, owner=mine, height=7) == 1  # changes in the same UPDATE
    cursor = rows.get()
    assert (cursor.lease_owner, cursor.lease_until, cursor.height) == ("", None, 7)
    assert rows.filter(CURSOR.free(now)).exists()


def test_a_lease_without_an_owner_column(rows):
    now = timezone.now()
    assert ANONYMOUS.take(rows, now=now, duration=MINUTE)
    assert not ANONYMOUS.take(rows, now=now, duration=MINUTE)
    assert not rows.filter(ANONYMOUS.free(now)).exists()
    assert ANONYMOUS.release(rows) == 1
    assert ANONYMOUS.take(rows, now=now, duration=MINUTE)
    with pytest.raises(TypeError):
        ANONYMOUS.held(rows, "someone")
    with pytest.raises(ValueError):
        CURSOR.take(ChainCursor.objects.none(), now=now, duration=MINUTE)
