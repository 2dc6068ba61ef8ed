// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// SKALE's ConfigController (config-controller 1.1.0's interface), served natively by Tern at
/// CONFIG_CONTROLLER on chains with the deployer allow-list (`tern chain init`'s default): every
/// CREATE and CREATE2 asks it (docs/economics.md "Who may deploy").
interface IConfigController {
    function DEPLOYER_ROLE() external view returns (bytes32);
    function DEPLOYER_ADMIN_ROLE() external view returns (bytes32);
    function MTM_ADMIN_ROLE() external view returns (bytes32);

    function addToWhitelist(address addr) external;
    function removeFromWhitelist(address addr) external;
    function isAddressWhitelisted(address addr) external view returns (bool);

    function allowOrigin(address transactionOrigin, address deployer) external;
    function forbidOrigin(address transactionOrigin, address deployer) external;
    function addAllowedOriginRoleAdmin(address admin, address deployer) external;
    function removeAllowedOriginRoleAdmin(address admin, address deployer) external;
    function isDeploymentAllowed(address transactionOrigin, address deployer)
        external
        view
        returns (bool);
    function allowedOriginRole(address deployer) external pure returns (bytes32);
    function allowedOriginRoleAdmin(address deployer) external pure returns (bytes32);

    function enableFreeContractDeployment() external;
    function disableFreeContractDeployment() external;
    function isFCDEnabled() external view returns (bool);
    function enableMTM() external;
    function disableMTM() external;
    function isMTMEnabled() external view returns (bool);
}

IConfigController constant CONFIG_CONTROLLER =
    IConfigController(0xD2002000000000000000000000000000000000d2);
