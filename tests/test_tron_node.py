"""The test TRON node is only worth what its shapes are: its transactions serialise like
java-tron's (published transactions reproduced byte for byte), its signatures are a TRON
wallet's, and its answers have the recorded responses' keys and value types."""

import hashlib
import json
from pathlib import Path

import pytest
import requests
from eth_keys import keys

from tests.tron_node import Account, TronNode, serialize_raw

RECORDED = Path(__file__).parent / "recorded" / "tron"


def recorded(name: str):
    return json.loads((RECORDED / name).read_text())


@pytest.mark.parametrize("name", ["transfer_contract_tx.json", "trigger_smart_contract_tx.json"])
def test_raw_data_serialises_as_java_tron_does(name):
    tx = recorded(name)
    raw_hex = serialize_raw(tx["raw_data"]).hex()
    assert raw_hex == tx["raw_data_hex"]
    assert hashlib.sha256(bytes.fromhex(raw_hex)).hexdigest() == tx["txID"]


def test_a_published_signature_recovers_to_its_owner_as_ours_do():
    tx = recorded("trigger_smart_contract_tx.json")
    owner = tx["raw_data"]["contract"][0]["parameter"]["value"]["owner_address"]
    signature = keys.Signature(bytes.fromhex(tx["signature"][0]))
    public = signature.recover_public_key_from_msg_hash(bytes.fromhex(tx["txID"]))
    assert "41" + public.to_canonical_address().hex() == owner

    node, sender = TronNode(), Account.new()
    node.send_trx(sender, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", 5)
    ours = node.pending[0].tx
    public = keys.Signature(bytes.fromhex(ours["signature"][0])).recover_public_key_from_msg_hash(
        bytes.fromhex(ours["txID"])
    )
    assert "41" + public.to_canonical_address().hex() == sender.hex21


def shape(value):
    """Keys and value types, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def post(node, path, body=None):
    return requests.post(node.url + path, json=body or {}, timeout=5).json()


def test_answers_have_the_recorded_shapes(tron_node):
    sender = Account.new()
    tron_node.send_trx(sender, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", 100000)
    token = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    tron_node.send_token(sender, token, "TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxMW", 1)
    tron_node.mine()
    header = post(tron_node, "/wallet/getblock", {"detail": False})
    assert shape(header) == shape(recorded("getblock_header.json"))
    genesis = post(tron_node, "/wallet/getblock", {"id_or_num": "0", "detail": False})
    assert "number" not in genesis["block_header"]["raw_data"]
    assert set(genesis["block_header"]["raw_data"]) >= set(
        recorded("genesis_header.json")["block_header"]["raw_data"]
    )

    [block] = post(tron_node, "/wallet/getblockbylimitnext", {"startNum": 1, "endNum": 2})["block"]
    trx, trc20 = block["transactions"]
    published_trx = recorded("transfer_contract_tx.json")
    assert shape(trx["raw_data"]) == shape(published_trx["raw_data"])
    published_trc20 = recorded("trigger_smart_contract_tx.json")
    assert shape(trc20) == shape(published_trc20)

    parameters = post(tron_node, "/wallet/getchainparameters")
    assert shape(parameters["chainParameter"][0]) == shape(
        recorded("getchainparameters.json")["chainParameter"][0]
    )
    assert {"key": "getAllowUpdateAccountName"} in parameters["chainParameter"]

    logs = requests.post(
        tron_node.url + "/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_getLogs",
            "params": [{"fromBlock": "0x1", "toBlock": "0x1"}],
        },
        timeout=5,
    ).json()
    assert shape(logs) == shape(recorded("eth_getLogs.json"))
