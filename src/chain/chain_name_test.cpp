#include "chain/chain_name.hpp"

#include <gtest/gtest.h>

using tern::chain::chain_id_from_name;

// Two SKALE chains and the ids their public chain lists give them.
TEST(ChainName, SkaleFormula)
{
    EXPECT_EQ(chain_id_from_name("staging-fast-active-bellatrix"), 1351057110u);
    EXPECT_EQ(chain_id_from_name("light-vast-diphda"), 2139927552u);
    EXPECT_NE(chain_id_from_name("my-chain"), chain_id_from_name("my-chain2"));
}
