#include "api/handlers/proof_api.hpp"
#include "api/method_table.hpp"

#include "chain/dev_accounts.hpp"
#include "chain/state_root_tracker.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"
#include "db/chain_db.hpp"
#include "db/test_blocks.hpp"
#include "execution/host.hpp"
#include "execution/state_root.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"
#include "rpc/dispatcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <thread>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using nlohmann::json;

namespace {

// ---- an independent EIP-1186 proof verifier ----

/// What a proof shows about a key: its value (present) or its absence.
struct Verified
{
    bool ok = false;             ///< the proof is well-formed and hashes up to the root
    std::optional<Bytes> value;  ///< the leaf value when the key is present
    std::string error;
};

std::array<uint8_t, 64> nibbles_of(const Hash256& key)
{
    std::array<uint8_t, 64> n{};
    for (size_t i = 0; i < 32; ++i)
    {
        n[2 * i] = key.bytes[i] >> 4;
        n[2 * i + 1] = key.bytes[i] & 0x0f;
    }
    return n;
}

/// Walks `proof` (hex RLP nodes, root first) from `root` along keccak-hashed `key`: every node
/// referenced by hash must be the next proof element and hash to the reference in its parent
/// (nodes under 32 bytes are embedded in their parent, as geth lists them), and every element
/// must be used.
Verified verify_proof(const Hash256& root, const Hash256& key, const json& proof)
{
    Verified out;
    const auto fail = [&](std::string why) {
        out.ok = false;
        out.value.reset();
        out.error = std::move(why);
        return out;
    };
    if (!proof.is_array())
        return fail("proof is not an array");
    const auto nib = nibbles_of(key);
    size_t pos = 0;
    size_t used = 0;
    Hash256 expected = root;
    std::optional<rlp::RlpItem> embedded;
    if (root == kEmptyTrieRoot)
    {
        if (!proof.empty())
            return fail("proof of an empty trie must be empty");
        out.ok = true;
        return out;
    }
    while (true)
    {
        rlp::RlpItem node;
        if (embedded)
        {
            node = std::move(*embedded);
            embedded.reset();
        }
        else
        {
            if (used >= proof.size())
                return fail("proof too short");
            const auto bytes = from_hex(proof[used++].get<std::string>());
            if (!bytes)
                return fail("bad hex");
            if (keccak256(*bytes) != expected)
                return fail("node " + std::to_string(used - 1) + " does not hash to its reference");
            auto item = rlp::decode_item_exact(*bytes);
            if (!item)
                return fail("undecodable node");
            node = std::move(*item);
        }
        if (!node.is_list)
            return fail("node is not a list");
        const rlp::RlpItem* child = nullptr;
        bool absent = false;
        if (node.items.size() == 17)
        {
            if (pos >= 64)
                return fail("branch below the key length");
            child = &node.items[nib[pos++]];
            if (!child->is_list && child->bytes.empty())
                absent = true;
        }
        else if (node.items.size() == 2)
        {
            if (node.items[0].is_list || node.items[0].bytes.empty())
                return fail("bad path");
            const Bytes& hp = node.items[0].bytes;
            const uint8_t flag = hp[0] >> 4;
            if (flag > 3)
                return fail("bad hex-prefix flag");
            const bool leaf = flag >= 2;
            std::vector<uint8_t> path;
            if (flag & 1)
                path.push_back(hp[0] & 0x0f);
            for (size_t i = 1; i < hp.size(); ++i)
            {
                path.push_back(hp[i] >> 4);
                path.push_back(hp[i] & 0x0f);
            }
            const bool matches =
                path.size() <= 64 - pos && std::equal(path.begin(), path.end(), nib.begin() + pos);
            if (leaf)
            {
                if (matches && pos + path.size() == 64)
                {
                    if (node.items[1].is_list)
                        return fail("leaf value is a list");
                    out.value = node.items[1].bytes;
                }
                absent = !out.value;
            }
            else if (!matches)
                absent = true;
            else
            {
                pos += path.size();
                child = &node.items[1];
            }
            if (leaf)
                break;
        }
        else
            return fail("node has " + std::to_string(node.items.size()) + " items");
        if (absent)
            break;
        if (child->is_list)
            embedded = *child;
        else if (child->bytes.size() == 32)
            std::copy(child->bytes.begin(), child->bytes.end(), expected.bytes.begin());
        else
            return fail("bad child reference");
    }
    if (used != proof.size())
        return fail("proof has " + std::to_string(proof.size() - used) + " unused nodes");
    out.ok = true;
    return out;
}

Hash256 h256(const json& v)
{
    return *fixed_from_hex<Hash256>(v.get<std::string>());
}

U256 u256(const json& v)
{
    return *U256::from_string(v.get<std::string>());
}

/// Checks a whole eth_getProof result against `state_root`: the account proof proves the
/// account fields (or the account's absence), each storage proof proves its value (or absence)
/// against storageHash.
void check_result(const json& r, const Hash256& state_root, const Address& addr)
{
    ASSERT_EQ(r["address"], to_hex(addr.view()));
    const auto acc = verify_proof(state_root, keccak256(addr.view()), r["accountProof"]);
    ASSERT_TRUE(acc.ok) << acc.error << "\n" << r.dump(1);
    if (acc.value)
    {
        state::AccountInfo info;
        info.nonce = u256(r["nonce"]).low64();
        info.balance = u256(r["balance"]);
        info.code_hash = h256(r["codeHash"]);
        EXPECT_EQ(*acc.value, execution::encode_account(info, h256(r["storageHash"])))
            << "account leaf differs from the returned fields";
    }
    else
    {
        // geth's fields for a missing account.
        EXPECT_EQ(r["balance"], "0x0");
        EXPECT_EQ(r["nonce"], "0x0");
        EXPECT_EQ(h256(r["codeHash"]), Hash256{});
        EXPECT_EQ(h256(r["storageHash"]), Hash256{});
    }
    const Hash256 storage_root =
        acc.value ? h256(r["storageHash"]) : kEmptyTrieRoot;  // missing account: nothing stored
    for (const auto& s : r["storageProof"])
    {
        const auto key = from_hex(s["key"].get<std::string>());
        ASSERT_TRUE(key && key->size() <= 32);
        const Hash256 slot = U256::from_be(*key).to_hash();
        const auto v = verify_proof(storage_root, keccak256(slot.view()), s["proof"]);
        ASSERT_TRUE(v.ok) << v.error << "\n" << s.dump(1);
        const U256 value = u256(s["value"]);
        if (v.value)
        {
            const Hash256 w = value.to_hash();
            EXPECT_EQ(*v.value, rlp::encode(rlp::trim_leading_zeros(w.view())));
            EXPECT_NE(value, U256{});
        }
        else
            EXPECT_EQ(value, U256{}) << "absent slot with a value";
    }
}

// ---- a node with eth_getProof ----

/// Init code of a contract whose runtime stores calldata word 1 at slot calldata word 0
/// (PUSH1 0x20 CALLDATALOAD PUSH1 0 CALLDATALOAD SSTORE STOP).
constexpr const char* kStoreInit = "0x600880600b6000396000f36020356000355500";
constexpr const char* kStoreRuntime = "0x6020356000355500";

std::string word(const U256& v)
{
    return to_hex(v.to_hash().view(), false);
}

NodeConfig test_config()
{
    NodeConfig c;
    c.port = 0;
    c.rpc_threads = 2;
    return c;
}

class ProofNodeTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        node_ = std::make_unique<Node>(test_config());
        // Without the node's tracker: the service rebuilds its trie from the database.
        node_->add_setup([](Node& n) {
            MethodTable t;
            add_proof_methods(t, n.backend(), nullptr);
            n.serve(std::move(t));
        });
        const auto r = node_->start();
        ASSERT_TRUE(r) << r.error();
        port_ = *r;
        accounts_ = chain::default_dev_accounts();
    }
    void TearDown() override { node_->stop(); }

    std::string tx(size_t from, uint64_t nonce, std::optional<Address> to, const Bytes& data)
    {
        Transaction t;
        t.type = TxType::DynamicFee;
        t.chain_id = 31337;
        t.nonce = nonce;
        t.gas_limit = 300'000;
        t.to = to;
        t.data = data;
        return sign_raw(t, accounts_[from].secret_key);
    }

    /// Sends a transaction from account 0 and checks it succeeded.
    void send(std::optional<Address> to, const Bytes& data)
    {
        const auto hash = result(port_, "eth_sendRawTransaction", {tx(0, nonce_++, to, data)});
        EXPECT_EQ(result(port_, "eth_getTransactionReceipt", {hash})["status"], "0x1");
    }

    Address deploy()
    {
        send(std::nullopt, *from_hex(kStoreInit));
        return execution::create_address(accounts_[0].address, nonce_ - 1);
    }

    void store(const Address& c, const U256& slot, const U256& value)
    {
        send(c, *from_hex(word(slot) + word(value)));
    }

    Hash256 state_root(const json& block)
    {
        return h256(result(port_, "eth_getBlockByNumber", {block, false})["stateRoot"]);
    }

    json proof(const Address& a, const json& keys, const json& block = "latest")
    {
        return result(port_, "eth_getProof", {to_hex(a.view()), keys, block});
    }

    void concurrent_proofs_while_mining();

    json error(const json& params)
    {
        const auto r = call_rpc(port_, "eth_getProof", params);
        EXPECT_TRUE(r.contains("error")) << r.dump();
        return r.contains("error") ? r["error"] : json{};
    }

    std::unique_ptr<Node> node_;
    uint16_t port_ = 0;
    std::vector<chain::DevAccount> accounts_;
    uint64_t nonce_ = 0;
};

