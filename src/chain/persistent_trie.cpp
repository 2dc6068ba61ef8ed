#include "chain/persistent_trie.hpp"

#include "core/assert.hpp"
#include "core/keccak.hpp"
#include "core/rlp_encode.hpp"

#include <algorithm>
#include <cstring>

namespace tern::chain {
namespace detail {

/// Number of nibbles of a 32-byte key.
constexpr size_t kKeyNibbles = 64;

/// A nibble path of up to 64 nibbles stored inline (no allocation per node).
struct Path
{
    uint8_t len = 0;
    std::array<uint8_t, kKeyNibbles> n{};

    BytesView view() const noexcept { return {n.data(), len}; }
};

enum class Kind : uint8_t
{
    Leaf,
    Extension,
    Branch,
};

/// Base of the three node kinds. Immutable once shared, except the lazily computed reference.
struct TrieNode
{
    explicit TrieNode(Kind k) noexcept : kind(k) {}

    Kind kind;
    /// Length of `ref`: 0 = not yet computed; 32 = keccak of the RLP; < 32 = the RLP itself.
    mutable uint8_t ref_len = 0;
    mutable std::array<uint8_t, 32> ref{};
};

using NodePtr = std::shared_ptr<const TrieNode>;

struct LeafNode final : TrieNode
{
    LeafNode() noexcept : TrieNode(Kind::Leaf) {}
    Path path;
    Bytes value;
};

struct ExtensionNode final : TrieNode
{
    ExtensionNode() noexcept : TrieNode(Kind::Extension) {}
    Path path;      ///< at least one nibble
    NodePtr child;  ///< always a branch
};

struct BranchNode final : TrieNode
{
    BranchNode() noexcept : TrieNode(Kind::Branch) {}
    std::array<NodePtr, 16> children;  ///< at least two set (keys are fixed-length: no value)
};

}  // namespace detail

namespace {

using detail::BranchNode;
using detail::ExtensionNode;
using detail::Kind;
using detail::LeafNode;
using detail::NodePtr;
using detail::Path;
using detail::TrieNode;

/// The 64 nibbles of a key.
struct KeyNibbles
{
    std::array<uint8_t, detail::kKeyNibbles> n;

