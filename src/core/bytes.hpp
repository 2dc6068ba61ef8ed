#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern {

/// Owned byte string (code, call data, RLP payloads).
using Bytes = std::vector<uint8_t>;

/// Non-owning view of bytes.
using BytesView = std::span<const uint8_t>;

/// Fixed-size byte array value type; base of Address and Hash256.
template <size_t N>
struct FixedBytes
{
    std::array<uint8_t, N> bytes{};

    static constexpr size_t size() noexcept { return N; }
    constexpr const uint8_t* data() const noexcept { return bytes.data(); }
    constexpr uint8_t* data() noexcept { return bytes.data(); }
    constexpr uint8_t& operator[](size_t i) noexcept { return bytes[i]; }
    constexpr const uint8_t& operator[](size_t i) const noexcept { return bytes[i]; }
    constexpr BytesView view() const noexcept { return {bytes.data(), N}; }
    constexpr bool is_zero() const noexcept
    {
        for (auto b : bytes)
            if (b != 0)
                return false;
        return true;
    }
    friend constexpr bool operator==(const FixedBytes&, const FixedBytes&) = default;
    friend constexpr auto operator<=>(const FixedBytes&, const FixedBytes&) = default;
};

/// 20-byte account address.
struct Address : FixedBytes<20>
{
    friend constexpr bool operator==(const Address&, const Address&) = default;
    friend constexpr auto operator<=>(const Address&, const Address&) = default;
};

/// 32-byte hash (Keccak-256 output, storage keys as bytes, block hashes).
struct Hash256 : FixedBytes<32>
{
    friend constexpr bool operator==(const Hash256&, const Hash256&) = default;
    friend constexpr auto operator<=>(const Hash256&, const Hash256&) = default;
};

/// Builds an address whose last 8 bytes hold `low` (precompile addresses, tests).
constexpr Address address_from_u64(uint64_t low) noexcept
{
    Address a;
    for (size_t i = 0; i < 8; ++i)
        a.bytes[19 - i] = static_cast<uint8_t>(low >> (8 * i));
    return a;
}

/// Copies a view into an owned byte string.
inline Bytes to_bytes(BytesView v)
{
    return Bytes(v.begin(), v.end());
}

/// Views the characters of a string as bytes.
inline BytesView as_bytes(std::string_view s) noexcept
{
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace tern

template <size_t N>
struct std::hash<tern::FixedBytes<N>>
{
    static_assert(N >= sizeof(size_t));
    size_t operator()(const tern::FixedBytes<N>& b) const noexcept
    {
        size_t h = 0;
        std::memcpy(&h, b.bytes.data() + N - sizeof(h), sizeof(h));
        return h;
    }
};
template <>
struct std::hash<tern::Address> : std::hash<tern::FixedBytes<20>>
{};
template <>
struct std::hash<tern::Hash256> : std::hash<tern::FixedBytes<32>>
{};
