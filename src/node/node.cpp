#include "node/node.hpp"

#include "api/method_table.hpp"
#include "api/methods.hpp"
#include "api/services/call.hpp"
#include "api/services/keys.hpp"
#include "chain/dev_accounts.hpp"
#include "chain/genesis.hpp"
#include "core/hex.hpp"
#include "db/chain_db.hpp"
#include "node/chain_features.hpp"
#include "node/dev_engine.hpp"
#include "node/node_backend.hpp"
#include "producer/block_producer.hpp"
#include "rpc/dispatcher.hpp"
#include "rpc/server.hpp"
#include "txpool/txpool.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

namespace tern::node {
namespace {

uint64_t now_seconds()
{
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

/// The RPC server settings `config` asks for.
rpc::ServerConfig server_config(const NodeConfig& config)
{
    rpc::ServerConfig s;
    s.host = config.host;
    s.port = config.port;
    s.threads = static_cast<unsigned>(config.rpc_threads);
    s.heavy_threads = static_cast<unsigned>(config.rpc_heavy_threads);
    s.heavy_queue = config.rpc_heavy_queue;
    s.heavy_nice = config.rpc_heavy_nice;
    s.max_ws_inflight = config.rpc_max_ws_inflight;
    s.max_inflight_bytes = config.rpc_max_inflight_bytes;
    s.max_body_bytes = config.rpc_max_body_bytes;
    s.max_ws_message_bytes = config.rpc_max_ws_message_bytes;
    s.max_connections = config.rpc_max_connections;
    s.max_connections_per_ip = config.rpc_max_connections_per_ip;
    s.max_ws_per_ip = config.rpc_max_ws_per_ip;
    s.requests_per_second_per_ip = config.rpc_requests_per_second_per_ip;
    s.request_burst_per_ip = config.rpc_request_burst_per_ip;
    s.ws_idle_close = std::chrono::seconds(config.rpc_ws_idle_close_seconds);
    s.cors_origins = config.rpc_cors;
    s.vhosts = config.rpc_vhosts;
    s.ws_origins = config.rpc_ws_origins;
    return s;
}

/// The dispatcher limits `config` asks for.
rpc::DispatchLimits dispatch_limits(const NodeConfig& config)
{
    rpc::DispatchLimits limits;
    limits.max_batch_items = config.rpc_max_batch_items;
    limits.max_batch_response_bytes = config.rpc_max_batch_response_bytes;
    limits.max_subscriptions_per_connection = config.rpc_max_subscriptions_per_connection;
    limits.max_subscriptions = config.rpc_max_subscriptions;
    return limits;
}

}  // namespace

Node::Node(NodeConfig config)
    : config_(std::move(config)),
      dispatcher_(std::make_unique<rpc::Dispatcher>(dispatch_limits(config_))),
      trace_budget_(std::make_unique<rpc::ByteBudget>(config_.rpc_trace_total_bytes))
{}

Node::~Node()
{
    stop();
}

Result<uint16_t, std::string> Node::start()
{
    if (running_)
        return port_;

    // Dev accounts.
    keys_ = std::make_unique<api::DevKeys>();
    if (config_.dev_accounts > 0)
    {
        auto accounts = chain::derive_dev_accounts(config_.mnemonic, config_.dev_accounts);
        if (!accounts)
            return "dev accounts: " + accounts.error();
        keys_->accounts = std::move(*accounts);
    }

    // Genesis: a file, or the built-in dev genesis funding the dev accounts.
    chain::GenesisSpec spec;
    if (!config_.genesis_file.empty())
    {
        auto loaded = chain::load_genesis_file(config_.genesis_file, chain_feature_keys());
        if (!loaded)
            return "genesis " + config_.genesis_file + ": " + loaded.error();
        spec = std::move(*loaded);
        for (const auto& w : spec.warnings)
            notices_.push_back("genesis: " + w);
    }
    else
    {
        spec = chain::dev_genesis(config_.dev_chain, now_seconds());
        for (const auto& a : chain::default_dev_accounts())
            spec.alloc.erase(a.address);
        for (const auto& a : keys_->accounts)
            spec.alloc[a.address].balance = config_.dev_balance;
    }
    // The chain features (ML registry + inference, docs/ml.md) the genesis rules enable, one
    // registration each (node/chain_features.cpp); block 0 holds their predeploys. A chain
    // whose stored rules are in force attaches those instead (start_on_database).
    if (auto refused = attach_chain_features(spec.config))
        return "chain features: " + refused->message();
    for (auto& notice : add_predeploys(spec))
        notices_.push_back(std::move(notice));

    // Database.
    db::ChainDbOptions options;
    options.path = config_.data_dir;
    options.history_blocks = config_.history;
    options.archive = config_.archive;
    options.sync_writes = config_.sync_writes;
    options.accept_lost_blocks = config_.accept_lost_blocks;
    auto opened = db::ChainDb::open(options);
    if (!opened)
    {
        std::string why = "database: " + opened.error().message;
        if (opened.error().code == db::DbErrorCode::LostBlocks)
            why +=
                ". The node does not start on a chain that lost acknowledged blocks; to accept "
                "the loss and continue from the recovered block, start with "
                "--accept-lost-blocks (tern node: accept_lost_blocks = true in node.toml; a "
                "validator then gets the lost blocks back from CometBFT)";
        return why;
    }
    db_ = std::move(*opened);
    for (const auto& note : db_->recovery_notes())
        notices_.push_back("database: " + note);
    // Reads of the stored chain below throw db::DbReadError when the database is damaged.
    try
    {
        return start_on_database(std::move(spec));
    }
    catch (const db::DbReadError& e)
    {
        return "database: " + e.error().message;
    }
}

Result<uint16_t, std::string> Node::start_on_database(chain::GenesisSpec spec)
{
    if (db_->initialized())
    {
        // A persistent chain: its stored rules win (the genesis hash is already fixed).
        const auto blob = db_->chain_config();
        std::optional<chain::ChainConfig> stored;
        if (blob)
        {
            auto decoded = chain::decode_chain_config(*blob, chain_feature_keys());
            if (decoded)
                stored = std::move(*decoded);
            else
                notices_.push_back("database: " + decoded.error() + "; using the rules of " +
                                   (config_.genesis_file.empty() ? std::string("the flags")
                                                                 : config_.genesis_file));
        }
        if (stored)
        {
            // Flags that disagree with the stored rules are ignored, with a notice.
            const auto& wanted = spec.config;
            if (stored->chain_id != wanted.chain_id)
                notices_.push_back("keeping the chain id of " + config_.data_dir + ": " +
                                   std::to_string(stored->chain_id));
            if (stored->gas_limit != wanted.gas_limit)
                notices_.push_back("keeping the block gas limit of " + config_.data_dir + ": " +
                                   std::to_string(stored->gas_limit));
            if (stored->base_fee != wanted.base_fee ||
                stored->base_fee_rule != wanted.base_fee_rule)
                notices_.push_back("keeping the base fee rule of " + config_.data_dir);
            if (stored->min_gas_price != wanted.min_gas_price)
                notices_.push_back("keeping the minimum gas price of " + config_.data_dir + ": " +
                                   stored->min_gas_price.to_dec());
            if (stored->fee_rule != wanted.fee_rule ||
                stored->pow_difficulty != wanted.pow_difficulty)
                notices_.push_back("keeping the fee rule of " + config_.data_dir + ": " +
                                   (stored->fee_rule == chain::FeeRule::Free ? "free" : "charged"));
            chain_config_ = *stored;
            // The stored rules' own features (the genesis' were attached in start()).
            if (auto refused = attach_chain_features(chain_config_))
                return "chain features: " + refused->message();
        }
        else
            chain_config_ = spec.config;
        if (!config_.genesis_file.empty())
        {
            const auto want = chain::genesis_block(spec).header.hash();
            if (db_->genesis_hash() != want)
                return "genesis " + config_.genesis_file + " does not match the chain in " +
                       config_.data_dir;
        }
    }
    else
    {
        chain_config_ = spec.config;
        const std::string blob = chain::encode_chain_config(chain_config_);
        const auto r = db_->init_genesis(chain::genesis_block(spec),
                                         chain::genesis_state_diff(spec), as_bytes(blob));
        if (!r)
            return "genesis: " + r.error().message;
    }
    // The head must hang together (header, transactions, receipts), and its state must be
    // readable and give the header's state root: the node does not start on a damaged head.
    if (auto checked = db_->check_head(); !checked)
        return "database: " + checked.error().message;
    tracker_ = std::make_unique<chain::StateRootTracker>();
    try
    {
        tracker_->rebuild(*db_);
    }
    catch (const db::DbReadError& e)
    {
        return "database: the head state cannot be read: " + e.error().message;
    }
    const auto head = db_->header(db_->head_number());
    if (!head)
        return std::string("database: head header missing");
    if (tracker_->root() != head->state_root)
        return "database: state root mismatch at block " + std::to_string(head->number) +
               " (state " + to_hex(tracker_->root().view()) + ", header " +
               to_hex(head->state_root.view()) + ")";

    // Pool.
    txpool::Config pool_config;
    pool_config.min_gas_price = chain_config_.min_gas_price;
    pool_config.fees = chain::fee_policy(chain_config_);
    pool_config.max_tx_size = config_.max_tx_size;
    pool_config.max_pending_per_sender = config_.pool_max_per_sender;
    pool_config.max_pending = config_.pool_max_total;
    txpool::ChainHead pool_head;
    pool_head.base_fee = chain::next_base_fee(chain_config_, *head);
    pool_head.gas_limit = chain_config_.gas_limit;
    pool_ = std::make_unique<txpool::TxPool>(pool_config, pool_head);

    vms_ = std::make_unique<api::VmPool>();
    producer_ = std::make_unique<producer::BlockProducer>(chain_config_, *db_, *pool_, *tracker_);
    if (engine_factory_)
    {
        try
        {
            engine_ = engine_factory_(*this);
        }
        catch (const std::exception& e)
        {
            return std::string("engine: ") + e.what();
        }
    }
    else
        engine_ = std::make_unique<DevEngine>(config_, *db_, *pool_, *producer_, chain_mutex_);
    backend_ = std::make_unique<NodeBackend>(*this);
    serve(api::node_methods(*backend_, *dispatcher_));
    api::MethodTable feature_methods;
    add_feature_methods(feature_methods, *backend_, chain_config_);
    serve(std::move(feature_methods));
    for (const auto& hook : setup_hooks_)
        hook(*this);
    for (auto& notice : api::select_namespaces(*dispatcher_, config_.rpc_api))
        notices_.push_back(std::move(notice));

    // The engine is woken by the submitter (ChainAccess::submit), not here: a JSON-RPC batch
    // defers the wake-up to its end so that all its transactions share a block.
    pool_->set_listener([this](const std::vector<txpool::PooledTxPtr>& txs) {
        for (const auto& l : pending_listeners_)
            l(txs);
    });

    const auto started = engine_->start();
    if (!started)
    {
        engine_->stop();
        return "engine: " + started.error();
    }

    auto server_settings = server_config(config_);
    add_feature_http_routes(server_settings.http_routes, *backend_, chain_config_);
    server_ = std::make_unique<rpc::Server>(*dispatcher_, std::move(server_settings));
    auto port = server_->start();
    if (!port)
    {
        engine_->stop();
        return port.error();
    }
    port_ = *port;
    running_ = true;
    return port_;
}

std::vector<std::string> Node::rpc_namespaces() const
{
    return api::served_namespaces(*dispatcher_);
}

api::Backend& Node::backend() noexcept
{
    return *backend_;
}

void Node::serve(api::MethodTable table)
{
    table.install(*dispatcher_);
    tables_.push_back(std::move(table));
}

void Node::stop()
{
    if (server_)
        server_->stop();
    if (engine_)
        engine_->stop();
    if (pool_)
        pool_->set_listener({});
    running_ = false;
}

}  // namespace tern::node
