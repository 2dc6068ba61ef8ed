#pragma once

#include "core/result.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::ml {

static_assert(std::endian::native == std::endian::little,
              "tensor data is little-endian and accessed in place");

/// Element types, numbered as ONNX's TensorProto.DataType (so models map 1:1).
enum class DType : uint8_t
{
    FLOAT = 1,
    UINT8 = 2,
    INT8 = 3,
    UINT16 = 4,
    INT16 = 5,
    INT32 = 6,
    INT64 = 7,
    BOOL = 9,
};

/// Success marker for Status (Result needs distinct value and error types).
struct Ok
{};

/// Outcome of an operation that returns nothing: Ok or an error message.
using Status = Result<Ok, std::string>;

/// True when `code` is a DType the engine supports.
bool is_supported_dtype(int64_t code) noexcept;

/// Bytes per element of `t` (BOOL is one byte, 0 or 1).
size_t dtype_size(DType t) noexcept;

/// ONNX-style name ("float", "int8", ...) for messages.
std::string_view dtype_name(DType t) noexcept;

/// True for the integer types (every supported type except FLOAT and BOOL).
constexpr bool is_integer(DType t) noexcept
{
    return t != DType::FLOAT && t != DType::BOOL;
}

/// Product of `shape`, or -1 when a dim is negative or the product of the non-zero dims
/// exceeds `cap` (overflow-safe; used on untrusted shapes; a shape that passes has no partial
/// product above `cap`).
int64_t checked_elements(std::span<const int64_t> shape, int64_t cap) noexcept;

/// A dense tensor: element type, shape and little-endian row-major data. A value type.
struct Tensor
{
    /// Element type.
    DType dtype = DType::FLOAT;
    /// Dims, outermost first (empty for a scalar).
    std::vector<int64_t> shape;
    /// elements() x dtype_size(dtype) bytes, row-major, little-endian.
    std::vector<uint8_t> data;

    /// Number of elements (product of the shape; 1 for a scalar).
    int64_t elements() const noexcept
    {
        int64_t n = 1;
        for (auto d : shape)
            n *= d;
        return n;
    }
    /// Rank (number of dims).
    size_t rank() const noexcept { return shape.size(); }

    /// Typed view of the data; T must match dtype's size (checked by the callers' dtype logic).
    template <typename T>
    std::span<const T> as() const noexcept
    {
        return {reinterpret_cast<const T*>(data.data()), data.size() / sizeof(T)};
    }
    /// Mutable typed view of the data.
    template <typename T>
    std::span<T> as() noexcept
    {
        return {reinterpret_cast<T*>(data.data()), data.size() / sizeof(T)};
    }

    /// A zero-filled tensor of this type and shape (the shape must already be within limits).
    static Tensor zeros(DType dtype, std::vector<int64_t> shape);

    /// A tensor from typed values (tests and constants); values.size() must match the shape.
    template <typename T>
    static Tensor from(DType dtype, std::vector<int64_t> shape, std::span<const T> values)
    {
        Tensor t;
        t.dtype = dtype;
        t.shape = std::move(shape);
        t.data.resize(values.size() * sizeof(T));
        if (!values.empty())
            std::memcpy(t.data.data(), values.data(), t.data.size());
        return t;
    }
    /// Same as from(span) for an initializer list or vector.
    template <typename T>
    static Tensor from(DType dtype, std::vector<int64_t> shape, const std::vector<T>& values)
    {
        return from<T>(dtype, std::move(shape), std::span<const T>(values));
    }

    /// Same type, shape and bytes.
    bool operator==(const Tensor&) const = default;
};

/// Calls f(T{}) with the C++ element type of `t` (bool for BOOL): one switch for
/// dtype-generic kernels.
template <typename F>
decltype(auto) visit_dtype(DType t, F&& f)
{
    switch (t)
    {
        case DType::FLOAT:
            return f(float{});
        case DType::UINT8:
            return f(uint8_t{});
        case DType::INT8:
            return f(int8_t{});
        case DType::UINT16:
            return f(uint16_t{});
        case DType::INT16:
            return f(int16_t{});
        case DType::INT32:
            return f(int32_t{});
        case DType::INT64:
            return f(int64_t{});
        case DType::BOOL:
            break;
    }
    return f(bool{});
}

/// Row-major strides (in elements) of `shape`.
std::vector<int64_t> row_major_strides(std::span<const int64_t> shape);

/// Advances a row-major multi-index over `shape` (odometer); false after the last index.
inline bool advance_index(std::vector<int64_t>& idx, std::span<const int64_t> shape) noexcept
{
    for (size_t d = idx.size(); d-- > 0;)
    {
        if (++idx[d] < shape[d])
            return true;
        idx[d] = 0;
    }
    return false;
}

/// "[2,3,4]" for messages.
std::string shape_string(std::span<const int64_t> shape);

/// Reads element `i` of an integer or bool tensor as int64 (for index/shape inputs).
int64_t int_at(const Tensor& t, size_t i) noexcept;

/// Reads every element of an INT32/INT64 tensor as int64 (axes, shapes, indices inputs).
std::vector<int64_t> to_int64s(const Tensor& t);

}  // namespace tern::ml
