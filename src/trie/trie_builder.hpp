#pragma once

#include "core/bytes.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

/// Merkle Patricia Trie root computation (Yellow Paper appendix D), independent of storage.
///
/// The trie is never materialised: `root_of_sorted` walks the sorted key list once, recursively
/// splitting it at the first nibble where keys differ (branch), or at their common prefix
/// (extension), and emits each node's RLP into per-depth scratch buffers that are reused for the
/// whole computation. Only the node references (inline RLP < 32 bytes, else keccak) travel up.
///
/// Incremental tries later: a persistent node store (hash -> node RLP) plus a "dirty path" update
/// can reuse this file's node encoding unchanged. The planned approach is to keep the previous
/// block's root node hashes in the store, collect the block's changed keys sorted, and re-run this
/// same recursive build only over subtrees that contain a changed key, loading the references of
/// untouched sibling subtrees from the store instead of recomputing them (each branch child slot
/// either recursed into or copied). That keeps the build order and the encoder identical, so roots
/// from the full and incremental paths are comparable in tests.
namespace tern::trie {

/// One key/value pair by view, for callers that own the bytes (no copying).
struct EntryView
{
    BytesView key;
    BytesView value;
};

/// Root of the trie holding exactly `entries`, which must be sorted strictly ascending by key
/// (bytewise, a shorter prefix first) with non-empty values; this is asserted. The fast path for
/// callers that already hold sorted unique data (e.g. a state map ordered by hashed address).
Hash256 root_of_sorted(std::span<const EntryView> entries);

/// How TrieBuilder treats keys: as given, or hashed with keccak256 first ("secure trie", used for
/// the state and storage tries so that paths are evenly spread and of fixed length).
enum class KeyMode
{
    kPlain,
    kSecure,
};

/// Collects key/value pairs in any order and computes the trie root.
/// Semantics: the last value put for a key wins; an empty value deletes the key. The result does
/// not depend on insertion order. Keys and values are copied into one internal arena, so the
/// builder allocates a few growing buffers rather than one per entry.
class TrieBuilder
{
public:
    /// A builder for plain or secure (keccak-hashed) keys.
    explicit TrieBuilder(KeyMode mode = KeyMode::kPlain) noexcept : mode_(mode) {}

    /// Pre-allocates room for `entries` pairs with `bytes` of keys and values in total.
    void reserve(size_t entries, size_t bytes);

    /// Sets `key` to `value`; an empty `value` deletes `key`. Later puts override earlier ones.
    void put(BytesView key, BytesView value);

    /// Deletes `key` (same as putting an empty value).
    void erase(BytesView key) { put(key, {}); }

    /// Removes everything, keeping the allocated capacity.
    void clear() noexcept;

    /// Number of live keys (after applying overrides and deletions).
    size_t size();

    /// The trie root over the live keys; kEmptyTrieRoot when there are none.
    Hash256 root();

    /// Smallest live key (as stored: hashed in secure mode) strictly greater than `key`.
    std::optional<Bytes> next_key(BytesView key);

    /// Largest live key (as stored: hashed in secure mode) strictly less than `key`.
    std::optional<Bytes> prev_key(BytesView key);

private:
    struct Item
    {
        size_t key_off;
        size_t key_len;
        size_t value_off;
        size_t value_len;
    };

    /// Sorts by key (stable, so the latest put of a key is last), keeps the last put of each key
    /// and drops deleted ones. Idempotent; runs only when puts happened since the last call.
    void normalize();
    BytesView key_of(const Item& it) const noexcept;
    BytesView value_of(const Item& it) const noexcept;

    KeyMode mode_;
    Bytes arena_;
    std::vector<Item> items_;
    bool normalized_ = true;
};

/// Root over plain keys; pairs in any order, last duplicate wins, empty value deletes.
Hash256 compute_root(std::span<const std::pair<Bytes, Bytes>> pairs);

/// Root over keccak256-hashed keys (secure trie); otherwise as compute_root.
Hash256 compute_secure_root(std::span<const std::pair<Bytes, Bytes>> pairs);

/// Root of the trie mapping rlp(i) -> items[i]: transactions, receipts and withdrawals roots.
/// Items are expected non-empty (they are RLP encodings); an empty item would be a deletion.
Hash256 ordered_trie_root(std::span<const Bytes> items);

}  // namespace tern::trie
