#include "core/keccak.hpp"
#include "core/hex.hpp"

#include <cryptopp/keccak.h>
#include <gtest/gtest.h>

#include <random>

using namespace tern;

TEST(Keccak, EmptyStringMatchesConstant)
{
    EXPECT_EQ(keccak256({}), kEmptyCodeHash);
    const uint8_t rlp_empty = 0x80;
    EXPECT_EQ(keccak256({&rlp_empty, 1}), kEmptyTrieRoot);
}

TEST(Keccak, KnownVector)
{
    EXPECT_EQ(to_hex(keccak256(as_bytes("abc"))),
              "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(Keccak, MoreKnownVectors)
{
    // 200 bytes of 0xa3 (two blocks), as in the Keccak team's test data.
    const Bytes a3(200, 0xa3);
    EXPECT_EQ(to_hex(keccak256(a3)),
              "0x3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a");
    EXPECT_EQ(to_hex(keccak256(as_bytes("The quick brown fox jumps over the lazy dog"))),
              "0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
    // transfer(address,uint256) selector.
    EXPECT_EQ(to_hex(keccak256(as_bytes("transfer(address,uint256)"))).substr(0, 10), "0xa9059cbb");
}

TEST(Keccak, RateBoundaries)
{
    // 135 bytes: the 0x01 and 0x80 pad bits share the last byte (0x81). 136: an extra block of
    // padding only. 137: a second block with one byte. Values checked against Crypto++.
    for (const size_t n : {135u, 136u, 137u, 271u, 272u, 273u})
    {
        Bytes data(n);
        for (size_t i = 0; i < n; ++i)
            data[i] = static_cast<uint8_t>(i * 7 + 1);
        CryptoPP::Keccak_256 reference;
        reference.Update(data.data(), data.size());
        Hash256 want;
        reference.Final(want.bytes.data());
        EXPECT_EQ(keccak256(data), want) << n;
    }
    const Bytes zeros136(136, 0);
    EXPECT_EQ(to_hex(keccak256(zeros136)),
              "0x3a5912a7c5faa06ee4fe906253e339467a9ce87d533c65be3c15cb231cdb25f9");
}

TEST(Keccak, MatchesCryptoppOnRandomInputs)
{
    std::mt19937_64 rng(20261126);
    Bytes data;
    for (size_t len = 0; len <= 1000; ++len)
    {
        data.resize(len);
        for (auto& b : data)
            b = static_cast<uint8_t>(rng());
        CryptoPP::Keccak_256 reference;
        reference.Update(data.data(), data.size());
        Hash256 want;
        reference.Final(want.bytes.data());
        ASSERT_EQ(keccak256(data), want) << "length " << len;
    }
}
