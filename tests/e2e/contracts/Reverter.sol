// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Every way a call can fail, for checking that clients decode what the node returns.
contract Reverter {
    error Unauthorized(address caller, uint256 needed, string why);
    error Empty();

    uint256 public counter;

    function requireString(uint256 x) external pure returns (uint256) {
        require(x > 10, "x must be greater than 10");
        return x;
    }

    function customError(uint256 needed) external view {
        revert Unauthorized(msg.sender, needed, "not the owner");
    }

    function customErrorNoArgs() external pure {
        revert Empty();
    }

    function panicDivide(uint256 d) external pure returns (uint256) {
        return 100 / d;
    }

    function bareRevert() external pure {
        revert();
    }

    /// State-changing variant so that a transaction (not only eth_call) can revert.
    function bumpUnless(bool fail) external {
        counter += 1;
        require(!fail, "bump refused");
    }
}
