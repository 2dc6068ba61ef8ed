#pragma once

// SKALE derives a chain's id from its name, so a chain named like a SKALE chain gets the id its
// users' wallets already know (docs/genesis.md "Chain id").

#include <cstdint>
#include <string_view>

namespace tern::chain {

/// SKALE's chain id of `name`: the first 13 hex digits (the top 52 bits) of keccak256(name).
/// "staging-fast-active-bellatrix" gives 1351057110, "light-vast-diphda" 2139927552.
[[nodiscard]] uint64_t chain_id_from_name(std::string_view name) noexcept;

}  // namespace tern::chain