    explicit KeyNibbles(const Hash256& key) noexcept
    {
        for (size_t i = 0; i < 32; ++i)
        {
            n[2 * i] = key[i] >> 4;
            n[2 * i + 1] = key[i] & 0x0f;
        }
    }
};

const LeafNode& as_leaf(const TrieNode& n)
{
    return static_cast<const LeafNode&>(n);
}
const ExtensionNode& as_ext(const TrieNode& n)
{
    return static_cast<const ExtensionNode&>(n);
}
const BranchNode& as_branch(const TrieNode& n)
{
    return static_cast<const BranchNode&>(n);
}

Path make_path(const uint8_t* nibbles, size_t len) noexcept
{
    Path p;
    p.len = static_cast<uint8_t>(len);
    std::copy(nibbles, nibbles + len, p.n.begin());
    return p;
}

/// Concatenation of a prefix (nibbles) and a path.
Path concat(const uint8_t* prefix, size_t prefix_len, const Path& tail) noexcept
{
    Path p;
    p.len = static_cast<uint8_t>(prefix_len + tail.len);
    std::copy(prefix, prefix + prefix_len, p.n.begin());
    std::copy(tail.n.begin(), tail.n.begin() + tail.len, p.n.begin() + prefix_len);
    return p;
}

NodePtr make_leaf(const Path& path, BytesView value)
{
    auto leaf = std::make_shared<LeafNode>();
    leaf->path = path;
    leaf->value.assign(value.begin(), value.end());
    return leaf;
}

NodePtr make_leaf(const Path& path, const Bytes& value)
{
    return make_leaf(path, BytesView{value});
}

NodePtr make_ext(const Path& path, NodePtr child)
{
    if (path.len == 0)
        return child;
    auto ext = std::make_shared<ExtensionNode>();
    ext->path = path;
    ext->child = std::move(child);
    return ext;
}

size_t common_prefix(const uint8_t* a, size_t alen, const uint8_t* b, size_t blen) noexcept
{
    size_t i = 0;
    const size_t m = std::min(alen, blen);
    while (i < m && a[i] == b[i])
        ++i;
    return i;
}

/// Inserts key (nibbles from `pos`) with `value` under `node`; returns the new node and sets
/// `changed` if anything changed, `added` when the key was not present before.
///
/// `unique` says whether every ancestor is referenced only by this trie; a node that is unique
/// too (use_count 1) is then reachable from no snapshot and is updated in place (its cached
/// reference reset) instead of copied, so repeated updates within one block allocate only once
/// per node.
NodePtr insert(const NodePtr& node,
               const uint8_t* key,
               size_t pos,
               BytesView value,
               bool& added,
               bool& changed,
               bool unique)
{
    const size_t rest = detail::kKeyNibbles - pos;
    if (!node)
    {
        added = true;
        changed = true;
        return make_leaf(make_path(key + pos, rest), value);
    }
    const bool in_place = unique && node.use_count() == 1;
    switch (node->kind)
    {
        case Kind::Leaf:
        {
            const auto& leaf = as_leaf(*node);
            const size_t cp = common_prefix(leaf.path.n.data(), leaf.path.len, key + pos, rest);
            if (cp == leaf.path.len)  // same key (fixed-length keys)
            {
                if (std::equal(leaf.value.begin(), leaf.value.end(), value.begin(), value.end()))
                    return node;
                changed = true;
                if (in_place)
                {
                    auto& m = const_cast<LeafNode&>(leaf);
                    m.value.assign(value.begin(), value.end());
                    m.ref_len = 0;
                    return node;
                }
                return make_leaf(leaf.path, value);
            }
            added = true;
            changed = true;
            auto branch = std::make_shared<BranchNode>();
            branch->children[leaf.path.n[cp]] = make_leaf(
                make_path(leaf.path.n.data() + cp + 1, leaf.path.len - cp - 1), leaf.value);
            branch->children[key[pos + cp]] =
                make_leaf(make_path(key + pos + cp + 1, rest - cp - 1), value);
            return make_ext(make_path(key + pos, cp), std::move(branch));
        }
        case Kind::Extension:
        {
            const auto& ext = as_ext(*node);
            const size_t cp = common_prefix(ext.path.n.data(), ext.path.len, key + pos, rest);
            if (cp == ext.path.len)
            {
                NodePtr child = insert(ext.child, key, pos + cp, value, added, changed, in_place);
                if (!changed)
                    return node;
                if (in_place)
                {
                    auto& m = const_cast<ExtensionNode&>(ext);
                    m.child = std::move(child);
                    m.ref_len = 0;
                    return node;
                }
                return make_ext(ext.path, std::move(child));
            }
            added = true;
            changed = true;
            auto branch = std::make_shared<BranchNode>();
            branch->children[ext.path.n[cp]] =
                make_ext(make_path(ext.path.n.data() + cp + 1, ext.path.len - cp - 1), ext.child);
            branch->children[key[pos + cp]] =
                make_leaf(make_path(key + pos + cp + 1, rest - cp - 1), value);
            return make_ext(make_path(key + pos, cp), std::move(branch));
        }
        case Kind::Branch:
        {
            const auto& br = as_branch(*node);
            const uint8_t idx = key[pos];
            NodePtr child = insert(br.children[idx], key, pos + 1, value, added, changed, in_place);
            if (!changed)
                return node;
            if (in_place)
            {
                auto& m = const_cast<BranchNode&>(br);
                m.children[idx] = std::move(child);
                m.ref_len = 0;
                return node;
            }
            auto copy = std::make_shared<BranchNode>();
            copy->children = br.children;
            copy->children[idx] = std::move(child);
            return copy;
        }
    }
    return node;
}

/// Re-roots `child` under a path prefix: merges with a leaf's or extension's path, or wraps a
/// branch in an extension.
NodePtr prepend(const uint8_t* prefix, size_t prefix_len, const NodePtr& child)
{
    switch (child->kind)
    {
        case Kind::Leaf:
        {
            const auto& leaf = as_leaf(*child);
            return make_leaf(concat(prefix, prefix_len, leaf.path), leaf.value);
        }
        case Kind::Extension:
        {
            const auto& ext = as_ext(*child);
            return make_ext(concat(prefix, prefix_len, ext.path), ext.child);
        }
        case Kind::Branch:
            return make_ext(make_path(prefix, prefix_len), child);
    }
    return child;
}

/// Removes the key under `node`; returns the new node (null if nothing is left). Sets
/// `removed` when the key was present.
NodePtr remove(const NodePtr& node, const uint8_t* key, size_t pos, bool& removed)
{
    if (!node)
        return node;
    const size_t rest = detail::kKeyNibbles - pos;
    switch (node->kind)
    {
        case Kind::Leaf:
        {
            const auto& leaf = as_leaf(*node);
            if (leaf.path.len != rest ||
                !std::equal(leaf.path.n.begin(), leaf.path.n.begin() + leaf.path.len, key + pos))
                return node;
            removed = true;
            return nullptr;
        }
        case Kind::Extension:
        {
            const auto& ext = as_ext(*node);
            if (ext.path.len > rest ||
                !std::equal(ext.path.n.begin(), ext.path.n.begin() + ext.path.len, key + pos))
                return node;
            NodePtr child = remove(ext.child, key, pos + ext.path.len, removed);
            if (child == ext.child)
                return node;
            TERN_ASSERT(child != nullptr);  // a branch never loses all children at once
            return prepend(ext.path.n.data(), ext.path.len, child);
        }
        case Kind::Branch:
        {
            const auto& br = as_branch(*node);
            const uint8_t idx = key[pos];
            NodePtr child = remove(br.children[idx], key, pos + 1, removed);
            if (child == br.children[idx])
                return node;
            std::array<NodePtr, 16> children = br.children;
            children[idx] = std::move(child);
            int count = 0;
            int last = -1;
            for (int i = 0; i < 16; ++i)
                if (children[static_cast<size_t>(i)])
                {
                    ++count;
                    last = i;
                }
            if (count >= 2)
            {
                auto copy = std::make_shared<BranchNode>();
                copy->children = std::move(children);
                return copy;
            }
            TERN_ASSERT(count == 1);
            const uint8_t nib = static_cast<uint8_t>(last);
            return prepend(&nib, 1, children[static_cast<size_t>(last)]);
        }
    }
    return node;
}

void append_hex_prefix(Bytes& out, const Path& p, bool leaf)
{
    uint8_t buf[33];
    size_t n = 0;
    const bool odd = (p.len % 2) == 1;
    const uint8_t flag = static_cast<uint8_t>((leaf ? 2 : 0) + (odd ? 1 : 0));
    size_t i = 0;
    if (odd)
    {
        buf[n++] = static_cast<uint8_t>((flag << 4) | p.n[0]);
        i = 1;
    }
    else
        buf[n++] = static_cast<uint8_t>(flag << 4);
    for (; i < p.len; i += 2)
        buf[n++] = static_cast<uint8_t>((p.n[i] << 4) | p.n[i + 1]);
    rlp::encode_bytes(out, BytesView{buf, n});
}

void compute_ref(const TrieNode& node);

/// Appends a child reference as an item of its parent's list.
void append_ref(Bytes& out, const TrieNode& child)
{
    compute_ref(child);
    if (child.ref_len == 32)
        rlp::encode_bytes(out, BytesView{child.ref.data(), 32});
    else
        out.insert(out.end(), child.ref.begin(), child.ref.begin() + child.ref_len);
}

/// The node's RLP (children references computed as needed).
Bytes encode_node(const TrieNode& node)
{
    Bytes payload;
    switch (node.kind)
    {
        case Kind::Leaf:
        {
            const auto& leaf = as_leaf(node);
            payload.reserve(leaf.path.len / 2 + leaf.value.size() + 8);
            append_hex_prefix(payload, leaf.path, true);
            rlp::encode_bytes(payload, leaf.value);
            break;
        }
        case Kind::Extension:
        {
            const auto& ext = as_ext(node);
            append_hex_prefix(payload, ext.path, false);
            append_ref(payload, *ext.child);
            break;
        }
        case Kind::Branch:
        {
            const auto& br = as_branch(node);
            payload.reserve(16 * 33 + 1);
            for (const auto& c : br.children)
            {
                if (c)
                    append_ref(payload, *c);
                else
                    payload.push_back(0x80);
            }
            payload.push_back(0x80);  // no value in branches: keys are fixed-length
            break;
        }
    }
    return rlp::wrap_list(payload);
}

void compute_ref(const TrieNode& node)
{
    if (node.ref_len != 0)
        return;
    const Bytes rlp = encode_node(node);
    if (rlp.size() < 32)
    {
        std::copy(rlp.begin(), rlp.end(), node.ref.begin());
        node.ref_len = static_cast<uint8_t>(rlp.size());
    }
    else
    {
        const Hash256 h = keccak256(rlp);
        node.ref = h.bytes;
        node.ref_len = 32;
    }
}

}  // namespace

const Bytes* PersistentTrie::get(const Hash256& key) const
{
    const KeyNibbles k(key);
    size_t pos = 0;
    const TrieNode* node = root_.get();
    while (node)
    {
        switch (node->kind)
        {
            case Kind::Leaf:
            {
                const auto& leaf = as_leaf(*node);
                if (leaf.path.len == detail::kKeyNibbles - pos &&
                    std::equal(leaf.path.n.begin(), leaf.path.n.begin() + leaf.path.len,
                               k.n.begin() + static_cast<std::ptrdiff_t>(pos)))
                    return &leaf.value;
                return nullptr;
            }
            case Kind::Extension:
            {
                const auto& ext = as_ext(*node);
                if (ext.path.len > detail::kKeyNibbles - pos ||
                    !std::equal(ext.path.n.begin(), ext.path.n.begin() + ext.path.len,
                                k.n.begin() + static_cast<std::ptrdiff_t>(pos)))
                    return nullptr;
                pos += ext.path.len;
                node = ext.child.get();
                break;
            }
            case Kind::Branch:
                node = as_branch(*node).children[k.n[pos]].get();
                ++pos;
                break;
        }
    }
    return nullptr;
}

void PersistentTrie::put(const Hash256& key, BytesView value)
{
    if (value.empty())
    {
        erase(key);
        return;
    }
    const KeyNibbles k(key);
    bool added = false;
    bool changed = false;
    root_ = insert(root_, k.n.data(), 0, value, added, changed, true);
    if (added)
        ++size_;
}

void PersistentTrie::erase(const Hash256& key)
{
    const KeyNibbles k(key);
    bool removed = false;
    root_ = remove(root_, k.n.data(), 0, removed);
    if (removed)
        --size_;
}

Hash256 PersistentTrie::root_hash() const
{
    if (!root_)
        return kEmptyTrieRoot;
    compute_ref(*root_);
    if (root_->ref_len == 32)
    {
        Hash256 h;
        h.bytes = root_->ref;
        return h;
    }
    return keccak256(BytesView{root_->ref.data(), root_->ref_len});
}

std::vector<Bytes> PersistentTrie::prove(const Hash256& key) const
{
    std::vector<Bytes> proof;
    const KeyNibbles k(key);
    size_t pos = 0;
    const TrieNode* node = root_.get();
    while (node)
    {
        proof.push_back(encode_node(*node));
        switch (node->kind)
        {
            case Kind::Leaf:
                return proof;
            case Kind::Extension:
            {
                const auto& ext = as_ext(*node);
                if (ext.path.len > detail::kKeyNibbles - pos ||
                    !std::equal(ext.path.n.begin(), ext.path.n.begin() + ext.path.len,
                                k.n.begin() + static_cast<std::ptrdiff_t>(pos)))
                    return proof;
                pos += ext.path.len;
                node = ext.child.get();
                break;
            }
            case Kind::Branch:
                node = as_branch(*node).children[k.n[pos]].get();
                ++pos;
                break;
        }
    }
    return proof;
}

}  // namespace tern::chain
