#include "trie/trie_builder.hpp"

#include "core/assert.hpp"
#include "core/keccak.hpp"
#include "core/rlp_encode.hpp"
#include "trie/nibbles.hpp"

#include <algorithm>
#include <cstring>

namespace tern::trie {
namespace {

/// Bytewise three-way comparison, a proper prefix ordering first.
int compare_keys(BytesView a, BytesView b) noexcept
{
    const size_t n = std::min(a.size(), b.size());
    if (n != 0)
    {
        const int c = std::memcmp(a.data(), b.data(), n);
        if (c != 0)
            return c;
    }
    if (a.size() == b.size())
        return 0;
    return a.size() < b.size() ? -1 : 1;
}

/// Number of equal nibbles of `a` and `b` starting at nibble `depth`.
size_t common_prefix(BytesView a, BytesView b, size_t depth) noexcept
{
    const size_t limit = std::min(a.size(), b.size()) * 2;
    size_t i = depth;
    if (i % 2 == 1 && i < limit)
    {
        if (nibble_at(a, i) != nibble_at(b, i))
            return 0;
        ++i;
    }
    // Whole bytes while equal, then at most one more equal nibble.
    while (i < limit && a[i / 2] == b[i / 2])
        i += 2;
    if (i < limit && nibble_at(a, i) == nibble_at(b, i))
        ++i;
    return std::min(i, limit) - depth;
}

/// Recursive node encoder over a sorted unique entry list. Each recursion level owns a payload
/// and a node buffer; they are sized once per root computation and reused by every node at that
/// level, so the build does not allocate per node.
class Encoder
{
public:
    explicit Encoder(std::span<const EntryView> entries) : e_(entries)
    {
        size_t max_nibbles = 0;
        for (const auto& x : entries)
            max_nibbles = std::max(max_nibbles, x.key.size() * 2);
        // Every level consumes at least one nibble, except an extension which is followed by a
        // branch that consumes one: at most 2 levels per nibble, plus the final leaf.
        const size_t levels = 2 * max_nibbles + 2;
        payload_.resize(levels);
        node_.resize(levels);
    }

    /// The RLP of the root node.
    const Bytes& encode_root()
    {
        encode(0, e_.size(), 0, 0);
        return node_[0];
    }

private:
    /// Appends the reference to the node over [lo, hi) to `out`: the node's RLP itself when
    /// shorter than 32 bytes, else the RLP string of its keccak256.
    void append_ref(size_t lo, size_t hi, size_t depth, size_t level, Bytes& out)
    {
        encode(lo, hi, depth, level);
        const Bytes& node = node_[level];
        if (node.size() < 32)
        {
            out.insert(out.end(), node.begin(), node.end());
            return;
        }
        const Hash256 h = keccak256(node);
        out.push_back(0x80 + 32);
        out.insert(out.end(), h.bytes.begin(), h.bytes.end());
    }

    /// Appends the RLP string of the hex-prefix encoding of key nibbles [begin, end).
    void append_path(Bytes& out, BytesView key, size_t begin, size_t end, bool leaf)
    {
        hp_.clear();
        append_hex_prefix(hp_, key, begin, end, leaf);
        rlp::encode_bytes(out, hp_);
    }

    /// Writes the RLP of the node over entries [lo, hi) (all sharing their first `depth`
    /// nibbles) into node_[level].
    void encode(size_t lo, size_t hi, size_t depth, size_t level)
    {
        TERN_ASSERT(level < node_.size());
        Bytes& p = payload_[level];
        p.clear();
        const BytesView first = e_[lo].key;
        if (hi - lo == 1)
        {
            // Leaf: the rest of the key and the value.
            append_path(p, first, depth, first.size() * 2, true);
            rlp::encode_bytes(p, e_[lo].value);
        }
        else if (const size_t cp = common_prefix(first, e_[hi - 1].key, depth); cp > 0)
        {
            // Extension: the shared nibbles, then the branch below them.
            append_path(p, first, depth, depth + cp, false);
            append_ref(lo, hi, depth + cp, level + 1, p);
        }
        else
        {
            // Branch: 16 children by the nibble at `depth`, then the value of the key that
            // ends here (sorted first, since it is a prefix of all others in the range).
            size_t i = lo;
            BytesView value;
            bool has_value = false;
            if (first.size() * 2 == depth)
            {
                value = e_[lo].value;
                has_value = true;
                ++i;
            }
            for (uint8_t nib = 0; nib < 16; ++nib)
            {
                size_t j = i;
                while (j < hi && nibble_at(e_[j].key, depth) == nib)
                    ++j;
                if (j > i)
                    append_ref(i, j, depth + 1, level + 1, p);
                else
                    p.push_back(0x80);
                i = j;
            }
            TERN_ASSERT(i == hi);
            if (has_value)
                rlp::encode_bytes(p, value);
            else
                p.push_back(0x80);
        }
        Bytes& node = node_[level];
        node.clear();
        rlp::encode_list_header(node, p.size());
        node.insert(node.end(), p.begin(), p.end());
    }

