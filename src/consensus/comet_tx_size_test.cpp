#include "consensus/comet_tx_size.hpp"

#include <gtest/gtest.h>

using namespace tern::consensus;

namespace {

TEST(CometTxSize, CountsTagAndVarintLength)
{
    EXPECT_EQ(comet_tx_overhead_size(0), 2u);
    EXPECT_EQ(comet_tx_overhead_size(127), 129u);
    EXPECT_EQ(comet_tx_overhead_size(128), 131u);
    EXPECT_EQ(comet_tx_overhead_size(16384), 16384u + 4u);
}

}  // namespace
