// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// ERC-20 for the e2e suite: initial supply to the deployer, owner-only mint.
contract E2EToken is ERC20, Ownable {
    constructor(uint256 initialSupply) ERC20("E2E Token", "E2E") Ownable(msg.sender) {
        _mint(msg.sender, initialSupply);
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
