#include "precompiles/modexp.hpp"
#include "precompiles/precompiles.hpp"

#include "core/hex.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

using namespace tern;

namespace {

const Address kModexp = address_from_u64(5);

/// 32-byte big-endian hex word of a small number.
std::string word(uint64_t v)
{
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return std::string(48, '0') + buf;
}

std::string header(uint64_t base_len, uint64_t exp_len, uint64_t mod_len)
{
    return word(base_len) + word(exp_len) + word(mod_len);
}

Bytes bytes(const std::string& h)
{
    return *from_hex(h);
}

uint64_t gas_of(const std::string& h)
{
    return precompiles::modexp_gas(bytes(h));
}

const std::string kFermatP = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
const std::string kFermatPm1 = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e";

}  // namespace

// EIP-198 example 1: 3^(p-1) mod p = 1 (Fermat), EIP-2565 price 1360.
TEST(Modexp, Eip198Example1)
{
    const Bytes in = bytes(header(1, 32, 32) + "03" + kFermatPm1 + kFermatP);
    EXPECT_EQ(precompiles::modexp_gas(in), 1360u);
    const auto r = precompiles::execute(kModexp, in, 2000);
    ASSERT_EQ(r.status, evm::Status::Success);
    EXPECT_EQ(r.gas_left, 640);
    EXPECT_EQ(to_hex(r.output, false), word(1));
}

// EIP-198 example 2: empty base (0) gives 0, same price.
TEST(Modexp, Eip198Example2)
{
    const Bytes in = bytes(header(0, 32, 32) + kFermatPm1 + kFermatP);
    EXPECT_EQ(precompiles::modexp_gas(in), 1360u);
    const auto r = precompiles::execute(kModexp, in, 1360);
    ASSERT_EQ(r.status, evm::Status::Success);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(to_hex(r.output, false), word(0));
}

// EIP-198 example 3 (reads past the end: exponent 2^255-ish with zero padding), price is huge.
TEST(Modexp, Eip198HugeLengthsAreOutOfGasWithoutAllocation)
{
    const std::string in = word(0) + word(0) + std::string(64, 'f');  // mod_len = 2^256 - 1
    EXPECT_EQ(gas_of(in), std::numeric_limits<uint64_t>::max());
    const auto r = precompiles::execute(kModexp, bytes(in), std::numeric_limits<int64_t>::max());
    EXPECT_EQ(r.status, evm::Status::OutOfGas);
    EXPECT_EQ(r.gas_left, 0);
}

TEST(Modexp, ZeroBaseAndModLengthsCostMinimumWhateverTheExponentLength)
{
    // base_len = 0, exp_len = 2^256 - 1, mod_len = 0: complexity 0 -> 200 gas, empty output.
    const std::string in = word(0) + std::string(64, 'f') + word(0);
    EXPECT_EQ(gas_of(in), 200u);
    const auto r = precompiles::execute(kModexp, bytes(in), 1000);
    ASSERT_EQ(r.status, evm::Status::Success);
    EXPECT_EQ(r.gas_left, 800);
    EXPECT_TRUE(r.output.empty());
}

TEST(Modexp, ZeroModLengthWithHugeBaseLengthIsOutOfGas)
{
    const std::string in = std::string(64, 'f') + word(0) + word(0);
    EXPECT_EQ(gas_of(in), std::numeric_limits<uint64_t>::max());
}

TEST(Modexp, EmptyInputCostsMinimumAndReturnsNothing)
{
    EXPECT_EQ(gas_of(""), 200u);
    const auto r = precompiles::execute(kModexp, {}, 200);
    ASSERT_EQ(r.status, evm::Status::Success);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_TRUE(r.output.empty());
    EXPECT_EQ(precompiles::execute(kModexp, {}, 199).status, evm::Status::OutOfGas);
}

// EIP-2565 / go-ethereum "nagydani-1" vectors (64-byte operands).
const std::string kNagydani1Base =
    "e09ad9675465c53a109fac66a445c91b292d2bb2c5268addb30cd82f80fcb0033ff97c80a5fc6f39193ae969c6ede6"
    "710a6b7ac27078a06d90ef1c72e5c85fb5";
const std::string kNagydani1Mod =
    "fc9e1f6beb81516545975218075ec2af118cd8798df6e08a147c60fd6095ac2bb02c2908cf4dd7c81f11c289e4bce9"
    "8f3553768f392a80ce22bf5c4f4a248c6b";

TEST(Modexp, Nagydani1Square)
{
    const Bytes in = bytes(header(64, 1, 64) + kNagydani1Base + "02" + kNagydani1Mod);
    EXPECT_EQ(precompiles::modexp_gas(in), 200u);
    EXPECT_EQ(
        to_hex(precompiles::modexp_execute(in), false),
        "60008f1614cc01dcfb6bfb09c625cf90b47d4468db81b5f8b7a39d42f332eab9b2da8f2d95311648a8f243"
        "f4bb13cfb3d8f7f2a3c014122ebb3ed41b02783adc");
}

