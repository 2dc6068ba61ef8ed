#include "api/handlers/eth_api.hpp"

#include "api/backend.hpp"
#include "api/method_table.hpp"
#include "api/services/chain_access.hpp"
#include "producer/timestamp.hpp"

#include "api/backend.hpp"
#include "api/json/encode.hpp"
#include "api/json/typed_data.hpp"
#include "api/services/keys.hpp"
#include "api/services/logs.hpp"
#include "chain/block.hpp"
#include "chain/block_builder.hpp"
#include "core/abi.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/protocol.hpp"
#include "crypto/secp256k1.hpp"
#include "db/chain_db.hpp"
#include "producer/timestamp.hpp"
#include "rpc/dispatcher.hpp"
#include "transaction/codec.hpp"
#include "transaction/validation.hpp"
#include "txpool/txpool.hpp"

#include <algorithm>
#include <cstdio>

namespace tern::api {

using nlohmann::json;
namespace enc = json_rpc;
using params::BlockId;

namespace {

/// Client name returned by web3_clientVersion.
constexpr const char* kClientVersion = "Tern/v0.1.0/linux/c++20";

rpc::Error revert_error(BytesView output)
{
    rpc::Error e;
    e.code = 3;
    e.message = abi::revert_message(output);
    e.data = enc::hex_data(output);
    return e;
}

/// The priority fee suggested to wallets: what lifts the next block's base fee to the pool's
/// minimum price (zero when the base fee alone reaches it).
U256 suggested_tip(const U256& next_base_fee, const U256& min_gas_price)
{
    return min_gas_price > next_base_fee ? min_gas_price - next_base_fee : U256{};
}

std::vector<Hash256> tx_hashes(const chain::Block& block)
{
    std::vector<Hash256> out;
    out.reserve(block.transactions.size());
    for (const auto& tx : block.transactions)
        out.push_back(transaction_hash(tx));
    return out;
}

/// A block as JSON, or null.
json block_json(const db::ChainReader& db,
                std::optional<uint64_t> number,
                bool full,
                const execution::FeePolicy& fees)
{
    if (!number)
        return nullptr;
    const auto block = db.block(*number);
    if (!block)
        return nullptr;
    const auto hash = db.block_hash(*number);
    if (!hash)
        return nullptr;
    const auto hashes = tx_hashes(*block);
    return enc::block(*block, *hash, hashes, full, fees);
}

json tx_lookup_json(const db::TxLookup& t, const U256& base_fee, const execution::FeePolicy& fees)
{
    return enc::transaction(t.tx, t.sender, t.hash,
                            enc::TxLocation{t.block_hash, t.block_number, t.index, base_fee}, fees);
}

bool full_flag(const json& params, size_t i)
{
    const auto& v = params::at(params, i);
    if (v.is_null())
        return false;
    if (!v.is_boolean())
        throw params::invalid(i, "json: cannot unmarshal non-bool into Go value of type bool");
    return v.get<bool>();
}

/// Signs `tx` in place with `key`.
void sign_transaction(Transaction& tx, const Hash256& key)
{
    const auto sig = crypto::sign(signing_hash(tx), key);
    if (!sig)
        throw rpc::Error::server("cannot sign with this key");
    tx.y_parity = sig->recovery_id;
    tx.r = U256::from_hash(sig->r);
    tx.s = U256::from_hash(sig->s);
}

}  // namespace

// ---- handlers ----

namespace {

/// The eth_ handlers; one per node, shared by the registered lambdas.
class EthApi
{
public:
    /// Handlers over `backend`; typed data nests at most `json_max_depth` levels.
    EthApi(Backend& backend, size_t json_max_depth)
        : backend_(backend), chain_(backend), json_max_depth_(json_max_depth)
    {}

    /// Adds the methods.
    void add_to(MethodTable& table);

private:
    const db::ChainReader& db() const { return backend_.chain(); }
    const RpcLimits& config() const { return backend_.limits(); }
    /// The chain rules in force (the genesis', or those stored in the database): every rule
    /// a method reports comes from here, never from config().
    const chain::ChainConfig& rules() const { return backend_.rules(); }
    /// Who pays for gas under the rules in force (the gas prices transactions and receipts show).
    execution::FeePolicy fees() const { return chain::fee_policy(rules()); }
    /// Base fee of the block after the head, by the rules in force.
    U256 next_base_fee() const
    {
        return chain::next_base_fee(rules(), chain_.require_block(BlockId{}).header);
    }
    /// eth_maxPriorityFeePerGas: the tip that brings the next base fee to the minimum price.
    U256 suggested_tip() const
    {
        return api::suggested_tip(next_base_fee(), rules().min_gas_price);
    }

