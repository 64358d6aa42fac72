// SPDX-License-Identifier: MIT
// Moves coin with contract code, as a smart-contract wallet, a payment router or an
// exchange's batch payout does: the EVM backend tests see these internal transfers (call
// frames inside a transaction, not transactions of their own) on a real node.
pragma solidity ^0.8.20;

contract Forwarder {
    /// Sends the attached coin on to `to`; reverts when `to` refuses it.
    function forward(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "refused");
    }

    /// Sends the attached coin on to `to`, then reverts: the transfer is undone.
    function forwardThenRevert(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "refused");
        revert("undone");
    }

    /// Has `via` forwardThenRevert and keeps the coin when that fails: the transaction
    /// succeeds, while the transfer nested in the failed call is rolled back with it.
    function tryForward(Forwarder via, address payable to) external payable {
        try via.forwardThenRevert{value: msg.value}(to) {} catch {}
    }

    /// Splits the attached coin equally between `to` (what cannot be split stays here).
    function split(address payable[] calldata to) external payable {
        uint256 share = msg.value / to.length;
        for (uint256 i = 0; i < to.length; i++) {
            (bool ok, ) = to[i].call{value: share}("");
            require(ok, "refused");
        }
    }
}
