#include "core/deadline.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace tern {
namespace {

using namespace std::chrono_literals;

TEST(Deadline, DefaultNeverExpires)
{
    const Deadline d;
    EXPECT_FALSE(d.active());
    EXPECT_FALSE(d.expired());
    EXPECT_EQ(d.timeout(), Deadline::Clock::duration::zero());
}

TEST(Deadline, ZeroTimeoutWithoutFlagIsInactive)
{
    EXPECT_FALSE(Deadline::after(0s).active());
    EXPECT_FALSE(Deadline::after(-1s).expired());
}

TEST(Deadline, ExpiresAfterItsTimeout)
{
    const Deadline d = Deadline::after(20ms);
    EXPECT_TRUE(d.active());
    EXPECT_EQ(d.timeout(), Deadline::Clock::duration(20ms));
    EXPECT_FALSE(d.expired());
    std::this_thread::sleep_for(30ms);
    EXPECT_TRUE(d.expired());
    EXPECT_FALSE(d.cancelled());
}

TEST(Deadline, ExpiresWhenCancelled)
{
    std::atomic<bool> flag{false};
    const Deadline d = Deadline::after(0s, &flag);
    EXPECT_TRUE(d.active());
    EXPECT_FALSE(d.expired());
    flag = true;
    EXPECT_TRUE(d.expired());
    EXPECT_TRUE(d.cancelled());
}

}  // namespace
}  // namespace tern
