"""Issue 28: the forwarder contracts on anvil, and the offline address computation
(chains/forwarders.py) against the deployed factory."""

from __future__ import annotations

import io

import pytest

from chains import forwarders
from tests.nodes import REPO

NO_BOOL = REPO / "contracts" / "NoBoolToken.json"
FACTORY = REPO / "contracts" / "ForwarderFactory.json"


def with_forwarders(anvil):
    """The anvil node with a ForwarderFactory, a no-bool token and a fee-on-transfer
    no-bool token (1 % burnt per transfer) deployed by account 0, once per session."""
    if not hasattr(anvil, "factory"):
        anvil.factory = anvil.deploy(FACTORY)
        anvil.nobool = anvil.deploy(NO_BOOL, "No Bool", "NB", 6, 10**15, 0)
        anvil.feetoken = anvil.deploy(NO_BOOL, "Fee", "FEE", 6, 10**15, 100)
    return anvil


@pytest.fixture
def chain(anvil):
    return with_forwarders(anvil)


_salts = iter(range(10**6, 2 * 10**6))


def fresh_payout(w3) -> str:
    """An address nobody uses yet (balances start at zero)."""
    return w3.eth.account.create().address


def test_offline_address_matches_the_factory(chain):
    factory = chain.factory
    assert forwarders.implementation_address(factory.address) == (
        factory.functions.implementation().call()
    )
    for payout, salt in [
        (chain.accounts[1], 0),
        (chain.accounts[2], 7),
        (chain.accounts[2], 2**255),
    ]:
        assert forwarders.deposit_address(factory.address, payout, salt) == (
            factory.functions.depositAddress(payout, salt).call()
        )
    # The payout is part of the address: another payout, another address.
    assert forwarders.deposit_address(factory.address, chain.accounts[1], 5) != (
        forwarders.deposit_address(factory.address, chain.accounts[2], 5)
    )


def test_the_deployed_code_is_recognised(chain):
    def code(address):
        return bytes(chain.w3.eth.get_code(address))

    factory = chain.factory.address
    implementation = forwarders.implementation_address(factory)
    assert forwarders.factory_code_problem(factory, code(factory), code(implementation)) == ""
    # Another contract (the test token) at the configured address is refused.
    token = chain.token.address
    problem = forwarders.factory_code_problem(token, code(token), b"")
    assert "is not the ForwarderFactory" in problem
    assert "no contract" in forwarders.factory_code_problem(chain.accounts[5], b"", b"")


def _collect(chain, payout, salts, tokens, sender):
    tx = chain.factory.functions.collect(payout, salts, tokens).transact({"from": sender})
    return chain.w3.eth.wait_for_transaction_receipt(tx)


def test_collect_sweeps_coin_and_every_kind_of_token_to_the_payout(chain):
    w3, factory = chain.w3, chain.factory
    payout = fresh_payout(w3)
    salts = [next(_salts) for _ in range(4)]
    addresses = [forwarders.deposit_address(factory.address, payout, s) for s in salts]
    tokens = [chain.token, chain.nobool, chain.feetoken]
    for i, address in enumerate(addresses):
        chain.send_eth(address, 10**15 * (i + 1))
        for token in tokens:
            token.functions.transfer(address, 1000 * (i + 1)).transact({"from": chain.accounts[0]})
    assert all(w3.eth.get_code(a) == b"" for a in addresses)  # nothing deployed before
    receipt = _collect(chain, payout, salts, [t.address for t in tokens], chain.accounts[3])
    assert receipt["status"] == 1
    assert w3.eth.get_balance(payout) == 10**15 * 10
    assert chain.token.functions.balanceOf(payout).call() == 10_000
    assert chain.nobool.functions.balanceOf(payout).call() == 10_000  # no bool returned
    # Fee-on-transfer: 1 % burnt on the way in and on the way out; the rest all arrives.
    assert chain.feetoken.functions.balanceOf(payout).call() == sum(
        (990 * (i + 1)) - (990 * (i + 1)) // 100 for i in range(4)
    )
    for address in addresses:
        assert w3.eth.get_balance(address) == 0
        for token in tokens:
            assert token.functions.balanceOf(address).call() == 0
        assert w3.eth.get_code(address) != b""  # now a forwarder