TEST_F(ProofNodeTest, GenesisAccountsAndMissingAccount)
{
    const Hash256 root = state_root("0x0");
    for (size_t i = 0; i < 3; ++i)
    {
        const json r = proof(accounts_[i].address, json::array());
        check_result(r, root, accounts_[i].address);
        EXPECT_EQ(r["balance"], "0x21e19e0c9bab2400000");
        EXPECT_EQ(r["nonce"], "0x0");
        EXPECT_EQ(h256(r["codeHash"]), kEmptyCodeHash);
        EXPECT_EQ(h256(r["storageHash"]), kEmptyTrieRoot);
        EXPECT_EQ(r["storageProof"], json::array());
        EXPECT_FALSE(r["accountProof"].empty());
    }
    // An account that does not exist: an exclusion proof.
    const Address missing = address_from_u64(0xdead);
    const json r = proof(missing, json::array({"0x0"}));
    check_result(r, root, missing);
    EXPECT_FALSE(verify_proof(root, keccak256(missing.view()), r["accountProof"]).value);
    ASSERT_EQ(r["storageProof"].size(), 1u);
    EXPECT_EQ(r["storageProof"][0]["value"], "0x0");
    EXPECT_EQ(r["storageProof"][0]["proof"], json::array());
}

TEST_F(ProofNodeTest, ContractStorageInclusionAndExclusion)
{
    const Address c = deploy();
    // Enough slots for branches and extensions in the storage trie.
    for (uint64_t i = 1; i <= 24; ++i)
        store(c, U256{i}, U256{i * 1000});
    store(c, U256{7}, U256{});  // deleted again

    json keys = json::array();
    for (uint64_t i = 0; i <= 30; ++i)
        keys.push_back(to_hex(U256{i}.to_hash().view()));
    const json r = proof(c, keys);
    const Hash256 root = state_root("latest");
    check_result(r, root, c);
    EXPECT_EQ(h256(r["codeHash"]), keccak256(*from_hex(kStoreRuntime)));
    EXPECT_EQ(r["nonce"], "0x1");  // EIP-161: contracts start at nonce 1
    ASSERT_EQ(r["storageProof"].size(), 31u);
    for (uint64_t i = 0; i <= 30; ++i)
    {
        const auto& s = r["storageProof"][i];
        EXPECT_EQ(s["key"], keys[i]);  // 32-byte keys echoed as given
        const uint64_t want = (i >= 1 && i <= 24 && i != 7) ? i * 1000 : 0;
        EXPECT_EQ(s["value"], U256{want}.to_hex()) << i;
        const auto v =
            verify_proof(h256(r["storageHash"]), keccak256(U256{i}.to_hash().view()), s["proof"]);
        EXPECT_EQ(v.value.has_value(), want != 0) << i;
        // Same as eth_getStorageAt.
        EXPECT_EQ(u256(result(port_, "eth_getStorageAt", {to_hex(c.view()), s["key"], "latest"})),
                  U256{want});
    }
    // Account fields agree with the other state methods.
    EXPECT_EQ(r["balance"], result(port_, "eth_getBalance", {to_hex(c.view()), "latest"}));
    EXPECT_EQ(r["nonce"], result(port_, "eth_getTransactionCount", {to_hex(c.view()), "latest"}));

    // The sender: nonce and balance after the transactions.
    const json s = proof(accounts_[0].address, json::array());
    check_result(s, root, accounts_[0].address);
    EXPECT_EQ(u256(s["nonce"]).low64(), nonce_);
}

