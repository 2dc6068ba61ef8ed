// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Benchmark workload: naive Fibonacci where every recursion is an external call to itself
/// (STATICCALL frames, ABI encoding and decoding, return data). Depth is bounded by `n`.
contract RecursiveCalls {
    /// fib(n) by external self-calls; fib(20) makes 21,891 calls and reaches depth 20.
    function fib(uint256 n) external view returns (uint256) {
        if (n < 2) return n;
        return this.fib(n - 1) + this.fib(n - 2);
    }
}
