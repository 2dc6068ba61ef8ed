// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// SKALE's Etherbase (etherbase 1.0.0's interface), served natively by Tern at ETHERBASE on
/// chains with the feature on (`tern chain init --sfuel`): it collects an sFUEL chain's fees and
/// members of ETHER_MANAGER_ROLE hand its balance out (docs/economics.md "sFUEL").
interface IEtherbase {
    event EtherReceived(address sender, uint256 amount);
    event EtherSent(address receiver, uint256 amount);

    function ETHER_MANAGER_ROLE() external view returns (bytes32);

    /// Sends the whole balance to `receiver` (ETHER_MANAGER_ROLE).
    function retrieve(address payable receiver) external;

    /// Sends `amount` to `receiver` (ETHER_MANAGER_ROLE; "Insufficient funds" above the balance).
    function partiallyRetrieve(address payable receiver, uint256 amount) external;

    function hasRole(bytes32 role, address account) external view returns (bool);
    function grantRole(bytes32 role, address account) external;
    function revokeRole(bytes32 role, address account) external;
}

IEtherbase constant ETHERBASE = IEtherbase(0xd2bA3e0000000000000000000000000000000000);