TEST_F(ProofNodeTest, KeyEncodingLikeGeth)
{
    const Address c = deploy();
    store(c, U256{1}, U256{0x42});
    const json r = proof(c, json::array({"0x1", "0x01", "1", "0X0001", "0x", "0x" + word(U256{1}),
                                         "0x" + std::string(64, 'A')}));
    const auto& sp = r["storageProof"];
    ASSERT_EQ(sp.size(), 7u);
    // Shorter than 32 bytes: echoed as a quantity; 32 bytes: as a (lower-case) hash.
    EXPECT_EQ(sp[0]["key"], "0x1");
    EXPECT_EQ(sp[1]["key"], "0x1");
    EXPECT_EQ(sp[2]["key"], "0x1");
    EXPECT_EQ(sp[3]["key"], "0x1");
    EXPECT_EQ(sp[4]["key"], "0x0");
    EXPECT_EQ(sp[5]["key"], "0x" + word(U256{1}));
    EXPECT_EQ(sp[6]["key"], "0x" + std::string(64, 'a'));
    for (size_t i = 0; i < 4; ++i)
    {
        EXPECT_EQ(sp[i]["value"], "0x42");
        EXPECT_EQ(sp[i]["proof"], sp[5]["proof"]);
    }
    EXPECT_EQ(sp[4]["value"], "0x0");
    check_result(r, state_root("latest"), c);
}

