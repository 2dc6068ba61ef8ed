#include "ml/npy.hpp"

#include "ml/ops_float.hpp"

#include <cstring>
#include <optional>
#include <string_view>

namespace tern::ml {

namespace {

/// The quoted value of `key` in the header dict ("'descr': '<f4'" -> "<f4").
std::optional<std::string_view> quoted_value(std::string_view header, std::string_view key)
{
    const size_t k = header.find(key);
    if (k == std::string_view::npos)
        return std::nullopt;
    const size_t open = header.find('\'', header.find(':', k));
    if (open == std::string_view::npos)
        return std::nullopt;
    const size_t close = header.find('\'', open + 1);
    if (close == std::string_view::npos)
        return std::nullopt;
    return header.substr(open + 1, close - open - 1);
}

/// The dims of the header's shape tuple ("(2, 3)", "(5,)", "()").
std::optional<std::vector<int64_t>> shape_of(std::string_view header)
{
    const size_t k = header.find("'shape'");
    if (k == std::string_view::npos)
        return std::nullopt;
    const size_t open = header.find('(', k);
    const size_t close = header.find(')', open);
    if (open == std::string_view::npos || close == std::string_view::npos)
        return std::nullopt;
    std::vector<int64_t> dims;
    int64_t v = 0;
    bool digits = false;
    for (size_t i = open + 1; i <= close; ++i)
    {
        const char c = header[i];
        if (c >= '0' && c <= '9')
        {
            if (v > (INT64_MAX - 9) / 10)
                return std::nullopt;
            v = v * 10 + (c - '0');
            digits = true;
        }
        else if (c == ',' || c == ')')
        {
            if (digits)
                dims.push_back(v);
            else if (c == ',')
                return std::nullopt;  // "(,)"
            v = 0;
            digits = false;
        }
        else if (c != ' ' && c != 'L')  // Python 2 wrote longs as 3L
            return std::nullopt;
        if (dims.size() > 64)
            return std::nullopt;
    }
    return dims;
}

struct Descr
{
    DType dtype;
    size_t size;  ///< bytes per element in the file
    bool f64 = false;
};

std::optional<Descr> descr_of(std::string_view d)
{
    if (d.size() < 3)
        return std::nullopt;
    const char order = d[0];
    const std::string_view kind = d.substr(1);
    if (kind == "u1" || kind == "b1" || kind == "i1")
    {
        if (order != '|' && order != '<' && order != '>' && order != '=')
            return std::nullopt;
        return Descr{kind == "u1" ? DType::UINT8 : kind == "i1" ? DType::INT8 : DType::BOOL, 1};
    }
    if (order != '<')
        return std::nullopt;  // big-endian or native-unspecified multi-byte data
    if (kind == "f4")
        return Descr{DType::FLOAT, 4};
    if (kind == "f8")
        return Descr{DType::FLOAT, 8, true};
    if (kind == "u2")
        return Descr{DType::UINT16, 2};
    if (kind == "i2")
        return Descr{DType::INT16, 2};
    if (kind == "i4")
        return Descr{DType::INT32, 4};
    if (kind == "i8")
        return Descr{DType::INT64, 8};
    return std::nullopt;
}

}  // namespace

Result<Tensor, std::string> read_npy(std::span<const uint8_t> file, int64_t max_elements)
{
    static constexpr uint8_t kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (file.size() < 10 || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
        return std::string("not an .npy file (no \\x93NUMPY magic)");
    const uint8_t major = file[6];
    size_t header_len = 0;
    size_t start = 0;
    if (major == 1)
    {
        header_len = size_t{file[8]} | size_t{file[9]} << 8;
        start = 10;
    }
    else if (major == 2 || major == 3)
    {
        if (file.size() < 12)
            return std::string(".npy header is truncated");
        header_len = size_t{file[8]} | size_t{file[9]} << 8 | size_t{file[10]} << 16 |
                     size_t{file[11]} << 24;
        start = 12;
    }
    else
        return ".npy format version " + std::to_string(major) + " is not supported";
    if (header_len > file.size() - start)
        return std::string(".npy header is truncated");
    const std::string_view header(reinterpret_cast<const char*>(file.data() + start), header_len);

    const auto descr_text = quoted_value(header, "'descr'");
    if (!descr_text)
        return std::string(".npy header has no 'descr'");
    const auto descr = descr_of(*descr_text);
    if (!descr)
        return ".npy element type '" + std::string(*descr_text) +
               "' is not supported (little-endian f4, f8, i1, u1, i2, u2, i4, i8, b1)";
    if (header.find("'fortran_order': True") != std::string_view::npos)
        return std::string(".npy array is in Fortran order (save it C-contiguous)");
    auto shape = shape_of(header);
    if (!shape)
        return std::string(".npy header has no readable 'shape'");
    const int64_t n = checked_elements(*shape, max_elements);
    if (n < 0 || n > max_elements)
        return ".npy array has more than " + std::to_string(max_elements) + " elements";

    const std::span<const uint8_t> data = file.subspan(start + header_len);
    if (data.size() != static_cast<size_t>(n) * descr->size)
        return ".npy data has " + std::to_string(data.size()) + " bytes, the shape needs " +
               std::to_string(static_cast<size_t>(n) * descr->size);
    Tensor t = Tensor::zeros(descr->dtype, std::move(*shape));
    if (!descr->f64)
    {
        if (!data.empty())
            std::memcpy(t.data.data(), data.data(), data.size());
        if (t.dtype == DType::BOOL)
            for (auto& b : t.data)
                b = b != 0;
        return t;
    }
    auto out = t.as<float>();
    for (size_t i = 0; i < out.size(); ++i)
    {
        double v;
        std::memcpy(&v, data.data() + 8 * i, 8);
        out[i] = to_float(v);  // IEEE round to nearest, as numpy's astype
    }
    return t;
}

}  // namespace tern::ml