    json get_balance(const json& p);
    json get_code(const json& p);
    json get_storage_at(const json& p);
    json get_transaction_count(const json& p);
    json get_block_by_number(const json& p);
    json get_block_by_hash(const json& p);
    json tx_count_by_number(const json& p);
    json tx_count_by_hash(const json& p);
    json get_transaction_by_hash(const json& p);
    json tx_by_block_and_index(const std::optional<BlockRef>& block, const json& index);
    json get_transaction_receipt(const json& p);
    json get_block_receipts(const json& p);
    json send_raw_transaction(const json& p, rpc::CallContext& ctx);
    json send_transaction(const json& p, rpc::CallContext& ctx);
    json sign(const json& p, bool personal);
    json sign_typed_data(const json& p);
    json call(const json& p, rpc::CallContext& ctx);
    json estimate_gas(const json& p, rpc::CallContext& ctx);
    json create_access_list(const json& p, rpc::CallContext& ctx);
    json fee_history(const json& p);
    json get_logs(const json& p);

    /// Resolves the block of an eth_call-like request and the state to run in.
    struct CallSetup
    {
        BlockRef block;
        std::unique_ptr<db::StateView> state;
        StateOverrides overrides;
    };
    CallSetup call_setup(const json& p, size_t block_index, size_t overrides_index);