TEST_F(ProofNodeTest, ParameterErrors)
{
    const std::string a = to_hex(accounts_[0].address.view());
    auto e = error(json::array({a, json::array({"0xzz"}), "latest"}));
    EXPECT_EQ(e["code"], -32000);
    EXPECT_EQ(e["message"], "hex string invalid");
    e = error(json::array({a, json::array({"0x" + std::string(66, '1')}), "latest"}));
    EXPECT_EQ(e["code"], -32000);
    EXPECT_EQ(e["message"], "hex string too long, want at most 32 bytes");
    e = error(json::array({a, json::array({1}), "latest"}));
    EXPECT_EQ(e["code"], -32602);
    EXPECT_EQ(e["message"],
              "invalid argument 1: json: cannot unmarshal number into Go value of "
              "type string");
    e = error(json::array({a, "0x1", "latest"}));
    EXPECT_EQ(e["code"], -32602);
    EXPECT_EQ(e["message"],
              "invalid argument 1: json: cannot unmarshal string into Go value of "
              "type []string");
    e = error(json::array({a}));
    EXPECT_EQ(e["message"], "missing value for required argument 1");
    e = error(json::array());
    EXPECT_EQ(e["message"], "missing value for required argument 0");
    e = error(json::array({"0x1234", json::array(), "latest"}));
    EXPECT_EQ(e["code"], -32602);
    e = error(json::array({a, json::array(), "latest", 1}));
    EXPECT_EQ(e["message"], "too many arguments, want at most 3");
    e = error(json::object({{"address", a}}));
    EXPECT_EQ(e["message"], "non-array args");
    e = error(json::array({a, json::array(), "0x99"}));
    EXPECT_EQ(e["code"], -32000);
    EXPECT_EQ(e["message"], "header not found");
    e = error(json::array({a, json::array(), "0x" + std::string(64, '1')}));
    EXPECT_EQ(e["message"], "header for hash not found");
    // A bounded number of keys (each proof is a few KiB of response).
    json many = json::array();
    for (size_t i = 0; i <= ProofService::kMaxStorageKeys; ++i)
        many.push_back("0x1");
    e = error(json::array({a, many, "latest"}));
    EXPECT_EQ(e["code"], -32602);
    EXPECT_EQ(e["message"], "invalid argument 1: too many storage keys: 1025, at most 1024");
    many.erase(many.size() - 1);
    EXPECT_EQ(result(port_, "eth_getProof", {a, many, "latest"})["storageProof"].size(),
              ProofService::kMaxStorageKeys);
    // Block omitted: latest. Keys null: none.
    const auto r = result(port_, "eth_getProof", {a, nullptr});
    EXPECT_EQ(r["storageProof"], json::array());
    check_result(r, state_root("latest"), accounts_[0].address);
}

