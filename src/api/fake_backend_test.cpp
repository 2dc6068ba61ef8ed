// The JSON-RPC handlers over an in-memory api::Backend: no database, no engine, no server.
// What a handler needs of a node is what Backend offers, so a fake one is enough to run them.

#include "api/backend.hpp"
#include "api/methods.hpp"
#include "api/services/call.hpp"
#include "api/services/keys.hpp"
#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "crypto/secp256k1.hpp"
#include "rpc/byte_budget.hpp"
#include "rpc/dispatcher.hpp"
#include "state/memory_backend.hpp"
#include "transaction/codec.hpp"

#include <gtest/gtest.h>

#include <map>
#include <shared_mutex>
#include <vector>

using namespace tern;
using namespace tern::api;
using nlohmann::json;

namespace {

/// Every account of `state`, in address order.
template <typename Visitor>
void visit_accounts(const state::MemoryBackend& state, const Visitor& fn)
{
    for (const auto& [a, acc] : state.accounts())
        fn(a, acc.info);
}

/// The storage of `a` in `state`, in slot order.
template <typename Visitor>
void visit_storage(const state::MemoryBackend& state, const Address& a, const Visitor& fn)
{
    if (const auto it = state.accounts().find(a); it != state.accounts().end())
        for (const auto& [k, v] : it->second.storage)
            fn(k, v);
}

/// A block's state: the in-memory accounts after it.
class FakeStateView final : public db::StateView
{
public:
    FakeStateView(const state::MemoryBackend& state, uint64_t number)
        : state_(state), number_(number)
    {}
    std::optional<state::AccountInfo> read_account(const Address& a) const override
    {
        return state_.read_account(a);
    }
    U256 read_storage(const Address& a, const U256& k) const override
    {
        return state_.read_storage(a, k);
    }
    bool has_storage(const Address& a) const override { return state_.has_storage(a); }
    state::CodePtr read_code(const Hash256& h) const override { return state_.read_code(h); }
    state::CodePtr read_blob(const Hash256& h) const override { return state_.read_blob(h); }
    uint64_t block_number() const noexcept override { return number_; }
    void for_each_storage(const Address& a, const db::StorageVisitor& fn) const override
    {
        visit_storage(state_, a, fn);
    }
    void for_each_blob(const db::BlobVisitor&) const override {}
    void for_each_account(const db::AccountVisitor& fn) const override
    {
        visit_accounts(state_, fn);
    }
    std::optional<Hash256> block_hash(uint64_t) const override { return std::nullopt; }

private:
    const state::MemoryBackend& state_;
    uint64_t number_;
};

/// A chain of headers-only blocks over one in-memory state (the same at every block).
class FakeChain final : public db::ChainReader
{
public:
    std::vector<chain::Block> blocks;
    state::MemoryBackend state;

    uint64_t head_number() const noexcept override { return blocks.size() - 1; }
    std::optional<chain::BlockHeader> header(uint64_t n) const override
    {
        if (n >= blocks.size())
            return std::nullopt;
        return blocks[n].header;
    }
    std::optional<chain::BlockHeader> header_by_hash(const Hash256& h) const override
    {
        const auto n = block_number(h);
        return n ? header(*n) : std::nullopt;
    }
    std::optional<Hash256> block_hash(uint64_t n) const override
    {
        if (n >= blocks.size())
            return std::nullopt;
        return blocks[n].header.hash();
    }
    std::optional<uint64_t> block_number(const Hash256& h) const override
    {
        for (uint64_t n = 0; n < blocks.size(); ++n)
            if (blocks[n].header.hash() == h)
                return n;
        return std::nullopt;
    }
    std::optional<size_t> transaction_count(uint64_t n) const override
    {
        if (n >= blocks.size())
            return std::nullopt;
        return blocks[n].transactions.size();
    }
    std::optional<chain::Block> block(uint64_t n) const override
    {
        if (n >= blocks.size())
            return std::nullopt;
        return blocks[n];
    }
    std::optional<std::vector<execution::Receipt>> receipts(uint64_t n,
                                                            db::codec::Blooms) const override
    {
        if (n >= blocks.size())
            return std::nullopt;
        return std::vector<execution::Receipt>{};
    }
    Result<std::optional<db::codec::ReceiptAt>, db::DbError> receipt_at(uint64_t,
                                                                        uint32_t) const override
    {
        return std::optional<db::codec::ReceiptAt>{};
    }
    std::optional<db::TxLookup> transaction(const Hash256&) const override { return std::nullopt; }
    std::optional<db::TxLookup> transaction_at(uint64_t, uint32_t) const override
    {
        return std::nullopt;
    }
    std::unique_ptr<db::StateView> head_state() const override
    {
        return std::make_unique<FakeStateView>(state, head_number());
    }
    Result<std::unique_ptr<db::StateView>, db::DbError> state_at(uint64_t n) const override
    {
        if (n > head_number())
            return db::DbError{db::DbErrorCode::HistoryUnavailable,
                               "historical state not available"};
        return std::unique_ptr<db::StateView>(std::make_unique<FakeStateView>(state, n));
    }
    uint64_t oldest_state_block() const noexcept override { return 0; }
    std::optional<state::AccountInfo> read_account(const Address& a) const override
    {
        return state.read_account(a);
    }
    U256 read_storage(const Address& a, const U256& k) const override
    {
        return state.read_storage(a, k);
    }
    bool has_storage(const Address& a) const override { return state.has_storage(a); }
    state::CodePtr read_code(const Hash256& h) const override { return state.read_code(h); }
    state::CodePtr read_blob(const Hash256& h) const override { return state.read_blob(h); }
    void for_each_account(const AccountVisitor& fn) const override { visit_accounts(state, fn); }
    void for_each_storage(const Address& a, const StorageVisitor& fn) const override
    {
        visit_storage(state, a, fn);
    }
};

/// A Backend with no node behind it: what the engine would get is recorded.
class FakeBackend final : public Backend
{
public:
    FakeChain fake_chain;
    chain::ChainConfig fake_rules;
    RpcLimits fake_limits;
    DevKeys fake_keys;
    std::vector<std::pair<Transaction, Address>> submitted;
    std::vector<std::optional<uint64_t>> mined;

