#pragma once

#include "chain/persistent_trie.hpp"
#include "core/bytes.hpp"
#include "state/account.hpp"

#include <map>
#include <memory>

namespace tern::db {
class ChainDb;
}

namespace tern::node {

/// The state root of the head, kept incrementally: the account trie and every account's
/// storage trie stay in memory (persistent tries, so a block's changes are staged on copies
/// and adopted only once the block is committed).
class HeadRoot
{
public:
    /// A block's changes applied on top of the head tries, not yet adopted.
    struct Staged
    {
        Hash256 root;
        chain::PersistentTrie accounts;
        std::map<Address, std::shared_ptr<const chain::PersistentTrie>> storage;  ///< changed
        std::vector<Address> deleted;  ///< accounts whose storage trie goes away
    };

    /// Builds the tries from the head state of `db` (startup).
    void load(const db::ChainDb& db);
    /// Root of the adopted head.
    Hash256 root() const { return accounts_.root_hash(); }
    /// Applies `diff` on copies of the tries and returns the resulting root.
    Staged stage(const state::StateDiff& diff) const;
    /// Makes a staged result the head (after its block was committed).
    void adopt(Staged staged);

private:
    chain::PersistentTrie accounts_;
    std::map<Address, std::shared_ptr<const chain::PersistentTrie>> storage_;
};

}  // namespace tern::node
