#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "state/account.hpp"

#include <optional>

namespace tern::state {

/// Read side of a backing store (in-memory now, an on-disk database later). The journaled
/// State reads through this interface and never learns how accounts are stored.
class StateReader
{
public:
    virtual ~StateReader() = default;

    /// The account at `addr`, or nullopt if it does not exist.
    virtual std::optional<AccountInfo> read_account(const Address& addr) const = 0;
    /// A storage slot's committed value (zero if absent).
    virtual U256 read_storage(const Address& addr, const U256& key) const = 0;
    /// True if the account has at least one non-zero storage slot (EIP-7610 collision check).
    virtual bool has_storage(const Address& addr) const = 0;
    /// The code whose hash is `code_hash`; null for kEmptyCodeHash or unknown hashes.
    virtual CodePtr read_code(const Hash256& code_hash) const = 0;
    /// The content-addressed blob whose keccak hash is `hash` (a chain feature's data, such as
    /// file-storage chunks, which the state commits to by hash: StateDiff::blobs); null if
    /// unknown. Blobs are immutable, so a view of any block may answer from the one store.
    virtual CodePtr read_blob(const Hash256& hash) const = 0;
};

}  // namespace tern::state