    const db::ChainReader& chain() const override { return fake_chain; }
    const chain::ChainConfig& rules() const override { return fake_rules; }
    const RpcLimits& limits() const override { return fake_limits; }
    uint64_t state_history() const override { return 0; }
    std::shared_mutex& chain_mutex() override { return mutex_; }
    const chain::StateRootTracker* head_tracker() const override { return nullptr; }
    std::optional<uint64_t> pending_nonce(const Address&) const override { return std::nullopt; }
    txpool::PooledTxPtr pooled(const Hash256&) const override { return nullptr; }
    Result<Hash256, std::string> submit(Transaction tx,
                                        const Address& sender,
                                        rpc::CallContext*) override
    {
        const Hash256 hash = transaction_hash(tx);
        submitted.emplace_back(std::move(tx), sender);
        return hash;
    }
    Result<uint64_t, std::string> mine(std::optional<uint64_t> timestamp) override
    {
        mined.push_back(timestamp);
        return fake_chain.head_number() + 1;
    }
    const DevKeys& keys() const override { return fake_keys; }
    VmPool& vms() override { return vms_; }
    rpc::ByteBudget& trace_budget() override { return budget_; }
    void on_block(BlockListener listener) override
    {
        block_listeners.push_back(std::move(listener));
    }
    void on_pending(PendingListener listener) override
    {
        pending_listeners.push_back(std::move(listener));
    }

