#include "api/handlers/proof_api.hpp"

#include "api/backend.hpp"
#include "api/json/encode.hpp"
#include "api/json/params.hpp"
#include "api/method_table.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"
#include "db/chain_db.hpp"
#include "rpc/dispatcher.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

namespace tern::api {

using nlohmann::json;
namespace enc = json_rpc;
using params::BlockId;

namespace {

/// A storage key as given: its value and how many bytes the input had (geth echoes 32-byte
/// keys as 32-byte hex and other lengths as a quantity).
struct StorageKey
{
    U256 slot;
    size_t input_bytes = 0;
};

/// geth's decodeHash: optional "0x", odd length padded, at most 32 bytes. Its errors are plain
/// errors (-32000), not "invalid argument" ones.
StorageKey decode_storage_key(const json& v)
{
    if (!v.is_string())
        params::unmarshal_error(1, v, "string");
    const auto b = from_hex(v.get_ref<const std::string&>());
    if (!b)
        throw rpc::Error::server("hex string invalid");
    if (b->size() > 32)
        throw rpc::Error::server("hex string too long, want at most 32 bytes");
    return StorageKey{U256::from_be(*b), b->size()};
}

std::vector<StorageKey> decode_storage_keys(const json& v)
{
    std::vector<StorageKey> keys;
    if (v.is_null())
        return keys;
    if (!v.is_array())
        params::unmarshal_error(1, v, "[]string");
    // Each key costs a proof of a few KiB in the response: bound what one request can build.
    if (v.size() > ProofService::kMaxStorageKeys)
        throw params::invalid(1, "too many storage keys: " + std::to_string(v.size()) +
                                     ", at most " + std::to_string(ProofService::kMaxStorageKeys));
    keys.reserve(v.size());
    for (const auto& k : v)
        keys.push_back(decode_storage_key(k));
    return keys;
}

std::string key_json(const StorageKey& k)
{
    return k.input_bytes == 32 ? enc::hash(k.slot.to_hash()) : enc::quantity(k.slot);
}

/// An account-trie leaf value [nonce, balance, storageRoot, codeHash].
struct AccountLeaf
{
    uint64_t nonce = 0;
    U256 balance;
    Hash256 storage_root;
    Hash256 code_hash;
};

std::optional<AccountLeaf> decode_account_leaf(const Bytes& rlp)
{
    BytesView in{rlp};
    auto list = rlp::decode_list(in);
    if (!list || !in.empty())
        return std::nullopt;
    BytesView p = *list;
    auto nonce = rlp::decode_u64(p);
    auto balance = rlp::decode_u256(p);
    auto root = rlp::decode_fixed<Hash256>(p);
    auto code = rlp::decode_fixed<Hash256>(p);
    if (!nonce || !balance || !root || !code || !p.empty())
        return std::nullopt;
    return AccountLeaf{*nonce, *balance, *root, *code};
}

/// The nodes of a proof as geth lists them: the root, then every node referenced by hash
/// (nodes shorter than 32 bytes are embedded in their parent and not listed).
json proof_json(const std::vector<Bytes>& nodes)
{
    json out = json::array();
    for (size_t i = 0; i < nodes.size(); ++i)
        if (i == 0 || nodes[i].size() >= 32)
            out.push_back(enc::hex_data(nodes[i]));
    return out;
}

Hash256 slot_trie_key(const U256& slot)
{
    const Hash256 s = slot.to_hash();
    return keccak256(s.view());
}

/// Resolves `id` against the database like ChainAccess::require_block (number, hash, header).
struct ResolvedBlock
{
    uint64_t number = 0;
    Hash256 hash;
    chain::BlockHeader header;
};

ResolvedBlock resolve_block(const db::ChainReader& db, const BlockId& id)
{
    std::optional<uint64_t> number;
    switch (id.kind)
    {
        case BlockId::Kind::Latest:
        case BlockId::Kind::Pending:
        case BlockId::Kind::Safe:
        case BlockId::Kind::Finalized:
            number = db.head_number();
            break;
        case BlockId::Kind::Earliest:
            number = 0;
            break;
        case BlockId::Kind::Number:
            number = id.number;
            break;
        case BlockId::Kind::Hash:
            number = db.block_number(id.hash);
            if (!number)
                throw rpc::Error::server("header for hash not found");
            break;
    }
    auto header = db.header(*number);
    if (!header)
        throw rpc::Error::server("header not found");
    ResolvedBlock out;
    out.number = *number;
    out.hash = header->hash();
    out.header = std::move(*header);
    return out;
}

}  // namespace

ProofService::ProofService(const db::ChainReader& db,
                           std::shared_mutex& chain_mutex,
                           const chain::StateRootTracker* head_tracker,
                           size_t max_snapshots)
    : db_(db),
      chain_mutex_(chain_mutex),
      head_tracker_(head_tracker),
      max_snapshots_(std::max<size_t>(max_snapshots, 1))
{}

void ProofService::insert_snapshot(uint64_t number, const Hash256& hash, chain::PersistentTrie trie)
{
    snapshots_[number] = Snapshot{hash, std::move(trie)};
    // Older than the state history: storage cannot be read there any more.
    const uint64_t oldest = db_.oldest_state_block();
    while (!snapshots_.empty() &&
           (snapshots_.size() > max_snapshots_ || snapshots_.begin()->first < oldest))
        snapshots_.erase(snapshots_.begin());
}

void ProofService::record_block(uint64_t number, const Hash256& hash, const Hash256& state_root)
{
    if (!head_tracker_)
        return;
    std::shared_lock chain_lock{chain_mutex_};
    // The tracker holds the head: only usable if the head is still this block.
    if (db_.head_number() != number || head_tracker_->root() != state_root)
        return;
    std::lock_guard lock{mutex_};
    insert_snapshot(number, hash, head_tracker_->account_trie());
}

std::vector<uint64_t> ProofService::snapshot_blocks() const
{
    std::lock_guard lock{mutex_};
    std::vector<uint64_t> out;
    out.reserve(snapshots_.size());
    for (const auto& [n, s] : snapshots_)
        out.push_back(n);
    return out;
}

chain::PersistentTrie ProofService::account_trie(uint64_t number,
                                                 const Hash256& hash,
                                                 const Hash256& root)
{
    std::lock_guard lock{mutex_};
    if (const auto it = snapshots_.find(number); it != snapshots_.end() && it->second.hash == hash)
        return it->second.accounts;
    if (number != db_.head_number())
    {
        std::string why;
        if (!head_tracker_)
            why =
                "only the latest block can be proven (and blocks proven while they were the "
                "latest)";
        else if (snapshots_.empty())
            why = "no earlier block was recorded since the node started";
        else
            why = "proofs are kept for the last " + std::to_string(max_snapshots_) +
                  " blocks since the node started (now blocks " +
                  std::to_string(snapshots_.begin()->first) + ".." +
                  std::to_string(snapshots_.rbegin()->first) + ")";
        throw rpc::Error::server("proof not available for block " + std::to_string(number) + ": " +
                                 why);
    }
    chain::PersistentTrie trie;
    if (head_tracker_)
        trie = head_tracker_->account_trie();
    else
    {
        own_.rebuild(db_);
        trie = own_.account_trie();
    }
    if (trie.root_hash() != root)
        throw rpc::Error::internal("state root mismatch at block " + std::to_string(number));
    insert_snapshot(number, hash, trie);
    return trie;
}

json ProofService::get_proof(const json& p)
{
    if (!p.is_null() && !p.is_array())
        throw rpc::Error::invalid_params("non-array args");
    params::expect_count(p, 1, 3);
    if (p.size() < 2)
        throw rpc::Error::invalid_params("missing value for required argument 1");
    const Address addr = params::address(params::at(p, 0), 0);
    const auto keys = decode_storage_keys(params::at(p, 1));
    const BlockId id = params::block_id(params::at(p, 2), 2, true);

    const Hash256 account_key = keccak256(addr.view());
    std::unique_ptr<db::StateView> view;
    std::optional<AccountLeaf> leaf;
    json account_proof;
    {
        // The head cannot move while the block is resolved and its trie read. The trie copy
        // shares nodes with the node's tracker, which updates nodes in place when it holds the
        // only reference (use_count 1): so the copy is also released under the lock, never
        // while the engine is staging a block.
        std::shared_lock chain_lock{chain_mutex_};
        const ResolvedBlock block = resolve_block(db_, id);
        auto state = db_.state_at(block.number);
        if (!state)
            throw rpc::Error::server(state.error().message);
        view = std::move(*state);
        const chain::PersistentTrie accounts =
            account_trie(block.number, block.hash, block.header.state_root);
        if (const Bytes* rlp = accounts.get(account_key))
        {
            leaf = decode_account_leaf(*rlp);
            if (!leaf)
                throw rpc::Error::internal("undecodable account leaf");
        }
        account_proof = proof_json(accounts.prove(account_key));
    }

    json storage = json::array();
    if (!keys.empty())
    {
        std::optional<chain::PersistentTrie> trie;
        if (leaf && leaf->storage_root != kEmptyTrieRoot)
            trie = storage_trie(addr, leaf->storage_root, *view);
        for (const auto& k : keys)
        {
            json entry;
            entry["key"] = key_json(k);
            if (!trie)
            {
                entry["value"] = "0x0";
                entry["proof"] = json::array();
            }
            else
            {
                entry["value"] = enc::quantity(view->read_storage(addr, k.slot));
                entry["proof"] = proof_json(trie->prove(slot_trie_key(k.slot)));
            }
            storage.push_back(std::move(entry));
        }
    }

    view->throw_if_faulted();
    json out;
    out["address"] = enc::address(addr);
    out["accountProof"] = std::move(account_proof);
    // geth: a missing account has zero nonce and balance, and zero code and storage hashes.
    out["balance"] = enc::quantity(leaf ? leaf->balance : U256{});
    out["codeHash"] = enc::hash(leaf ? leaf->code_hash : Hash256{});
    out["nonce"] = enc::quantity(leaf ? leaf->nonce : 0);
    out["storageHash"] = enc::hash(leaf ? leaf->storage_root : Hash256{});
    out["storageProof"] = std::move(storage);
    return out;
}

chain::PersistentTrie ProofService::storage_trie(const Address& addr,
                                                 const Hash256& storage_root,
                                                 const db::StateView& view)
{
    {
        std::lock_guard lock{mutex_};
        if (const auto it = storage_cache_.find(storage_root); it != storage_cache_.end())
            return it->second;
    }
    chain::PersistentTrie trie;
    view.for_each_storage(addr, [&](const U256& slot, const U256& value) {
        if (value == 0)
            return;
        const Hash256 v = value.to_hash();
        trie.put(slot_trie_key(slot), rlp::encode(rlp::trim_leading_zeros(v.view())));
    });
    view.throw_if_faulted();  // a storage scan that stopped at a failed read
    if (trie.root_hash() != storage_root)
        throw rpc::Error::internal("storage root mismatch for " + enc::address(addr));
    std::lock_guard lock{mutex_};
    if (storage_cache_.emplace(storage_root, trie).second)
    {
        storage_order_.push_back(storage_root);
        if (storage_order_.size() > kStorageCacheSize)
        {
            storage_cache_.erase(storage_order_.front());
            storage_order_.erase(storage_order_.begin());
        }
    }
    return trie;
}

void add_proof_methods(MethodTable& table, Backend& backend, const chain::StateRootTracker* tracker)
{
    const uint64_t history = backend.state_history();
    const size_t window = history == 0 ? ProofService::kDefaultSnapshots
                                       : static_cast<size_t>(std::max<uint64_t>(history, 1));
    auto service =
        std::make_shared<ProofService>(backend.chain(), backend.chain_mutex(), tracker,
                                       std::min<size_t>(window, ProofService::kDefaultSnapshots));
    table.retain(service);
    ProofService* svc = service.get();
    if (tracker)
    {
        // The head at start (the tracker was just built for it), then every committed block.
        const auto& db = backend.chain();
        if (const auto head = db.header(db.head_number()))
            svc->record_block(head->number, head->hash(), head->state_root);
        backend.on_block([svc](const producer::CommittedBlock& b) {
            svc->record_block(b.block.header.number, b.hash, b.block.header.state_root);
        });
    }
    // Builds proofs of every account of a block: heavy.
    table.add(
        "eth_getProof", [svc](const json& p, rpc::CallContext&) { return svc->get_proof(p); },
        rpc::Cost::Heavy);
}

}  // namespace tern::api
