#include "precompiles/blake2f.hpp"
#include "precompiles/precompiles.hpp"

#include "core/hex.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace tern;

namespace {

const Address kBlake2f = address_from_u64(9);

/// EIP-152 input with `rounds_hex` (8 hex digits) prepended to the "abc" block of RFC 7693
/// appendix A and the given final flag (2 hex digits).
std::string vector_input(const std::string& rounds_hex, const std::string& flag_hex)
{
    return rounds_hex +
           "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2"
           "b"
           "8c68059b6bbd41fbabd9831f79217e1319cde05b"
           "6162630000000000000000000000000000000000000000000000000000000000"
           "0000000000000000000000000000000000000000000000000000000000000000"
           "0000000000000000000000000000000000000000000000000000000000000000"
           "0000000000000000000000000000000000000000000000000000000000000000"
           "03000000000000000000000000000000" +
           flag_hex;
}

evm::ExecResult run(const std::string& input_hex, int64_t gas)
{
    const Bytes input = *from_hex(input_hex);
    return precompiles::execute(kBlake2f, input, gas);
}

}  // namespace

TEST(Blake2f, InputIs213Bytes)
{
    EXPECT_EQ(vector_input("0000000c", "01").size(), 213u * 2);
}

// EIP-152 test vectors 4-7, and vector 8 with 8,000,000 rounds (go-ethereum's variant of it).
TEST(Blake2f, Vector4ZeroRounds)
{
    const auto r = run(vector_input("00000000", "01"), 0);
    ASSERT_EQ(r.status, evm::Status::Success);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(
        to_hex(r.output, false),
        "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e511f6c3e"
        "2b8c68059b9442be0454267ce079217e1319cde05b");
}

TEST(Blake2f, Vector5TwelveRoundsIsBlake2bOfAbc)
{
    const auto r = run(vector_input("0000000c", "01"), 100);
    ASSERT_EQ(r.status, evm::Status::Success);
    EXPECT_EQ(r.gas_left, 88);
    EXPECT_EQ(
        to_hex(r.output, false),
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5"
        "de4533cc9518d38aa8dbf1925ab92386edd4009923");
}

TEST(Blake2f, Vector6NotFinal)
{
    const auto r = run(vector_input("0000000c", "00"), 12);
    ASSERT_EQ(r.status, evm::Status::Success);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(
        to_hex(r.output, false),
        "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d2"
        "26039cd31b4e426ac4f2d3d666a610c2116fde4735");
}

TEST(Blake2f, Vector7OneRound)
{
    const auto r = run(vector_input("00000001", "01"), 1);
    ASSERT_EQ(r.status, evm::Status::Success);
    EXPECT_EQ(
        to_hex(r.output, false),
        "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5f2f7e0"
        "8993d53923de3d64fcc68c034e717b9293fed7a421");
}

TEST(Blake2f, Vector8EightMillionRounds)
{
    const auto r = run(vector_input("007a1200", "01"), 8'000'000);
    ASSERT_EQ(r.status, evm::Status::Success);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(
        to_hex(r.output, false),
        "6d2ce9e534d50e18ff866ae92d70cceba79bbcd14c63819fe48752c8aca87a4bb7dcc230d22a4047f0486c"
        "fcfb50a17b24b2899eb8fca370f22240adb5170189");
}

// EIP-152 test vectors 0-3: malformed input fails and consumes all gas.
TEST(Blake2f, EmptyInputFails)
{
    const auto r = run("", 1000);
    EXPECT_EQ(r.status, evm::Status::PrecompileFailure);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_TRUE(r.output.empty());
}

TEST(Blake2f, ShortInputFails)
{
    const auto r = run(vector_input("0000000c", "01").substr(2), 1000);
    EXPECT_EQ(r.status, evm::Status::PrecompileFailure);
    EXPECT_EQ(r.gas_left, 0);
}

TEST(Blake2f, LongInputFails)
{
    const auto r = run("00" + vector_input("0000000c", "01"), 1000);
    EXPECT_EQ(r.status, evm::Status::PrecompileFailure);
    EXPECT_EQ(r.gas_left, 0);
}

TEST(Blake2f, BadFinalFlagFails)
{
    const auto r = run(vector_input("0000000c", "02"), 1000);
    EXPECT_EQ(r.status, evm::Status::PrecompileFailure);
    EXPECT_EQ(r.gas_left, 0);
}

TEST(Blake2f, GasIsRounds)
{
    EXPECT_EQ(run(vector_input("0000000c", "01"), 11).status, evm::Status::OutOfGas);
    EXPECT_EQ(run(vector_input("0000000c", "01"), 12).status, evm::Status::Success);
    // 0xffffffff rounds would take minutes: the price alone must stop it.
    const auto r = run(vector_input("ffffffff", "01"), 0xfffffffe);
    EXPECT_EQ(r.status, evm::Status::OutOfGas);
    EXPECT_EQ(r.gas_left, 0);
}

TEST(Blake2f, CompressMatchesRfc7693AbcDigest)
{
    // BLAKE2b-512("abc"), RFC 7693 appendix A: h0 = IV ^ 0x01010040 (no key, 64-byte digest).
    uint64_t h[8] = {0x6a09e667f3bcc908 ^ 0x01010040,
                     0xbb67ae8584caa73b,
                     0x3c6ef372fe94f82b,
                     0xa54ff53a5f1d36f1,
                     0x510e527fade682d1,
                     0x9b05688c2b3e6c1f,
                     0x1f83d9abfb41bd6b,
                     0x5be0cd19137e2179};
    uint64_t m[16] = {0x636261};
    const uint64_t t[2] = {3, 0};
    precompiles::blake2b_compress(h, m, t, true, 12);
    EXPECT_EQ(h[0], 0x0d4d1c983fa580baULL);
    EXPECT_EQ(h[7], 0x239900d4ed8623b9ULL);
}
