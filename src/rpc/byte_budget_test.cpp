#include "rpc/byte_budget.hpp"

#include <gtest/gtest.h>

using namespace tern::rpc;

TEST(ByteBudget, RefusesPastTheLimitAndCountsForcedBytes)
{
    ByteBudget b(100);
    EXPECT_TRUE(b.try_take(60));
    EXPECT_FALSE(b.try_take(41));
    EXPECT_TRUE(b.try_take(40));
    EXPECT_EQ(b.used(), 100u);
    b.take(50);  // a response that exists already
    EXPECT_EQ(b.used(), 150u);
    EXPECT_FALSE(b.try_take(1));
    b.give_back(150);
    EXPECT_FALSE(b.try_take(101));
    EXPECT_EQ(b.used(), 0u);
    ByteBudget unlimited;
    EXPECT_TRUE(unlimited.try_take(size_t(1) << 40));
    EXPECT_EQ(unlimited.used(), size_t(1) << 40);
}

TEST(BudgetHold, GivesBytesBackWhenItEnds)
{
    ByteBudget b(10);
    {
        BudgetHold h(b);
        EXPECT_TRUE(h.try_add(6));
        EXPECT_FALSE(h.try_add(5));
        h.add(5);
        EXPECT_EQ(h.bytes(), 11u);
        BudgetHold moved = std::move(h);
        EXPECT_EQ(h.bytes(), 0u);
        EXPECT_EQ(b.used(), 11u);
        moved.release(4);
        EXPECT_EQ(b.used(), 7u);
        moved.release(100);
        EXPECT_EQ(moved.bytes(), 0u);
        EXPECT_EQ(b.used(), 0u);
        moved.add(2);
        moved.reset();
        EXPECT_EQ(b.used(), 0u);
        EXPECT_TRUE(moved.try_add(3));
    }
    EXPECT_EQ(b.used(), 0u);
    BudgetHold none;
    EXPECT_FALSE(none.try_add(1));
}
