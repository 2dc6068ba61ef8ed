#pragma once

#include <cstdint>
#include <string_view>

namespace tern::evm {

/// Ethereum protocol forks Tern knows, oldest first (so `a <= b` means "a is in force in b").
/// Everything before Cancun (Frontier .. Shanghai) counts as Cancun: Tern starts there.
enum class Fork : uint8_t
{
    /// EIP-1153 transient storage, EIP-5656 MCOPY, EIP-4844 blobs and the KZG precompile 0x0a:
    /// what Tern runs today.
    Cancun,
    /// EIP-2537 BLS12-381 precompiles 0x0b..0x11 (reserved here; not executed yet).
    Prague,
    /// EIP-7951 P256VERIFY precompile 0x100 (reserved here; not executed yet).
    Osaka,
};

/// The fork Tern executes everywhere today.
inline constexpr Fork kDefaultFork = Fork::Cancun;

/// The newest fork Tern knows (the set of addresses chain features must keep clear of).
inline constexpr Fork kLatestFork = Fork::Osaka;

/// Number of forks in `Fork`.
inline constexpr int kNumForks = static_cast<int>(kLatestFork) + 1;

/// Name of a fork as Ethereum spells it ("Cancun", "Prague", "Osaka").
constexpr std::string_view fork_name(Fork fork) noexcept
{
    switch (fork)
    {
        case Fork::Cancun:
            return "Cancun";
        case Fork::Prague:
            return "Prague";
        case Fork::Osaka:
            return "Osaka";
    }
    return "unknown";
}

}  // namespace tern::evm
