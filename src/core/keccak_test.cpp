#include "core/keccak.hpp"
#include "core/hex.hpp"

#include <gtest/gtest.h>

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
