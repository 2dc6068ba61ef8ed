#include "consensus/comet_app.hpp"

#include "chain/state_root_tracker.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/rlp_encode.hpp"
#include "db/chain_db.hpp"
#include "node/big_stack_thread.hpp"
#include "node/engine.hpp"
#include "transaction/codec.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <unordered_map>

namespace tern::consensus {
namespace {

BytesView view_of(const std::string& s) noexcept
{
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string to_string_bytes(BytesView b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Block time of a request in whole seconds (before 1970: 0).
uint64_t seconds_of(const google::protobuf::Timestamp& t) noexcept
{
    return t.seconds() > 0 ? static_cast<uint64_t>(t.seconds()) : 0;
}

pb::ResponseCheckTx check_error(TxCode code, std::string log)
{
    pb::ResponseCheckTx r;
    r.set_code(static_cast<uint32_t>(code));
    r.set_log(std::move(log));
    r.set_codespace("tern");
    return r;
}

/// RLP of a 256-bit value as an integer (no leading zeros).
void encode_u256(Bytes& out, const U256& v)
{
    const Hash256 h = v.to_hash();
    rlp::encode_bytes(out, rlp::trim_leading_zeros(h.view()));
}

}  // namespace

CometApp::CometApp(CometAppConfig config,
                   node::BlockProducer& producer,
                   db::ChainDb& db,
                   txpool::TxPool& pool,
                   chain::StateRootTracker& tracker,
                   std::shared_mutex& chain_mutex)
    : config_(std::move(config)),
      producer_(producer),
      db_(db),
      pool_(pool),
      tracker_(tracker),
      chain_mutex_(chain_mutex)
{}

CometApp::~CometApp() = default;

Result<txpool::PooledTxPtr, std::string> CometApp::decode(const std::string& raw) const
{
    const BytesView bytes = view_of(raw);
    const Hash256 hash = keccak256(bytes);
    if (auto pooled = pool_.get(hash))
        return pooled;
    auto tx = decode_transaction(bytes);
    if (!tx)
    {
        if (tx.error().code == TxErrorCode::UnsupportedType)
            return std::string("transaction type not supported");
        return tx.error().message();
    }
    if (transaction_hash(*tx) != hash)
        return std::string("transaction encoding is not canonical");
    auto sender = node::recover_sender_for_rpc(*tx, producer_.chain_config().chain_id);
    if (!sender)
        return sender.error();
    auto p = std::make_shared<txpool::PooledTransaction>();
    p->tx = std::move(*tx);
    p->sender = *sender;
    p->hash = hash;
    p->size = raw.size();
    return txpool::PooledTxPtr(std::move(p));
}

pb::ResponseInfo CometApp::info(const pb::RequestInfo&)
{
    std::shared_lock lock{chain_mutex_};
    pb::ResponseInfo r;
    r.set_data("tern");
    r.set_version("tern");
    const uint64_t height = db_.head_number();
    r.set_last_block_height(static_cast<int64_t>(height));
    if (height > 0)
    {
        const auto header = db_.header(height);
        if (!header)
            throw std::runtime_error("database: head header missing");
        r.set_last_block_app_hash(to_string_bytes(header->state_root.view()));
    }
    return r;
}

pb::ResponseInitChain CometApp::init_chain(const pb::RequestInitChain& req)
{
    // Ethereum block number == CometBFT height needs the chain to start at height 1.
    if (req.initial_height() > 1)
        throw std::runtime_error("tern needs initial_height 1 (block number = height), got " +
                                 std::to_string(req.initial_height()));
    std::shared_lock lock{chain_mutex_};
    if (db_.head_number() != 0)
        throw std::runtime_error("InitChain on a database that already has blocks");
    const auto genesis = db_.header(0);
    if (!genesis)
        throw std::runtime_error("database: genesis header missing");
    pb::ResponseInitChain r;
    r.set_app_hash(to_string_bytes(genesis->state_root.view()));
    return r;
}

pb::ResponseCheckTx CometApp::check_tx(const pb::RequestCheckTx& req)
{
    if (req.type() == pb::RECHECK)
        return recheck(req.tx());
    return check_new(req.tx());
}

pb::ResponseCheckTx CometApp::check_new(const std::string& raw)
{
    const Hash256 hash = keccak256(view_of(raw));
    if (const auto pooled = pool_.get(hash))
    {
        pb::ResponseCheckTx ok;  // mirrored already
        ok.set_gas_wanted(static_cast<int64_t>(pooled->tx.gas_limit));
        return ok;
    }
    auto decoded = decode(raw);
    if (!decoded)
        return check_error(TxCode::Undecodable, decoded.error());
    const auto& ptx = *decoded;
    std::shared_lock lock{chain_mutex_};
    const auto head = db_.head_state();
    const auto account = head->read_account(ptx->sender);
    const uint64_t state_nonce = account ? account->nonce : 0;
    const uint64_t next = std::max(state_nonce, pool_.pending_nonce(ptx->sender).value_or(0));
    if (ptx->tx.nonce > next && ptx->tx.nonce - next > config_.nonce_window)
        return check_error(TxCode::NonceGap, "nonce too high: next nonce " + std::to_string(next) +
                                                 ", tx nonce " + std::to_string(ptx->tx.nonce));
    auto added = pool_.add(ptx->tx, ptx->sender, *head);
    if (!added)
        return check_error(TxCode::Rejected, added.error().message);
    pb::ResponseCheckTx ok;
    ok.set_gas_wanted(static_cast<int64_t>(ptx->tx.gas_limit));
    return ok;
}

pb::ResponseCheckTx CometApp::recheck(const std::string& raw)
{
    const Hash256 hash = keccak256(view_of(raw));
    const auto pooled = pool_.get(hash);
    if (!pooled)
    {
        // Not mirrored (dropped by the pool, or never admitted here): check it afresh.
        std::lock_guard lock{gap_mutex_};
        gap_rechecks_.erase(hash);
    }
    if (!pooled)
        return check_new(raw);
    // Pending = within the sender's run from its state nonce (O(log n), no content copy).
    const auto next = pool_.pending_nonce(pooled->sender);
    const bool queued = !next || pooled->tx.nonce >= *next;
    pb::ResponseCheckTx ok;
    ok.set_gas_wanted(static_cast<int64_t>(pooled->tx.gas_limit));
    std::lock_guard lock{gap_mutex_};
    if (!queued)
    {
        gap_rechecks_.erase(hash);
        return ok;
    }
    if (++gap_rechecks_[hash] <= config_.max_gap_rechecks)
        return ok;
    gap_rechecks_.erase(hash);
    pool_.remove(hash);
    return check_error(TxCode::NonceGap, "nonce gap not filled after " +
                                             std::to_string(config_.max_gap_rechecks) + " blocks");
}

pb::ResponsePrepareProposal CometApp::prepare_proposal(const pb::RequestPrepareProposal& req)
{
    std::vector<txpool::PooledTxPtr> candidates;
    std::unordered_map<const txpool::PooledTransaction*, int> index;
    candidates.reserve(static_cast<size_t>(req.txs_size()));
    for (int i = 0; i < req.txs_size(); ++i)
    {
        auto d = decode(req.txs(i));
        if (!d)
            continue;  // never proposed
        if (index.emplace(d->get(), i).second)
            candidates.push_back(std::move(*d));
    }
    std::vector<txpool::PooledTxPtr> chosen;
    {
        std::shared_lock lock{chain_mutex_};
        const auto head = db_.head_state();
        const auto ordered = node::order_transactions(candidates, *head);
        const size_t max_bytes =
            req.max_tx_bytes() > 0 ? static_cast<size_t>(req.max_tx_bytes()) : SIZE_MAX;
        chosen = node::fit_transactions(ordered, producer_.chain_config().gas_limit, max_bytes,
                                        [](const txpool::PooledTransaction& p) {
                                            return node::comet_tx_overhead_size(p.size);
                                        });
    }
    pb::ResponsePrepareProposal r;
    for (const auto& p : chosen)
        *r.add_txs() = req.txs(index.at(p.get()));
    return r;
}

pb::ResponseProcessProposal CometApp::process_proposal(const pb::RequestProcessProposal& req)
{
    pb::ResponseProcessProposal r;
    r.set_status(pb::ResponseProcessProposal::REJECT);
    std::vector<txpool::PooledTxPtr> txs;
    txs.reserve(static_cast<size_t>(req.txs_size()));
    for (const auto& raw : req.txs())
    {
        auto d = decode(raw);
        if (!d || (*d)->tx.type == TxType::Blob || (*d)->tx.type == TxType::SetCode)
            return r;
        txs.push_back(std::move(*d));
    }
    std::shared_lock lock{chain_mutex_};
    if (static_cast<uint64_t>(req.height()) != db_.head_number() + 1)
        return r;
    const auto head = db_.head_state();
    std::map<Address, uint64_t> next_nonce;
    uint64_t gas = 0;
    for (const auto& p : txs)
    {
        auto it = next_nonce.find(p->sender);
        if (it == next_nonce.end())
        {
            const auto account = head->read_account(p->sender);
            it = next_nonce.emplace(p->sender, account ? account->nonce : 0).first;
        }
        if (p->tx.nonce != it->second)
            return r;  // out of order, a gap, or a duplicate
        ++it->second;
        gas += p->tx.gas_limit;
        if (gas > producer_.chain_config().gas_limit)
            return r;
    }
    r.set_status(pb::ResponseProcessProposal::ACCEPT);
    return r;
}

pb::ResponseFinalizeBlock CometApp::finalize_block(const pb::RequestFinalizeBlock& req)
{
    const uint64_t height = static_cast<uint64_t>(req.height());
    std::vector<txpool::PooledTxPtr> txs;
    std::vector<std::optional<std::string>> decode_errors(static_cast<size_t>(req.txs_size()));
    for (int i = 0; i < req.txs_size(); ++i)
    {
        auto d = decode(req.txs(i));
        if (d)
            txs.push_back(std::move(*d));
        else
            decode_errors[static_cast<size_t>(i)] = d.error();
    }
    pb::ResponseFinalizeBlock r;
    {
        std::unique_lock lock{chain_mutex_};
        if (finalized_)
        {
            producer_.discard();  // finalized again without a Commit (should not happen)
            finalized_.reset();
        }
        if (height != db_.head_number() + 1)
            throw std::runtime_error("FinalizeBlock for height " + std::to_string(height) +
                                     ", but the committed head is block " +
                                     std::to_string(db_.head_number()));
        // The ABCI connection thread has a normal stack; EVM calls nest 1024 deep.
        node::ExecutedBlock executed;
        node::run_with_big_stack(
            [&] { executed = producer_.execute(seconds_of(req.time()), txs); });
        size_t k = 0;  // index into txs / executed.outcomes
        for (int i = 0; i < req.txs_size(); ++i)
        {
            auto* res = r.add_tx_results();
            res->set_codespace("tern");
            if (decode_errors[static_cast<size_t>(i)])
            {
                res->set_code(static_cast<uint32_t>(TxCode::Undecodable));
                res->set_log(*decode_errors[static_cast<size_t>(i)]);
                continue;
            }
            const auto& p = txs[k];
            const auto& outcome = executed.outcomes[k];
            ++k;
            res->set_gas_wanted(static_cast<int64_t>(p->tx.gas_limit));
            if (outcome)
            {
                res->set_code(static_cast<uint32_t>(TxCode::Excluded));
                res->set_log(outcome->message());
                continue;
            }
            res->set_codespace("");
            res->set_data(to_string_bytes(p->hash.view()));
        }
        // Gas used per included transaction, from the cumulative receipts.
        uint64_t prev = 0;
        size_t receipt = 0;
        for (int i = 0; i < r.tx_results_size(); ++i)
        {
            auto* res = r.mutable_tx_results(i);
            if (res->code() != 0)
                continue;
            const uint64_t cumulative = executed.built.receipts[receipt++].cumulative_gas_used;
            res->set_gas_used(static_cast<int64_t>(cumulative - prev));
            prev = cumulative;
        }
        r.set_app_hash(to_string_bytes(executed.built.block.header.state_root.view()));
        finalized_ = std::move(executed);
        finalized_height_ = height;
    }
    return r;
}

pb::ResponseCommit CometApp::commit(const pb::RequestCommit&)
{
    if (!finalized_)
        throw std::runtime_error("Commit without FinalizeBlock");
    if (config_.crash_before_commit_height &&
        *config_.crash_before_commit_height == finalized_height_)
        ::_exit(137);  // test hook: die between FinalizeBlock and Commit
    const uint64_t height = finalized_height_;
    Result<node::CommittedBlock, std::string> committed = std::string();
    {
        std::unique_lock lock{chain_mutex_};
        committed = producer_.commit(std::move(*finalized_));
        finalized_.reset();
    }
    if (!committed)
        throw std::runtime_error("committing block " + std::to_string(height) + ": " +
                                 committed.error());
    {
        // Entries of transactions that left the pool (included, replaced, dropped).
        std::lock_guard lock{gap_mutex_};
        std::erase_if(gap_rechecks_, [&](const auto& e) { return !pool_.contains(e.first); });
    }
    producer_.publish(*committed);
    for (const auto& l : commit_listeners_)
        l(*committed);
    pb::ResponseCommit r;
    if (config_.retain_blocks > 0 && height > config_.retain_blocks)
        r.set_retain_height(static_cast<int64_t>(height - config_.retain_blocks + 1));
    return r;
}

pb::ResponseQuery CometApp::query(const pb::RequestQuery& req)
{
    pb::ResponseQuery r;
    std::shared_lock lock{chain_mutex_};
    const uint64_t height = db_.head_number();
    r.set_height(static_cast<int64_t>(height));
    const std::string& path = req.path();
    Bytes payload;
    if (path == "/head")
    {
        const auto header = db_.header(height);
        if (!header)
            throw std::runtime_error("database: head header missing");
        rlp::encode_uint(payload, height);
        rlp::encode_bytes(payload, db_.head_hash().view());
        rlp::encode_bytes(payload, header->state_root.view());
        const Bytes v = rlp::wrap_list(payload);
        r.set_value(to_string_bytes(v));
        return r;
    }
    constexpr std::string_view kAccount = "/account/";
    if (path.starts_with(kAccount))
    {
        const auto addr = fixed_from_hex<Address>(std::string_view(path).substr(kAccount.size()));
        if (!addr || path.size() != kAccount.size() + 42)
        {
            r.set_code(1);
            r.set_log("bad address in path " + path);
            return r;
        }
        r.set_key(to_string_bytes(addr->view()));
        const auto account = db_.read_account(*addr);
        if (!account)
            return r;  // no account: empty value
        rlp::encode_uint(payload, account->nonce);
        encode_u256(payload, account->balance);
        rlp::encode_bytes(payload, tracker_.storage_root(*addr).value_or(kEmptyTrieRoot).view());
        rlp::encode_bytes(payload, account->code_hash.view());
        const Bytes v = rlp::wrap_list(payload);
        r.set_value(to_string_bytes(v));
        return r;
    }
    r.set_code(1);
    r.set_log("unknown query path " + path + " (known: /head, /account/0x<address>)");
    return r;
}

}  // namespace tern::consensus
