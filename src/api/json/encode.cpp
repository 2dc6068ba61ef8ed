#include "api/json/encode.hpp"

#include "core/hex.hpp"
#include "execution/block_env.hpp"
#include "execution/host.hpp"

namespace tern::api::json_rpc {

using nlohmann::json;

std::string quantity(uint64_t v)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    char buf[2 + 16];
    size_t n = 0;
    buf[n++] = '0';
    buf[n++] = 'x';
    bool started = false;
    for (int shift = 60; shift >= 0; shift -= 4)
    {
        const auto d = static_cast<unsigned>((v >> shift) & 0xf);
        if (d != 0 || started || shift == 0)
        {
            buf[n++] = kDigits[d];
            started = true;
        }
    }
    return std::string(buf, n);
}

std::string quantity(const U256& v)
{
    if (v.fits_u64())
        return quantity(v.low64());
    return v.to_hex();
}

std::string hex_data(BytesView v)
{
    return to_hex(v, true);
}

std::string address(const Address& a)
{
    return to_hex(a.view(), true);
}

std::string hash(const Hash256& h)
{
    return to_hex(h.view(), true);
}

namespace {

json access_list(const Transaction& tx)
{
    json list = json::array();
    for (const auto& e : tx.access_list)
    {
        json keys = json::array();
        for (const auto& k : e.storage_keys)
            keys.push_back(hash(k));
        list.push_back(json{{"address", address(e.address)}, {"storageKeys", std::move(keys)}});
    }
    return list;
}

}  // namespace

json transaction(const Transaction& tx,
                 const Address& sender,
                 const Hash256& tx_hash,
                 const std::optional<TxLocation>& location,
                 const execution::FeePolicy& fees)
{
    json j;
    if (location)
    {
        j["blockHash"] = hash(location->block_hash);
        j["blockNumber"] = quantity(location->block_number);
        j["transactionIndex"] = quantity(location->index);
    }
    else
    {
        j["blockHash"] = nullptr;
        j["blockNumber"] = nullptr;
        j["transactionIndex"] = nullptr;
    }
    j["from"] = address(sender);
    j["gas"] = quantity(tx.gas_limit);
    j["hash"] = hash(tx_hash);
    j["input"] = hex_data(tx.data);
    j["nonce"] = quantity(tx.nonce);
    j["to"] = tx.to ? json(address(*tx.to)) : json(nullptr);
    j["value"] = quantity(tx.value);
    j["type"] = quantity(static_cast<uint64_t>(tx.type));
    j["r"] = quantity(tx.r);
    j["s"] = quantity(tx.s);
    switch (tx.type)
    {
        case TxType::Legacy:
            j["gasPrice"] = quantity(tx.gas_price());
            if (tx.chain_id)
            {
                j["chainId"] = quantity(*tx.chain_id);
                j["v"] = quantity(U256{*tx.chain_id} * U256{2} + U256{35u + tx.y_parity});
            }
            else
                j["v"] = quantity(uint64_t{27} + tx.y_parity);
            break;
        case TxType::AccessList:
            j["gasPrice"] = quantity(tx.gas_price());
            break;
        case TxType::DynamicFee:
        case TxType::Blob:
        case TxType::SetCode:
            j["maxFeePerGas"] = quantity(tx.max_fee_per_gas);
            j["maxPriorityFeePerGas"] = quantity(tx.max_priority_fee_per_gas);
            j["gasPrice"] = quantity(
                location ? execution::effective_gas_price(fees, tx, sender, location->base_fee)
                         : tx.max_fee_per_gas);
            break;
    }
    if (tx.type != TxType::Legacy)
    {
        j["chainId"] = quantity(tx.chain_id.value_or(0));
        j["accessList"] = access_list(tx);
        j["v"] = quantity(uint64_t{tx.y_parity});
        j["yParity"] = quantity(uint64_t{tx.y_parity});
    }
    if (tx.type == TxType::Blob)
    {
        j["maxFeePerBlobGas"] = quantity(tx.max_fee_per_blob_gas);
        json hashes = json::array();
        for (const auto& h : tx.blob_versioned_hashes)
            hashes.push_back(hash(h));
        j["blobVersionedHashes"] = std::move(hashes);
    }
    return j;
}

json log(const state::Log& l,
         const TxLocation& location,
         const Hash256& tx_hash,
         uint64_t log_index)
{
    json topics = json::array();
    for (const auto& t : l.topics)
        topics.push_back(hash(t));
    return json{
        {"address", address(l.address)},
        {"topics", std::move(topics)},
        {"data", hex_data(l.data)},
        {"blockNumber", quantity(location.block_number)},
        {"transactionHash", hash(tx_hash)},
        {"transactionIndex", quantity(location.index)},
        {"blockHash", hash(location.block_hash)},
        {"logIndex", quantity(log_index)},
        {"removed", false},
    };
}

