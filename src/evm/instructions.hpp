#pragma once

// Instruction implementations, one per entry of TERN_EVM_OPCODES. Internal to the evm module.
//
// The interpreter has already checked the stack height and charged the opcode's base gas before
// an implementation runs. Implementations come in five shapes, adapted by vm.cpp's invoke():
//   void       f(StackTop)                              pure stack arithmetic
//   void       f(StackTop, ExecutionState&)             reads the message/context, cannot fail
//   Result     f(StackTop, int64_t gas, ExecutionState&)  may charge gas or fail
//   TermResult f(StackTop, int64_t gas, ExecutionState&)  always ends the frame
//   CodeIter   f(StackTop, ExecutionState&, CodeIter)   controls the pc (PUSH, JUMP, PC)
// Small, frequent ones are inlined into the dispatch loop. Heavier ones are [[gnu::noinline]]
// (or live in instructions.cpp when they call the host): inlining them raises register pressure
// in the loop until GCC spills pc/stack/gas to memory, which slows every instruction.

#include "core/keccak.hpp"
#include "core/protocol.hpp"
#include "core/uint256.hpp"
#include "evm/execution_state.hpp"

#include <algorithm>
#include <cstdint>
#if defined(__x86_64__)
#    include <immintrin.h>
#endif
#include <cstring>
#include <utility>

// GCC's SLP vectorizer merges limb-wise word copies into 16-byte loads/stores; a 16-byte load
// of a slot just written by two 8-byte stores (or the reverse mix) misses store forwarding and
// stalls. The interpreter loop and the word-writing instructions opt out on GCC.
#if defined(__GNUC__) && !defined(__clang__)
#    define TERN_EVM_NO_SLP __attribute__((optimize("no-tree-slp-vectorize")))
#else
#    define TERN_EVM_NO_SLP
#endif