    std::span<const EntryView> e_;
    std::vector<Bytes> payload_;
    std::vector<Bytes> node_;
    Bytes hp_;
};

}  // namespace

Hash256 root_of_sorted(std::span<const EntryView> entries)
{
    if (entries.empty())
        return kEmptyTrieRoot;
    for (size_t i = 0; i < entries.size(); ++i)
    {
        TERN_ASSERT(!entries[i].value.empty());
        if (i > 0)
            TERN_ASSERT(compare_keys(entries[i - 1].key, entries[i].key) < 0);
    }
    Encoder enc(entries);
    return keccak256(enc.encode_root());
}

void TrieBuilder::reserve(size_t entries, size_t bytes)
{
    items_.reserve(entries);
    arena_.reserve(bytes + (mode_ == KeyMode::kSecure ? entries * 32 : 0));
}

void TrieBuilder::put(BytesView key, BytesView value)
{
    Item it{};
    it.key_off = arena_.size();
    if (mode_ == KeyMode::kSecure)
    {
        const Hash256 h = keccak256(key);
        arena_.insert(arena_.end(), h.bytes.begin(), h.bytes.end());
        it.key_len = h.size();
    }
    else
    {
        arena_.insert(arena_.end(), key.begin(), key.end());
        it.key_len = key.size();
    }
    it.value_off = arena_.size();
    it.value_len = value.size();
    arena_.insert(arena_.end(), value.begin(), value.end());
    items_.push_back(it);
    normalized_ = false;
}

void TrieBuilder::clear() noexcept
{
    arena_.clear();
    items_.clear();
    normalized_ = true;
}

BytesView TrieBuilder::key_of(const Item& it) const noexcept
{
    return {arena_.data() + it.key_off, it.key_len};
}

BytesView TrieBuilder::value_of(const Item& it) const noexcept
{
    return {arena_.data() + it.value_off, it.value_len};
}

void TrieBuilder::normalize()
{
    if (normalized_)
        return;
    std::stable_sort(items_.begin(), items_.end(), [this](const Item& a, const Item& b) {
        return compare_keys(key_of(a), key_of(b)) < 0;
    });
    size_t out = 0;
    for (size_t i = 0; i < items_.size();)
    {
        size_t j = i + 1;
        while (j < items_.size() && compare_keys(key_of(items_[i]), key_of(items_[j])) == 0)
            ++j;
        const Item& last = items_[j - 1];
        if (last.value_len != 0)
            items_[out++] = last;
        i = j;
    }
    items_.resize(out);
    normalized_ = true;
}

size_t TrieBuilder::size()
{
    normalize();
    return items_.size();
}

Hash256 TrieBuilder::root()
{
    normalize();
    std::vector<EntryView> views;
    views.reserve(items_.size());
    for (const auto& it : items_)
        views.push_back({key_of(it), value_of(it)});
    return root_of_sorted(views);
}

std::optional<Bytes> TrieBuilder::next_key(BytesView key)
{
    normalize();
    const auto pos = std::upper_bound(
        items_.begin(), items_.end(), key,
        [this](BytesView k, const Item& it) { return compare_keys(k, key_of(it)) < 0; });
    if (pos == items_.end())
        return std::nullopt;
    return to_bytes(key_of(*pos));
}

std::optional<Bytes> TrieBuilder::prev_key(BytesView key)
{
    normalize();
    const auto pos = std::lower_bound(
        items_.begin(), items_.end(), key,
        [this](const Item& it, BytesView k) { return compare_keys(key_of(it), k) < 0; });
    if (pos == items_.begin())
        return std::nullopt;
    return to_bytes(key_of(*std::prev(pos)));
}

namespace {
Hash256 root_of_pairs(std::span<const std::pair<Bytes, Bytes>> pairs, KeyMode mode)
{
    TrieBuilder b(mode);
    size_t bytes = 0;
    for (const auto& [k, v] : pairs)
        bytes += k.size() + v.size();
    b.reserve(pairs.size(), bytes);
    for (const auto& [k, v] : pairs)
        b.put(k, v);
    return b.root();
}
}  // namespace

Hash256 compute_root(std::span<const std::pair<Bytes, Bytes>> pairs)
{
    return root_of_pairs(pairs, KeyMode::kPlain);
}

Hash256 compute_secure_root(std::span<const std::pair<Bytes, Bytes>> pairs)
{
    return root_of_pairs(pairs, KeyMode::kSecure);
}

Hash256 ordered_trie_root(std::span<const Bytes> items)
{
    TrieBuilder b;
    size_t bytes = 0;
    for (const auto& it : items)
        bytes += it.size() + 9;
    b.reserve(items.size(), bytes);
    Bytes key;
    for (size_t i = 0; i < items.size(); ++i)
    {
        key.clear();
        rlp::encode_uint(key, i);
        b.put(key, items[i]);
    }
    return b.root();
}

}  // namespace tern::trie
