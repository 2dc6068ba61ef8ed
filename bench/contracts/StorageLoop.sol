// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Benchmark workload: storage-heavy. Writes fresh slots, rewrites them, then reads them back
/// (cold and warm SSTORE/SLOAD, EIP-2929 access lists, EIP-2200 net gas metering, no refunds).
contract StorageLoop {
    mapping(uint256 => uint256) private slots;

    /// Writes `n` slots, adds to each once more, sums them back; returns the sum.
    function run(uint256 n, uint256 seed) external returns (uint256 sum) {
        unchecked {
            for (uint256 i = 0; i < n; ++i) slots[i] = seed + i;
            for (uint256 i = 0; i < n; ++i) slots[i] += i;
            for (uint256 i = 0; i < n; ++i) sum += slots[i];
        }
    }
}
