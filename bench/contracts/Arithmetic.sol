// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Benchmark workload: 256-bit arithmetic (MUL, DIV, MOD, ADDMOD, MULMOD, EXP, SDIV, shifts) in a loop.
contract Arithmetic {
    /// Runs `n` rounds of mixed 256-bit arithmetic starting from `seed`; returns the accumulator.
    function run(uint256 n, uint256 seed) external pure returns (uint256 acc) {
        // secp256k1's field prime and group order: full-width moduli.
        uint256 p = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
        uint256 q = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        uint256 x = seed | 1;
        uint256 y = ~seed;
        acc = seed;
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                x = mulmod(x, y | 1, p);
                y = addmod(y, x, q);
                acc += x * y;
                acc ^= acc / ((x >> 128) | 1);
                acc += y % ((x >> 200) | 3);
                acc = addmod(acc, mulmod(acc, x, q), p);
                acc += (x | 2) ** (i & 63);
                acc ^= uint256(int256(acc) / int256((y >> 3) | 5));
                y = (y << 7) | (y >> 249);
            }
        }
    }
}
