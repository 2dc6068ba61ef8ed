#include "consensus/comet_app.hpp"

#include "chain/genesis.hpp"
#include "chain/state_root_tracker.hpp"
#include "consensus/bundle.hpp"
#include "consensus/comet_tx_size.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/rlp_encode.hpp"
#include "db/chain_db.hpp"
#include "node/big_stack_thread.hpp"
#include "node/chain_features.hpp"
#include "node/engine.hpp"
#include "producer/sender_quota.hpp"
#include "transaction/codec.hpp"
#include "txpool/recover_sender.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace tern::consensus {
namespace {

BytesView view_of(std::string_view s) noexcept
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

bool changes_app_hash(const chain::BlockHeader& header, const chain::BlockHeader& parent)
{
    return header.transactions_root != kEmptyTrieRoot || header.state_root != parent.state_root;
}

std::pair<uint64_t, Hash256> app_hash_block(const db::ChainDb& db)
{
    uint64_t n = db.head_number();
    auto header = db.header(n);
    while (true)
    {
        if (!header)
            throw std::runtime_error("database: header of block " + std::to_string(n) + " missing");
        if (n == 0)
            return {0, header->hash()};
        auto parent = db.header(n - 1);
        if (!parent || changes_app_hash(*header, *parent))
            return {n, header->hash()};  // no parent header: the base of a state-sync import
        header = std::move(parent);
        --n;
    }
}

CometApp::CometApp(CometAppConfig config,
                   producer::BlockProducer& producer,
                   db::ChainDb& db,
                   txpool::TxPool& pool,
                   chain::StateRootTracker& tracker,
                   std::shared_mutex& chain_mutex)
    : config_(std::move(config)),
      producer_(producer),
      db_(db),
      pool_(pool),
      tracker_(tracker),
      chain_mutex_(chain_mutex),
      snapshots_(std::make_unique<SnapshotStore>(config_.snapshot_dir)),
      restorer_(std::make_unique<SnapshotRestorer>(db,
                                                   producer.chain_config().chain_id,
                                                   producer.chain_config().features.get()))
{
    std::shared_lock lock{chain_mutex_};
    app_hash_ = app_hash_block(db_);
}

CometApp::~CometApp()
{
    cancel_build_ = true;
    wait_for_snapshots();
}

Result<txpool::PooledTxPtr, std::string> CometApp::decode(std::string_view raw) const
{
    const BytesView bytes = view_of(raw);
    const Hash256 hash = keccak256(bytes);
    if (auto pooled = pool_.get(hash))
        return pooled;
    {
        // Included already (a bundle's inner transaction rechecked or offered to a proposal
        // after its block): the stored sender spares the signature recovery, the largest CPU
        // cost of a transaction on every validator.
        std::shared_lock lock{chain_mutex_};
        std::optional<db::TxLookup> included;
        try
        {
            included = db_.transaction(hash);
        }
        catch (const db::DbReadError&)
        {
            // (logged by the database) decode and recover the sender instead
        }
        if (included)
        {
            auto p = std::make_shared<txpool::PooledTransaction>();
            p->tx = std::move(included->tx);
            p->sender = included->sender;
            p->hash = hash;
            p->size = raw.size();
            return txpool::PooledTxPtr(std::move(p));
        }
    }
    auto tx = decode_transaction(bytes);
    if (!tx)
    {
        if (tx.error().code == TxErrorCode::UnsupportedType)
            return std::string("transaction type not supported");
        return tx.error().message();
    }
    if (transaction_hash(*tx) != hash)
        return std::string("transaction encoding is not canonical");
    auto sender = txpool::recover_sender_for_rpc(*tx, producer_.chain_config().chain_id);
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
    // The app hash: a block hash (app_hash_block; at height 0 the genesis block's, as InitChain).
    r.set_last_block_height(static_cast<int64_t>(db_.head_number()));
    r.set_last_block_app_hash(to_string_bytes(app_hash_.second.view()));
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
    // CometBFT's genesis may carry the EVM genesis (geth format) in app_state: then it must be
    // the chain this node's database was created with (block 0 and the chain rules).
    if (!req.app_state_bytes().empty())
    {
        auto spec = chain::parse_genesis_text(req.app_state_bytes(), node::chain_feature_keys());
        if (!spec)
            throw std::runtime_error(
                "InitChain: app_state of CometBFT's genesis is not an EVM genesis: " +
                spec.error());
        // Block 0 as the node made it: with the predeploys of the features its rules enable.
        if (auto refused = node::attach_chain_features(spec->config))
            throw std::runtime_error("InitChain: chain features: " + refused->message());
        (void)node::add_predeploys(*spec);
        const Hash256 want = chain::genesis_block(*spec).header.hash();
        chain::ChainConfig rules = spec->config;
        rules.features = producer_.chain_config().features;
        if (want != genesis->hash() || rules != producer_.chain_config())
            throw std::runtime_error(
                "InitChain: the EVM genesis in app_state of CometBFT's genesis (block 0 " +
                to_hex(want.view()) + ", chain id " + std::to_string(spec->config.chain_id) +
                ") differs from this node's genesis (block 0 " + to_hex(genesis->hash().view()) +
                ", chain id " + std::to_string(producer_.chain_config().chain_id) +
                "): node.toml's `genesis` file and app_state must describe the same chain");
    }
    pb::ResponseInitChain r;
    r.set_app_hash(to_string_bytes(genesis->hash().view()));
    return r;
}

pb::ResponseCheckTx CometApp::check_tx(const pb::RequestCheckTx& req)
{
    if (req.type() == pb::RECHECK)
        return recheck(req.tx());
    return check_new(req.tx());
}

pb::ResponseCheckTx CometApp::check_new(std::string_view raw)
{
    if (!is_bundle(raw))
        return check_single(raw, nullptr);
    auto inner = decode_bundle(raw);
    if (!inner)
        return check_error(TxCode::Undecodable, inner.error());
    // All or nothing: a rejected bundle leaves no inner transaction it added in the pool.
    std::vector<Hash256> added_here;
    int64_t gas = 0;
    for (const auto tx : *inner)
    {
        bool added = false;
        auto r = check_single(tx, &added);
        if (r.code() != 0)
        {
            for (const auto& h : added_here)
                pool_.remove(h);
            return r;
        }
        if (added)
            added_here.push_back(keccak256(view_of(tx)));
        gas += r.gas_wanted();
    }
    pb::ResponseCheckTx ok;
    ok.set_gas_wanted(gas);
    return ok;
}

pb::ResponseCheckTx CometApp::check_single(std::string_view raw, bool* added)
{
    if (added)
        *added = false;
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
    return admit(*decoded, added);
}

pb::ResponseCheckTx CometApp::admit(const txpool::PooledTxPtr& ptx, bool* added)
{
    if (added)
        *added = false;
    if (pool_.contains(ptx->hash))
    {
        pb::ResponseCheckTx ok;
        ok.set_gas_wanted(static_cast<int64_t>(ptx->tx.gas_limit));
        return ok;
    }
    std::shared_lock lock{chain_mutex_};
    const auto head = db_.head_state();
    const auto account = head->read_account(ptx->sender);
    const uint64_t state_nonce = account ? account->nonce : 0;
    const uint64_t next = std::max(state_nonce, pool_.pending_nonce(ptx->sender).value_or(0));
    if (ptx->tx.nonce > next && ptx->tx.nonce - next > config_.nonce_window)
        return check_error(TxCode::NonceGap, "nonce too high: next nonce " + std::to_string(next) +
                                                 ", tx nonce " + std::to_string(ptx->tx.nonce));
    auto result = pool_.add(ptx->tx, ptx->sender, *head);
    if (const auto fault = head->fault())
    {
        // checked against a read that failed: not admitted
        if (result)
            pool_.remove(result->hash);
        return check_error(TxCode::Rejected, fault->message);
    }
    if (!result)
        return check_error(TxCode::Rejected, result.error().message);
    if (added)
        *added = true;
    pb::ResponseCheckTx ok;
    ok.set_gas_wanted(static_cast<int64_t>(ptx->tx.gas_limit));
    return ok;
}

pb::ResponseCheckTx CometApp::recheck(std::string_view raw)
{
    if (!is_bundle(raw))
        return recheck_single(raw);
    auto inner = decode_bundle(raw);
    if (!inner)
        return check_error(TxCode::Undecodable, inner.error());
    // Kept while any inner transaction is still pending or queued; dropped once all of them are
    // included, stale or given up on.
    std::optional<pb::ResponseCheckTx> first_error;
    int64_t gas = 0;
    bool keep = false;
    for (const auto tx : *inner)
    {
        auto r = recheck_single(tx);
        if (r.code() == 0)
        {
            keep = true;
            gas += r.gas_wanted();
        }
        else if (!first_error)
            first_error = std::move(r);
    }
    if (!keep)
        return *first_error;
    pb::ResponseCheckTx ok;
    ok.set_gas_wanted(gas);
    return ok;
}

pb::ResponseCheckTx CometApp::recheck_single(std::string_view raw)
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
        return check_single(raw, nullptr);
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

std::vector<txpool::PooledTxPtr> CometApp::flatten(
    const google::protobuf::RepeatedPtrField<std::string>& txs,
    std::vector<int>& owner,
    std::vector<std::optional<std::string>>* errors) const
{
    std::vector<txpool::PooledTxPtr> out;
    out.reserve(static_cast<size_t>(txs.size()));
    owner.clear();
    if (errors)
        errors->assign(static_cast<size_t>(txs.size()), std::nullopt);
    for (int i = 0; i < txs.size(); ++i)
    {
        auto inner = split_comet_tx(txs.Get(i));
        if (!inner)
        {
            if (errors)
                (*errors)[static_cast<size_t>(i)] = inner.error();
            continue;
        }
        for (const auto tx : *inner)
        {
            auto d = decode(tx);
            if (!d)
            {
                if (errors && !(*errors)[static_cast<size_t>(i)])
                    (*errors)[static_cast<size_t>(i)] = d.error();
                continue;
            }
            out.push_back(std::move(*d));
            owner.push_back(i);
        }
    }
    return out;
}

pb::ResponsePrepareProposal CometApp::prepare_proposal(const pb::RequestPrepareProposal& req)
{
    // Bundles flattened in arrival order; an Ethereum transaction seen twice (alone and in a
    // bundle, or in two bundles) is a candidate once, at its first arrival.
    std::vector<txpool::PooledTxPtr> candidates;
    std::unordered_map<const txpool::PooledTransaction*, std::string_view> raw_of;
    std::set<Hash256> seen;
    candidates.reserve(static_cast<size_t>(req.txs_size()));
    for (int i = 0; i < req.txs_size(); ++i)
    {
        auto inner = split_comet_tx(req.txs(i));
        if (!inner)
            continue;  // never proposed
        for (const auto tx : *inner)
        {
            auto d = decode(tx);
            if (!d || !seen.insert((*d)->hash).second)
                continue;
            raw_of.emplace(d->get(), tx);
            candidates.push_back(std::move(*d));
        }
    }
    std::vector<txpool::PooledTxPtr> chosen;
    {
        std::shared_lock lock{chain_mutex_};
        const auto head = db_.head_state();
        const auto& rules = producer_.chain_config();
        const auto ordered = producer::apply_sender_quota(
            producer::order_transactions(candidates, *head),
            producer::sender_gas_quota(rules.gas_limit, config_.sender_block_gas_percent),
            chain::fee_policy(rules));
        const size_t max_bytes =
            req.max_tx_bytes() > 0 ? static_cast<size_t>(req.max_tx_bytes()) : SIZE_MAX;
        chosen = producer::fit_transactions(
            ordered, producer_.chain_config().gas_limit, max_bytes,
            [](const txpool::PooledTransaction& p) { return comet_tx_overhead_size(p.size); });
        if (const auto fault = head->fault())
        {
            // the order rests on nonces that could not be read: propose an empty block
            std::fprintf(stderr, "tern: PrepareProposal at height %lld: %s\n",
                         static_cast<long long>(req.height()), fault->message.c_str());
            chosen.clear();
        }
    }
    pb::ResponsePrepareProposal r;
    for (const auto& p : chosen)
        r.add_txs(std::string(raw_of.at(p.get())));
    return r;
}

pb::ResponseProcessProposal CometApp::process_proposal(const pb::RequestProcessProposal& req)
{
    pb::ResponseProcessProposal r;
    r.set_status(pb::ResponseProcessProposal::REJECT);
    std::vector<int> owner;
    std::vector<std::optional<std::string>> errors;
    const auto txs = flatten(req.txs(), owner, &errors);
    for (const auto& e : errors)
        if (e)
            return r;
    for (const auto& p : txs)
        if (p->tx.type == TxType::Blob || p->tx.type == TxType::SetCode)
            return r;
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
    if (const auto fault = head->fault())
    {
        std::fprintf(stderr, "tern: ProcessProposal at height %lld: %s\n",
                     static_cast<long long>(req.height()), fault->message.c_str());
        return r;  // cannot tell whether the nonces are right
    }
    r.set_status(pb::ResponseProcessProposal::ACCEPT);
    return r;
}

pb::ResponseFinalizeBlock CometApp::finalize_block(const pb::RequestFinalizeBlock& req)
{
    const uint64_t height = static_cast<uint64_t>(req.height());
    std::vector<int> owner;  // flattened transaction -> index of its CometBFT transaction
    std::vector<std::optional<std::string>> decode_errors;
    const auto txs = flatten(req.txs(), owner, &decode_errors);
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
        producer::ExecutedBlock executed;
        try
        {
            node::run_with_big_stack(
                [&] { executed = producer_.execute(seconds_of(req.time()), txs); });
        }
        catch (const db::DbReadError& e)
        {
            // No result to vote for: CometBFT stops (the ABCI exception) and replays the block
            // once the node is restarted on a repaired database.
            const std::string why = "cannot execute block " + std::to_string(height) + ": " +
                                    e.error().message + "; halting";
            std::fprintf(stderr, "tern: %s\n", why.c_str());
            throw std::runtime_error(why);
        }
        // One result per CometBFT transaction: OK when all its Ethereum transactions are in the
        // block (data: their hashes), else the first problem (an inner transaction that does not
        // decode, or one the builder excluded; the others of a bundle still count).
        for (int i = 0; i < req.txs_size(); ++i)
        {
            auto* res = r.add_tx_results();
            res->set_codespace("");
            if (decode_errors[static_cast<size_t>(i)])
            {
                res->set_codespace("tern");
                res->set_code(static_cast<uint32_t>(TxCode::Undecodable));
                res->set_log(*decode_errors[static_cast<size_t>(i)]);
            }
        }
        uint64_t prev = 0;
        size_t receipt = 0;
        for (size_t k = 0; k < txs.size(); ++k)
        {
            auto* res = r.mutable_tx_results(owner[k]);
            const auto& p = txs[k];
            const auto& outcome = executed.outcomes[k];
            res->set_gas_wanted(res->gas_wanted() + static_cast<int64_t>(p->tx.gas_limit));
            if (outcome)
            {
                if (res->code() == 0)
                {
                    res->set_codespace("tern");
                    res->set_code(static_cast<uint32_t>(TxCode::Excluded));
                    res->set_log(outcome->message());
                }
                continue;
            }
            // Gas used per included transaction, from the cumulative receipts.
            const uint64_t cumulative = executed.built.receipts[receipt++].cumulative_gas_used;
            res->set_gas_used(res->gas_used() + static_cast<int64_t>(cumulative - prev));
            prev = cumulative;
            res->mutable_data()->append(to_string_bytes(p->hash.view()));
        }
        // The app hash: the block hash, which commits to the state root, receipts root, logs
        // bloom, gas used and (through the parent hash) every earlier block; an empty block
        // that changes nothing keeps the previous one (changes_app_hash).
        const auto& header = executed.built.block.header;
        const auto parent = db_.header(height - 1);
        finalized_app_hash_ = app_hash_;
        if (!parent || changes_app_hash(header, *parent))
            finalized_app_hash_ = {height, header.hash()};
        r.set_app_hash(to_string_bytes(finalized_app_hash_.second.view()));
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
    const uint64_t previous_app_hash_block = app_hash_.first;
    Result<producer::CommittedBlock, db::DbError> committed = db::DbError{};
    try
    {
        std::unique_lock lock{chain_mutex_};
        auto executed = std::move(*finalized_);
        finalized_.reset();
        committed = producer_.commit(std::move(executed));
        if (committed)
            app_hash_ = finalized_app_hash_;
    }
    catch (const db::DbReadError& e)
    {
        committed = e.error();  // nothing written
    }
    if (!committed)
    {
        // Never acknowledge a block that is not stored: the ABCI exception stops CometBFT,
        // which replays the block at the next start (its block store has it).
        const std::string why =
            "cannot commit block " + std::to_string(height) + ": " + committed.error().message +
            "; halting (CometBFT replays the block when the node is "
            "restarted" +
            (committed.error().code == db::DbErrorCode::NoSpace ? " with free disk space)" : ")");
        std::fprintf(stderr, "tern: %s\n", why.c_str());
        throw std::runtime_error(why);
    }
    {
        // Entries of transactions that left the pool (included, replaced, dropped).
        std::lock_guard lock{gap_mutex_};
        std::erase_if(gap_rechecks_, [&](const auto& e) { return !pool_.contains(e.first); });
    }
    // A snapshot at the first block that changes the app hash at or past each multiple of
    // `snapshot_interval` (the same heights on every validator): a restoring node can then check
    // block H's hash against the app hash it trusts for H.
    if (config_.snapshot_interval > 0 && app_hash_.first == height &&
        height / config_.snapshot_interval > previous_app_hash_block / config_.snapshot_interval)
        start_snapshot(height);
    producer_.publish(*committed);
    for (const auto& l : commit_listeners_)
        l(*committed);
    pb::ResponseCommit r;
    if (config_.retain_blocks > 0 && height > config_.retain_blocks)
        r.set_retain_height(static_cast<int64_t>(height - config_.retain_blocks + 1));
    return r;
}

void CometApp::start_snapshot(uint64_t height)
{
    std::lock_guard builder_lock{builder_mutex_};
    // One builder at a time. If the previous snapshot is still being built (a state that takes
    // longer than `snapshot_interval` blocks to write), Commit waits for it rather than skipping
    // this height: every validator then offers the same heights.
    if (snapshot_builder_.joinable())
        snapshot_builder_.join();
    // The view is taken before Commit returns, so it is exactly the state after `height`.
    std::shared_ptr<db::StateView> view;
    std::optional<db::ImportedHead> head;
    try
    {
        std::shared_lock lock{chain_mutex_};
        view = db_.head_state();
        head = export_head(db_, height);
    }
    catch (const db::DbReadError& e)
    {
        std::fprintf(stderr, "tern: snapshot at height %llu skipped: %s\n",
                     static_cast<unsigned long long>(height), e.what());
        return;
    }
    if (!head || view->block_number() != height)
        return;
    snapshot_builder_ = std::thread([this, view, head = std::move(*head), height] {
        uint32_t index = 0;
        std::string error;
        auto info = build_snapshot(
            *view, head, config_.snapshot_chunk_bytes,
            [&](Bytes chunk) {
                if (auto r = snapshots_->put_chunk(height, index++, chunk); !r && error.empty())
                    error = r.error();
            },
            &cancel_build_, producer_.chain_config().features.get());
        if (const auto fault = view->fault())
            error = fault->message;  // the state scan stopped at a failed read
        else if (!info)
            error = info.error();
        else if (error.empty())
        {
            if (auto r = snapshots_->commit(*info, config_.snapshot_keep_recent); !r)
                error = r.error();
        }
        if (!error.empty())
        {
            snapshots_->drop_pending(height);
            if (!cancel_build_)
                std::fprintf(stderr, "tern: snapshot at height %llu failed: %s\n",
                             static_cast<unsigned long long>(height), error.c_str());
        }
    });
}

void CometApp::wait_for_snapshots()
{
    std::lock_guard builder_lock{builder_mutex_};
    if (snapshot_builder_.joinable())
        snapshot_builder_.join();
}

pb::ResponseListSnapshots CometApp::list_snapshots(const pb::RequestListSnapshots&)
{
    pb::ResponseListSnapshots r;
    for (const auto& info : snapshots_->list())
    {
        auto* s = r.add_snapshots();
        s->set_height(info.height);
        s->set_format(info.format);
        s->set_chunks(static_cast<uint32_t>(info.chunk_hashes.size()));
        s->set_hash(to_string_bytes(info.hash.view()));
        s->set_metadata(to_string_bytes(info.metadata));
    }
    return r;
}

pb::ResponseOfferSnapshot CometApp::offer_snapshot(const pb::RequestOfferSnapshot& req)
{
    pb::ResponseOfferSnapshot r;
    r.set_result(restorer_->offer(req.snapshot(), view_of(req.app_hash())));
    return r;
}

pb::ResponseLoadSnapshotChunk CometApp::load_snapshot_chunk(const pb::RequestLoadSnapshotChunk& req)
{
    pb::ResponseLoadSnapshotChunk r;
    if (const auto chunk = snapshots_->load_chunk(req.height(), req.format(), req.chunk()))
        r.set_chunk(to_string_bytes(*chunk));
    return r;
}

pb::ResponseApplySnapshotChunk CometApp::apply_snapshot_chunk(
    const pb::RequestApplySnapshotChunk& req)
{
    auto outcome = restorer_->apply(req.index(), view_of(req.chunk()), req.sender());
    if (outcome.complete)
    {
        if (auto installed = install_import(*outcome.complete, std::move(*outcome.tracker));
            !installed)
        {
            outcome.result = pb::ResponseApplySnapshotChunk::ABORT;
            outcome.log = installed.error();
        }
    }
    if (!outcome.log.empty())
        std::fprintf(stderr, "tern: state sync: chunk %u: %s\n", req.index(), outcome.log.c_str());
    pb::ResponseApplySnapshotChunk r;
    r.set_result(outcome.result);
    for (const uint32_t i : outcome.refetch_chunks)
        r.add_refetch_chunks(i);
    for (const auto& s : outcome.reject_senders)
        r.add_reject_senders(s);
    return r;
}

Result<bool, std::string> CometApp::install_import(const db::ImportedHead& head,
                                                   chain::StateRootTracker tracker)
{
    std::unique_lock lock{chain_mutex_};
    if (auto r = db_.finish_import(head); !r)
        return "database: " + r.error().message;
    // Head caches: the tracker's tries (built from the imported state while verifying it), the
    // pool's head (base fee, gas limit) and nonces.
    tracker_ = std::move(tracker);
    const auto& header = head.block.header;
    app_hash_ = {header.number, header.hash()};
    if (tracker_.root() != header.state_root)
        return std::string("state root after the import differs from the snapshot's");
    finalized_.reset();
    pool_.reset(*db_.head_state(), producer_.pool_head_after(header));
    std::lock_guard gap_lock{gap_mutex_};
    gap_rechecks_.clear();
    return true;
}

pb::ResponseQuery CometApp::query(const pb::RequestQuery& req)
{
    try
    {
        return answer_query(req);
    }
    catch (const db::DbReadError& e)
    {
        pb::ResponseQuery r;
        r.set_code(1);
        r.set_log(e.what());
        return r;
    }
}

pb::ResponseQuery CometApp::answer_query(const pb::RequestQuery& req)
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