def test_coin_sent_to_a_deployed_forwarder_goes_straight_on(chain):
    w3 = chain.w3
    payout = fresh_payout(w3)
    salt = next(_salts)
    address = forwarders.deposit_address(chain.factory.address, payout, salt)
    _collect(chain, payout, [salt], [], chain.accounts[0])  # deploys it (nothing to sweep)
    chain.send_eth(address, 12345)
    assert w3.eth.get_balance(payout) == 12345
    assert w3.eth.get_balance(address) == 0
    # Tokens wait until anyone flushes them, and then go to the payout only.
    chain.send_token(address, 777)
    forwarder = w3.eth.contract(address=address, abi=forwarders.artifact("DepositForwarder")["abi"])
    forwarder.functions.flush(chain.token.address).transact({"from": chain.accounts[4]})
    assert chain.token.functions.balanceOf(payout).call() == 777


def test_a_stranger_collecting_only_pays_the_payout(chain):
    w3, factory = chain.w3, chain.factory
    payout, stranger = fresh_payout(w3), chain.accounts[6]
    salt = next(_salts)
    address = forwarders.deposit_address(factory.address, payout, salt)
    chain.send_token(address, 5000)
    stranger_before = chain.token.functions.balanceOf(stranger).call()
    # Naming themselves as payout computes other addresses: nothing of this one moves.
    _collect(chain, stranger, [salt], [chain.token.address], stranger)
    assert chain.token.functions.balanceOf(address).call() == 5000
    # Naming the real payout pays the real payout.
    _collect(chain, payout, [salt], [chain.token.address], stranger)
    assert chain.token.functions.balanceOf(payout).call() == 5000
    assert chain.token.functions.balanceOf(stranger).call() == stranger_before
    # The forwarder's payout is fixed: init cannot be called again, by anyone.
    forwarder = w3.eth.contract(address=address, abi=forwarders.artifact("DepositForwarder")["abi"])
    assert forwarder.functions.payout().call() == payout
    with pytest.raises(Exception, match="factory only"):
        forwarder.functions.init(stranger).call({"from": stranger})


def test_startup_checks_refuse_a_factory_that_is_not_ours(chain):
    import dataclasses

    from chains import backends, checks

    def problem(factory):
        network = dataclasses.replace(chain.network, options={"forwarder_factory": factory})
        return checks.configuration_problem(network) or checks.node_problem(
            network, backends.get_backend(network)
        )

    assert problem(chain.factory.address) is None
    assert "is not the ForwarderFactory" in problem(chain.token.address)
    assert "no contract" in problem(chain.accounts[7])
    assert "not an EVM address" in problem("0x1234")


def test_deploy_forwarder_factory_deploys_then_verifies(chain, settings, tmp_path, monkeypatch):
    from django.core.management import CommandError, call_command

    from tests.test_chain_litecoin import configure_chains

    deployer = chain.w3.eth.account.create()
    chain.send_eth(deployer.address, 10**18)
    configure_chains(
        settings, tmp_path, f'[networks.ethereum-local]\nrpc_url = "{chain.rpc_url}"\n'
    )
    monkeypatch.setenv("DEPLOYER_KEY", deployer.key.hex())
    out = io.StringIO()
    call_command("deploy_forwarder_factory", "--network", "ethereum-local", stdout=out)
    address = out.getvalue().rsplit('"', 2)[-2]
    assert chain.w3.eth.get_code(address) != b""
    config = tmp_path / "verify"
    config.mkdir()
    configure_chains(
        settings,
        config,
        f'[networks.ethereum-local]\nrpc_url = "{chain.rpc_url}"\n'
        f'forwarder_factory = "{address}"\n',
    )
    out = io.StringIO()
    call_command("deploy_forwarder_factory", "--network", "ethereum-local", stdout=out)
    assert "is our ForwarderFactory" in out.getvalue()
    other = tmp_path / "other"  # the registry reads each file once
    other.mkdir()
    configure_chains(
        settings,
        other,
        f'[networks.ethereum-local]\nrpc_url = "{chain.rpc_url}"\n'
        f'forwarder_factory = "{chain.token.address}"\n',
    )
    with pytest.raises(CommandError, match="is not the ForwarderFactory"):
        call_command("deploy_forwarder_factory", "--network", "ethereum-local")
