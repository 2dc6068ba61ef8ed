#include "ml/tensor.hpp"

namespace tern::ml {

bool is_supported_dtype(int64_t code) noexcept
{
    switch (code)
    {
        case 1:
        case 2:
        case 3:
        case 4:
        case 5:
        case 6:
        case 7:
        case 9:
            return true;
        default:
            return false;
    }
}

size_t dtype_size(DType t) noexcept
{
    switch (t)
    {
        case DType::FLOAT:
        case DType::INT32:
            return 4;
        case DType::UINT16:
        case DType::INT16:
            return 2;
        case DType::INT64:
            return 8;
        case DType::UINT8:
        case DType::INT8:
        case DType::BOOL:
            return 1;
    }
    return 1;
}

std::string_view dtype_name(DType t) noexcept
{
    switch (t)
    {
        case DType::FLOAT:
            return "float";
        case DType::UINT8:
            return "uint8";
        case DType::INT8:
            return "int8";
        case DType::UINT16:
            return "uint16";
        case DType::INT16:
            return "int16";
        case DType::INT32:
            return "int32";
        case DType::INT64:
            return "int64";
        case DType::BOOL:
            return "bool";
    }
    return "?";
}

int64_t checked_elements(std::span<const int64_t> shape, int64_t cap) noexcept
{
    // The product of the non-zero dims must stay within the cap too, so that partial products
    // of any shape that passes (Flatten, strides, ...) cannot overflow even when a zero dim
    // makes the tensor empty.
    int64_t n = 1;
    bool empty = false;
    for (auto d : shape)
    {
        if (d < 0)
            return -1;
        if (d == 0)
        {
            empty = true;
            continue;
        }
        if (n > cap / d)
            return -1;
        n *= d;
    }
    if (n > cap)
        return -1;
    return empty ? 0 : n;
}

Tensor Tensor::zeros(DType dtype, std::vector<int64_t> shape)
{
    Tensor t;
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.data.assign(static_cast<size_t>(t.elements()) * dtype_size(dtype), 0);
    return t;
}

std::vector<int64_t> row_major_strides(std::span<const int64_t> shape)
{
    std::vector<int64_t> strides(shape.size(), 1);
    for (size_t i = shape.size(); i-- > 1;)
        strides[i - 1] = strides[i] * shape[i];
    return strides;
}

std::string shape_string(std::span<const int64_t> shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
    {
        if (i)
            s += ',';
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

int64_t int_at(const Tensor& t, size_t i) noexcept
{
    switch (t.dtype)
    {
        case DType::UINT8:
        case DType::BOOL:
            return t.data[i];
        case DType::INT8:
            return static_cast<int8_t>(t.data[i]);
        case DType::UINT16:
            return t.as<uint16_t>()[i];
        case DType::INT16:
            return t.as<int16_t>()[i];
        case DType::INT32:
            return t.as<int32_t>()[i];
        case DType::INT64:
            return t.as<int64_t>()[i];
        case DType::FLOAT:
            return 0;
    }
    return 0;
}

std::vector<int64_t> to_int64s(const Tensor& t)
{
    std::vector<int64_t> v;
    if (t.dtype == DType::FLOAT)
        return v;
    const size_t n = t.data.size() / dtype_size(t.dtype);
    v.reserve(n);
    for (size_t i = 0; i < n; ++i)
        v.push_back(int_at(t, i));
    return v;
}

}  // namespace tern::ml
