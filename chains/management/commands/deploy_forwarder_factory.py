"""Deploy the ForwarderFactory (contracts/, issue 28) on an EVM network with a key the
operator gives once (DEPLOYER_KEY in the environment, or typed at the prompt: never on the
command line), or, when the network already names a `forwarder_factory` in CHAINS_CONFIG,
verify that the code there is ours. The key only pays the deployment's gas: the factory
has no owner and no admin function, so the key has no power over it afterwards."""

import getpass
import os
import time
from dataclasses import replace

from django.core.management.base import BaseCommand, CommandError

from chains import checks, forwarders, registry
from chains.backends import get_backend

RECEIPT_TIMEOUT = 300  # seconds to wait for the deployment to be mined


class Command(BaseCommand):
    help = "Deploy (or verify) the forwarder factory of an EVM network."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="an EVM network code")

    def handle(self, *args, network, **options):
        chain = registry.get_network(network)
        if chain is None or chain.kind != "evm" or not chain.rpc_url:
            raise CommandError(f"{network!r} is not an enabled EVM network")
        backend = get_backend(chain)
        if chain.forwarder_factory:
            if problem := checks.forwarder_problem(chain, backend):
                raise CommandError(problem)
            self.stdout.write(f"{chain.forwarder_factory} is our ForwarderFactory on {network}")
            return
        key = os.environ.get("DEPLOYER_KEY") or getpass.getpass("Deployer private key: ")
        address = self.deploy(backend.rpc, chain, key)
        factory_network = replace(chain, options={**chain.options, "forwarder_factory": address})
        if problem := checks.forwarder_problem(factory_network, backend):
            raise CommandError(problem)
        self.stdout.write(
            f"Deployed on {network}. Add to CHAINS_CONFIG [networks.{network}]:\n"
            f'forwarder_factory = "{address}"'
        )

    def deploy(self, rpc, chain, key: str) -> str:
        from eth_account import Account

        try:
            deployer = Account.from_key(key.strip())
        except (ValueError, TypeError) as exc:
            raise CommandError("the deployer key is not a private key") from exc
        data = forwarders.artifact("ForwarderFactory")["bytecode"]
        call = {"from": deployer.address, "data": data}
        tx = {
            "data": data,
            "value": 0,
            "gas": int(rpc.call("eth_estimateGas", call), 16) * 6 // 5,
            "gasPrice": int(rpc.call("eth_gasPrice"), 16),
            "nonce": int(rpc.call("eth_getTransactionCount", deployer.address, "pending"), 16),
            "chainId": chain.chain_id,
        }
        raw = deployer.sign_transaction(tx).raw_transaction
        txid = rpc.call("eth_sendRawTransaction", "0x" + raw.hex())
        self.stdout.write(f"deployment sent: {txid}")
        deadline = time.monotonic() + RECEIPT_TIMEOUT
        while (receipt := rpc.call("eth_getTransactionReceipt", txid)) is None:
            if time.monotonic() > deadline:
                raise CommandError(f"{txid} was not mined within {RECEIPT_TIMEOUT} s")
            time.sleep(1)
        if int(receipt["status"], 16) != 1:
            raise CommandError(f"the deployment {txid} failed")
        return forwarders.to_checksum_address(receipt["contractAddress"])