    Backend& backend_;
    ChainAccess chain_;
    size_t json_max_depth_;
};

json EthApi::get_balance(const json& p)
{
    params::expect_count(p, 1, 2);
    const Address addr = params::address(params::at(p, 0), 0);
    const auto block = chain_.require_block(params::block_id(params::at(p, 1), 1, true));
    const auto state = chain_.state_at(block);
    const auto acc = state->read_account(addr);
    state->throw_if_faulted();
    return enc::quantity(acc ? acc->balance : U256{});
}

json EthApi::get_code(const json& p)
{
    params::expect_count(p, 1, 2);
    const Address addr = params::address(params::at(p, 0), 0);
    const auto block = chain_.require_block(params::block_id(params::at(p, 1), 1, true));
    const auto state = chain_.state_at(block);
    const auto acc = state->read_account(addr);
    if (!acc || acc->code_hash == kEmptyCodeHash)
        return "0x";
    const auto code = state->read_code(acc->code_hash);
    state->throw_if_faulted();
    return code ? enc::hex_data(*code) : "0x";
}

json EthApi::get_storage_at(const json& p)
{
    params::expect_count(p, 2, 3);
    const Address addr = params::address(params::at(p, 0), 0);
    const U256 key = params::storage_key(params::at(p, 1), 1);
    const auto block = chain_.require_block(params::block_id(params::at(p, 2), 2, true));
    const auto state = chain_.state_at(block);
    const U256 value = state->read_storage(addr, key);
    state->throw_if_faulted();
    return enc::hash(value.to_hash());
}

json EthApi::get_transaction_count(const json& p)
{
    params::expect_count(p, 1, 2);
    const Address addr = params::address(params::at(p, 0), 0);
    const auto id = params::block_id(params::at(p, 1), 1, true);
    if (id.kind == BlockId::Kind::Pending)
    {
        if (const auto n = backend_.pending_nonce(addr))
            return enc::quantity(*n);
    }
    const auto block = chain_.require_block(id);
    const auto state = chain_.state_at(block);
    const auto acc = state->read_account(addr);
    state->throw_if_faulted();
    return enc::quantity(acc ? acc->nonce : 0);
}

json EthApi::get_block_by_number(const json& p)
{
    params::expect_count(p, 1, 2);
    const auto id = params::block_id(params::at(p, 0), 0, false);
    const auto block = chain_.find_block(id);
    return block_json(db(), block ? std::optional<uint64_t>(block->number) : std::nullopt,
                      full_flag(p, 1), fees());
}

json EthApi::get_block_by_hash(const json& p)
{
    params::expect_count(p, 1, 2);
    const Hash256 hash = params::hash(params::at(p, 0), 0);
    return block_json(db(), db().block_number(hash), full_flag(p, 1), fees());
}

json EthApi::tx_count_by_number(const json& p)
{
    params::expect_count(p, 1, 1);
    const auto block = chain_.find_block(params::block_id(params::at(p, 0), 0, false));
    if (!block)
        return nullptr;
    const auto n = db().transaction_count(block->number);
    return n ? json(enc::quantity(static_cast<uint64_t>(*n))) : json(nullptr);
}

json EthApi::tx_count_by_hash(const json& p)
{
    params::expect_count(p, 1, 1);
    const auto number = db().block_number(params::hash(params::at(p, 0), 0));
    if (!number)
        return nullptr;
    const auto n = db().transaction_count(*number);
    return n ? json(enc::quantity(static_cast<uint64_t>(*n))) : json(nullptr);
}

json EthApi::get_transaction_by_hash(const json& p)
{
    params::expect_count(p, 1, 1);
    const Hash256 hash = params::hash(params::at(p, 0), 0);
    if (const auto t = db().transaction(hash))
    {
        const auto header = db().header(t->block_number);
        return tx_lookup_json(*t, header ? header->base_fee : U256{}, fees());
    }
    if (const auto pooled = backend_.pooled(hash))
        return enc::transaction(pooled->tx, pooled->sender, pooled->hash, std::nullopt);
    return nullptr;
}

json EthApi::tx_by_block_and_index(const std::optional<BlockRef>& block, const json& index)
{
    const uint64_t i = params::quantity_u64(index, 1);
    if (!block || i > UINT32_MAX)
        return nullptr;
    const auto t = db().transaction_at(block->number, static_cast<uint32_t>(i));
    if (!t)
        return nullptr;
    return tx_lookup_json(*t, block->header.base_fee, fees());
}

json EthApi::get_transaction_receipt(const json& p)
{
    params::expect_count(p, 1, 1);
    const Hash256 hash = params::hash(params::at(p, 0), 0);
    const auto t = db().transaction(hash);
    if (!t)
        return nullptr;
    // Only this receipt is decoded (the ones before it are skimmed for their cumulative gas and
    // log counts): decoding the whole block made fetching every receipt of a 1,500-transaction
    // block quadratic.
    auto found = db().receipt_at(t->block_number, t->index);
    if (!found)
        throw rpc::Error::internal(found.error().message);
    const auto header = db().header(t->block_number);
    if (!*found || !header)
        return nullptr;
    execution::Receipt receipt = std::move((*found)->receipt);
    receipt.gas_used = receipt.cumulative_gas_used - (*found)->previous_cumulative_gas;
    return enc::receipt(receipt, t->tx, t->sender, t->hash,
                        enc::TxLocation{t->block_hash, t->block_number, t->index, header->base_fee},
                        (*found)->first_log_index, header->excess_blob_gas, fees());
}

json EthApi::get_block_receipts(const json& p)
{
    params::expect_count(p, 1, 1);
    const auto ref = chain_.find_block(params::block_id(params::at(p, 0), 0, true));
    if (!ref)
        return nullptr;
    const auto block = db().block(ref->number);
    auto receipts = db().receipts(ref->number);
    if (!block || !receipts)
        return nullptr;
    chain::fill_gas_used(*receipts);
    return enc::block_receipts(*block, ref->hash, tx_hashes(*block), *receipts, fees());
}

json EthApi::send_raw_transaction(const json& p, rpc::CallContext& ctx)
{
    params::expect_count(p, 1, 1);
    const Bytes raw = params::data(params::at(p, 0), 0);
    auto tx = decode_transaction(raw);
    if (!tx)
    {
        if (tx.error().code == TxErrorCode::UnsupportedType)
            throw rpc::Error::server("transaction type not supported");
        throw rpc::Error::server(tx.error().message());
    }
    if (raw.size() > config().max_tx_size)
        throw rpc::Error::server("oversized data: transaction size " + std::to_string(raw.size()) +
                                 ", limit " + std::to_string(config().max_tx_size));
    return enc::hash(chain_.submit(std::move(*tx), &ctx));
}

json EthApi::send_transaction(const json& p, rpc::CallContext& ctx)
{
    params::expect_count(p, 1, 1);
    const auto args = params::tx_args(params::at(p, 0), 0);
    const Address from = args.from.value_or(Address{});
    const auto key = backend_.keys().key_of(from);
    if (!key)
        throw rpc::Error::server("unknown account");
    check_chain_id(args, rules().chain_id);
    if (!args.to && (!args.data || args.data->empty()))
        throw rpc::Error::server("contract creation without any data provided");
    if (args.gas_price && (args.max_fee_per_gas || args.max_priority_fee_per_gas))
        throw rpc::Error::server(
            "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");

    const auto head = chain_.require_block(BlockId{});
    Transaction tx;
    tx.chain_id = rules().chain_id;
    tx.to = args.to;
    tx.value = args.value.value_or(U256{});
    tx.data = args.data.value_or(Bytes{});
    if (args.access_list)
        tx.access_list = *args.access_list;
    const U256 tip = suggested_tip();
    const bool legacy_type = args.type && (*args.type == 0 || *args.type == 1);
    if (args.gas_price || legacy_type)
    {
        tx.type = (args.access_list || (args.type && *args.type == 1)) ? TxType::AccessList
                                                                       : TxType::Legacy;
        const U256 price = args.gas_price.value_or(head.header.base_fee + tip);
        tx.max_fee_per_gas = price;
        tx.max_priority_fee_per_gas = price;
    }
    else
    {
        tx.type = TxType::DynamicFee;
        tx.max_priority_fee_per_gas = args.max_priority_fee_per_gas.value_or(tip);
        tx.max_fee_per_gas = args.max_fee_per_gas.value_or(head.header.base_fee * U256{2} +
                                                           tx.max_priority_fee_per_gas);
        if (tx.max_fee_per_gas < tx.max_priority_fee_per_gas)
            throw rpc::Error::server("maxFeePerGas (" + tx.max_fee_per_gas.to_dec() +
                                     ") < maxPriorityFeePerGas (" +
                                     tx.max_priority_fee_per_gas.to_dec() + ")");
    }
    if (args.nonce)
        tx.nonce = *args.nonce;
    else
    {
        const auto pending = backend_.pending_nonce(from);
        if (pending)
            tx.nonce = *pending;
        else
        {
            const auto head_state = db().head_state();
            const auto acc = head_state->read_account(from);
            head_state->throw_if_faulted();
            tx.nonce = acc ? acc->nonce : 0;
        }
    }
    if (args.gas)
        tx.gas_limit = *args.gas;
    else
    {
        params::TxArgs est = args;
        est.from = from;
        const auto state = chain_.state_at(head);
        CallRequest req = chain_.call_request(est, head.header, 0);
        req.gas = 0;
        auto lease = backend_.vms().acquire();
        const auto env = chain_.block_env(head.header, *state);
        const Deadline deadline = chain_.execution_deadline(ctx);
        const evm::ScopedDeadline scoped{*lease, deadline};
        const auto r = api::estimate_gas(*state, env, req, config().rpc_gas_cap, *lease);
        state->throw_if_faulted();
        if (!r)
        {
            if (r.error().reverted)
                throw revert_error(r.error().revert_data);
            throw rpc::Error::server(r.error().message);
        }
        tx.gas_limit = r->gas;
    }
    sign_transaction(tx, *key);
    return enc::hash(chain_.submit(std::move(tx), &ctx));
}

json EthApi::sign(const json& p, bool personal)
{
    params::expect_count(p, 2, 2);
    const size_t addr_i = personal ? 1 : 0;
    const size_t data_i = personal ? 0 : 1;
    const Address addr = params::address(params::at(p, addr_i), addr_i);
    const Bytes message = params::data(params::at(p, data_i), data_i);
    const auto key = backend_.keys().key_of(addr);
    if (!key)
        throw rpc::Error::server("unknown account");
    const auto sig = sign_hash_65(personal_message_hash(message), *key);
    if (!sig)
        throw rpc::Error::server("cannot sign with this key");
    return enc::hex_data(*sig);
}

json EthApi::sign_typed_data(const json& p)
{
    params::expect_count(p, 2, 2);
    const Address addr = params::address(params::at(p, 0), 0);
    // The account first: a node without it (a validator) never looks at the typed data.
    const auto key = backend_.keys().key_of(addr);
    if (!key)
        throw rpc::Error::server("unknown account");
    // The object form or a JSON string of it, held to the request body's nesting limit.
    const auto digest = typed_data_param_hash(params::at(p, 1), json_max_depth_);
    if (!digest)
        throw params::invalid(1, digest.error().message);
    const auto sig = sign_hash_65(*digest, *key);
    if (!sig)
        throw rpc::Error::server("cannot sign with this key");
    return enc::hex_data(*sig);
}

EthApi::CallSetup EthApi::call_setup(const json& p, size_t block_index, size_t overrides_index)
{
    CallSetup s;
    s.block = chain_.require_block(params::block_id(params::at(p, block_index), block_index, true));
    s.state = chain_.state_at(s.block);
    s.overrides = params::state_overrides(params::at(p, overrides_index), overrides_index);
    return s;
}

json EthApi::call(const json& p, rpc::CallContext& ctx)
{
    params::expect_count(p, 1, 4);
    const auto args = params::tx_args(params::at(p, 0), 0);
    auto setup = call_setup(p, 1, 2);
    const auto block_overrides = params::block_overrides(params::at(p, 3), 3);
    const auto header = ChainAccess::with_overrides(setup.block.header, block_overrides);
    const uint64_t default_gas = config().rpc_gas_cap ? config().rpc_gas_cap : header.gas_limit;
    const CallRequest req = chain_.call_request(args, header, default_gas);
    const OverrideReader reader{*setup.state, setup.overrides};
    const auto env = chain_.block_env(setup.block.header, *setup.state, block_overrides);
    auto lease = backend_.vms().acquire();
    const Deadline deadline = chain_.execution_deadline(ctx);
    const evm::ScopedDeadline scoped{*lease, deadline};
    const auto r = simulate_call(reader, env, req, *lease);
    setup.state->throw_if_faulted();
    if (!r)
        throw rpc::Error::server(r.error().message);
    if (r->status == evm::Status::Revert)
        throw revert_error(r->output);
    if (r->status != evm::Status::Success)
        throw rpc::Error::server(status_message(r->status));
    return enc::hex_data(r->output);
}

json EthApi::estimate_gas(const json& p, rpc::CallContext& ctx)
{
    params::expect_count(p, 1, 4);
    const auto args = params::tx_args(params::at(p, 0), 0);
    auto setup = call_setup(p, 1, 2);
    const auto block_overrides = params::block_overrides(params::at(p, 3), 3);
    const auto header = ChainAccess::with_overrides(setup.block.header, block_overrides);
    CallRequest req = chain_.call_request(args, header, 0);
    if (!args.gas)
        req.gas = 0;
    const OverrideReader reader{*setup.state, setup.overrides};
    const auto env = chain_.block_env(setup.block.header, *setup.state, block_overrides);
    auto lease = backend_.vms().acquire();
    const Deadline deadline = chain_.execution_deadline(ctx);  // one for the whole search
    const evm::ScopedDeadline scoped{*lease, deadline};
    const uint64_t cap = config().rpc_gas_cap ? config().rpc_gas_cap : UINT64_MAX;
    const auto r = api::estimate_gas(reader, env, req, cap, *lease);
    setup.state->throw_if_faulted();
    if (!r)
    {
        if (r.error().reverted)
            throw revert_error(r.error().revert_data);
        throw rpc::Error::server(r.error().message);
    }
    return enc::quantity(r->gas);
}

json EthApi::create_access_list(const json& p, rpc::CallContext& ctx)
{
    params::expect_count(p, 1, 3);
    const auto args = params::tx_args(params::at(p, 0), 0);
    auto setup = call_setup(p, 1, 2);
    const uint64_t default_gas =
        config().rpc_gas_cap ? config().rpc_gas_cap : setup.block.header.gas_limit;
    const CallRequest req = chain_.call_request(args, setup.block.header, default_gas);
    const OverrideReader reader{*setup.state, setup.overrides};
    const auto env = chain_.block_env(setup.block.header, *setup.state);
    auto lease = backend_.vms().acquire();
    const Deadline deadline = chain_.execution_deadline(ctx);  // one for every round
    const evm::ScopedDeadline scoped{*lease, deadline};
    const auto r = api::create_access_list(reader, env, req, *lease);
    setup.state->throw_if_faulted();
    if (!r)
        throw rpc::Error::server(r.error().message);
    json list = json::array();
    for (const auto& e : r->access_list)
    {
        json keys = json::array();
        for (const auto& k : e.storage_keys)
            keys.push_back(enc::hash(k));
        list.push_back(json{{"address", enc::address(e.address)}, {"storageKeys", keys}});
    }
    json out{{"accessList", list}, {"gasUsed", enc::quantity(r->gas_used)}};
    if (r->error)
        out["error"] = *r->error;
    return out;
}

json EthApi::fee_history(const json& p)
{
    params::expect_count(p, 2, 3);
    // blockCount: a quantity or a decimal number (geth's math.HexOrDecimal64).
    const json& count_v = params::at(p, 0);
    uint64_t count = 0;
    if (count_v.is_number_unsigned())
        count = count_v.get<uint64_t>();
    else if (count_v.is_string())
    {
        const auto& s = count_v.get_ref<const std::string&>();
        const auto parsed = U256::from_string(s);
        if (!parsed || !parsed->fits_u64())
            throw params::invalid(0, "invalid block count");
        count = parsed->low64();
    }
    else
        throw params::invalid(0,
                              "json: cannot unmarshal non-number into Go value of type "
                              "math.HexOrDecimal64");
    const auto newest = chain_.require_block(params::block_id(params::at(p, 1), 1, false));
    std::vector<double> percentiles;
    const json& pct = params::at(p, 2);
    if (!pct.is_null())
    {
        if (!pct.is_array())
            throw params::invalid(2,
                                  "json: cannot unmarshal non-array into Go value of type "
                                  "[]float64");
        for (const auto& v : pct)
        {
            if (!v.is_number())
                throw params::invalid(2,
                                      "json: cannot unmarshal non-number into Go value of "
                                      "type float64");
            percentiles.push_back(v.get<double>());
        }
        // geth's checks and wording (plain errors).
        const auto fmt = [](double x) {
            char buf[64];
            std::snprintf(buf, sizeof(buf), "%f", x);
            return std::string(buf);
        };
        if (percentiles.size() > 100)
            throw rpc::Error::server("invalid reward percentile: over the query limit 100");
        for (size_t i = 0; i < percentiles.size(); ++i)
        {
            const double x = percentiles[i];
            if (x < 0 || x > 100)
                throw rpc::Error::server("invalid reward percentile: " + fmt(x));
            if (i > 0 && x <= percentiles[i - 1])
                throw rpc::Error::server("invalid reward percentile: #" + std::to_string(i - 1) +
                                         ":" + fmt(percentiles[i - 1]) + " >= #" +
                                         std::to_string(i) + ":" + fmt(x));
        }
    }
    count = std::min<uint64_t>(count, 1024);
    count = std::min<uint64_t>(count, newest.number + 1);
    const uint64_t oldest = newest.number + 1 - count;

    json base_fees = json::array();
    json ratios = json::array();
    json blob_fees = json::array();
    json blob_ratios = json::array();
    json rewards = json::array();
    for (uint64_t n = oldest; count != 0 && n <= newest.number; ++n)
    {
        const auto header = db().header(n);
        if (!header)
            break;
        base_fees.push_back(enc::quantity(header->base_fee));
        ratios.push_back(header->gas_limit ? static_cast<double>(header->gas_used) /
                                                 static_cast<double>(header->gas_limit)
                                           : 0.0);
        blob_fees.push_back(enc::quantity(execution::blob_base_fee(header->excess_blob_gas)));
        blob_ratios.push_back(static_cast<double>(header->blob_gas_used) /
                              static_cast<double>(protocol::kMaxBlobGasPerBlock));
        if (!percentiles.empty())
        {
            json row = json::array();
            const auto block = db().block(n);
            auto receipts = db().receipts(n);
            if (!block || !receipts || block->transactions.empty())
            {
                for (size_t i = 0; i < percentiles.size(); ++i)
                    row.push_back("0x0");
            }
            else
            {
                chain::fill_gas_used(*receipts);
                std::vector<std::pair<U256, uint64_t>> tips;
                for (size_t i = 0; i < block->transactions.size() && i < receipts->size(); ++i)
                {
                    const Address sender =
                        i < block->senders.size() ? block->senders[i] : Address{};
                    const U256 price = execution::effective_gas_price(
                        fees(), block->transactions[i], sender, header->base_fee);
                    // A fee-exempt transaction (proof-of-work gas) paid no tip.
                    tips.emplace_back(price > header->base_fee ? price - header->base_fee : U256{},
                                      (*receipts)[i].gas_used);
                }
                std::sort(tips.begin(), tips.end(),
                          [](const auto& a, const auto& b) { return a.first < b.first; });
                size_t idx = 0;
                uint64_t sum = tips[0].second;
                for (double pc : percentiles)
                {
                    const double threshold = static_cast<double>(header->gas_used) * pc / 100.0;
                    while (static_cast<double>(sum) < threshold && idx + 1 < tips.size())
                    {
                        ++idx;
                        sum += tips[idx].second;
                    }
                    row.push_back(enc::quantity(tips[idx].first));
                }
            }
            rewards.push_back(std::move(row));
        }
    }
    // The base fee of the block after `newest` by the rules in force, and the blob base fee.
    base_fees.push_back(enc::quantity(chain::next_base_fee(rules(), newest.header)));
    blob_fees.push_back(enc::quantity(execution::blob_base_fee(0)));
    json out{{"oldestBlock", enc::quantity(oldest)},
             {"baseFeePerGas", base_fees},
             {"gasUsedRatio", ratios},
             {"baseFeePerBlobGas", blob_fees},
             {"blobGasUsedRatio", blob_ratios}};
    if (!percentiles.empty())
        out["reward"] = rewards;
    if (count == 0)
    {
        out["oldestBlock"] = "0x0";
        out["baseFeePerGas"] = json::array();
        out["baseFeePerBlobGas"] = json::array();
    }
    return out;
}

json EthApi::get_logs(const json& p)
{
    params::expect_count(p, 1, 1);
    const LogFilter filter = parse_log_filter(params::at(p, 0), 0);
    return find_logs(chain_, filter);
}

void EthApi::add_to(MethodTable& table)
{
    // Every method here takes positional parameters: an object is refused as geth does.
    struct Positional
    {
        MethodTable& t;
        void add(const char* name, rpc::Handler h, rpc::Cost cost = rpc::Cost::Cheap)
        {
            t.add(
                name,
                [h = std::move(h)](const json& p, rpc::CallContext& ctx) {
                    if (!p.is_null() && !p.is_array())
                        throw rpc::Error::invalid_params("non-array args");
                    return h(p, ctx);
                },
                cost);
        }
    } d{table};
    // Methods that execute EVM code or scan the chain run on the server's heavy lane, so that
    // cheap ones (eth_blockNumber, eth_getBalance, receipts, sends) always have a thread.
    constexpr auto heavy = rpc::Cost::Heavy;
    const auto add = [&](const char* name, json (EthApi::*fn)(const json&),
                         rpc::Cost cost = rpc::Cost::Cheap) {
        d.add(
            name, [this, fn](const json& p, rpc::CallContext&) { return (this->*fn)(p); }, cost);
    };
    const auto add_const = [&](const char* name, std::function<json(const json&)> fn) {
        d.add(name, [fn = std::move(fn)](const json& p, rpc::CallContext&) { return fn(p); });
    };
    // Methods without parameters refuse extra ones as geth does ("too many arguments, want at
    // most 0"); [] and a missing or null params are fine (viem and ethers send []).
    const auto no_args = [&](const char* name, std::function<json()> fn) {
        d.add(name, [fn = std::move(fn)](const json& p, rpc::CallContext&) {
            params::expect_count(p, 0, 0);
            return fn();
        });
    };
    const chain::ChainConfig& rules = this->rules();

    no_args("web3_clientVersion", [] { return json(kClientVersion); });
    add_const("web3_sha3", [](const json& p) {
        params::expect_count(p, 1, 1);
        return json(enc::hash(keccak256(params::data(params::at(p, 0), 0))));
    });
    no_args("net_version", [&rules] { return json(std::to_string(rules.chain_id)); });
    no_args("net_listening", [] { return json(true); });
    no_args("net_peerCount", [] { return json("0x0"); });
    // rpc_modules is registered once every namespace is in (api::select_namespaces).

    no_args("eth_chainId", [&rules] { return json(enc::quantity(rules.chain_id)); });
    no_args("eth_blockNumber", [this] { return json(enc::quantity(db().head_number())); });
    no_args("eth_syncing", [] { return json(false); });
    no_args("eth_mining", [] { return json(false); });
    no_args("eth_hashrate", [] { return json("0x0"); });
    no_args("eth_coinbase", [&rules] { return json(enc::address(rules.coinbase)); });
    no_args("eth_accounts", [this] {
        json out = json::array();
        for (const auto& a : backend_.keys().accounts)
            out.push_back(enc::address(a.address));
        return out;
    });
    // What a wallet prices from: the next block's base fee plus the tip that reaches the pool's
    // minimum price (geth: head base fee + suggested tip; anvil: next base fee + tip).
    no_args("eth_gasPrice", [this] {
        const U256 base_fee = next_base_fee();
        return json(
            enc::quantity(base_fee + api::suggested_tip(base_fee, this->rules().min_gas_price)));
    });
    no_args("eth_maxPriorityFeePerGas", [this] { return json(enc::quantity(suggested_tip())); });
    no_args("eth_blobBaseFee", [] { return json(enc::quantity(execution::blob_base_fee(0))); });
    add("eth_feeHistory", &EthApi::fee_history);

    add("eth_getBalance", &EthApi::get_balance);
    add("eth_getCode", &EthApi::get_code);
    add("eth_getStorageAt", &EthApi::get_storage_at);
    add("eth_getTransactionCount", &EthApi::get_transaction_count);

    add("eth_getBlockByNumber", &EthApi::get_block_by_number);
    add("eth_getBlockByHash", &EthApi::get_block_by_hash);
    add("eth_getBlockTransactionCountByNumber", &EthApi::tx_count_by_number);
    add("eth_getBlockTransactionCountByHash", &EthApi::tx_count_by_hash);
    d.add("eth_getUncleCountByBlockNumber", [this](const json& p, rpc::CallContext&) {
        params::expect_count(p, 1, 1);
        const auto b = chain_.find_block(params::block_id(params::at(p, 0), 0, false));
        return b ? json("0x0") : json(nullptr);
    });
    d.add("eth_getUncleCountByBlockHash", [this](const json& p, rpc::CallContext&) {
        params::expect_count(p, 1, 1);
        const auto n = db().block_number(params::hash(params::at(p, 0), 0));
        return n ? json("0x0") : json(nullptr);
    });
    // No uncles on this chain: the arguments are checked as geth does, the answer is null.
    add_const("eth_getUncleByBlockNumberAndIndex", [](const json& p) {
        params::expect_count(p, 2, 2);
        params::block_id(params::at(p, 0), 0, false);
        params::quantity_u64(params::at(p, 1), 1);
        return json(nullptr);
    });
    add_const("eth_getUncleByBlockHashAndIndex", [](const json& p) {
        params::expect_count(p, 2, 2);
        params::hash(params::at(p, 0), 0);
        params::quantity_u64(params::at(p, 1), 1);
        return json(nullptr);
    });

    add("eth_getTransactionByHash", &EthApi::get_transaction_by_hash);
    d.add("eth_getTransactionByBlockNumberAndIndex", [this](const json& p, rpc::CallContext&) {
        params::expect_count(p, 2, 2);
        return tx_by_block_and_index(
            chain_.find_block(params::block_id(params::at(p, 0), 0, false)), params::at(p, 1));
    });
    d.add("eth_getTransactionByBlockHashAndIndex", [this](const json& p, rpc::CallContext&) {
        params::expect_count(p, 2, 2);
        BlockId id;
        id.kind = BlockId::Kind::Hash;
        id.hash = params::hash(params::at(p, 0), 0);
        return tx_by_block_and_index(chain_.find_block(id), params::at(p, 1));
    });
    add("eth_getTransactionReceipt", &EthApi::get_transaction_receipt);
    add("eth_getBlockReceipts", &EthApi::get_block_receipts);

    d.add("eth_sendRawTransaction",
          [this](const json& p, rpc::CallContext& ctx) { return send_raw_transaction(p, ctx); });
    d.add("eth_sendTransaction",
          [this](const json& p, rpc::CallContext& ctx) { return send_transaction(p, ctx); });
    d.add("eth_sign", [this](const json& p, rpc::CallContext&) { return sign(p, false); });
    d.add("personal_sign", [this](const json& p, rpc::CallContext&) { return sign(p, true); });
    add("eth_signTypedData_v4", &EthApi::sign_typed_data);
    add("eth_signTypedData", &EthApi::sign_typed_data);

    d.add(
        "eth_call", [this](const json& p, rpc::CallContext& ctx) { return call(p, ctx); }, heavy);
    d.add(
        "eth_estimateGas",
        [this](const json& p, rpc::CallContext& ctx) { return estimate_gas(p, ctx); }, heavy);
    d.add(
        "eth_createAccessList",
        [this](const json& p, rpc::CallContext& ctx) { return create_access_list(p, ctx); }, heavy);
    add("eth_getLogs", &EthApi::get_logs, heavy);

    d.add("evm_mine", [this](const json& p, rpc::CallContext&) {
        // [timestamp]: a number or a quantity, as anvil and hardhat take it.
        params::expect_count(p, 0, 1);
        std::optional<uint64_t> ts;
        const json& v = params::at(p, 0);
        if (v.is_number_unsigned())
            ts = v.get<uint64_t>();
        else if (v.is_string())
            ts = params::quantity_u64(v, 0);
        else if (!v.is_null())
            params::unmarshal_error(0, v, "hexutil.Uint64");
        if (ts)
        {
            const auto head = db().header(db().head_number());
            const auto refused = producer::mine_timestamp_error(*ts, head ? head->timestamp : 0,
                                                                producer::wall_clock_seconds(),
                                                                config().evm_mine_max_ahead);
            if (refused)
                throw rpc::Error::invalid_params(*refused);
        }
        const auto r = backend_.mine(ts);
        if (!r)
            throw rpc::Error::server(r.error());
        return json("0x0");
    });
}

}  // namespace

void add_eth_methods(MethodTable& table, Backend& backend, size_t json_max_depth)
{
    auto api = std::make_shared<EthApi>(backend, json_max_depth);
    api->add_to(table);
    table.retain(api);  // the handlers point into it
}

}  // namespace tern::api
