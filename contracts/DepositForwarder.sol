// SPDX-License-Identifier: MIT
// A deposit address that can only ever pay one payout address (issue 28).
// ForwarderFactory clones this implementation at a CREATE2 address fixed by (payout, salt),
// so the address itself commits to the payout. No owner, no upgrade, no selfdestruct.
pragma solidity ^0.8.20;

contract DepositForwarder {
    // The factory that deployed this implementation; an immutable lives in the code, so
    // every clone (which runs this code by delegatecall) reads the same value.
    address public immutable factory;
    // Where every unit this forwarder ever holds goes; set once, by the factory, at creation.
    address payable public payout;

    constructor() {
        // Only the factory that creates the implementation may initialise its clones.
        factory = msg.sender;
    }

    /// Fixes the payout of a freshly created clone; the factory calls it in the same
    /// transaction as the CREATE2, so no one else can ever choose it.
    function init(address payable payout_) external {
        // Only the factory, which derived this clone's address from payout_.
        require(msg.sender == factory, "factory only");
        // Once: a payout already set can never change.
        require(payout == address(0), "initialised");
        // A zero payout would leave the clone uninitialised and burn what it forwards.
        require(payout_ != address(0), "zero payout");
        // Store the one destination.
        payout = payout_;
    }

    /// Native coin sent after creation goes straight on to the payout.
    receive() external payable {
        // Before init (never observable outside the creating transaction) the coin stays
        // here and the factory's flush in that same transaction sweeps it.
        if (payout != address(0)) _sendNative(msg.value);
    }

    /// Sends the whole native balance to the payout; anyone may call it.
    function flushNative() public {
        // Coin that arrived before the clone existed (or was forced in) is swept here.
        uint256 balance = address(this).balance;
        // Nothing to do: skip the call and its gas.
        if (balance > 0) _sendNative(balance);
    }

    /// Sends this forwarder's whole balance of `token` to the payout; anyone may call it.
    function flush(address token) public {
        // An address without code would "succeed" at any call: refuse it.
        require(token.code.length > 0, "not a contract");
        // Send the balance held now, not a stored amount: fee-on-transfer tokens included.
        (bool ok, bytes memory data) = token.staticcall(
            abi.encodeWithSignature("balanceOf(address)", address(this))
        );
        // A token that cannot tell the balance is not one we can sweep.
        require(ok && data.length >= 32, "balanceOf failed");
        // The balance, as the token reports it.
        uint256 balance = abi.decode(data, (uint256));
        // Nothing held: skip the transfer and its gas.
        if (balance == 0) return;
        // A low-level call, so tokens whose transfer returns no bool (USDT) work too.
        (ok, data) = token.call(
            abi.encodeWithSignature("transfer(address,uint256)", payout, balance)
        );
        // Success means: the call did not revert and, if it returned a value, it is true.
        require(ok && (data.length == 0 || abi.decode(data, (bool))), "transfer failed");
    }

    /// Sweeps the native balance and each listed token in one call (the factory's collect).
    function flushAll(address[] calldata tokens) external {
        // Native coin first.
        flushNative();
        // Then every listed token.
        for (uint256 i = 0; i < tokens.length; i++) flush(tokens[i]);
    }

    /// Pays `amount` of native coin to the payout, or reverts (so nothing is lost).
    function _sendNative(uint256 amount) private {
        // Forward all remaining gas: the payout may be a contract wallet.
        (bool ok, ) = payout.call{value: amount}("");
        // A refusing payout keeps the coin here for a later flushNative.
        require(ok, "payout refused");
    }
}
