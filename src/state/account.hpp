#pragma once

#include "core/bytes.hpp"
#include "core/keccak.hpp"
#include "core/uint256.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

namespace tern::state {

/// The consensus fields of an account apart from storage: what the account trie commits to
/// (together with the storage root, which the backend derives from the storage).
struct AccountInfo
{
    uint64_t nonce = 0;
    U256 balance;
    Hash256 code_hash = kEmptyCodeHash;

    friend bool operator==(const AccountInfo&, const AccountInfo&) = default;
};

/// Shared, immutable contract code: accounts with equal code share one buffer and views handed
/// to the interpreter stay valid while any account still refers to it.
using CodePtr = std::shared_ptr<const Bytes>;

/// Hash functor for U256 keys in hash maps (storage slots); lookups only, never iterated for
/// consensus results.
struct U256Hash
{
    size_t operator()(const U256& v) const noexcept
    {
        uint64_t h = v.w[0] * 0x9e3779b97f4a7c15ULL;
        h ^= v.w[1] + 0x7f4a7c159e3779b9ULL + (h << 6) + (h >> 2);
        h ^= v.w[2] + (h << 6) + (h >> 2);
        h ^= v.w[3] + (h << 6) + (h >> 2);
        return static_cast<size_t>(h);
    }
};

/// Hash functor for (address, slot) pairs: warm-slot sets and transient storage.
struct AddressSlotHash
{
    size_t operator()(const std::pair<Address, U256>& p) const noexcept
    {
        return std::hash<Address>{}(p.first) ^ (U256Hash{}(p.second) * 31);
    }
};

/// One account's changes at commit time, in address order inside a StateDiff.
struct AccountDiff
{
    Address address;
    bool deleted = false;          ///< the account no longer exists (all else ignored)
    AccountInfo info;              ///< new nonce, balance, code hash
    CodePtr code;                  ///< set when the code changed (new contract)
    bool storage_cleared = false;  ///< drop all previous storage before applying `storage`
    std::map<U256, U256> storage;  ///< changed slots, zero = delete the slot
};

/// The net effect of executed transactions, produced by State::commit() and applied to a
/// backend. Sorted by address, so applying it and hashing the result is deterministic.
struct StateDiff
{
    std::map<Address, AccountDiff> accounts;
    /// Content-addressed blobs written (State::put_blob), by keccak hash. The state commits to
    /// them only through the hashes a feature keeps in storage; backends store them beside the
    /// code and never rewrite one.
    std::map<Hash256, CodePtr> blobs;
};

}  // namespace tern::state
