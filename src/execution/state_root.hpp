#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "state/memory_backend.hpp"

#include <map>

namespace tern::execution {

/// Root of an account's storage trie: keys keccak256(slot as 32 bytes big-endian), values
/// RLP of the value without leading zeros; zero values are absent.
Hash256 storage_root(const std::map<U256, U256>& storage);

/// RLP of an account in the state trie: [nonce, balance, storage_root, code_hash].
Bytes encode_account(const state::AccountInfo& info, const Hash256& storage_root);

/// Root of the secure state trie over every account of `backend` (keys keccak256(address)).
Hash256 state_root(const state::MemoryBackend& backend);

}  // namespace tern::execution
