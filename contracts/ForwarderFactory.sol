// SPDX-License-Identifier: MIT
// Deposit addresses that forward to a merchant's payout (issue 28): each address is the
// CREATE2 address of an EIP-1167 minimal proxy of one DepositForwarder, with a salt mixed
// with the payout, so the address fixes where its funds can go. Nothing is deployed until
// collect. No owner, no upgrade, no selfdestruct, no admin key: anyone may call anything.
pragma solidity ^0.8.20;

import "./DepositForwarder.sol";

contract ForwarderFactory {
    // The one implementation every clone delegates to, created with the factory.
    address public immutable implementation;
    // keccak256 of the clone's creation code, which the CREATE2 address depends on.
    bytes32 public immutable cloneCodeHash;

    // One event per clone created: the deposit address, its payout and its salt.
    event ForwarderCreated(address indexed forwarder, address indexed payout, uint256 salt);

    constructor() {
        // The implementation records this factory as the only one allowed to init clones.
        implementation = address(new DepositForwarder());
        // Hash the creation code once; depositAddress needs it for every computation.
        cloneCodeHash = keccak256(_cloneCode());
    }

    /// The deposit address for (payout, salt), deployed or not.
    function depositAddress(address payout, uint256 salt) public view returns (address) {
        // CREATE2: the last 20 bytes of keccak256(0xff ++ factory ++ salt ++ codehash).
        bytes32 digest = keccak256(
            abi.encodePacked(bytes1(0xff), address(this), _salt(payout, salt), cloneCodeHash)
        );
        // The address is the low 160 bits of the digest.
        return address(uint160(uint256(digest)));
    }

    /// Creates each (payout, salt) forwarder if needed and sweeps its native coin and each
    /// listed token to payout. Anyone may call it: the funds can only go to payout.
    function collect(
        address payable payout,
        uint256[] calldata salts,
        address[] calldata tokens
    ) external {
        // A zero payout would make the clones uninitialisable (init refuses it).
        require(payout != address(0), "zero payout");
        // One forwarder per salt.
        for (uint256 i = 0; i < salts.length; i++) {
            // The address commits to payout through the salt.
            address forwarder = depositAddress(payout, salts[i]);
            // Not deployed yet: create the clone and fix its payout in this transaction.
            if (forwarder.code.length == 0) _create(payout, salts[i]);
            // Sweep native coin and the listed tokens to payout.
            DepositForwarder(payable(forwarder)).flushAll(tokens);
        }
    }

    /// Deploys the clone for (payout, salt) at its CREATE2 address and initialises it.
    function _create(address payable payout, uint256 salt) private {
        // The EIP-1167 creation code pointing at the implementation.
        bytes memory code = _cloneCode();
        // The payout-bound salt.
        bytes32 mixed = _salt(payout, salt);
        // The clone's address, filled in by the assembly block.
        address forwarder;
        assembly {
            // CREATE2 with no value from the code's bytes (after the length word).
            forwarder := create2(0, add(code, 0x20), mload(code), mixed)
        }
        // CREATE2 returns zero when the creation fails.
        require(forwarder != address(0), "create2 failed");
        // Fix the payout before anything else can touch the clone.
        DepositForwarder(payable(forwarder)).init(payout);
        // Make the creation visible to indexers.
        emit ForwarderCreated(forwarder, payout, salt);
    }

    /// The salt CREATE2 uses: the payout and the caller's salt hashed together.
    function _salt(address payout, uint256 salt) private pure returns (bytes32) {
        // abi.encode pads both to 32 bytes; the offline computation does the same.
        return keccak256(abi.encode(payout, salt));
    }

    /// EIP-1167 minimal proxy creation code (55 bytes) for the implementation.
    function _cloneCode() private view returns (bytes memory) {
        // Creation prefix + runtime prefix, the 20-byte implementation, runtime suffix.
        return abi.encodePacked(
            hex"3d602d80600a3d3981f3363d3d373d3d3d363d73",
            implementation,
            hex"5af43d82803e903d91602b57fd5bf3"
        );
    }
}
