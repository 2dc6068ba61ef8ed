#include "consensus/bundle.hpp"

#include <gtest/gtest.h>

using namespace tern::consensus;

TEST(Bundle, RoundTripsTransactionsInOrder)
{
    const std::string a("\x02\xf8\x01\x02", 4);  // typed transaction bytes (opaque here)
    const std::string b(100, '\xc5');            // a legacy-looking one, long
    const std::string bundle = encode_bundle({a, b});
    EXPECT_TRUE(is_bundle(bundle));
    EXPECT_EQ(static_cast<uint8_t>(bundle[0]), kBundleMarker);
    const auto txs = decode_bundle(bundle);
    ASSERT_TRUE(txs) << txs.error();
    ASSERT_EQ(txs->size(), 2u);
    EXPECT_EQ((*txs)[0], a);
    EXPECT_EQ((*txs)[1], b);
}

TEST(Bundle, SingleTransactionsAreNotBundles)
{
    const std::string typed("\x02\xf8\x6c", 3);
    const std::string legacy("\xf8\x6c\x80", 3);
    EXPECT_FALSE(is_bundle(typed));
    EXPECT_FALSE(is_bundle(legacy));
    EXPECT_FALSE(is_bundle(""));
    const auto one = split_comet_tx(typed);
    ASSERT_TRUE(one);
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ(one->front(), typed);
}

TEST(Bundle, MalformedBundlesAreErrors)
{
    const std::string marker(1, static_cast<char>(kBundleMarker));
    EXPECT_FALSE(decode_bundle(marker));                                   // no list
    EXPECT_FALSE(decode_bundle(marker + "\xc0"));                          // empty list
    EXPECT_FALSE(decode_bundle(marker + "\xc1\x80"));                      // an empty transaction
    EXPECT_FALSE(decode_bundle(marker + "\xc2\xc1\x01"));                  // a nested list
    EXPECT_FALSE(decode_bundle(marker + std::string("\xc1\x01\x00", 3)));  // trailing bytes
    EXPECT_FALSE(decode_bundle(marker + "\xc5\x01"));                      // truncated
    EXPECT_FALSE(decode_bundle(std::string("\x02\xc1\x01", 3)));           // no marker
    EXPECT_FALSE(split_comet_tx(marker + "\xc0"));
    const auto ok = decode_bundle(marker + "\xc2\x01\x02");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->size(), 2u);
}
