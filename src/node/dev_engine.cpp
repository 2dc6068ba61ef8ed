#include "node/dev_engine.hpp"

#include "chain/genesis.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "db/chain_db.hpp"
#include "evm/vm.hpp"
#include "execution/host.hpp"
#include "execution/transition.hpp"
#include "node/head_root.hpp"
#include "state/state.hpp"
#include "transaction/codec.hpp"
#include "txpool/txpool.hpp"

#include <chrono>
#include <cstdio>

namespace tern::node {
namespace {

/// EIP-4788 SYSTEM_ADDRESS: the caller of the beacon roots system call.
constexpr Address kSystemAddress = [] {
    Address a;
    for (size_t i = 0; i < 19; ++i)
        a.bytes[i] = 0xff;
    a.bytes[19] = 0xfe;
    return a;
}();

/// Gas of the EIP-4788 system call.
constexpr int64_t kSystemCallGas = 30'000'000;

uint64_t wall_clock_seconds()
{
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

/// EIP-4788: at the start of the block, store the parent beacon block root (through the
/// contract's own code) if the contract exists.
void beacon_root_system_call(state::State& state,
                             evm::Vm& vm,
                             const execution::BlockEnv& env,
                             const Hash256& beacon_root)
{
    if (state.code_hash(chain::kBeaconRootsAddress) == kEmptyCodeHash)
        return;
    evm::TxContext ctx;
    ctx.origin = kSystemAddress;
    ctx.coinbase = env.coinbase;
    ctx.block_number = env.number;
    ctx.block_timestamp = env.timestamp;
    ctx.block_gas_limit = env.gas_limit;
    ctx.prev_randao = env.prev_randao;
    ctx.chain_id = env.chain_id;
    ctx.base_fee = env.base_fee;
    ctx.blob_base_fee = execution::blob_base_fee(env.excess_blob_gas);
    execution::ExecHost host{state, vm, ctx, env};
    state.access_account(chain::kBeaconRootsAddress);
    evm::Message msg;
    msg.kind = evm::CallKind::Call;
    msg.gas = kSystemCallGas;
    msg.recipient = chain::kBeaconRootsAddress;
    msg.code_address = chain::kBeaconRootsAddress;
    msg.sender = kSystemAddress;
    msg.input = beacon_root.view();
    (void)host.call(msg);
    state.finalize_transaction();
}

}  // namespace

DevEngine::DevEngine(const NodeConfig& config,
                     const chain::ChainConfig& chain_config,
                     db::ChainDb& db,
                     txpool::TxPool& pool,
                     HeadRoot& root,
                     std::shared_mutex& chain_mutex)
    : config_(config),
      chain_config_(chain_config),
      db_(db),
      pool_(pool),
      root_(root),
      chain_mutex_(chain_mutex),
      vm_(std::make_unique<evm::Vm>())
{}

DevEngine::~DevEngine()
{
    stop();
}

void DevEngine::start()
{
    std::lock_guard lock{mutex_};
    if (thread_.joinable())
        return;
    stopping_ = false;
    // Sealing runs deep EVM recursion (1024 nested calls): give the thread a large stack.
    thread_ = BigStackThread([this] { run(); });
}

void DevEngine::stop()
{
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_all();
    committed_.notify_all();
    thread_.join();
}

void DevEngine::notify()
{
    {
        std::lock_guard lock{mutex_};
        work_ = true;
    }
    wake_.notify_one();
}

bool DevEngine::wait_processed(const Hash256& hash, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock{mutex_};
    while (pool_.contains(hash))
    {
        if (stopping_)
            return false;
        if (committed_.wait_until(lock, deadline) == std::cv_status::timeout)
            return !pool_.contains(hash);
    }
    return true;
}

void DevEngine::on_block(BlockListener listener)
{
    listeners_.push_back(std::move(listener));
}

uint64_t DevEngine::sealed() const
{
    std::lock_guard lock{mutex_};
    return sealed_;
}

bool DevEngine::has_pending() const
{
    return !pool_.pending(1).empty();
}

void DevEngine::run()
{
    const bool automine = config_.block_time == 0;
    auto next_tick = std::chrono::steady_clock::now() + std::chrono::seconds(config_.block_time);
    while (true)
    {
        {
            std::unique_lock lock{mutex_};
            if (automine)
                wake_.wait(lock, [&] { return stopping_ || work_; });
            else
                wake_.wait_until(lock, next_tick, [&] { return stopping_; });
            if (stopping_)
                return;
            work_ = false;
        }
        if (automine)
        {
            // Seal until nothing executable is left (a full block leaves the rest for the next).
            while (has_pending())
            {
                const auto r = seal(std::nullopt);
                if (!r)
                {
                    std::fprintf(stderr, "sealing a block failed: %s\n", r.error().c_str());
                    break;
                }
                std::lock_guard lock{mutex_};
                if (stopping_)
                    return;
            }
        }
        else
        {
            const auto r = seal(std::nullopt);
            if (!r)
                std::fprintf(stderr, "sealing a block failed: %s\n", r.error().c_str());
            next_tick += std::chrono::seconds(config_.block_time);
            const auto now = std::chrono::steady_clock::now();
            if (next_tick < now)
                next_tick = now;
        }
    }
}

Result<uint64_t, std::string> DevEngine::mine(std::optional<uint64_t> timestamp)
{
    return seal(timestamp);
}

Result<uint64_t, std::string> DevEngine::seal(std::optional<uint64_t> timestamp)
{
    std::lock_guard seal_lock{seal_mutex_};
    CommittedBlock out;
    std::vector<Hash256> dropped;
    {
        std::unique_lock chain_lock{chain_mutex_};
        const uint64_t parent_number = db_.head_number();
        const auto parent = db_.header(parent_number);
        if (!parent)
            return std::string("head header missing");
        const Hash256 parent_hash = parent->hash();

        chain::BlockHeader& h = out.block.header;
        h.parent_hash = parent_hash;
        h.coinbase = chain_config_.coinbase;
        h.number = parent_number + 1;
        h.gas_limit = chain_config_.gas_limit;
        h.timestamp = std::max(timestamp.value_or(wall_clock_seconds()), parent->timestamp);
        h.mix_hash = keccak256(parent_hash.view());
        h.base_fee = chain_config_.base_fee_rule == chain::BaseFeeRule::Fixed
                         ? chain_config_.base_fee
                         : chain::eip1559_next_base_fee(*parent);
        h.excess_blob_gas = chain::next_excess_blob_gas(*parent);

        execution::BlockEnv env;
        env.coinbase = h.coinbase;
        env.number = static_cast<int64_t>(h.number);
        env.timestamp = static_cast<int64_t>(h.timestamp);
        env.gas_limit = static_cast<int64_t>(h.gas_limit);
        env.prev_randao = h.mix_hash;
        env.base_fee = h.base_fee;
        env.excess_blob_gas = h.excess_blob_gas;
        env.chain_id = U256{chain_config_.chain_id};
        db::ChainDb* db = &db_;
        env.block_hash = [db](int64_t n) {
            const auto bh = db->block_hash(static_cast<uint64_t>(n));
            return bh ? *bh : Hash256{};
        };

        const auto head_view = db_.head_state();
        state::State state{*head_view};
        beacon_root_system_call(state, *vm_, env, h.parent_beacon_block_root);

        const auto candidates = pool_.pending(SIZE_MAX, h.gas_limit);
        uint64_t gas_used = 0;
        for (const auto& p : candidates)
        {
            if (h.gas_limit - gas_used < 21000)
                break;
            auto r = execution::apply_transaction(state, env, p->tx, p->sender, *vm_, gas_used);
            if (!r)
            {
                if (r.error().kind == execution::InvalidTxKind::GasLimitExceedsBlock)
                    continue;  // next block
                dropped.push_back(p->hash);
                continue;
            }
            gas_used = r->cumulative_gas_used;
            out.block.transactions.push_back(p->tx);
            out.block.senders.push_back(p->sender);
            out.tx_hashes.push_back(p->hash);
            out.receipts.push_back(std::move(*r));
        }
        const state::StateDiff diff = state.commit();
        auto staged = root_.stage(diff);
        h.state_root = staged.root;
        h.transactions_root = chain::transactions_root(out.block.transactions);
        h.receipts_root = chain::receipts_root(out.receipts);
        h.logs_bloom = chain::block_bloom(out.receipts);
        h.gas_used = gas_used;
        const auto committed = db_.commit_block(out.block, out.receipts, diff);
        if (!committed)
            return committed.error().message;
        root_.adopt(std::move(staged));
        out.hash = h.hash();

        for (const auto& hash : dropped)
            pool_.remove(hash);
        const auto new_head = db_.head_state();
        txpool::ChainHead next;
        next.base_fee = chain_config_.base_fee_rule == chain::BaseFeeRule::Fixed
                            ? chain_config_.base_fee
                            : chain::eip1559_next_base_fee(h);
        next.gas_limit = chain_config_.gas_limit;
        pool_.remove_included(*new_head, next, out.block.senders);
    }
    {
        std::lock_guard lock{mutex_};
        ++sealed_;
    }
    committed_.notify_all();
    for (const auto& l : listeners_)
        l(out);
    return out.block.header.number;
}

}  // namespace tern::node
