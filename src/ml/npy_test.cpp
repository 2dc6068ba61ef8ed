// NumPy .npy files as tensors (tern model run --input): the format versions, element types,
// float64 rounded to float32, and the refusals.

#include "ml/npy.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace tern::ml {
namespace {

/// An .npy v1 file with this header dict and data, padded as numpy pads it.
std::vector<uint8_t> npy(const std::string& dict, const std::vector<uint8_t>& data, uint8_t v = 1)
{
    std::string header = dict;
    const size_t prefix = v == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', v, 0};
    const size_t n = header.size();
    out.push_back(static_cast<uint8_t>(n));
    out.push_back(static_cast<uint8_t>(n >> 8));
    if (v != 1)
    {
        out.push_back(static_cast<uint8_t>(n >> 16));
        out.push_back(static_cast<uint8_t>(n >> 24));
    }
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v)
{
    std::vector<uint8_t> out(v.size() * sizeof(T));
    std::memcpy(out.data(), v.data(), out.size());
    return out;
}

std::string error_of(const std::vector<uint8_t>& file)
{
    const auto t = read_npy(file, 1 << 20);
    return t ? std::string("<read>") : t.error();
}

TEST(Npy, ReadsNumpysFloatAndIntegerArrays)
{
    const auto f = read_npy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                bytes_of(std::vector<float>{1, 2, 3, 4, 5, 6.5f})),
                            1 << 20);
    ASSERT_TRUE(f) << f.error();
    EXPECT_EQ(f->dtype, DType::FLOAT);
    EXPECT_EQ(f->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(f->as<float>()[5], 6.5f);

    const auto i = read_npy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                                bytes_of(std::vector<int64_t>{-1, 0, 7}), 2),
                            1 << 20);
    ASSERT_TRUE(i) << i.error();
    EXPECT_EQ(i->dtype, DType::INT64);
    EXPECT_EQ(i->as<int64_t>()[0], -1);

    const auto u =
        read_npy(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", {200}), 1 << 20);
    ASSERT_TRUE(u) << u.error();
    EXPECT_TRUE(u->shape.empty());
    EXPECT_EQ(u->data[0], 200);
}

TEST(Npy, Float64BecomesFloat32RoundedToNearest)
{
    const auto t = read_npy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                                bytes_of(std::vector<double>{0.1, -1e300, 1.0 + 0x1p-30})),
                            1 << 20);
    ASSERT_TRUE(t) << t.error();
    EXPECT_EQ(t->dtype, DType::FLOAT);
    EXPECT_EQ(t->as<float>()[0], 0.1f);
    EXPECT_EQ(t->as<float>()[1], -std::numeric_limits<float>::infinity());
    EXPECT_EQ(t->as<float>()[2], 1.0f);
}

TEST(Npy, RefusesWhatItCannotRead)
{
    EXPECT_NE(error_of({1, 2, 3}).find("not an .npy file"), std::string::npos);
    EXPECT_NE(
        error_of(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", {0, 0, 0, 0}))
            .find("'>f4' is not supported"),
        std::string::npos);
    EXPECT_NE(error_of(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
                           std::vector<uint8_t>(8)))
                  .find("not supported"),
              std::string::npos);
    EXPECT_NE(
        error_of(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", {0, 0, 0, 0}))
            .find("Fortran order"),
        std::string::npos);
    EXPECT_NE(
        error_of(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", {0, 0, 0, 0}))
            .find("the shape needs 8"),
        std::string::npos);
    EXPECT_NE(
        error_of(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999, 99999), }", {}))
            .find("more than"),
        std::string::npos);
    auto truncated = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", {});
    truncated.resize(20);
    EXPECT_NE(error_of(truncated).find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace tern::ml