json receipt(const execution::Receipt& r,
             const Transaction& tx,
             const Address& sender,
             const Hash256& tx_hash,
             const TxLocation& location,
             uint64_t first_log_index,
             uint64_t excess_blob_gas,
             const execution::FeePolicy& fees)
{
    json logs = json::array();
    for (size_t i = 0; i < r.logs.size(); ++i)
        logs.push_back(log(r.logs[i], location, tx_hash, first_log_index + i));
    json j{
        {"blockHash", hash(location.block_hash)},
        {"blockNumber", quantity(location.block_number)},
        {"contractAddress", nullptr},
        {"cumulativeGasUsed", quantity(r.cumulative_gas_used)},
        {"effectiveGasPrice",
         quantity(execution::effective_gas_price(fees, tx, sender, location.base_fee))},
        {"from", address(sender)},
        {"gasUsed", quantity(r.gas_used)},
        {"logs", std::move(logs)},
        {"logsBloom", hex_data(r.bloom)},
        {"status", r.success ? "0x1" : "0x0"},
        {"to", tx.to ? json(address(*tx.to)) : json(nullptr)},
        {"transactionHash", hash(tx_hash)},
        {"transactionIndex", quantity(location.index)},
        {"type", quantity(static_cast<uint64_t>(tx.type))},
    };
    if (!tx.to)
        j["contractAddress"] = address(execution::create_address(sender, tx.nonce));
    // skaled's field: SKALE's client libraries read the reason of a failed transaction here.
    if (!r.revert_reason.empty())
        j["revertReason"] = r.revert_reason;
    if (tx.type == TxType::Blob)
    {
        j["blobGasUsed"] = quantity(r.blob_gas_used);
        j["blobGasPrice"] = quantity(execution::blob_base_fee(excess_blob_gas));
    }
    return j;
}

json header(const chain::BlockHeader& h, const Hash256& block_hash)
{
    uint8_t nonce[8];
    for (size_t i = 0; i < 8; ++i)
        nonce[i] = static_cast<uint8_t>(h.nonce >> (56 - 8 * i));
    return json{
        {"number", quantity(h.number)},
        {"hash", hash(block_hash)},
        {"parentHash", hash(h.parent_hash)},
        {"nonce", hex_data(BytesView{nonce, 8})},
        {"mixHash", hash(h.mix_hash)},
        {"sha3Uncles", hash(h.ommers_hash)},
        {"logsBloom", hex_data(h.logs_bloom)},
        {"stateRoot", hash(h.state_root)},
        {"miner", address(h.coinbase)},
        {"difficulty", quantity(h.difficulty)},
        {"extraData", hex_data(h.extra_data)},
        {"gasLimit", quantity(h.gas_limit)},
        {"gasUsed", quantity(h.gas_used)},
        {"timestamp", quantity(h.timestamp)},
        {"transactionsRoot", hash(h.transactions_root)},
        {"receiptsRoot", hash(h.receipts_root)},
        {"baseFeePerGas", quantity(h.base_fee)},
        {"withdrawalsRoot", hash(h.withdrawals_root)},
        {"blobGasUsed", quantity(h.blob_gas_used)},
        {"excessBlobGas", quantity(h.excess_blob_gas)},
        {"parentBeaconBlockRoot", hash(h.parent_beacon_block_root)},
    };
}

json block(const chain::Block& b,
           const Hash256& block_hash,
           std::span<const Hash256> tx_hashes,
           bool full,
           const execution::FeePolicy& fees)
{
    json j = header(b.header, block_hash);
    j["size"] = quantity(static_cast<uint64_t>(chain::encode_block(b).size()));
    j["totalDifficulty"] = quantity(b.header.difficulty);
    j["uncles"] = json::array();
    json txs = json::array();
    const TxLocation base{block_hash, b.header.number, 0, b.header.base_fee};
    for (size_t i = 0; i < b.transactions.size(); ++i)
    {
        if (full)
        {
            TxLocation loc = base;
            loc.index = i;
            const Address sender = i < b.senders.size() ? b.senders[i] : Address{};
            txs.push_back(transaction(b.transactions[i], sender, tx_hashes[i], loc, fees));
        }
        else
            txs.push_back(hash(tx_hashes[i]));
    }
    j["transactions"] = std::move(txs);
    json withdrawals = json::array();
    for (const auto& w : b.withdrawals)
        withdrawals.push_back(json{{"index", quantity(w.index)},
                                   {"validatorIndex", quantity(w.validator_index)},
                                   {"address", address(w.address)},
                                   {"amount", quantity(w.amount_gwei)}});
    j["withdrawals"] = std::move(withdrawals);
    return j;
}

json block_receipts(const chain::Block& b,
                    const Hash256& block_hash,
                    std::span<const Hash256> tx_hashes,
                    std::span<const execution::Receipt> receipts,
                    const execution::FeePolicy& fees)
{
    json out = json::array();
    uint64_t log_index = 0;
    for (size_t i = 0; i < receipts.size() && i < b.transactions.size(); ++i)
    {
        const TxLocation loc{block_hash, b.header.number, i, b.header.base_fee};
        const Address sender = i < b.senders.size() ? b.senders[i] : Address{};
        out.push_back(receipt(receipts[i], b.transactions[i], sender, tx_hashes[i], loc, log_index,
                              b.header.excess_blob_gas, fees));
        log_index += receipts[i].logs.size();
    }
    return out;
}

}  // namespace tern::api::json_rpc
