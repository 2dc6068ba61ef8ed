// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Benchmark workload: a chain of Keccak-256 hashes (KECCAK256 over 64 bytes of memory per step).
contract KeccakLoop {
    /// Hashes `seed` `n` times, each step over (previous hash, step index); returns the last hash.
    function run(uint256 n, bytes32 seed) external pure returns (bytes32 h) {
        h = seed;
        for (uint256 i = 0; i < n; ) {
            h = keccak256(abi.encodePacked(h, i));
            unchecked {
                ++i;
            }
        }
    }
}
