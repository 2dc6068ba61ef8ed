#include "chain/state_root_tracker.hpp"

#include "core/keccak.hpp"
#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"
#include "execution/state_root.hpp"
#include "trie/trie_builder.hpp"

namespace tern::chain {
namespace {

Hash256 account_key(const Address& addr) noexcept
{
    return keccak256(addr.view());
}

Hash256 slot_key(const U256& slot) noexcept
{
    const Hash256 s = slot.to_hash();
    return keccak256(s.view());
}

/// Trie value of a storage slot: RLP of the value without leading zeros.
Bytes slot_value(const U256& value)
{
    const Hash256 v = value.to_hash();
    return rlp::encode(rlp::trim_leading_zeros(v.view()));
}

/// The storage root field of an account-trie leaf value [nonce, balance, root, code_hash].
Hash256 leaf_storage_root(const Bytes& account_rlp)
{
    BytesView in{account_rlp};
    auto list = rlp::decode_list(in);
    TERN_ASSERT(list.has_value());
    BytesView p = *list;
    auto nonce = rlp::decode_bytes(p);
    auto balance = rlp::decode_bytes(p);
    auto root = rlp::decode_fixed<Hash256>(p);
    TERN_ASSERT(nonce.has_value() && balance.has_value() && root.has_value());
    return *root;
}

}  // namespace

void MemoryStateSource::for_each_account(const AccountVisitor& fn) const
{
    for (const auto& [addr, acc] : backend_.accounts())
        fn(addr, acc.info);
}

void MemoryStateSource::for_each_storage(const Address& addr, const StorageVisitor& fn) const
{
    const auto& accounts = backend_.accounts();
    const auto it = accounts.find(addr);
    if (it == accounts.end())
        return;
    for (const auto& [k, v] : it->second.storage)
        if (v != 0)
            fn(k, v);
}

void StateRootTracker::rebuild(const StateSource& source)
{
    accounts_ = PersistentTrie{};
    storage_.clear();
    discard();
    trie::TrieBuilder storage_builder(trie::KeyMode::kPlain);
    source.for_each_account([&](const Address& addr, const state::AccountInfo& info) {
        storage_builder.clear();
        source.for_each_storage(addr, [&](const U256& key, const U256& value) {
            if (value != 0)
                storage_builder.put(slot_key(key).view(), slot_value(value));
        });
        accounts_.put(account_key(addr), execution::encode_account(info, storage_builder.root()));
    });
}

Hash256 StateRootTracker::root() const
{
    return accounts_.root_hash();
}

const PersistentTrie& StateRootTracker::head_storage(const Address& addr, const StateSource& source)
{
    static const PersistentTrie kEmpty;
    if (const auto it = storage_.find(addr); it != storage_.end())
        return it->second;
    const Bytes* leaf = accounts_.get(account_key(addr));
    if (!leaf || leaf_storage_root(*leaf) == kEmptyTrieRoot)
        return kEmpty;
    PersistentTrie t;
    source.for_each_storage(addr, [&](const U256& key, const U256& value) {
        if (value != 0)
            t.put(slot_key(key), slot_value(value));
    });
    TERN_ASSERT(t.root_hash() == leaf_storage_root(*leaf));
    return storage_.emplace(addr, std::move(t)).first->second;
}

Hash256 StateRootTracker::stage(const state::StateDiff& diff, const StateSource& source)
{
    if (!staged_)
    {
        staged_accounts_ = accounts_;
        staged_storage_.clear();
        staged_ = true;
    }
    for (const auto& [addr, d] : diff.accounts)
    {
        const Hash256 key = account_key(addr);
        if (d.deleted)
        {
            staged_accounts_.erase(key);
            staged_storage_[addr] = PersistentTrie{};
            continue;
        }
        PersistentTrie* st = nullptr;
        if (const auto it = staged_storage_.find(addr); it != staged_storage_.end())
        {
            st = &it->second;
            if (d.storage_cleared)
                *st = PersistentTrie{};
        }
        else if (d.storage_cleared)
            st = &(staged_storage_[addr] = PersistentTrie{});
        else if (!d.storage.empty())
            st = &(staged_storage_[addr] = head_storage(addr, source));

        Hash256 storage_root = kEmptyTrieRoot;
        if (st)
        {
            for (const auto& [slot, value] : d.storage)
            {
                if (value == 0)
                    st->erase(slot_key(slot));
                else
                    st->put(slot_key(slot), slot_value(value));
            }
            storage_root = st->root_hash();
        }
        else if (const Bytes* leaf = staged_accounts_.get(key))
            storage_root = leaf_storage_root(*leaf);
        staged_accounts_.put(key, execution::encode_account(d.info, storage_root));
    }
    return staged_accounts_.root_hash();
}

void StateRootTracker::commit()
{
    if (!staged_)
        return;
    accounts_ = std::move(staged_accounts_);
    for (auto& [addr, t] : staged_storage_)
    {
        if (t.empty())
            storage_.erase(addr);
        else
            storage_[addr] = std::move(t);
    }
    discard();
}

void StateRootTracker::discard()
{
    staged_ = false;
    staged_accounts_ = PersistentTrie{};
    staged_storage_.clear();
}

std::optional<Hash256> StateRootTracker::storage_root(const Address& addr) const
{
    const Bytes* leaf = accounts_.get(account_key(addr));
    if (!leaf)
        return std::nullopt;
    return leaf_storage_root(*leaf);
}

std::vector<Bytes> StateRootTracker::account_proof(const Address& addr) const
{
    return accounts_.prove(account_key(addr));
}

std::vector<Bytes> StateRootTracker::storage_proof(const Address& addr,
                                                   const U256& slot,
                                                   const StateSource& source)
{
    return head_storage(addr, source).prove(slot_key(slot));
}

}  // namespace tern::chain
