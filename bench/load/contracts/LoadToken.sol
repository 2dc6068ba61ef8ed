// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// ERC-20 of the node throughput benchmark: the whole supply goes to the deployer, which
/// distributes it to the load senders in the setup phase.
contract LoadToken is ERC20 {
    constructor(uint256 initialSupply) ERC20("Load Token", "LOAD") {
        _mint(msg.sender, initialSupply);
    }
}
