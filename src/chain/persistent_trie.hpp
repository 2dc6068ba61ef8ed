#pragma once

#include "core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace tern::chain {

namespace detail {
struct TrieNode;
}  // namespace detail

/// An in-memory Merkle Patricia Trie over 32-byte keys (the already-hashed keys of the secure
/// state and storage tries) that keeps every node and caches each node's reference (inline RLP
/// or keccak), so after a change only the nodes on the changed paths are re-hashed.
///
/// Persistent (path copying): nodes are shared between copies, an update copies the nodes on
/// its path that another copy can reach (nodes only this trie reaches are updated in place),
/// and copying a trie is O(1). A copy is a snapshot that later updates of the original do not
/// affect, which is how a block's changes are staged and thrown away.
///
/// Like any object, one trie must not be used from two threads while one of them changes it.
/// Snapshots can be read from other threads while the original changes, once root_hash() has
/// been called on the snapshot (hashes are computed lazily and cached in the nodes).
class PersistentTrie
{
public:
    /// An empty trie.
    PersistentTrie() = default;

    /// The value stored at `key`, or null if absent. Valid until the trie is changed.
    const Bytes* get(const Hash256& key) const;

    /// Sets `key` to `value`; an empty value erases the key.
    void put(const Hash256& key, BytesView value);

    /// Removes `key` if present.
    void erase(const Hash256& key);

    /// True if the trie holds no keys.
    bool empty() const noexcept { return root_ == nullptr; }

    /// Number of keys.
    size_t size() const noexcept { return size_; }

    /// Root hash (kEmptyTrieRoot when empty); hashes only nodes changed since the last call.
    Hash256 root_hash() const;

    /// The RLP of every node on the path to `key`, root first (an EIP-1186 / eth_getProof
    /// proof); proves absence when the key is not present.
    std::vector<Bytes> prove(const Hash256& key) const;

private:
    std::shared_ptr<const detail::TrieNode> root_;
    size_t size_ = 0;
};

}  // namespace tern::chain
