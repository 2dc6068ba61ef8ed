#pragma once

#include "core/assert.hpp"

#include <utility>
#include <variant>

namespace tern {

/// Minimal `std::expected` (C++23) stand-in: either a value or an error, never both.
/// Used for typed, exception-free results on decoding and validation paths.
template <typename T, typename E>
class [[nodiscard]] Result
{
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() &
    {
        TERN_ASSERT(has_value());
        return std::get<0>(v_);
    }
    const T& value() const&
    {
        TERN_ASSERT(has_value());
        return std::get<0>(v_);
    }
    T&& value() &&
    {
        TERN_ASSERT(has_value());
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const E& error() const
    {
        TERN_ASSERT(!has_value());
        return std::get<1>(v_);
    }

private:
    std::variant<T, E> v_;
};

}  // namespace tern