TEST_F(ProofNodeTest, BlockParameterForms)
{
    const Address c = deploy();
    store(c, U256{3}, U256{33});
    const json head = result(port_, "eth_getBlockByNumber", {"latest", false});
    const Hash256 root = h256(head["stateRoot"]);
    const json keys = json::array({"0x3"});
    for (const json& block : {json("latest"), json("pending"), json("safe"), json("finalized"),
                              head["number"], head["hash"], json{{"blockHash", head["hash"]}},
                              json{{"blockHash", head["hash"]}, {"requireCanonical", true}},
                              json{{"blockNumber", head["number"]}}})
    {
        const json r = proof(c, keys, block);
        check_result(r, root, c);
        EXPECT_EQ(r["storageProof"][0]["value"], "0x21") << block.dump();
    }
}

TEST_F(ProofNodeTest, PastBlocksWithoutTrackerNeedAnEarlierProof)
{
    const Address c = deploy();
    store(c, U256{1}, U256{10});
    const json b2 = result(port_, "eth_blockNumber", json::array());
    const json at2 = proof(c, json::array({"0x1"}), b2);  // proven while latest
    store(c, U256{1}, U256{20});
    store(c, U256{2}, U256{30});

    // Block 2 again: from the snapshot taken when it was the head; still verifies against
    // block 2's root and shows the old value.
    const json again = proof(c, json::array({"0x1"}), b2);
    EXPECT_EQ(again, at2);
    check_result(again, state_root(b2), c);
    EXPECT_EQ(again["storageProof"][0]["value"], "0xa");

    // Block 3 was never the head when asked: not provable without the node's tracker.
    const auto e = error(json::array({to_hex(c.view()), json::array(), "0x3"}));
    EXPECT_EQ(e["code"], -32000);
    EXPECT_EQ(e["message"],
              "proof not available for block 3: only the latest block can be proven (and blocks "
              "proven while they were the latest)");

    const json now = proof(c, json::array({"0x1", "0x2"}));
    check_result(now, state_root("latest"), c);
    EXPECT_EQ(now["storageProof"][0]["value"], "0x14");
    EXPECT_EQ(now["storageProof"][1]["value"], "0x1e");
}

/// Readers prove the latest state on three threads while 15 blocks are mined.
void ProofNodeTest::concurrent_proofs_while_mining()
{
    const Address c = deploy();
    std::atomic<bool> stop{false};
    std::atomic<int> verified{0};
    std::mutex errors_mutex;
    std::vector<std::string> errors;
    const auto failed = [&](std::string why) {
        std::lock_guard lock{errors_mutex};
        errors.push_back(std::move(why));
    };
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t)
        readers.emplace_back([&] {
            while (!stop)
                try
                {
                    // A proof of the latest state: it must verify against the root of one of
                    // the blocks that were the head while it was asked for.
                    const uint64_t n0 = qty(result(port_, "eth_blockNumber", json::array()));
                    const json r = proof(c, json::array({"0x1", "0x2"}));
                    const uint64_t n1 = qty(result(port_, "eth_blockNumber", json::array()));
                    bool ok = false;
                    for (uint64_t n = n0; n <= n1 && !ok; ++n)
                    {
                        const auto acc = verify_proof(state_root(qty_hex(n)), keccak256(c.view()),
                                                      r["accountProof"]);
                        ok = acc.ok && acc.value;
                    }
                    if (!ok)
                        failed("account proof verifies at no block in " + std::to_string(n0) +
                               ".." + std::to_string(n1));
                    for (const auto& s : r["storageProof"])
                        if (!verify_proof(h256(r["storageHash"]),
                                          keccak256(u256(s["key"]).to_hash().view()), s["proof"])
                                 .ok)
                            failed("storage proof does not verify");
                    ++verified;
                }
                catch (const std::exception& e)
                {
                    failed(e.what());
                }
        });
    for (uint64_t i = 1; i <= 15; ++i)
        store(c, U256{1 + i % 2}, U256{i});
    stop = true;
    for (auto& t : readers)
        t.join();
    EXPECT_TRUE(errors.empty()) << errors.size() << " failures, first: " << errors.front();
    EXPECT_GT(verified, 0);
}

TEST_F(ProofNodeTest, ConcurrentProofsWhileMining)
{
    concurrent_proofs_while_mining();
}

