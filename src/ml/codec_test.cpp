#include "ml/codec.hpp"

#include <gtest/gtest.h>

using namespace tern::ml;

TEST(MlCodec, RoundTrip)
{
    std::vector<Tensor> ts;
    ts.push_back(Tensor::from<float>(DType::FLOAT, {2, 2}, std::vector<float>{1, 2, 3, 4}));
    ts.push_back(Tensor::from<int8_t>(DType::INT8, {3}, std::vector<int8_t>{-1, 0, 127}));
    ts.push_back(Tensor::from<int64_t>(DType::INT64, {}, std::vector<int64_t>{7}));
    const auto bytes = encode_tensors(ts);
    // count, then float [2,2]: dtype 1, rank 2, dims big-endian.
    ASSERT_GE(bytes.size(), 11u);
    EXPECT_EQ(bytes[0], 3);
    EXPECT_EQ(bytes[1], 1);
    EXPECT_EQ(bytes[2], 2);
    EXPECT_EQ(bytes[6], 2);
    auto back = decode_tensors(bytes);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, ts);
}

TEST(MlCodec, Errors)
{
    EXPECT_FALSE(decode_tensors({}));
    const std::vector<uint8_t> bad_dtype{1, 8, 0};
    EXPECT_NE(decode_tensors(bad_dtype).error().find("unsupported dtype"), std::string::npos);
    const std::vector<uint8_t> truncated{1, 1, 1, 0, 0, 0, 2, 1, 2, 3, 4};
    EXPECT_NE(decode_tensors(truncated).error().find("truncated data"), std::string::npos);
    const std::vector<uint8_t> trailing{1, 2, 0, 5, 9};
    EXPECT_NE(decode_tensors(trailing).error().find("trailing"), std::string::npos);
    const std::vector<uint8_t> bad_bool{1, 9, 1, 0, 0, 0, 1, 2};
    EXPECT_NE(decode_tensors(bad_bool).error().find("bool"), std::string::npos);
    const std::vector<uint8_t> huge{1, 1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    EXPECT_NE(decode_tensors(huge).error().find("truncated data"), std::string::npos);
    const std::vector<uint8_t> zero_dim{1, 1, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    auto z = decode_tensors(zero_dim);
    ASSERT_TRUE(z) << z.error();
    EXPECT_EQ((*z)[0].elements(), 0);
}