    std::vector<BlockListener> block_listeners;
    std::vector<PendingListener> pending_listeners;

private:
    std::shared_mutex mutex_;
    VmPool vms_;
    rpc::ByteBudget budget_{uint64_t{64} << 20};
};

const Address kRich = address_from_u64(0xaa);
const Address kContract = address_from_u64(0xc0de);

class FakeBackendTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        backend_.fake_rules.chain_id = 7777;
        backend_.fake_rules.base_fee = U256{1'000'000'000};
        backend_.fake_rules.min_gas_price = U256{3'000'000'000};
        for (uint64_t n = 0; n < 3; ++n)
        {
            chain::Block b;
            b.header.number = n;
            b.header.gas_limit = 30'000'000;
            b.header.timestamp = 1000 + n;
            b.header.base_fee = backend_.fake_rules.base_fee;
            if (n > 0)
                b.header.parent_hash = backend_.fake_chain.blocks.back().header.hash();
            backend_.fake_chain.blocks.push_back(b);
        }
        backend_.fake_chain.state.put_account(kRich, 5, U256{123'456}, {});
        // Returns 42 as a word: PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
        backend_.fake_chain.state.put_account(kContract, 1, U256{},
                                              from_hex("602a60005260206000f3").value());
        table_ = node_methods(backend_, dispatcher_);
        table_.install(dispatcher_);
    }

    /// The result of `method`; an error is rethrown after the test records its message.
    json call(std::string_view method, json params = json::array())
    {
        rpc::CallContext ctx;
        try
        {
            return dispatcher_.call(method, params, ctx);
        }
        catch (const rpc::Error& e)
        {
            last_error_ = e.message;
            throw;
        }
    }

    std::string last_error_;

    FakeBackend backend_;
    rpc::Dispatcher dispatcher_;
    MethodTable table_;
};

TEST_F(FakeBackendTest, ChainRulesComeFromTheBackend)
{
    EXPECT_EQ(call("eth_chainId"), "0x1e61");
    EXPECT_EQ(call("net_version"), "7777");
    // Fixed base fee 1 gwei, minimum price 3 gwei: the tip that reaches it is 2 gwei.
    EXPECT_EQ(call("eth_gasPrice"), "0xb2d05e00");
    EXPECT_EQ(call("eth_maxPriorityFeePerGas"), "0x77359400");
}

TEST_F(FakeBackendTest, BlocksAndStateComeFromTheBackend)
{
    EXPECT_EQ(call("eth_blockNumber"), "0x2");
    const json latest = call("eth_getBlockByNumber", {"latest", false});
    EXPECT_EQ(latest["number"], "0x2");
    EXPECT_EQ(latest["hash"], to_hex(backend_.fake_chain.blocks[2].header.hash().view()));
    EXPECT_TRUE(call("eth_getBlockByNumber", {"0x3", false}).is_null());
    EXPECT_EQ(call("eth_getBalance", {to_hex(kRich.view()), "latest"}), "0x1e240");
    EXPECT_EQ(call("eth_getTransactionCount", {to_hex(kRich.view()), "0x1"}), "0x5");
}

TEST_F(FakeBackendTest, CallsExecuteOnTheBackendState)
{
    const json r = call("eth_call", {{{"to", to_hex(kContract.view())}}, "latest"});
    EXPECT_EQ(r, "0x" + std::string(62, '0') + "2a");
}

TEST_F(FakeBackendTest, SendsGoToTheBackendWithTheRecoveredSender)
{
    const auto account = chain::default_dev_accounts()[0];
    const Hash256 key = account.secret_key;
    Transaction t;
    t.type = TxType::DynamicFee;
    t.chain_id = 7777;
    t.gas_limit = 21000;
    t.max_fee_per_gas = U256{3'000'000'000};
    t.to = kRich;
    const auto sig = crypto::sign(signing_hash(t), key);
    ASSERT_TRUE(sig);
    t.y_parity = sig->recovery_id;
    t.r = U256::from_hash(sig->r);
    t.s = U256::from_hash(sig->s);
    const json hash = call("eth_sendRawTransaction", {to_hex(encode_transaction(t))});
    ASSERT_EQ(backend_.submitted.size(), 1u);
    EXPECT_EQ(hash, to_hex(transaction_hash(t).view()));
    EXPECT_EQ(backend_.submitted[0].second, account.address);
    // Another chain's transaction never reaches the backend.
    t.chain_id = 1;
    EXPECT_THROW(call("eth_sendRawTransaction", {to_hex(encode_transaction(t))}), rpc::Error);
    EXPECT_EQ(backend_.submitted.size(), 1u);
    EXPECT_EQ(call("evm_mine"), "0x0");
    EXPECT_EQ(backend_.mined.size(), 1u);
}

// The one table: every namespace a node serves, each method once, with its lane.
TEST_F(FakeBackendTest, TheTableHasEveryNamespaceAndTheHeavyLanes)
{
    EXPECT_EQ(table_.namespaces(),
              (std::vector<std::string>{"debug", "eth", "evm", "net", "personal", "web3"}));
    std::map<std::string, int> seen;
    for (const auto& m : table_.methods())
        ++seen[m.name];
    for (const auto& [name, count] : seen)
        EXPECT_EQ(count, 1) << name;
    for (const char* m :
         {"eth_call", "eth_estimateGas", "eth_createAccessList", "eth_getLogs", "eth_getFilterLogs",
          "eth_getProof", "debug_traceCall", "debug_traceTransaction", "debug_traceBlockByNumber",
          "debug_traceBlockByHash"})
        EXPECT_EQ(dispatcher_.cost(m), rpc::Cost::Heavy) << m;
    EXPECT_EQ(dispatcher_.cost("eth_blockNumber"), rpc::Cost::Cheap);
    // The filter and subscription families listen to the backend's events.
    EXPECT_EQ(backend_.pending_listeners.size(), 2u);
    EXPECT_EQ(backend_.block_listeners.size(), 1u);  // newHeads/logs (no tracker: no proofs)
}

// geth's --http.api over the table: what is left out answers "method not found".
TEST_F(FakeBackendTest, SelectNamespacesKeepsTheListedOnes)
{
    const auto notices = select_namespaces(dispatcher_, {"eth", "nosuch"});
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("no namespace 'nosuch'"), std::string::npos);
    EXPECT_EQ(served_namespaces(dispatcher_), (std::vector<std::string>{"eth", "rpc"}));
    EXPECT_EQ(call("rpc_modules"), json::parse(R"({"eth":"1.0","rpc":"1.0"})"));
    EXPECT_THROW(call("net_version"), rpc::Error);
}

}  // namespace