/// The node as `tern dev` runs it: eth_getProof wired by Node::start() with the head tracker.
class WiredProofNodeTest : public ProofNodeTest
{
protected:
    void SetUp() override
    {
        node_ = std::make_unique<Node>(test_config());
        const auto r = node_->start();
        ASSERT_TRUE(r) << r.error();
        port_ = *r;
        accounts_ = chain::default_dev_accounts();
    }
};

TEST_F(WiredProofNodeTest, EveryBlockSinceStartIsProvable)
{
    const Address c = deploy();  // block 1
    for (uint64_t i = 1; i <= 5; ++i)
        store(c, U256{i % 3}, U256{i * 11});  // blocks 2..6
    const json keys = json::array({"0x0", "0x1", "0x2"});
    // What each slot holds after block n.
    const auto expected = [](uint64_t n, uint64_t slot) -> uint64_t {
        uint64_t v = 0;
        for (uint64_t i = 1; i + 1 <= n && i <= 5; ++i)
            if (i % 3 == slot)
                v = i * 11;
        return v;
    };
    for (uint64_t n = 0; n <= 6; ++n)
    {
        const json block = qty_hex(n);
        const Hash256 root = state_root(block);
        const json r = proof(c, keys, block);
        check_result(r, root, c);
        if (n == 0)
        {
            EXPECT_EQ(h256(r["codeHash"]), Hash256{}) << "no contract at genesis";
        }
        for (uint64_t slot = 0; slot < 3; ++slot)
            EXPECT_EQ(u256(r["storageProof"][slot]["value"]), U256{expected(n, slot)})
                << "block " << n << " slot " << slot;
        check_result(proof(accounts_[0].address, json::array(), block), root, accounts_[0].address);
    }
}

TEST_F(WiredProofNodeTest, ConcurrentProofsWhileMining)
{
    concurrent_proofs_while_mining();
}

// ---- ProofService over a database and a tracker (the node's wiring) ----

class TrackerProofTest : public ::testing::Test
{
protected:
    static constexpr size_t kSnapshots = 4;

    void SetUp() override
    {
        auto db = db::ChainDb::open(db::testing::opts("", 3));
        ASSERT_TRUE(db);
        db_ = std::move(*db);
        // Genesis: accounts 1..20 with balances, account 1 with storage.
        state::StateDiff alloc;
        for (uint64_t i = 1; i <= 20; ++i)
        {
            auto& d = alloc.accounts[addr(i)];
            d.address = addr(i);
            d.info.balance = U256{i * 100};
        }
        for (uint64_t s = 0; s < 10; ++s)
            alloc.accounts[addr(1)].storage[U256{s}] = U256{s + 1};
        tracker_.stage(alloc, chain::EmptyStateSource{});
        tracker_.commit();
        chain::Block g = db::testing::make_genesis();
        g.header.state_root = tracker_.root();
        ASSERT_TRUE(db_->init_genesis(g, alloc));
        headers_.push_back(g.header);
        service_ = std::make_unique<ProofService>(*db_, mutex_, &tracker_, kSnapshots);
        service_->record_block(0, g.header.hash(), g.header.state_root);
    }

    static Address addr(uint64_t n) { return address_from_u64(0x5000 + n); }

    /// Commits a block that sets account `a`'s balance to `balance` and slot `slot` to `value`.
    void commit(uint64_t a, uint64_t balance, uint64_t slot, uint64_t value)
    {
        state::StateDiff diff;
        auto& d = diff.accounts[addr(a)];
        d.address = addr(a);
        d.info.balance = U256{balance};
        d.storage[U256{slot}] = U256{value};
        std::vector<execution::Receipt> receipts;
        chain::Block b = db::testing::make_block(headers_.back(), 0, receipts);
        {
            std::unique_lock lock{mutex_};
            b.header.state_root = tracker_.stage(diff, *db_);
            ASSERT_TRUE(db_->commit_block(b, receipts, diff));
            tracker_.commit();
        }
        headers_.push_back(b.header);
        service_->record_block(b.header.number, b.header.hash(), b.header.state_root);
    }

    json prove(uint64_t a, uint64_t block, const json& keys)
    {
        return service_->get_proof(
            json::array({to_hex(addr(a).view()), keys, U256{block}.to_hex()}));
    }

