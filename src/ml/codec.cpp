#include "ml/codec.hpp"

#include "core/assert.hpp"

namespace tern::ml {

Result<std::vector<Tensor>, std::string> decode_tensors(std::span<const uint8_t> bytes)
{
    if (bytes.empty())
        return std::string("tensors: empty input (expected a count byte)");
    const size_t count = bytes[0];
    size_t pos = 1;
    std::vector<Tensor> out;
    out.reserve(count);
    for (size_t k = 0; k < count; ++k)
    {
        const std::string where = "tensor " + std::to_string(k) + ": ";
        if (bytes.size() - pos < 2)
            return where + "truncated header";
        const uint8_t code = bytes[pos];
        const uint8_t rank = bytes[pos + 1];
        pos += 2;
        if (!is_supported_dtype(code))
            return where + "unsupported dtype " + std::to_string(code);
        if (rank > kMaxEncodedRank)
            return where + "rank " + std::to_string(rank) + " exceeds " +
                   std::to_string(kMaxEncodedRank);
        if (bytes.size() - pos < size_t{rank} * 4)
            return where + "truncated dims";
        Tensor t;
        t.dtype = static_cast<DType>(code);
        t.shape.resize(rank);
        for (size_t d = 0; d < rank; ++d)
        {
            const uint8_t* p = bytes.data() + pos + 4 * d;
            t.shape[d] = (int64_t{p[0]} << 24) | (int64_t{p[1]} << 16) | (int64_t{p[2]} << 8) |
                         int64_t{p[3]};
        }
        pos += size_t{rank} * 4;
        const size_t esize = dtype_size(t.dtype);
        const int64_t n = checked_elements(t.shape, int64_t{1} << 40);
        if (n < 0 || static_cast<uint64_t>(n) > (bytes.size() - pos) / esize)
            return where + "truncated data for shape " + shape_string(t.shape);
        const size_t nbytes = static_cast<size_t>(n) * esize;
        t.data.assign(bytes.begin() + static_cast<ptrdiff_t>(pos),
                      bytes.begin() + static_cast<ptrdiff_t>(pos + nbytes));
        pos += nbytes;
        if (t.dtype == DType::BOOL)
            for (auto b : t.data)
                if (b > 1)
                    return where + "bool element is not 0 or 1";
        out.push_back(std::move(t));
    }
    if (pos != bytes.size())
        return std::string("tensors: ") + std::to_string(bytes.size() - pos) + " trailing bytes";
    return out;
}

Bytes encode_tensors(std::span<const Tensor> tensors)
{
    TERN_ASSERT(tensors.size() <= kMaxEncodedTensors);
    Bytes out;
    out.push_back(static_cast<uint8_t>(tensors.size()));
    for (const auto& t : tensors)
    {
        TERN_ASSERT(t.shape.size() <= kMaxEncodedRank);
        out.push_back(static_cast<uint8_t>(t.dtype));
        out.push_back(static_cast<uint8_t>(t.shape.size()));
        for (auto d : t.shape)
        {
            TERN_ASSERT(d >= 0 && d <= 0xffffffffLL);
            const auto u = static_cast<uint32_t>(d);
            out.push_back(static_cast<uint8_t>(u >> 24));
            out.push_back(static_cast<uint8_t>(u >> 16));
            out.push_back(static_cast<uint8_t>(u >> 8));
            out.push_back(static_cast<uint8_t>(u));
        }
        out.insert(out.end(), t.data.begin(), t.data.end());
    }
    return out;
}

}  // namespace tern::ml
