// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

/// Deploys arbitrary init code with CREATE2 (OpenZeppelin's Create2 library) and through Solidity's `new {salt}`.
contract Create2Factory {
    event Deployed(address indexed addr, bytes32 indexed salt);

    function deploy(bytes32 salt, bytes calldata initCode) external payable returns (address addr) {
        addr = Create2.deploy(msg.value, salt, initCode);
        emit Deployed(addr, salt);
    }

    function deployChild(bytes32 salt, uint256 value) external returns (address addr) {
        addr = address(new Child{salt: salt}(value));
        emit Deployed(addr, salt);
    }

    function predict(bytes32 salt, bytes32 initCodeHash) external view returns (address) {
        return Create2.computeAddress(salt, initCodeHash);
    }
}

/// What the factory deploys: one immutable value and the deployer.
contract Child {
    uint256 public immutable value;
    address public immutable creator;

    constructor(uint256 v) {
        value = v;
        creator = msg.sender;
    }
}
