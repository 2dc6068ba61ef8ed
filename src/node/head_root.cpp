#include "node/head_root.hpp"

#include "core/keccak.hpp"
#include "core/rlp_encode.hpp"
#include "db/chain_db.hpp"
#include "execution/state_root.hpp"

namespace tern::node {
namespace {

Bytes slot_value(const U256& v)
{
    uint8_t buf[32];
    v.to_be_bytes(buf);
    return rlp::encode(rlp::trim_leading_zeros({buf, 32}));
}

Hash256 slot_key(const U256& k)
{
    return keccak256(k.to_hash().view());
}

}  // namespace

void HeadRoot::load(const db::ChainDb& db)
{
    accounts_ = chain::PersistentTrie{};
    storage_.clear();
    db.for_each_account([&](const Address& addr, const state::AccountInfo& info) {
        auto trie = std::make_shared<chain::PersistentTrie>();
        db.for_each_storage(addr, [&](const U256& key, const U256& value) {
            trie->put(slot_key(key), slot_value(value));
        });
        const Hash256 storage_root = trie->root_hash();
        accounts_.put(keccak256(addr.view()), execution::encode_account(info, storage_root));
        if (!trie->empty())
            storage_[addr] = std::move(trie);
    });
    accounts_.root_hash();
}

HeadRoot::Staged HeadRoot::stage(const state::StateDiff& diff) const
{
    Staged s;
    s.accounts = accounts_;
    for (const auto& [addr, d] : diff.accounts)
    {
        const Hash256 key = keccak256(addr.view());
        if (d.deleted)
        {
            s.accounts.erase(key);
            s.deleted.push_back(addr);
            continue;
        }
        std::shared_ptr<const chain::PersistentTrie> base;
        if (!d.storage_cleared)
            if (const auto it = storage_.find(addr); it != storage_.end())
                base = it->second;
        Hash256 storage_root = base ? base->root_hash() : kEmptyTrieRoot;
        if (d.storage_cleared || !d.storage.empty())
        {
            auto trie = base ? std::make_shared<chain::PersistentTrie>(*base)
                             : std::make_shared<chain::PersistentTrie>();
            for (const auto& [k, v] : d.storage)
            {
                if (v)
                    trie->put(slot_key(k), slot_value(v));
                else
                    trie->erase(slot_key(k));
            }
            storage_root = trie->root_hash();
            s.storage[addr] = std::move(trie);
        }
        s.accounts.put(key, execution::encode_account(d.info, storage_root));
    }
    s.root = s.accounts.root_hash();
    return s;
}

void HeadRoot::adopt(Staged staged)
{
    accounts_ = std::move(staged.accounts);
    for (const auto& addr : staged.deleted)
        storage_.erase(addr);
    for (auto& [addr, trie] : staged.storage)
    {
        if (trie->empty())
            storage_.erase(addr);
        else
            storage_[addr] = std::move(trie);
    }
}

}  // namespace tern::node
