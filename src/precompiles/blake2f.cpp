#include "precompiles/blake2f.hpp"

#include <algorithm>
#include <array>

namespace tern::precompiles {
namespace {

/// BLAKE2b initialisation vector (the SHA-512 IV).
constexpr std::array<uint64_t, 8> kIv = {
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
};

/// Message word permutations, one row per round (mod 10).
constexpr uint8_t kSigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

constexpr uint64_t rotr(uint64_t x, unsigned n) noexcept
{
    return (x >> n) | (x << (64 - n));
}

/// The mixing function G on four words of the working vector.
inline void mix(uint64_t v[16], int a, int b, int c, int d, uint64_t x, uint64_t y) noexcept
{
    v[a] = v[a] + v[b] + x;
    v[d] = rotr(v[d] ^ v[a], 32);
    v[c] = v[c] + v[d];
    v[b] = rotr(v[b] ^ v[c], 24);
    v[a] = v[a] + v[b] + y;
    v[d] = rotr(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = rotr(v[b] ^ v[c], 63);
}

/// Rounds [from, to) of the compression on the working vector `v`.
inline void run_rounds(uint64_t v[16], const uint64_t m[16], uint32_t from, uint32_t to) noexcept
{
    for (uint32_t r = from; r < to; ++r)
    {
        const uint8_t* s = kSigma[r % 10];
        mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
}

}  // namespace

bool blake2b_compress(uint64_t h[8],
                      const uint64_t m[16],
                      const uint64_t t[2],
                      bool final_block,
                      uint32_t rounds,
                      const Deadline* deadline) noexcept
{
    uint64_t v[16];
    for (int i = 0; i < 8; ++i)
    {
        v[i] = h[i];
        v[i + 8] = kIv[i];
    }
    v[12] ^= t[0];
    v[13] ^= t[1];
    if (final_block)
        v[14] = ~v[14];

    if (deadline == nullptr)
        run_rounds(v, m, 0, rounds);
    else
    {
        for (uint32_t r = 0; r < rounds;)
        {
            if (deadline->expired())
                return false;
            const uint32_t n = std::min(kBlake2fRoundsPerCheck, rounds - r);
            run_rounds(v, m, r, r + n);
            r += n;
        }
    }

    for (int i = 0; i < 8; ++i)
        h[i] ^= v[i] ^ v[i + 8];
    return true;
}

}  // namespace tern::precompiles
