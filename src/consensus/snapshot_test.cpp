// State sync: snapshots built by a chain's CometApp, restored into a fresh node through the
// ABCI calls in the order CometBFT makes them (ListSnapshots → OfferSnapshot →
// LoadSnapshotChunk / ApplySnapshotChunk per chunk → Info).
#include "consensus/snapshot.hpp"

#include "chain/state_root_tracker.hpp"
#include "consensus/test_util.hpp"
#include "core/keccak.hpp"
#include "db/chain_db.hpp"
#include "execution/host.hpp"
#include "filestorage/constants.hpp"
#include "filestorage/file_system.hpp"
#include "filestorage/http_route.hpp"
#include "filestorage/test_calls.hpp"
#include "predeployed/store.hpp"
#include "txpool/txpool.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>

using namespace tern;
using namespace tern::consensus;
using namespace tern::consensus::test;
using nlohmann::json;

namespace {

constexpr int64_t kTime = 1'700'000'000;
constexpr uint64_t kSnapshotHeight = 6;

/// Runtime code: SSTORE(0x100, BLOCKHASH(calldataload(0))); STOP.
const Bytes kRuntime{0x60, 0x00, 0x35, 0x40, 0x61, 0x01, 0x00, 0x55, 0x00};

/// Creation code storing slots 1..`slots` (value: slot + 1000) and returning kRuntime.
Bytes init_code(uint16_t slots)
{
    Bytes code;
    for (uint16_t k = 1; k <= slots; ++k)
    {
        const uint16_t v = k + 1000;
        code.insert(code.end(), {0x61, static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v), 0x61,
                                 static_cast<uint8_t>(k >> 8), static_cast<uint8_t>(k), 0x55});
    }
    const auto off = static_cast<uint8_t>(code.size() + 12);
    TERN_ASSERT(code.size() + 12 < 256);
    code.insert(code.end(),
                {0x60, 0x09, 0x60, off, 0x60, 0x00, 0x39, 0x60, 0x09, 0x60, 0x00, 0xf3});
    code.insert(code.end(), kRuntime.begin(), kRuntime.end());
    return code;
}

Bytes word(uint64_t v)
{
    const Hash256 h = U256{v}.to_hash();
    return Bytes(h.bytes.begin(), h.bytes.end());
}

Address dev(size_t i)
{
    return chain::default_dev_accounts()[i].address;
}

/// The two contracts chain_a deploys (dev 1's nonce 0, dev 2's nonce 0).
Address contract(size_t deployer)
{
    return execution::create_address(dev(deployer), 0);
}