    std::unique_ptr<db::ChainDb> db_;
    std::shared_mutex mutex_;
    chain::StateRootTracker tracker_;
    std::unique_ptr<ProofService> service_;
    std::vector<chain::BlockHeader> headers_;
};

TEST_F(TrackerProofTest, EveryRecentBlockIsProvable)
{
    for (uint64_t n = 1; n <= 3; ++n)
        commit(1, 1000 + n, 0, 50 + n);
    for (uint64_t n = 0; n <= 3; ++n)
    {
        const json r = prove(1, n, json::array({"0x0", "0x5", "0x63"}));
        check_result(r, headers_[n].state_root, addr(1));
        EXPECT_EQ(u256(r["balance"]), U256{n == 0 ? 100 : 1000 + n});
        EXPECT_EQ(u256(r["storageProof"][0]["value"]), U256{n == 0 ? 1 : 50 + n});
        EXPECT_EQ(r["storageProof"][1]["value"], "0x6");
        EXPECT_EQ(r["storageProof"][2]["value"], "0x0");
        // An untouched account and a missing one, at the same block.
        check_result(prove(7, n, json::array({"0x0"})), headers_[n].state_root, addr(7));
        check_result(prove(99, n, json::array()), headers_[n].state_root, addr(99));
    }
    EXPECT_EQ(service_->snapshot_blocks(), (std::vector<uint64_t>{0, 1, 2, 3}));
}

TEST_F(TrackerProofTest, OldBlocksLeaveWithTheHistoryWindow)
{
    for (uint64_t n = 1; n <= 6; ++n)
        commit(2, 2000 + n, n, n);
    // History of 3 blocks: 3..6 readable; snapshots follow it.
    EXPECT_EQ(service_->snapshot_blocks(), (std::vector<uint64_t>{3, 4, 5, 6}));
    for (uint64_t n = 3; n <= 6; ++n)
        check_result(prove(2, n, json::array({U256{n}.to_hex()})), headers_[n].state_root, addr(2));
    try
    {
        prove(2, 1, json::array());
        FAIL() << "block 1 is outside the window";
    }
    catch (const rpc::Error& e)
    {
        EXPECT_EQ(e.code, -32000);
        EXPECT_EQ(e.message, "historical state not available");
    }
}

TEST_F(TrackerProofTest, StaleRecordIsIgnored)
{
    commit(3, 1, 0, 1);
    commit(3, 2, 0, 2);
    // A late notification for block 1 (the head is 2 now) must not record the head's trie.
    service_->record_block(1, headers_[1].hash(), headers_[1].state_root);
    check_result(prove(3, 1, json::array({"0x0"})), headers_[1].state_root, addr(3));
    EXPECT_EQ(u256(prove(3, 1, json::array({"0x0"}))["storageProof"][0]["value"]), U256{1});
}

TEST(ProofVerifier, RejectsTamperedProofs)
{
    // A trie with enough keys for a few levels.
    chain::PersistentTrie t;
    for (uint64_t i = 0; i < 300; ++i)
        t.put(keccak256(U256{i}.to_hash().view()), rlp::encode(Bytes{static_cast<uint8_t>(i + 1)}));
    const Hash256 root = t.root_hash();
    const Hash256 key = keccak256(U256{5}.to_hash().view());
    json proof = json::array();
    for (const auto& n : t.prove(key))
        proof.push_back(to_hex(n));
    const auto ok = verify_proof(root, key, proof);
    ASSERT_TRUE(ok.ok) << ok.error;
    EXPECT_EQ(*ok.value, rlp::encode(Bytes{6}));

    json dropped = proof;
    dropped.erase(dropped.size() - 1);
    EXPECT_FALSE(verify_proof(root, key, dropped).ok);
    json extra = proof;
    extra.push_back(proof[0]);
    EXPECT_FALSE(verify_proof(root, key, extra).ok);
    json flipped = proof;
    std::string last = flipped.back().get<std::string>();
    last.back() = last.back() == '0' ? '1' : '0';
    flipped.back() = last;
    EXPECT_FALSE(verify_proof(root, key, flipped).ok);
    EXPECT_FALSE(verify_proof(keccak256(Bytes{1}), key, proof).ok);
    // The proof of another key does not prove this one.
    const auto other = verify_proof(root, keccak256(U256{6}.to_hash().view()), proof);
    EXPECT_TRUE(!other.ok || !other.value || *other.value != *ok.value);
}

}  // namespace
