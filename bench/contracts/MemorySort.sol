// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Benchmark workload: quicksort of pseudo-random uint256 words in memory (MLOAD/MSTORE, compare,
/// jumps, internal calls for the recursion).
contract MemorySort {
    /// Fills an array of `n` words from a 64-bit-step LCG seeded with `seed`, sorts it ascending,
    /// checks the order and returns a position-weighted checksum of the sorted words.
    function run(uint256 n, uint256 seed) external pure returns (uint256 checksum) {
        uint256[] memory a = new uint256[](n);
        uint256 x = seed;
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                x = x * 6364136223846793005 + 1442695040888963407;
                a[i] = x ^ (x >> 97);
            }
        }
        if (n > 1) quicksort(a, 0, n - 1);
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                if (i > 0) require(a[i - 1] <= a[i], "unsorted");
                checksum += a[i] * (i + 1);
            }
        }
    }

    function quicksort(uint256[] memory a, uint256 lo, uint256 hi) internal pure {
        while (lo < hi) {
            uint256 pivot = a[lo + (hi - lo) / 2];
            uint256 i = lo;
            uint256 j = hi;
            while (true) {
                while (a[i] < pivot) ++i;
                while (a[j] > pivot) --j;
                if (i >= j) break;
                (a[i], a[j]) = (a[j], a[i]);
                ++i;
                --j;
            }
            // Recurse into the smaller half, loop on the larger one (bounded stack depth).
            if (j - lo < hi - j) {
                quicksort(a, lo, j);
                lo = j + 1;
            } else {
                quicksort(a, j + 1, hi);
                hi = j;
            }
        }
    }
}
