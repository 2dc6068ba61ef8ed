// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ETHERBASE} from "../skale/IEtherbase.sol";

/// An sFUEL faucet for SKALE-style chains: anyone below `threshold` may claim `amount` from
/// Etherbase, once per `cooldown` blocks. The owner grants it ETHER_MANAGER_ROLE on Etherbase.
/// An account with nothing can still call it on a chain with proof-of-work gas
/// (SKALE's pow-ethers client): the usual way a new user gets their first sFUEL.
contract SFuelFaucet {
    uint256 public immutable amount;
    uint256 public immutable threshold;
    uint256 public immutable cooldown;
    mapping(address => uint256) public lastClaim;

    event Claimed(address indexed receiver, uint256 amount);

    constructor(uint256 amount_, uint256 threshold_, uint256 cooldown_) {
        amount = amount_;
        threshold = threshold_;
        cooldown = cooldown_;
    }

    /// Tops `receiver` up with `amount` sFUEL.
    function claim(address payable receiver) external {
        require(receiver.balance < threshold, "SFuelFaucet: enough sFUEL already");
        uint256 last = lastClaim[receiver];
        require(last == 0 || block.number >= last + cooldown, "SFuelFaucet: wait for the cooldown");
        lastClaim[receiver] = block.number;
        emit Claimed(receiver, amount);
        ETHERBASE.partiallyRetrieve(receiver, amount);
    }
}