namespace tern::evm::instr {

/// Position in the (padded) code.
using CodeIter = const uint8_t*;

/// Outcome of an instruction that may fail: Status::Success continues execution.
struct Result
{
    Status status;     ///< Success to continue, anything else halts the frame
    int64_t gas_left;  ///< gas counter after the instruction
};

/// Outcome of an instruction that ends the frame (STOP, RETURN, REVERT, INVALID, SELFDESTRUCT).
struct TermResult
{
    Status status;     ///< final status of the frame
    int64_t gas_left;  ///< gas counter after the instruction
};

// ---- Gas constants (Cancun) -------------------------------------------------------------------

inline constexpr int64_t kWarmAccessCost = 100;          ///< EIP-2929 WARM_STORAGE_READ_COST
inline constexpr int64_t kColdAccountAccessCost = 2600;  ///< EIP-2929
inline constexpr int64_t kColdSloadCost = 2100;          ///< EIP-2929
/// Extra charged on a cold account access by opcodes whose base gas is the warm cost.
inline constexpr int64_t kColdAccountSurcharge = kColdAccountAccessCost - kWarmAccessCost;
/// Extra charged by SLOAD on a cold slot.
inline constexpr int64_t kColdSloadSurcharge = kColdSloadCost - kWarmAccessCost;
inline constexpr int64_t kCallValueCost = protocol::kCallValueGas;
inline constexpr int64_t kCallStipend = protocol::kCallStipend;
inline constexpr int64_t kAccountCreationCost = protocol::kNewAccountGas;
inline constexpr int64_t kCopyWordCost = 3;
inline constexpr int64_t kKeccakWordCost = 6;
inline constexpr int64_t kLogDataByteCost = 8;
inline constexpr int64_t kExpByteCost = 50;
inline constexpr int64_t kInitcodeWordCost = protocol::kInitcodeWordGas;  ///< EIP-3860
inline constexpr uint64_t kMaxInitcodeSize = protocol::kMaxInitcodeSize;  ///< EIP-3860
inline constexpr int64_t kSstoreSentry = 2300;                            ///< EIP-2200
inline constexpr int32_t kMaxCallDepth = protocol::kMaxCallDepth;

// ---- Byte-order helpers -----------------------------------------------------------------------

/// Loads 8 big-endian bytes.
inline uint64_t load_be64(const uint8_t* p) noexcept
{
    uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

/// Stores 8 bytes big-endian.
inline void store_be64(uint8_t* p, uint64_t v) noexcept
{
    v = __builtin_bswap64(v);
    std::memcpy(p, &v, 8);
}

/// Loads a 32-byte big-endian word.
inline U256 load_word(const uint8_t* p) noexcept
{
    return {load_be64(p + 24), load_be64(p + 16), load_be64(p + 8), load_be64(p)};
}

/// Stores a word as 32 big-endian bytes.
inline void store_word(uint8_t* p, const U256& v) noexcept
{
    store_be64(p, v.w[3]);
    store_be64(p + 8, v.w[2]);
    store_be64(p + 16, v.w[1]);
    store_be64(p + 24, v.w[0]);
}

// ---- In-place word writes ---------------------------------------------------------------------
// The hot instructions write results limb by limb straight into their stack slot. Building a
// U256 temporary and copying it makes GCC assemble it in the C++ frame and reload it with wide
// loads, which stalls on store forwarding.

/// dst = v (zero-extended).
inline void set_word(U256& dst, uint64_t v) noexcept
{
    dst.w[0] = v;
    dst.w[1] = 0;
    dst.w[2] = 0;
    dst.w[3] = 0;
}

/// dst = src limb by limb: 8-byte moves, so a following 8-byte read of the slot can take its
/// value from the store buffer (a 16-byte read of two 8-byte stores cannot).
inline void copy_word(U256& dst, const U256& src) noexcept
{
    dst.w[0] = src.w[0];
    dst.w[1] = src.w[1];
    dst.w[2] = src.w[2];
    dst.w[3] = src.w[3];
}

/// dst = an address zero-extended to a word (20 big-endian bytes).
inline void load_address_to(U256& dst, const Address& a) noexcept
{
    uint32_t top;
    std::memcpy(&top, a.data(), 4);
    dst.w[3] = 0;
    dst.w[2] = __builtin_bswap32(top);
    dst.w[1] = load_be64(a.data() + 4);
    dst.w[0] = load_be64(a.data() + 12);
}

/// dst = 32-byte big-endian word at p.
inline void load_word_to(U256& dst, const uint8_t* p) noexcept
{
    dst.w[3] = load_be64(p);
    dst.w[2] = load_be64(p + 8);
    dst.w[1] = load_be64(p + 16);
    dst.w[0] = load_be64(p + 24);
}

/// dst = N-byte big-endian immediate at p (PUSHN).
template <size_t N>
inline void load_immediate_to(U256& dst, const uint8_t* p) noexcept
{
    constexpr size_t full = N / 8;
    constexpr size_t rem = N % 8;
    const uint8_t* q = p + N;
    for (size_t i = 0; i < full; ++i)
    {
        q -= 8;
        dst.w[i] = load_be64(q);
    }
    if constexpr (rem != 0)
    {
        uint64_t v = 0;
        for (size_t j = 0; j < rem; ++j)
            v = (v << 8) | p[j];
        dst.w[full] = v;
    }
    for (size_t i = full + (rem != 0 ? 1 : 0); i < 4; ++i)
        dst.w[i] = 0;
}

/// b = a + b (mod 2^256). An add-with-carry chain (GCC turns uint128 sums into spills).
inline void add_in_place(const U256& a, U256& b) noexcept
{
#if defined(__x86_64__)
    unsigned long long r0, r1, r2, r3;
    unsigned char c = _addcarry_u64(0, a.w[0], b.w[0], &r0);
    c = _addcarry_u64(c, a.w[1], b.w[1], &r1);
    c = _addcarry_u64(c, a.w[2], b.w[2], &r2);
    _addcarry_u64(c, a.w[3], b.w[3], &r3);
    b.w[0] = r0;
    b.w[1] = r1;
    b.w[2] = r2;
    b.w[3] = r3;
#else
    uint64_t carry = 0;
    for (int i = 0; i < 4; ++i)
        b.w[i] = u256_detail::addc(a.w[i], b.w[i], carry, carry);
#endif
}

/// b = a - b (mod 2^256).
inline void sub_in_place(const U256& a, U256& b) noexcept
{
#if defined(__x86_64__)
    unsigned long long r0, r1, r2, r3;
    unsigned char c = _subborrow_u64(0, a.w[0], b.w[0], &r0);
    c = _subborrow_u64(c, a.w[1], b.w[1], &r1);
    c = _subborrow_u64(c, a.w[2], b.w[2], &r2);
    _subborrow_u64(c, a.w[3], b.w[3], &r3);
    b.w[0] = r0;
    b.w[1] = r1;
    b.w[2] = r2;
    b.w[3] = r3;
#else
    uint64_t borrow = 0;
    for (int i = 0; i < 4; ++i)
        b.w[i] = u256_detail::subb(a.w[i], b.w[i], borrow, borrow);
#endif
}

/// b = a * b (mod 2^256), schoolbook on the low limbs only.
inline void mul_in_place(const U256& a, U256& b) noexcept
{
    const uint64_t a0 = a.w[0], a1 = a.w[1], a2 = a.w[2], a3 = a.w[3];
    const uint64_t b0 = b.w[0], b1 = b.w[1], b2 = b.w[2], b3 = b.w[3];
    uint128_t p = static_cast<uint128_t>(a0) * b0;
    const uint64_t r0 = static_cast<uint64_t>(p);
    p = static_cast<uint128_t>(a0) * b1 + static_cast<uint64_t>(p >> 64);
    uint64_t r1 = static_cast<uint64_t>(p);
    p = static_cast<uint128_t>(a0) * b2 + static_cast<uint64_t>(p >> 64);
    uint64_t r2 = static_cast<uint64_t>(p);
    uint64_t r3 = a0 * b3 + static_cast<uint64_t>(p >> 64);
    p = static_cast<uint128_t>(a1) * b0 + r1;
    r1 = static_cast<uint64_t>(p);
    p = static_cast<uint128_t>(a1) * b1 + r2 + static_cast<uint64_t>(p >> 64);
    r2 = static_cast<uint64_t>(p);
    r3 += a1 * b2 + static_cast<uint64_t>(p >> 64);
    p = static_cast<uint128_t>(a2) * b0 + r2;
    r2 = static_cast<uint64_t>(p);
    r3 += a2 * b1 + static_cast<uint64_t>(p >> 64);
    r3 += a3 * b0;
    b.w[0] = r0;
    b.w[1] = r1;
    b.w[2] = r2;
    b.w[3] = r3;
}

/// x = x << n for n < 256, in place (high limbs first so sources are read before overwritten).
inline void shl_in_place(U256& x, unsigned n) noexcept
{
    const int limbs = static_cast<int>(n / 64);
    const unsigned bits = n % 64;
    for (int i = 3; i >= 0; --i)
    {
        uint64_t v = 0;
        if (i >= limbs)
        {
            v = x.w[i - limbs] << bits;
            if (bits != 0 && i > limbs)
                v |= x.w[i - limbs - 1] >> (64 - bits);
        }
        x.w[i] = v;
    }
}

/// x = x >> n (logical) for n < 256, in place (low limbs first).
inline void shr_in_place(U256& x, unsigned n) noexcept
{
    const int limbs = static_cast<int>(n / 64);
    const unsigned bits = n % 64;
    for (int i = 0; i < 4; ++i)
    {
        uint64_t v = 0;
        if (i + limbs < 4)
        {
            v = x.w[i + limbs] >> bits;
            if (bits != 0 && i + limbs + 1 < 4)
                v |= x.w[i + limbs + 1] << (64 - bits);
        }
        x.w[i] = v;
    }
}

/// dst = v when !negative, else dst = -v (two's complement over 256 bits).
inline void set_signed_word(U256& dst, uint64_t v, bool negative) noexcept
{
    if (negative && v != 0)
    {
        dst.w[0] = 0 - v;
        dst.w[1] = ~uint64_t{0};
        dst.w[2] = ~uint64_t{0};
        dst.w[3] = ~uint64_t{0};
    }
    else
        set_word(dst, v);
}

/// True if x is a sign-extended 64-bit value (then its signed value is int64_t(x.w[0])).
inline bool fits_i64(const U256& x) noexcept
{
    const uint64_t ext = static_cast<uint64_t>(static_cast<int64_t>(x.w[0]) >> 63);
    return x.w[1] == ext && x.w[2] == ext && x.w[3] == ext;
}

/// True if both values are < 2^64.
inline bool both_fit_u64(const U256& a, const U256& b) noexcept
{
    return (a.w[1] | a.w[2] | a.w[3] | b.w[1] | b.w[2] | b.w[3]) == 0;
}

/// Magnitude of a sign-extended 64-bit value.
inline uint64_t abs_i64(uint64_t w0) noexcept
{
    return (w0 >> 63) != 0 ? 0 - w0 : w0;
}

/// x = -x (two's complement), in place.
inline void negate_in_place(U256& x) noexcept
{
    uint64_t carry = 1;
    for (int i = 0; i < 4; ++i)
    {
        const uint64_t v = ~x.w[i] + carry;
        carry = (carry != 0 && v == 0) ? 1 : 0;
        x.w[i] = v;
    }
}

/// q = a / d for a non-zero 64-bit divisor by schoolbook long division with the hardware
/// 128-by-64 divide (the remainder stays below d, so no step overflows); returns a % d.
/// q may alias a.
inline uint64_t div_by_u64(const U256& a, uint64_t d, U256& q) noexcept
{
    uint64_t rem = 0;
    for (int i = 3; i >= 0; --i)
    {
        const uint64_t ai = a.w[i];
        if (rem == 0 && ai < d)
        {
            q.w[i] = 0;
            rem = ai;
            continue;
        }
        q.w[i] = u256_detail::udiv128(rem, ai, d, rem);
    }
    return rem;
}

/// Unsigned a < b.
inline bool less_than(const U256& a, const U256& b) noexcept
{
    if (a.w[3] != b.w[3])
        return a.w[3] < b.w[3];
    if (a.w[2] != b.w[2])
        return a.w[2] < b.w[2];
    if (a.w[1] != b.w[1])
        return a.w[1] < b.w[1];
    return a.w[0] < b.w[0];
}

// ---- Memory -----------------------------------------------------------------------------------

/// Charges the expansion of memory to `new_size` bytes (> current size) and grows it.
/// Returns the gas left, negative when out of gas (memory unchanged then). Out of line: it is
/// the cold part of every memory access; takes gas by value so the caller's counter can stay
/// in a register.
int64_t grow_memory(int64_t gas_left, Memory& memory, uint64_t new_size) noexcept;

/// Ensures memory covers [offset, offset + size) for a non-zero size, charging expansion gas.
/// Returns false (out of gas) if the region is absurdly large or the gas runs out.
inline bool check_memory(int64_t& gas_left,
                         Memory& memory,
                         const U256& offset,
                         uint64_t size) noexcept
{
    if (!offset.fits_u64() || offset.w[0] > kMaxMemorySize) [[unlikely]]
        return false;
    const uint64_t new_size = offset.w[0] + size;
    if (new_size > memory.size()) [[unlikely]]
    {
        gas_left = grow_memory(gas_left, memory, new_size);
        return gas_left >= 0;
    }
    return true;
}

/// Ensures memory covers [offset, offset + size); a zero size touches nothing (any offset).
inline bool check_memory(int64_t& gas_left,
                         Memory& memory,
                         const U256& offset,
                         const U256& size) noexcept
{
    if (!size)
        return true;
    if (!size.fits_u64() || size.w[0] > kMaxMemorySize) [[unlikely]]
        return false;
    return check_memory(gas_left, memory, offset, size.w[0]);
}

/// Gas for copying `size` bytes at `word_cost` per 32-byte word.
constexpr int64_t word_cost(uint64_t size, int64_t per_word) noexcept
{
    return static_cast<int64_t>(num_words(size)) * per_word;
}

/// Copies `size` bytes of `src` starting at `src_offset` into memory at `dst`, padding with
/// zeros past the end of `src` (CALLDATACOPY, CODECOPY, EXTCODECOPY semantics).
inline void copy_padded(uint8_t* dst, BytesView src, const U256& src_offset, size_t size) noexcept
{
    const size_t start =
        (src_offset.fits_u64() && src_offset.w[0] < src.size()) ? src_offset.w[0] : src.size();
    const size_t n = std::min(size, src.size() - start);
    if (n != 0)
        std::memcpy(dst, src.data() + start, n);
    if (size > n)
        std::memset(dst + n, 0, size - n);
}

// ---- Stop and arithmetic ----------------------------------------------------------------------

/// STOP: ends the frame successfully with no output.
inline TermResult op_stop(StackTop /*stack*/, int64_t gas, ExecutionState& /*state*/) noexcept
{
    return {Status::Success, gas};
}

/// ADD: a + b mod 2^256.
inline void op_add(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    add_in_place(a, stack.top());
}

/// MUL: a * b mod 2^256.
[[gnu::noinline]] TERN_EVM_NO_SLP inline void op_mul(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    mul_in_place(a, stack.top());
}

/// SUB: a - b mod 2^256 (a is the top).
inline void op_sub(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    sub_in_place(a, stack.top());
}

/// DIV: unsigned a / b, 0 when b == 0.
[[gnu::noinline]] TERN_EVM_NO_SLP inline void op_div(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    if (both_fit_u64(a, b)) [[likely]]
        set_word(b, b.w[0] != 0 ? a.w[0] / b.w[0] : 0);
    else if (b.fits_u64() && b.w[0] != 0)
        div_by_u64(a, b.w[0], b);
    else
        copy_word(b, a / b);
}

/// SDIV: signed a / b truncated, 0 when b == 0.
[[gnu::noinline]] TERN_EVM_NO_SLP inline void op_sdiv(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    if (fits_i64(a) && fits_i64(b)) [[likely]]
    {
        // Magnitudes as unsigned: INT64_MIN / -1 = 2^63 stays exact.
        const uint64_t ua = abs_i64(a.w[0]);
        const uint64_t ub = abs_i64(b.w[0]);
        const bool negative = ((a.w[0] ^ b.w[0]) >> 63) != 0;
        set_signed_word(b, ub != 0 ? ua / ub : 0, negative);
    }
    else
    {
        const bool negative = ((a.w[3] ^ b.w[3]) >> 63) != 0;
        U256 ua;
        copy_word(ua, a);
        if (is_negative(ua))
            negate_in_place(ua);
        if (is_negative(b))
            negate_in_place(b);
        // b now holds |b|.
        if (b.fits_u64() && b.w[0] != 0)
            div_by_u64(ua, b.w[0], b);
        else
            copy_word(b, ua / b);
        if (negative)
            negate_in_place(b);
    }
}

/// MOD: unsigned a % b, 0 when b == 0.
[[gnu::noinline]] TERN_EVM_NO_SLP inline void op_mod(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    if (both_fit_u64(a, b)) [[likely]]
        set_word(b, b.w[0] != 0 ? a.w[0] % b.w[0] : 0);
    else if (b.fits_u64() && b.w[0] != 0)
    {
        U256 q;
        set_word(b, div_by_u64(a, b.w[0], q));
    }
    else
        copy_word(b, a % b);
}

/// SMOD: signed a % b (sign of a), 0 when b == 0.
[[gnu::noinline]] TERN_EVM_NO_SLP inline void op_smod(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    if (fits_i64(a) && fits_i64(b)) [[likely]]
    {
        const uint64_t ua = abs_i64(a.w[0]);
        const uint64_t ub = abs_i64(b.w[0]);
        set_signed_word(b, ub != 0 ? ua % ub : 0, (a.w[0] >> 63) != 0);
    }
    else
        copy_word(b, smod(a, b));
}

/// ADDMOD: (a + b) % m without overflow, 0 when m == 0.
[[gnu::noinline]] inline void op_addmod(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    const U256& b = stack.pop();
    stack.top() = addmod(a, b, stack.top());
}

/// MULMOD: (a * b) % m without overflow, 0 when m == 0.
[[gnu::noinline]] inline void op_mulmod(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    const U256& b = stack.pop();
    stack.top() = mulmod(a, b, stack.top());
}

/// EXP: a ** b mod 2^256; 50 gas per byte of the exponent.
[[gnu::noinline]] inline Result op_exp(StackTop stack,
                                       int64_t gas,
                                       ExecutionState& /*state*/) noexcept
{
    const U256& base = stack.pop();
    U256& exponent = stack.top();
    if ((gas -= kExpByteCost * static_cast<int64_t>(exponent.byte_width())) < 0) [[unlikely]]
        return {Status::OutOfGas, gas};
    exponent = exp(base, exponent);
    return {Status::Success, gas};
}

/// SIGNEXTEND: extends the sign of byte b of x.
[[gnu::noinline]] inline void op_signextend(StackTop stack) noexcept
{
    const U256& b = stack.pop();
    stack.top() = signextend(b, stack.top());
}

// ---- Comparison and bitwise -------------------------------------------------------------------

/// LT: unsigned a < b.
inline void op_lt(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    set_word(b, less_than(a, b));
}

/// GT: unsigned a > b.
inline void op_gt(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    set_word(b, less_than(b, a));
}

/// SLT: signed a < b.
[[gnu::noinline]] inline void op_slt(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    stack.top() = U256{slt(a, stack.top())};
}

/// SGT: signed a > b.
[[gnu::noinline]] inline void op_sgt(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    stack.top() = U256{sgt(a, stack.top())};
}

/// EQ: a == b.
inline void op_eq(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    set_word(b,
             ((a.w[0] ^ b.w[0]) | (a.w[1] ^ b.w[1]) | (a.w[2] ^ b.w[2]) | (a.w[3] ^ b.w[3])) == 0);
}

/// ISZERO: a == 0.
inline void op_iszero(StackTop stack) noexcept
{
    U256& x = stack.top();
    set_word(x, (x.w[0] | x.w[1] | x.w[2] | x.w[3]) == 0);
}

/// AND: bitwise a & b.
inline void op_and(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    for (int i = 0; i < 4; ++i)
        b.w[i] = a.w[i] & b.w[i];
}

/// OR: bitwise a | b.
inline void op_or(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    for (int i = 0; i < 4; ++i)
        b.w[i] = a.w[i] | b.w[i];
}

/// XOR: bitwise a ^ b.
inline void op_xor(StackTop stack) noexcept
{
    const U256& a = stack.pop();
    U256& b = stack.top();
    for (int i = 0; i < 4; ++i)
        b.w[i] = a.w[i] ^ b.w[i];
}

/// NOT: bitwise ~a.
inline void op_not(StackTop stack) noexcept
{
    U256& x = stack.top();
    for (int i = 0; i < 4; ++i)
        x.w[i] = ~x.w[i];
}

/// BYTE: byte i of x counted from the most significant end.
[[gnu::noinline]] inline void op_byte(StackTop stack) noexcept
{
    const U256& i = stack.pop();
    stack.top() = byte_of(i, stack.top());
}

/// SHL: value << shift (EIP-145).
[[gnu::noinline]] TERN_EVM_NO_SLP inline void op_shl(StackTop stack) noexcept
{
    const U256& shift = stack.pop();
    U256& x = stack.top();
    if (shift.fits_u64() && shift.w[0] < 256)
        shl_in_place(x, static_cast<unsigned>(shift.w[0]));
    else
        set_word(x, 0);
}

/// SHR: logical value >> shift (EIP-145).
[[gnu::noinline]] TERN_EVM_NO_SLP inline void op_shr(StackTop stack) noexcept
{
    const U256& shift = stack.pop();
    U256& x = stack.top();
    if (shift.fits_u64() && shift.w[0] < 256)
        shr_in_place(x, static_cast<unsigned>(shift.w[0]));
    else
        set_word(x, 0);
}

/// SAR: arithmetic value >> shift (EIP-145).
[[gnu::noinline]] TERN_EVM_NO_SLP inline void op_sar(StackTop stack) noexcept
{
    const U256& shift = stack.pop();
    U256& x = stack.top();
    const bool negative = (x.w[3] >> 63) != 0;
    if (shift.fits_u64() && shift.w[0] < 256)
    {
        // Arithmetic shift = logical shift of the complement, complemented, for negatives.
        const uint64_t flip = negative ? ~uint64_t{0} : 0;
        for (int i = 0; i < 4; ++i)
            x.w[i] ^= flip;
        shr_in_place(x, static_cast<unsigned>(shift.w[0]));
        for (int i = 0; i < 4; ++i)
            x.w[i] ^= flip;
    }
    else
    {
        const uint64_t fill = negative ? ~uint64_t{0} : 0;
        for (int i = 0; i < 4; ++i)
            x.w[i] = fill;
    }
}

// ---- Keccak and environment -------------------------------------------------------------------

/// KECCAK256 of a memory range; 6 gas per word plus memory expansion.
Result op_keccak256(StackTop stack, int64_t gas, ExecutionState& state) noexcept;

/// ADDRESS: the executing account.
inline void op_address(StackTop stack, ExecutionState& state) noexcept
{
    load_address_to(stack.push_slot(), state.msg->recipient);
}

/// BALANCE of an account; EIP-2929 cold surcharge.
Result op_balance(StackTop stack, int64_t gas, ExecutionState& state) noexcept;

/// ORIGIN: the transaction sender.
[[gnu::noinline]] inline void op_origin(StackTop stack, ExecutionState& state) noexcept
{
    load_address_to(stack.push_slot(), state.tx_context().origin);
}

/// CALLER: the message sender.
inline void op_caller(StackTop stack, ExecutionState& state) noexcept
{
    load_address_to(stack.push_slot(), state.msg->sender);
}

/// CALLVALUE: the message value.
inline void op_callvalue(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(state.msg->value);
}

/// CALLDATALOAD: 32 bytes of input at an offset, zero-padded.
[[gnu::noinline]] inline void op_calldataload(StackTop stack, ExecutionState& state) noexcept
{
    U256& index = stack.top();
    const BytesView data = state.msg->input;
    if (!index.fits_u64() || index.w[0] >= data.size())
    {
        index = U256{};
        return;
    }
    const size_t start = index.w[0];
    const size_t n = std::min<size_t>(32, data.size() - start);
    uint8_t buf[32]{};
    std::memcpy(buf, data.data() + start, n);
    index = load_word(buf);
}

/// CALLDATASIZE.
inline void op_calldatasize(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(U256{state.msg->input.size()});
}

/// Shared body of CALLDATACOPY / CODECOPY: memory, copy gas, padded copy from `src`.
inline Result copy_to_memory(StackTop stack,
                             int64_t gas,
                             ExecutionState& state,
                             BytesView src) noexcept
{
    const U256& mem_index = stack.pop();
    const U256& src_index = stack.pop();
    const U256& size = stack.pop();
    if (!check_memory(gas, state.memory, mem_index, size)) [[unlikely]]
        return {Status::OutOfGas, gas};
    const uint64_t n = size.w[0];  // fits: checked above (or zero)
    if ((gas -= word_cost(n, kCopyWordCost)) < 0) [[unlikely]]
        return {Status::OutOfGas, gas};
    if (n != 0)
        copy_padded(&state.memory[mem_index.w[0]], src, src_index, n);
    return {Status::Success, gas};
}

/// CALLDATACOPY to memory, zero-padded; 3 gas per word plus memory.
[[gnu::noinline]] inline Result op_calldatacopy(StackTop stack,
                                                int64_t gas,
                                                ExecutionState& state) noexcept
{
    return copy_to_memory(stack, gas, state, state.msg->input);
}

/// CODESIZE of the executing code.
inline void op_codesize(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(U256{state.analysis->size()});
}

/// CODECOPY to memory, zero-padded; 3 gas per word plus memory.
[[gnu::noinline]] inline Result op_codecopy(StackTop stack,
                                            int64_t gas,
                                            ExecutionState& state) noexcept
{
    return copy_to_memory(stack, gas, state, state.analysis->code());
}

/// GASPRICE: the effective gas price of the transaction.
[[gnu::noinline]] inline void op_gasprice(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(state.tx_context().gas_price);
}

/// EXTCODESIZE; EIP-2929 cold surcharge.
Result op_extcodesize(StackTop stack, int64_t gas, ExecutionState& state) noexcept;
/// EXTCODECOPY to memory, zero-padded; copy, memory and cold-access gas.
Result op_extcodecopy(StackTop stack, int64_t gas, ExecutionState& state) noexcept;

/// RETURNDATASIZE: size of the last sub-call's output.
inline void op_returndatasize(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(U256{state.return_data.size()});
}

/// RETURNDATACOPY; reading past the return data is an exceptional halt.
[[gnu::noinline]] inline Result op_returndatacopy(StackTop stack,
                                                  int64_t gas,
                                                  ExecutionState& state) noexcept
{
    const U256& mem_index = stack.pop();
    const U256& src_index = stack.pop();
    const U256& size = stack.pop();
    if (!check_memory(gas, state.memory, mem_index, size)) [[unlikely]]
        return {Status::OutOfGas, gas};
    const size_t available = state.return_data.size();
    // Reading past the end of the return data is an exceptional halt, even for size 0.
    if (!src_index.fits_u64() || src_index.w[0] > available ||
        size.w[0] > available - src_index.w[0]) [[unlikely]]
        return {Status::InvalidMemoryAccess, gas};
    const uint64_t n = size.w[0];
    if ((gas -= word_cost(n, kCopyWordCost)) < 0) [[unlikely]]
        return {Status::OutOfGas, gas};
    if (n != 0)
        std::memcpy(&state.memory[mem_index.w[0]], state.return_data.data() + src_index.w[0], n);
    return {Status::Success, gas};
}

/// EXTCODEHASH (0 for non-existent accounts); EIP-2929 cold surcharge.
Result op_extcodehash(StackTop stack, int64_t gas, ExecutionState& state) noexcept;

// ---- Block context ----------------------------------------------------------------------------

/// BLOCKHASH of one of the 256 previous blocks, else 0.
void op_blockhash(StackTop stack, ExecutionState& state) noexcept;

/// COINBASE: the block beneficiary.
[[gnu::noinline]] inline void op_coinbase(StackTop stack, ExecutionState& state) noexcept
{
    load_address_to(stack.push_slot(), state.tx_context().coinbase);
}

/// TIMESTAMP of the block.
[[gnu::noinline]] inline void op_timestamp(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(U256{static_cast<uint64_t>(state.tx_context().block_timestamp)});
}

/// NUMBER of the block.
[[gnu::noinline]] inline void op_number(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(U256{static_cast<uint64_t>(state.tx_context().block_number)});
}

/// PREVRANDAO (EIP-4399, formerly DIFFICULTY).
[[gnu::noinline]] inline void op_prevrandao(StackTop stack, ExecutionState& state) noexcept
{
    load_word_to(stack.push_slot(), state.tx_context().prev_randao.data());
}

/// GASLIMIT of the block.
[[gnu::noinline]] inline void op_gaslimit(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(U256{static_cast<uint64_t>(state.tx_context().block_gas_limit)});
}

/// CHAINID (EIP-1344).
[[gnu::noinline]] inline void op_chainid(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(state.tx_context().chain_id);
}

/// SELFBALANCE (EIP-1884): balance of the executing account.
[[gnu::noinline]] inline void op_selfbalance(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(state.host->get_balance(state.msg->recipient));
}

/// BASEFEE (EIP-3198).
[[gnu::noinline]] inline void op_basefee(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(state.tx_context().base_fee);
}

/// BLOBHASH (EIP-4844): versioned hash i of the transaction, else 0.
[[gnu::noinline]] inline void op_blobhash(StackTop stack, ExecutionState& state) noexcept
{
    U256& index = stack.top();
    const auto hashes = state.tx_context().blob_hashes;
    index = (index.fits_u64() && index.w[0] < hashes.size()) ? U256::from_hash(hashes[index.w[0]])
                                                             : U256{};
}

/// BLOBBASEFEE (EIP-7516).
[[gnu::noinline]] inline void op_blobbasefee(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(state.tx_context().blob_base_fee);
}

// ---- Stack, memory, storage, flow -------------------------------------------------------------

/// POP.
inline void op_pop(StackTop stack) noexcept
{
    stack.pop();
}

/// MLOAD: 32 bytes of memory; memory expansion gas.
inline Result op_mload(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    U256& index = stack.top();
    if (!check_memory(gas, state.memory, index, 32)) [[unlikely]]
        return {Status::OutOfGas, gas};
    load_word_to(index, &state.memory[index.w[0]]);
    return {Status::Success, gas};
}

/// MSTORE: 32 bytes to memory; memory expansion gas.
inline Result op_mstore(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    const U256& index = stack.pop();
    const U256& value = stack.pop();
    if (!check_memory(gas, state.memory, index, 32)) [[unlikely]]
        return {Status::OutOfGas, gas};
    store_word(&state.memory[index.w[0]], value);
    return {Status::Success, gas};
}

/// MSTORE8: the low byte to memory; memory expansion gas.
inline Result op_mstore8(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    const U256& index = stack.pop();
    const U256& value = stack.pop();
    if (!check_memory(gas, state.memory, index, 1)) [[unlikely]]
        return {Status::OutOfGas, gas};
    state.memory[index.w[0]] = static_cast<uint8_t>(value.w[0]);
    return {Status::Success, gas};
}

/// SLOAD; EIP-2929 cold surcharge.
Result op_sload(StackTop stack, int64_t gas, ExecutionState& state) noexcept;
/// SSTORE: EIP-2200 sentry, EIP-2929 cold cost, EIP-3529 prices and refunds.
Result op_sstore(StackTop stack, int64_t gas, ExecutionState& state) noexcept;

/// JUMP to a JUMPDEST, else an exceptional halt.
inline CodeIter op_jump(StackTop stack, ExecutionState& state, CodeIter /*pc*/) noexcept
{
    const U256& dst = stack.pop();
    if (!dst.fits_u64() || !state.analysis->is_jumpdest(dst.w[0])) [[unlikely]]
    {
        state.status = Status::BadJumpDestination;
        return nullptr;
    }
    return state.analysis->padded_code() + dst.w[0];
}

/// JUMPI: JUMP if the condition is non-zero.
inline CodeIter op_jumpi(StackTop stack, ExecutionState& state, CodeIter pc) noexcept
{
    const U256& dst = stack.pop();
    const U256& cond = stack.pop();
    if (!cond)
        return pc + 1;
    if (!dst.fits_u64() || !state.analysis->is_jumpdest(dst.w[0])) [[unlikely]]
    {
        state.status = Status::BadJumpDestination;
        return nullptr;
    }
    return state.analysis->padded_code() + dst.w[0];
}

/// PC: offset of this instruction.
inline CodeIter op_pc(StackTop stack, ExecutionState& state, CodeIter pc) noexcept
{
    stack.push(U256{static_cast<uint64_t>(pc - state.analysis->padded_code())});
    return pc + 1;
}

/// MSIZE: memory size in bytes (a multiple of 32).
[[gnu::noinline]] inline void op_msize(StackTop stack, ExecutionState& state) noexcept
{
    stack.push(U256{state.memory.size()});
}

/// GAS: gas left after this instruction's base cost.
inline Result op_gas(StackTop stack, int64_t gas, ExecutionState& /*state*/) noexcept
{
    stack.push(U256{static_cast<uint64_t>(gas)});
    return {Status::Success, gas};
}

/// JUMPDEST: marks a valid jump target; no effect.
inline void op_jumpdest(StackTop /*stack*/) noexcept {}

/// TLOAD (EIP-1153).
[[gnu::noinline]] inline void op_tload(StackTop stack, ExecutionState& state) noexcept
{
    U256& key = stack.top();
    key = state.host->get_transient_storage(state.msg->recipient, key);
}

/// TSTORE (EIP-1153); forbidden in static mode.
[[gnu::noinline]] inline Result op_tstore(StackTop stack,
                                          int64_t gas,
                                          ExecutionState& state) noexcept
{
    if (state.msg->is_static) [[unlikely]]
        return {Status::StaticModeViolation, gas};
    const U256& key = stack.pop();
    const U256& value = stack.pop();
    state.host->set_transient_storage(state.msg->recipient, key, value);
    return {Status::Success, gas};
}

/// MCOPY (EIP-5656): memmove within memory; copy and expansion gas.
[[gnu::noinline]] inline Result op_mcopy(StackTop stack,
                                         int64_t gas,
                                         ExecutionState& state) noexcept
{
    const U256& dst = stack.pop();
    const U256& src = stack.pop();
    const U256& size = stack.pop();
    if (!check_memory(gas, state.memory, std::max(dst, src), size)) [[unlikely]]
        return {Status::OutOfGas, gas};
    const uint64_t n = size.w[0];
    if ((gas -= word_cost(n, kCopyWordCost)) < 0) [[unlikely]]
        return {Status::OutOfGas, gas};
    if (n != 0)
        std::memmove(&state.memory[dst.w[0]], &state.memory[src.w[0]], n);
    return {Status::Success, gas};
}

/// PUSH0 (EIP-3855).
inline void op_push0(StackTop stack) noexcept
{
    set_word(stack.push_slot(), 0);
}

/// PUSH1..PUSH32: the N immediate bytes after the opcode.
template <size_t N>
inline CodeIter op_push(StackTop stack, ExecutionState& /*state*/, CodeIter pc) noexcept
{
    load_immediate_to<N>(stack.push_slot(), pc + 1);
    return pc + 1 + N;
}

/// DUP1..DUP16: copies item N-1 to the top.
template <int N>
inline void op_dup(StackTop stack) noexcept
{
    const U256& src = stack[N - 1];
    copy_word(stack.push_slot(), src);
}

/// SWAP1..SWAP16: exchanges the top with item N.
template <int N>
inline void op_swap(StackTop stack) noexcept
{
    U256& a = stack.top();
    U256& b = stack[N];
    for (int i = 0; i < 4; ++i)
    {
        const uint64_t t = a.w[i];
        a.w[i] = b.w[i];
        b.w[i] = t;
    }
}

/// Shared body of LOG0..LOG4 (out of line).
Result log_impl(StackTop stack, int64_t gas, ExecutionState& state, int num_topics) noexcept;

/// LOG0..LOG4.
template <int N>
inline Result op_log(StackTop stack, int64_t gas, ExecutionState& state) noexcept
{
    return log_impl(stack, gas, state, N);
}

// ---- System -----------------------------------------------------------------------------------

/// CREATE (EIP-3860 initcode limit and word cost).
Result op_create(StackTop stack, int64_t gas, ExecutionState& state) noexcept;
/// CREATE2 (EIP-1014) with hashing and initcode word costs.
Result op_create2(StackTop stack, int64_t gas, ExecutionState& state) noexcept;
/// CALL: value transfer, new-account and cold costs, 63/64 rule, stipend.
Result op_call(StackTop stack, int64_t gas, ExecutionState& state) noexcept;
/// CALLCODE: another account's code in this account's context.
Result op_callcode(StackTop stack, int64_t gas, ExecutionState& state) noexcept;
/// DELEGATECALL: another account's code with this frame's sender and value.
Result op_delegatecall(StackTop stack, int64_t gas, ExecutionState& state) noexcept;
/// STATICCALL: a call in static mode.
Result op_staticcall(StackTop stack, int64_t gas, ExecutionState& state) noexcept;

/// Shared body of RETURN / REVERT.
inline TermResult return_impl(StackTop stack,
                              int64_t gas,
                              ExecutionState& state,
                              Status status) noexcept
{
    const U256& offset = stack.pop();
    const U256& size = stack.pop();
    if (!check_memory(gas, state.memory, offset, size)) [[unlikely]]
        return {Status::OutOfGas, gas};
    state.output_size = size.w[0];
    state.output_offset = state.output_size != 0 ? offset.w[0] : 0;
    return {status, gas};
}

/// RETURN: ends the frame successfully with a memory range as output.
[[gnu::noinline]] inline TermResult op_return(StackTop stack,
                                              int64_t gas,
                                              ExecutionState& state) noexcept
{
    return return_impl(stack, gas, state, Status::Success);
}

/// REVERT: ends the frame, reverting its changes, keeping gas, with output.
[[gnu::noinline]] inline TermResult op_revert(StackTop stack,
                                              int64_t gas,
                                              ExecutionState& state) noexcept
{
    return return_impl(stack, gas, state, Status::Revert);
}

/// INVALID (0xFE): exceptional halt.
inline TermResult op_invalid(StackTop /*stack*/, int64_t gas, ExecutionState& /*state*/) noexcept
{
    return {Status::InvalidInstruction, gas};
}

/// SELFDESTRUCT (EIP-6780 semantics in the host); 5000 + cold + new account.
TermResult op_selfdestruct(StackTop stack, int64_t gas, ExecutionState& state) noexcept;

/// Bytes not defined in Cancun.
inline TermResult op_undefined(StackTop /*stack*/, int64_t gas, ExecutionState& /*state*/) noexcept
{
    return {Status::UndefinedInstruction, gas};
}

}  // namespace tern::evm::instr