/// Heights 1..`height` of the test chain: transfers, two contracts with storage (same code),
/// a BLOCKHASH call.
std::vector<std::string> txs_of(int64_t height)
{
    switch (height)
    {
        case 1:
            return {signed_raw(0, 0, dev(9), {}, 21000, 5),
                    signed_raw(1, 0, std::nullopt, init_code(30), 2'000'000)};
        case 2:
            return {signed_raw(2, 0, std::nullopt, init_code(20), 2'000'000),
                    signed_raw(0, 1, dev(8), {}, 21000, 7)};
        case 3:
            return {signed_raw(3, 0, contract(1), word(1), 100'000)};
        default:
            return {signed_raw(0, height - 2, dev(static_cast<size_t>(4 + height % 5)), {}, 21000,
                               static_cast<uint64_t>(height))};
    }
}

/// Builds heights 1..`height` on `n`.
void build_chain(CometNode& n, int64_t height)
{
    for (int64_t h = 1; h <= height; ++h)
    {
        const auto res = finalize_and_commit(n.app(), h, txs_of(h), kTime + h);
        for (const auto& r : res.tx_results())
            ASSERT_EQ(r.code(), 0u) << "height " << h << ": " << r.log();
    }
}

CometAppConfig snapshotting(size_t chunk_bytes = 256)
{
    CometAppConfig c;
    c.snapshot_interval = 3;
    c.snapshot_keep_recent = 2;
    c.snapshot_chunk_bytes = chunk_bytes;
    return c;
}

std::string str(BytesView b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

BytesView bytes_of(const std::string& s)
{
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

pb::ResponseOfferSnapshot::Result offer(CometApp& app,
                                        const pb::Snapshot& s,
                                        const Hash256& app_hash)
{
    pb::RequestOfferSnapshot req;
    *req.mutable_snapshot() = s;
    req.set_app_hash(str(app_hash.view()));
    return app.offer_snapshot(req).result();
}

std::string load(CometApp& app, const pb::Snapshot& s, uint32_t index)
{
    pb::RequestLoadSnapshotChunk req;
    req.set_height(s.height());
    req.set_format(s.format());
    req.set_chunk(index);
    return app.load_snapshot_chunk(req).chunk();
}

pb::ResponseApplySnapshotChunk apply(CometApp& app,
                                     uint32_t index,
                                     const std::string& chunk,
                                     const std::string& sender = "peer-a")
{
    pb::RequestApplySnapshotChunk req;
    req.set_index(index);
    req.set_chunk(chunk);
    req.set_sender(sender);
    return app.apply_snapshot_chunk(req);
}

/// The snapshot of `app` at `height` from ListSnapshots.
std::optional<pb::Snapshot> listed(CometApp& app, uint64_t height)
{
    const auto list = app.list_snapshots({});
    for (const auto& s : list.snapshots())
        if (s.height() == height)
            return s;
    return std::nullopt;
}

/// Offers `s` with `app_hash` and applies `chunks` in order; the first answer that is not
/// ACCEPT (or ACCEPT after the last chunk).
pb::ResponseApplySnapshotChunk::Result restore(CometApp& app,
                                               const pb::Snapshot& s,
                                               const std::vector<std::string>& chunks,
                                               const Hash256& app_hash)
{
    if (offer(app, s, app_hash) != pb::ResponseOfferSnapshot::ACCEPT)
        return pb::ResponseApplySnapshotChunk::UNKNOWN;
    for (uint32_t i = 0; i < chunks.size(); ++i)
        if (const auto r = apply(app, i, chunks[i]).result();
            r != pb::ResponseApplySnapshotChunk::ACCEPT)
            return r;
    return pb::ResponseApplySnapshotChunk::ACCEPT;
}

/// A snapshot and its chunks.
struct Forged
{
    pb::Snapshot snapshot;
    std::vector<std::string> chunks;
};

/// The snapshot `s` of `app` with every record passed through `edit` and re-encoded; the
/// metadata and hash are recomputed, so only the content checks can catch the change.
Forged forge(CometApp& app, const pb::Snapshot& s, const std::function<void(SnapshotRecord&)>& edit)
{
    Forged f;
    std::vector<Hash256> hashes;
    for (uint32_t i = 0; i < s.chunks(); ++i)
    {
        auto records = decode_chunk(bytes_of(load(app, s, i)));
        EXPECT_TRUE(records) << records.error();
        Bytes out;
        for (auto& rec : *records)
        {
            edit(rec);
            encode_record(out, rec);
        }
        hashes.push_back(keccak256(out));
        f.chunks.push_back(str(out));
    }
    const auto info = make_snapshot_info(s.height(), hashes);
    f.snapshot = s;
    f.snapshot.set_hash(str(info.hash.view()));
    f.snapshot.set_metadata(str(info.metadata));
    return f;
}

/// forge() editing only the head record.
Forged forge_head(CometApp& app,
                  const pb::Snapshot& s,
                  const std::function<void(db::ImportedHead&)>& edit)
{
    return forge(app, s, [&](SnapshotRecord& rec) {
        if (auto* head = std::get_if<db::ImportedHead>(&rec))
            edit(*head);
    });
}

/// A chain built to a height with its snapshots (in memory, 256-byte chunks).
struct Source
{
    std::unique_ptr<CometNode> node;
    pb::Snapshot snapshot;  ///< the one at the built height
    Hash256 app_hash;       ///< the block hash at that height (what CometBFT trusts)

    CometApp& app() { return node->app(); }
};

class SnapshotTest : public ::testing::Test
{
protected:
    TempDir dir;
    std::string genesis = write_genesis(dir.path);

    /// The test chain built to `height` (a multiple of 3) and its snapshot there.
    Source source(uint64_t height)
    {
        Source s;
        s.node = std::make_unique<CometNode>(genesis, "", snapshotting());
        build_chain(*s.node, static_cast<int64_t>(height));
        s.app().wait_for_snapshots();
        const auto found = listed(s.app(), height);
        EXPECT_TRUE(found);
        if (found)
            s.snapshot = *found;
        s.app_hash = s.node->node->db().header(height)->hash();
        return s;
    }
};

}  // namespace

TEST_F(SnapshotTest, RestoredNodeMatchesTheSourceAndExtendsItsChain)
{
    CometNode a(genesis, "", snapshotting());
    build_chain(a, static_cast<int64_t>(kSnapshotHeight));
    a.app().wait_for_snapshots();
    const auto list = a.app().list_snapshots({});
    ASSERT_EQ(list.snapshots_size(), 2);
    EXPECT_EQ(list.snapshots(0).height(), 6u);  // newest first
    EXPECT_EQ(list.snapshots(1).height(), 3u);
    const pb::Snapshot s = list.snapshots(0);
    EXPECT_EQ(s.format(), kSnapshotFormat);
    EXPECT_GE(s.chunks(), 4u);  // the chain's storage spans several 256-byte chunks
    auto& adb = a.node->db();
    const Hash256 app_hash = adb.header(kSnapshotHeight)->hash();
    EXPECT_EQ(app_hash, adb.head_hash());

    auto node_b = std::make_unique<CometNode>(genesis, (dir.path / "b").string());
    CometNode& b = *node_b;
    EXPECT_EQ(offer(b.app(), s, app_hash), pb::ResponseOfferSnapshot::ACCEPT);
    for (uint32_t i = 0; i < s.chunks(); ++i)
    {
        const std::string chunk = load(a.app(), s, i);
        ASSERT_FALSE(chunk.empty());
        EXPECT_EQ(keccak256(bytes_of(chunk)),
                  decode_snapshot_metadata(bytes_of(s.metadata())).value()[i]);
        EXPECT_EQ(apply(b.app(), i, chunk).result(), pb::ResponseApplySnapshotChunk::ACCEPT);
    }
    const auto info = b.app().info({});
    EXPECT_EQ(info.last_block_height(), static_cast<int64_t>(kSnapshotHeight));
    EXPECT_EQ(info.last_block_app_hash(), str(app_hash.view()));
    auto& bdb = b.node->db();
    EXPECT_EQ(bdb.head_hash(), adb.head_hash());
    EXPECT_EQ(b.node->tracker().root(), adb.header(kSnapshotHeight)->state_root);
    EXPECT_EQ(bdb.read_storage(contract(1), U256{30}), U256{1030});
    EXPECT_EQ(bdb.read_storage(contract(1), U256{0x100}), U256::from_hash(*adb.block_hash(1)));
    ASSERT_TRUE(bdb.read_code(keccak256(kRuntime)));
    EXPECT_EQ(*bdb.read_code(keccak256(kRuntime)), kRuntime);
    // Block 6 in full, blocks before it only by hash.
    EXPECT_EQ(bdb.block(kSnapshotHeight)->transactions.size(), 1u);
    EXPECT_FALSE(bdb.block(kSnapshotHeight - 1));
    for (uint64_t h = 1; h < kSnapshotHeight; ++h)
        EXPECT_EQ(bdb.block_hash(h), adb.block_hash(h)) << h;
    // JSON-RPC: the head is block 6; earlier blocks are unknown (null), like a pruned geth.
    const uint16_t port = b.node->port();
    EXPECT_EQ(node::test::qty(node::test::result(port, "eth_blockNumber", json::array())), 6u);
    EXPECT_TRUE(node::test::result(port, "eth_getBlockByNumber", {"0x5", false}).is_null());
    EXPECT_EQ(node::test::result(port, "eth_getBlockByNumber", {"0x6", false})["hash"],
              to_hex(adb.head_hash().view()));
    EXPECT_EQ(
        node::test::result(port, "eth_getBalance", {to_hex(dev(9).view()), "latest"}),
        node::test::result(a.node->port(), "eth_getBalance", {to_hex(dev(9).view()), "latest"}));

    // Both execute block 7 (BLOCKHASH of block 5 and a transfer) to the same block.
    const std::vector<std::string> next{signed_raw(3, 1, contract(2), word(5), 100'000),
                                        signed_raw(0, 5, dev(7), {}, 21000, 1)};
    const auto ra = finalize_and_commit(a.app(), 7, next, kTime + 7);
    const auto rb = finalize_and_commit(b.app(), 7, next, kTime + 7);
    for (const auto& r : rb.tx_results())
        EXPECT_EQ(r.code(), 0u) << r.log();
    EXPECT_EQ(ra.app_hash(), rb.app_hash());
    EXPECT_EQ(bdb.head_hash(), adb.head_hash());
    EXPECT_EQ(bdb.read_storage(contract(2), U256{0x100}), U256::from_hash(*adb.block_hash(5)));
    EXPECT_NE(bdb.read_storage(contract(2), U256{0x100}), U256{});

    // Restarted, B keeps the imported chain.
    node_b.reset();
    CometNode b2(genesis, (dir.path / "b").string());
    EXPECT_EQ(b2.app().info({}).last_block_height(), 7);
}

TEST_F(SnapshotTest, SnapshotsAreIdenticalOnChainsWithTheSameState)
{
    CometNode a(genesis, "", snapshotting());
    CometNode c(genesis, (dir.path / "c").string(), [&] {
        auto cfg = snapshotting();
        cfg.snapshot_dir = (dir.path / "c-snapshots").string();  // files instead of memory
        return cfg;
    }());
    build_chain(a, 3);
    build_chain(c, 3);
    a.app().wait_for_snapshots();
    c.app().wait_for_snapshots();
    const auto sa = listed(a.app(), 3);
    const auto sc = listed(c.app(), 3);
    ASSERT_TRUE(sa && sc);
    EXPECT_EQ(sa->hash(), sc->hash());
    EXPECT_EQ(sa->metadata(), sc->metadata());
    for (uint32_t i = 0; i < sa->chunks(); ++i)
        EXPECT_EQ(load(a.app(), *sa, i), load(c.app(), *sc, i));

    // Built twice from one view: the same bytes.
    const auto view = a.node->db().head_state();
    const auto head = export_head(a.node->db(), 3);
    ASSERT_TRUE(head);
    std::vector<Bytes> first;
    std::vector<Bytes> second;
    const auto i1 = build_snapshot(*view, *head, 256, [&](Bytes b) { first.push_back(b); });
    const auto i2 = build_snapshot(*view, *head, 256, [&](Bytes b) { second.push_back(b); });
    ASSERT_TRUE(i1 && i2);
    EXPECT_EQ(first, second);
    EXPECT_EQ(str(i1->hash.view()), sa->hash());
}

TEST_F(SnapshotTest, SnapshotsAreKeptInTheDataDirectoryAcrossRestarts)
{
    auto cfg = snapshotting(kDefaultChunkBytes);
    cfg.snapshot_dir = (dir.path / "snapshots").string();
    {
        CometNode a(genesis, (dir.path / "a").string(), cfg);
        build_chain(a, 9);
        a.app().wait_for_snapshots();
    }
    CometNode a(genesis, (dir.path / "a").string(), cfg);
    const auto list = a.app().list_snapshots({});
    ASSERT_EQ(list.snapshots_size(), 2);  // 3 was pruned (keep_recent 2)
    EXPECT_EQ(list.snapshots(0).height(), 9u);
    EXPECT_EQ(list.snapshots(1).height(), 6u);
    EXPECT_EQ(list.snapshots(0).chunks(), 1u);
    EXPECT_FALSE(std::filesystem::exists(dir.path / "snapshots" / "3"));
    const std::string chunk = load(a.app(), list.snapshots(0), 0);
    EXPECT_EQ(str(snapshot_hash({keccak256(bytes_of(chunk))}).view()), list.snapshots(0).hash());
    EXPECT_TRUE(load(a.app(), list.snapshots(0), 1).empty());
}

TEST_F(SnapshotTest, SnapshotIsTakenAtTheFirstBlockChangingTheAppHashFromEachMultiple)
{
    // Interval 3: blocks 1, 2 with transactions, 3 and 4 empty (their app hash is block 2's),
    // 5 with one: the snapshot for multiple 3 is taken at 5, whose hash is its app hash.
    CometNode a(genesis, "", snapshotting());
    for (int64_t h = 1; h <= 2; ++h)
        (void)finalize_and_commit(a.app(), h, txs_of(h), kTime + h);
    (void)finalize_and_commit(a.app(), 3, {}, kTime + 3);
    (void)finalize_and_commit(a.app(), 4, {}, kTime + 4);
    a.app().wait_for_snapshots();
    EXPECT_EQ(a.app().list_snapshots({}).snapshots_size(), 0);
    const auto r5 = finalize_and_commit(a.app(), 5, txs_of(3), kTime + 5);
    a.app().wait_for_snapshots();
    const auto s = listed(a.app(), 5);
    ASSERT_TRUE(s);
    EXPECT_EQ(a.app().list_snapshots({}).snapshots_size(), 1);
    auto& adb = a.node->db();
    EXPECT_EQ(r5.app_hash(), str(adb.head_hash().view()));
    // Block 6 (empty) does not start another one; it restores with block 5's hash as app hash.
    (void)finalize_and_commit(a.app(), 6, {}, kTime + 6);
    a.app().wait_for_snapshots();
    EXPECT_EQ(a.app().list_snapshots({}).snapshots_size(), 1);
    CometNode b(genesis, "");
    std::vector<std::string> chunks;
    for (uint32_t i = 0; i < s->chunks(); ++i)
        chunks.push_back(load(a.app(), *s, i));
    EXPECT_EQ(restore(b.app(), *s, chunks, *adb.block_hash(5)),
              pb::ResponseApplySnapshotChunk::ACCEPT);
    EXPECT_EQ(b.app().info({}).last_block_app_hash(), r5.app_hash());
    // Both execute empty block 6 to the same block and app hash.
    const auto rb = finalize_and_commit(b.app(), 6, {}, kTime + 6);
    EXPECT_EQ(rb.app_hash(), r5.app_hash());
    EXPECT_EQ(b.node->db().head_hash(), adb.head_hash());
}

TEST_F(SnapshotTest, CorruptedChunkIsRefetchedAndItsSenderRejected)
{
    auto a = source(kSnapshotHeight);
    const auto* s = &a.snapshot;
    CometNode b(genesis, "");
    ASSERT_EQ(offer(b.app(), *s, a.app_hash), pb::ResponseOfferSnapshot::ACCEPT);
    EXPECT_EQ(apply(b.app(), 0, load(a.app(), *s, 0)).result(),
              pb::ResponseApplySnapshotChunk::ACCEPT);
    std::string bad = load(a.app(), *s, 1);
    bad[bad.size() / 2] ^= 0x01;
    const auto r = apply(b.app(), 1, bad, "peer-evil");
    EXPECT_EQ(r.result(), pb::ResponseApplySnapshotChunk::RETRY);
    ASSERT_EQ(r.refetch_chunks_size(), 1);
    EXPECT_EQ(r.refetch_chunks(0), 1u);
    ASSERT_EQ(r.reject_senders_size(), 1);
    EXPECT_EQ(r.reject_senders(0), "peer-evil");
    // The refetched chunk from an honest peer continues the restore.
    for (uint32_t i = 1; i < s->chunks(); ++i)
        EXPECT_EQ(apply(b.app(), i, load(a.app(), *s, i)).result(),
                  pb::ResponseApplySnapshotChunk::ACCEPT);
    EXPECT_EQ(b.app().info({}).last_block_height(), static_cast<int64_t>(kSnapshotHeight));
}

TEST_F(SnapshotTest, ContentNotMatchingTheAppHashIsRejectedAndLeavesTheNodeAtGenesis)
{
    auto a = source(kSnapshotHeight);
    const auto* s = &a.snapshot;
    CometNode b(genesis, "");
    auto& bdb = b.node->db();
    const auto genesis_balance = bdb.read_account(dev(0))->balance;
    std::vector<std::string> genuine;
    for (uint32_t i = 0; i < s->chunks(); ++i)
        genuine.push_back(load(a.app(), *s, i));
    const auto at_genesis = [&] {
        EXPECT_EQ(bdb.head_number(), 0u);
        EXPECT_EQ(bdb.staged_entry_count(), 0u);
        EXPECT_EQ(bdb.read_account(dev(0))->balance, genesis_balance);
        EXPECT_FALSE(bdb.read_account(dev(9)));
        EXPECT_EQ(b.app().info({}).last_block_height(), 0);
    };

    // 1. An app hash that is not the snapshot's (the trusted header says otherwise): the head
    // record (chunk 0) is rejected before any state is staged.
    const Hash256 other = a.node->node->db().header(kSnapshotHeight - 1)->hash();
    EXPECT_EQ(restore(b.app(), *s, genuine, other),
              pb::ResponseApplySnapshotChunk::REJECT_SNAPSHOT);
    at_genesis();

    // 2. A forged snapshot (consistent metadata and hash) with one balance changed: its state
    // root is not the head's (found after the last chunk).
    const auto forged = forge(a.app(), *s, [](SnapshotRecord& rec) {
        if (auto* acc = std::get_if<AccountRecord>(&rec); acc && acc->address == dev(9))
            acc->info.balance = acc->info.balance + U256{1};
    });
    EXPECT_EQ(restore(b.app(), forged.snapshot, forged.chunks, a.app_hash),
              pb::ResponseApplySnapshotChunk::REJECT_SNAPSHOT);
    at_genesis();

    // The genuine snapshot still restores afterwards.
    EXPECT_EQ(restore(b.app(), *s, genuine, a.app_hash), pb::ResponseApplySnapshotChunk::ACCEPT);
    EXPECT_EQ(bdb.head_number(), kSnapshotHeight);
}

/// write_genesis() with FileStorage on (dev 0 its admin).
std::string write_file_storage_genesis(const std::filesystem::path& dir)
{
    const auto file = write_genesis(dir);
    json g = json::parse(std::ifstream(file));
    g["tern"] = {{"fileStorage", true}, {"fileStorageAdmin", to_hex(dev(0).view())}};
    std::ofstream(file) << g.dump(2);
    return file;
}

TEST_F(SnapshotTest, FilesTravelWithTheStateAndEveryBlobIsChecked)
{
    using filestorage::test::encode;
    using filestorage::test::pattern;
    const std::string fs_genesis = write_file_storage_genesis(dir.path);
    const Address fs = filestorage::kFileStorageAddress;
    const auto call = [&](size_t from, uint64_t nonce, Bytes data) {
        return signed_raw(from, nonce, fs, std::move(data), 1'000'000);
    };
    const Bytes a_bin = pattern(3000, 1);
    const Bytes gone = pattern(5, 2);
    CometNode a(fs_genesis, "", snapshotting());
    const std::vector<std::vector<std::string>> blocks = {
        {call(0, 0, encode("grantRole(bytes32,address)", {filestorage::allocator_role(), dev(0)})),
         call(0, 1, encode("reserveSpace(address,uint256)", {dev(1), 1 << 20}))},
        {call(1, 0, encode("startUpload(string,uint256)", {"a.bin", a_bin.size()})),
         call(1, 1, encode("uploadChunk(string,uint256,bytes)", {"a.bin", 0, a_bin})),
         call(1, 2, encode("finishUpload(string)", {"a.bin"}))},
        // A file uploaded and deleted: its blob stays in the database, but nothing refers to
        // it, so the snapshot does not carry it.
        {call(1, 3, encode("createDirectory(string)", {"d"})),
         call(1, 4, encode("startUpload(string,uint256)", {"d/gone", gone.size()})),
         call(1, 5, encode("uploadChunk(string,uint256,bytes)", {"d/gone", 0, gone})),
         call(1, 6, encode("finishUpload(string)", {"d/gone"})),
         call(1, 7, encode("deleteFile(string)", {"d/gone"}))},
    };
    for (size_t h = 0; h < blocks.size(); ++h)
    {
        const auto res =
            finalize_and_commit(a.app(), static_cast<int64_t>(h + 1), blocks[h], kTime + 1);
        for (const auto& r : res.tx_results())
            ASSERT_EQ(r.code(), 0u) << r.log();
    }
    a.app().wait_for_snapshots();
    const auto s = listed(a.app(), 3);
    ASSERT_TRUE(s);
    const Hash256 app_hash = a.node->db().header(3)->hash();
    std::vector<std::string> chunks;
    size_t blob_records = 0;
    for (uint32_t i = 0; i < s->chunks(); ++i)
    {
        chunks.push_back(load(a.app(), *s, i));
        const auto records = decode_chunk(bytes_of(chunks.back()));
        ASSERT_TRUE(records);
        for (const auto& rec : *records)
            blob_records += std::holds_alternative<BlobRecord>(rec) ? 1 : 0;
    }
    EXPECT_EQ(blob_records, 1u);  // a.bin's one chunk; not the deleted file's
    ASSERT_TRUE(a.node->db().read_blob(keccak256(gone)));

    // A forged snapshot whose blob bytes differ (its state, and so its state root, unchanged):
    // the blob it brings is not the one the state refers to.
    const auto forged = forge(a.app(), *s, [](SnapshotRecord& rec) {
        if (auto* b = std::get_if<BlobRecord>(&rec))
            b->blob[0] ^= 1;
    });
    CometNode b(fs_genesis, "");
    EXPECT_EQ(restore(b.app(), forged.snapshot, forged.chunks, app_hash),
              pb::ResponseApplySnapshotChunk::REJECT_SNAPSHOT);
    EXPECT_EQ(b.node->db().head_number(), 0u);
    // A snapshot without its blob record at all is refused too.
    const auto stripped = forge(a.app(), *s, [](SnapshotRecord& rec) {
        if (std::holds_alternative<BlobRecord>(rec))
            rec = CodeRecord{kRuntime};  // an unneeded code record in its place
    });
    EXPECT_EQ(restore(b.app(), stripped.snapshot, stripped.chunks, app_hash),
              pb::ResponseApplySnapshotChunk::REJECT_SNAPSHOT);

    // The genuine one restores, and the restored node reads and serves the file.
    ASSERT_EQ(restore(b.app(), *s, chunks, app_hash), pb::ResponseApplySnapshotChunk::ACCEPT);
    const auto head = b.node->db().head_state();
    predeployed::ReaderStore store{*head, filestorage::kFileStorageAddress};
    filestorage::FileSystem files{store};
    const auto found = files.find(dev(1), "a.bin");
    ASSERT_TRUE(found);
    EXPECT_EQ(files.read_range(*found, 0, found->size), a_bin);
    const std::string target = "/fs/" + filestorage::test::hex40(dev(1)) + "/a.bin";
    auto served = filestorage::serve_file(*head, rpc::HttpGet{target, {}, {}});
    EXPECT_EQ(served.status, 200u);
    EXPECT_EQ(filestorage::drain(served), std::string(a_bin.begin(), a_bin.end()));
}

TEST_F(SnapshotTest, ForgedHeadRecordsAreRejectedAndLeaveTheNodeAtGenesis)
{
    auto a = source(kSnapshotHeight);
    const auto& s = a.snapshot;
    CometNode b(genesis, "");
    auto& bdb = b.node->db();
    const auto rejected = [&](const char* what,
                              const std::function<void(db::ImportedHead&)>& edit) {
        const auto f = forge_head(a.app(), s, edit);
        EXPECT_NE(f.snapshot.hash(), s.hash()) << what;
        EXPECT_EQ(restore(b.app(), f.snapshot, f.chunks, a.app_hash),
                  pb::ResponseApplySnapshotChunk::REJECT_SNAPSHOT)
            << what;
        EXPECT_EQ(bdb.head_number(), 0u) << what;
        EXPECT_EQ(bdb.staged_entry_count(), 0u) << what;
        EXPECT_EQ(b.app().info({}).last_block_height(), 0) << what;
    };
    // A fake header of block H with the right state root (and gas used, and a fake extra data).
    rejected("fake header", [](db::ImportedHead& h) { h.block.header.extra_data = Bytes{0x66}; });
    rejected("fake timestamp", [](db::ImportedHead& h) { h.block.header.timestamp += 1; });
    // The parent chain broken in the middle: BLOCKHASH of block 2 would be wrong.
    rejected("broken parent chain", [](db::ImportedHead& h) {
        ASSERT_GE(h.ancestors.size(), 4u);
        h.ancestors[2].timestamp += 1;
    });
    // A whole fake history, consistently linked, that cannot link to H's parent hash.
    rejected("fake history", [](db::ImportedHead& h) {
        h.ancestors[1].extra_data = Bytes{0x01};
        for (size_t i = 2; i < h.ancestors.size(); ++i)
            h.ancestors[i].parent_hash = h.ancestors[i - 1].hash();
    });
    rejected("missing ancestor", [](db::ImportedHead& h) { h.ancestors.pop_back(); });
    // Receipts of block H that are not the ones its receipts root commits to.
    rejected("wrong receipt status", [](db::ImportedHead& h) {
        ASSERT_FALSE(h.receipts.empty());
        h.receipts[0].success = !h.receipts[0].success;
    });
    rejected("wrong receipt logs", [](db::ImportedHead& h) {
        h.receipts[0].logs.push_back(state::Log{dev(5), {}, Bytes{0x01}});
        h.receipts[0].bloom = execution::logs_bloom(h.receipts[0].logs);
    });
    // gas_used is not in the receipts root: checked against the cumulative gas.
    rejected("wrong receipt gas used", [](db::ImportedHead& h) { h.receipts[0].gas_used += 1; });
    // The body: a transaction's sender that did not sign it, a transaction dropped.
    rejected("wrong sender", [](db::ImportedHead& h) { h.block.senders[0] = dev(7); });
    rejected("missing transaction", [](db::ImportedHead& h) {
        h.block.transactions.clear();
        h.block.senders.clear();
        h.receipts.clear();
    });

    // Unchanged, the same re-encoding restores.
    const auto same = forge_head(a.app(), s, [](db::ImportedHead&) {});
    EXPECT_EQ(same.snapshot.hash(), s.hash());
    EXPECT_EQ(restore(b.app(), same.snapshot, same.chunks, a.app_hash),
              pb::ResponseApplySnapshotChunk::ACCEPT);
    EXPECT_EQ(bdb.head_hash(), a.app_hash);
}

TEST(SnapshotHead, VerificationChecksEachPart)
{
    TempDir dir;
    CometNode a(write_genesis(dir.path), "");
    build_chain(a, 3);
    auto& db = a.node->db();
    const auto head = export_head(db, 3);
    ASSERT_TRUE(head);
    ASSERT_EQ(head->ancestors.size(), 3u);  // blocks 0..2
    const uint64_t chain_id = a.node->chain_config().chain_id;
    EXPECT_TRUE(verify_snapshot_head(*head, 3, db.head_hash(), chain_id));
    EXPECT_FALSE(verify_snapshot_head(*head, 4, db.head_hash(), chain_id));
    EXPECT_FALSE(verify_snapshot_head(*head, 3, db.header(3)->state_root, chain_id));
    EXPECT_FALSE(verify_snapshot_head(*head, 3, db.head_hash(), chain_id + 1));  // senders
    auto h = *head;
    h.block.withdrawals.push_back(chain::Withdrawal{});
    EXPECT_FALSE(verify_snapshot_head(h, 3, db.head_hash(), chain_id));
    h = *head;
    h.ancestors.erase(h.ancestors.begin());  // blocks 1..2: a shorter window still links
    EXPECT_TRUE(verify_snapshot_head(h, 3, db.head_hash(), chain_id));
}

TEST_F(SnapshotTest, OffersThatCannotBeRestoredAreRefused)
{
    auto a = source(3);
    const auto* s = &a.snapshot;
    const Hash256 app_hash = a.app_hash;
    CometNode b(genesis, "");

    pb::Snapshot other_format = *s;
    other_format.set_format(1);  // format 1 (before blob records) is no longer accepted
    EXPECT_EQ(offer(b.app(), other_format, app_hash), pb::ResponseOfferSnapshot::REJECT_FORMAT);
    pb::Snapshot wrong_hash = *s;
    wrong_hash.set_hash(std::string(32, 'x'));
    EXPECT_EQ(offer(b.app(), wrong_hash, app_hash), pb::ResponseOfferSnapshot::REJECT);
    pb::Snapshot wrong_count = *s;
    wrong_count.set_chunks(s->chunks() + 1);
    EXPECT_EQ(offer(b.app(), wrong_count, app_hash), pb::ResponseOfferSnapshot::REJECT);
    pb::Snapshot bad_metadata = *s;
    bad_metadata.set_metadata("junk");
    EXPECT_EQ(offer(b.app(), bad_metadata, app_hash), pb::ResponseOfferSnapshot::REJECT);
    // A node past genesis keeps its chain.
    EXPECT_EQ(offer(a.app(), *s, app_hash), pb::ResponseOfferSnapshot::REJECT);
    // Chunks without an accepted offer.
    EXPECT_EQ(apply(b.app(), 0, load(a.app(), *s, 0)).result(),
              pb::ResponseApplySnapshotChunk::ABORT);
}

TEST(SnapshotChunk, DecoderRejectsMalformedRecords)
{
    EXPECT_TRUE(decode_chunk({}));  // no records
    const auto enc = [](const SnapshotRecord& r) {
        Bytes b;
        encode_record(b, r);
        return b;
    };
    AccountRecord acc;
    acc.address.bytes[19] = 1;
    acc.info.nonce = 3;
    acc.info.balance = U256{77};
    const Bytes good = enc(acc);
    auto dec = decode_chunk(good);
    ASSERT_TRUE(dec);
    ASSERT_EQ(dec->size(), 1u);
    EXPECT_EQ(std::get<AccountRecord>((*dec)[0]).info, acc.info);

    EXPECT_FALSE(decode_chunk(BytesView(good).first(good.size() - 1)));  // truncated
    EXPECT_FALSE(decode_chunk(Bytes{0xc2, 0x09, 0x80}));                 // unknown tag 9
    EXPECT_FALSE(decode_chunk(Bytes{0x01}));                             // not a list
    StorageRecord zero{acc.address, {{U256{1}, U256{}}}};
    EXPECT_FALSE(decode_chunk(enc(zero)));  // a zero value is never stored
    StorageRecord empty{acc.address, {}};
    EXPECT_FALSE(decode_chunk(enc(empty)));
    Bytes with_trailing = good;
    with_trailing.push_back(0x80);  // a byte string where a record should be
    EXPECT_FALSE(decode_chunk(with_trailing));
    // Blob records (format 2) round-trip; a blob record with trailing data does not decode.
    const Bytes blob_rec = enc(BlobRecord{Bytes{1, 2, 3}});
    const auto blob = decode_chunk(blob_rec);
    ASSERT_TRUE(blob);
    EXPECT_EQ(std::get<BlobRecord>((*blob)[0]).blob, (Bytes{1, 2, 3}));
    EXPECT_FALSE(decode_chunk(Bytes{0xc3, 0x05, 0x07, 0x80}));
}