TEST(Modexp, Nagydani1Pow0x10001)
{
    const Bytes in = bytes(header(64, 3, 64) + kNagydani1Base + "010001" + kNagydani1Mod);
    EXPECT_EQ(precompiles::modexp_gas(in), 341u);
    EXPECT_EQ(
        to_hex(precompiles::modexp_execute(in), false),
        "c36d804180c35d4426b57b50c5bfcca5c01856d104564cd513b461d3c8b8409128a5573e416d0ebe38f5f7"
        "36766d9dc27143e4da981dfa4d67f7dc474cbee6d2");
}

TEST(Modexp, GasIterationCountForLongExponents)
{
    // base_len = mod_len = 64 -> complexity 64. exp_len = 40 with a head of 0x01 followed by
    // zeros: head bit index = 0 ... 8 * (40 - 32) + index.
    const std::string head_one = "01" + std::string(62, '0');  // highest bit index 248
    const std::string in = header(64, 40, 64) + std::string(128, '0') + head_one;
    EXPECT_EQ(gas_of(in), 64u * (8 * 8 + 248) / 3);
    // Zero head: iterations = 8 * (exp_len - 32) exactly (no -1).
    const std::string zero_head = header(64, 40, 64) + std::string(128, '0');
    EXPECT_EQ(gas_of(zero_head), 64u * 64 / 3);
    // exp_len <= 32 and exponent 0: iterations 1 -> 64 / 3 = 21 -> minimum 200.
    EXPECT_EQ(gas_of(header(64, 32, 64)), 200u);
    // Exponent 1 (bit index 0): iterations clamp to 1. Large operands: 512 bytes -> 4096.
    EXPECT_EQ(gas_of(header(512, 1, 512) + std::string(1024, '0') + "01"), 4096u / 3);
    // Complexity uses max(base_len, mod_len), rounded up to 8-byte words: 9 bytes -> 2 words.
    EXPECT_EQ(gas_of(header(9, 33, 1) + std::string(18, '0') + "ff"), std::max(200u, 4u * 263 / 3));
    EXPECT_EQ(gas_of(header(1, 33, 600) + "00" + "80"), 75u * 75 * (8 + 255) / 3);
}

TEST(Modexp, ExponentHeadPastInputEndIsZero)
{
    // exp_len = 64, nothing of the exponent present: iterations 8 * 32 = 256.
    EXPECT_EQ(gas_of(header(256, 64, 256)), 32u * 32 * 256 / 3);
}

TEST(Modexp, ZeroModulusGivesZerosOfModLength)
{
    const Bytes in = bytes(header(1, 1, 3) + "05" + "02" + "000000");
    EXPECT_EQ(to_hex(precompiles::modexp_execute(in), false), "000000");
}

TEST(Modexp, MissingModulusBytesAreZero)
{
    // Input stops after the exponent: modulus reads as 0.
    EXPECT_EQ(to_hex(precompiles::modexp_execute(bytes(header(1, 1, 2) + "05" + "02")), false),
              "0000");
    // Modulus 0x01 with one missing byte reads as 0x0100 = 256: 3^1 mod 256 = 3.
    EXPECT_EQ(
        to_hex(precompiles::modexp_execute(bytes(header(1, 1, 2) + "03" + "01" + "01")), false),
        "0003");
}

TEST(Modexp, ExponentIsBigEndianAcrossBytes)
{
    // base 2, exponent 0x0100 (= 256), modulus 1000003 (0x0f4243):
    // 2^256 mod 1000003 = 0x0263e9 (reference: Python pow(2, 256, 1000003)).
    const Bytes in = bytes(header(1, 2, 3) + "02" + "0100" + "0f4243");
    EXPECT_EQ(to_hex(precompiles::modexp_execute(in), false), "0263e9");
}

TEST(Modexp, ZeroToTheZeroIsOne)
{
    EXPECT_EQ(
        to_hex(precompiles::modexp_execute(bytes(header(1, 1, 1) + "00" + "00" + "05")), false),
        "01");
    // ... except modulo 1.
    EXPECT_EQ(
        to_hex(precompiles::modexp_execute(bytes(header(1, 1, 1) + "00" + "00" + "01")), false),
        "00");
}

TEST(Modexp, ExtraInputIsIgnored)
{
    const Bytes in = bytes(header(1, 1, 1) + "03" + "02" + "07" + "ffff");
    EXPECT_EQ(to_hex(precompiles::modexp_execute(in), false), "02");  // 9 mod 7
}

TEST(Modexp, OutputLeftPaddedToModLength)
{
    const Bytes in = bytes(header(1, 1, 4) + "03" + "02" + "00000100");
    EXPECT_EQ(to_hex(precompiles::modexp_execute(in), false), "00000009");
}
