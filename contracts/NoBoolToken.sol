// SPDX-License-Identifier: MIT
// A test ERC-20 whose transfer returns nothing, as USDT's on Ethereum, and that can burn a
// fee on each transfer (fee-on-transfer tokens): the forwarder tests sweep both kinds.
pragma solidity ^0.8.20;

contract NoBoolToken {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    // Fee burnt from each transfer, in basis points of the amount sent (0: none).
    uint256 public immutable feeBps;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply, uint256 feeBps_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        feeBps = feeBps_;
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    /// No return value: callers that expect a bool must not require one.
    function transfer(address to, uint256 value) external {
        require(balanceOf[msg.sender] >= value, "balance");
        uint256 fee = (value * feeBps) / 10000;
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value - fee;
        totalSupply -= fee;
        emit Transfer(msg.sender, to, value - fee);
        if (fee > 0) emit Transfer(msg.sender, address(0), fee);
    }
}
