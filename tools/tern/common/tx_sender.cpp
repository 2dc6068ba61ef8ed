#include "tools/tern/common/tx_sender.hpp"

#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "crypto/secp256k1.hpp"
#include "tools/tern/common/fail.hpp"
#include "transaction/codec.hpp"

namespace tern::tools {

using nlohmann::json;

namespace {

HttpUrl parsed_url(const std::string& url)
{
    auto parsed = parse_http_url(url);
    if (!parsed)
        fail(parsed.error());
    return *parsed;
}

}  // namespace

NodeRpc::NodeRpc(const std::string& url, std::chrono::milliseconds timeout)
    : url_(url), client_(parsed_url(url), timeout)
{}

Result<json, RpcError> NodeRpc::request(const std::string& method, const json& params)
{
    return client_.call(method, params);
}

std::string NodeRpc::describe(const std::string& method, const RpcError& e) const
{
    switch (e.kind)
    {
        case RpcError::Kind::Transport:
            if (e.http.stage == HttpStage::Resolve)
                return "cannot resolve " + client_.host() + ": " + e.http.message;
            if (e.http.stage == HttpStage::Connect)
                return "cannot connect to " + client_.host() + ":" + client_.port() + ": " +
                       e.http.message;
            return method + ": " + e.http.message;
        case RpcError::Kind::NotJson:
            return method + ": HTTP " + std::to_string(e.status) + ", not JSON-RPC";
        case RpcError::Kind::Error:
            break;
    }
    return method + ": " + e.message;
}

json NodeRpc::call(const std::string& method, const json& params)
{
    auto result = request(method, params);
    if (!result)
        fail(describe(method, result.error()));
    return std::move(*result);
}

std::optional<json> NodeRpc::call_or_error(const std::string& method,
                                           const json& params,
                                           std::string& error)
{
    auto result = request(method, params);
    if (result)
        return std::move(*result);
    const RpcError& e = result.error();
    error = e.kind == RpcError::Kind::Error ? e.message : describe(method, e);
    return std::nullopt;
}

Result<Bytes, std::string> NodeRpc::eth_call(const Address& to,
                                             BytesView data,
                                             const std::optional<Address>& from)
{
    json call{{"to", to_hex(to.view())}, {"data", to_hex(data)}};
    if (from)
        call["from"] = to_hex(from->view());
    std::string error;
    const auto result = call_or_error("eth_call", json::array({call, "latest"}), error);
    if (!result)
        return error;
    auto bytes = result->is_string() ? from_hex(result->get<std::string>()) : std::nullopt;
    if (!bytes)
        return "eth_call: unexpected answer " + result->dump().substr(0, 200);
    return std::move(*bytes);
}

Result<uint64_t, std::string> NodeRpc::estimate_gas(const Address& from,
                                                    const Address& to,
                                                    BytesView data)
{
    const json call{
        {"from", to_hex(from.view())}, {"to", to_hex(to.view())}, {"data", to_hex(data)}};
    std::string error;
    const auto result = call_or_error("eth_estimateGas", json::array({call}), error);
    if (!result)
        return error;
    const auto gas =
        result->is_string() ? U256::from_string(result->get<std::string>()) : std::nullopt;
    if (!gas || !gas->fits_u64())
        return "eth_estimateGas: unexpected answer " + result->dump();
    return gas->low64();
}

U256 quantity(const json& j)
{
    const auto v = j.is_string() ? U256::from_string(j.get<std::string>()) : std::nullopt;
    if (!v)
        fail("unexpected quantity in RPC answer: " + j.dump());
    return *v;
}

Hash256 signing_key(const std::string& key_hex)
{
    if (key_hex.empty())
        return chain::default_dev_accounts().at(0).secret_key;
    std::string_view digits = key_hex;
    if (digits.starts_with("0x") || digits.starts_with("0X"))
        digits.remove_prefix(2);
    const auto key = digits.size() == 64 ? fixed_from_hex<Hash256>(digits) : std::nullopt;
    if (!key)
        fail("--key must be 32 bytes of hex");
    if (!crypto::address_from_secret(*key))
        fail("invalid private key");
    return *key;
}

std::optional<Address> parse_address_arg(std::string_view text)
{
    if (text.starts_with("0x") || text.starts_with("0X"))
        text.remove_prefix(2);
    if (text.size() != 40)
        return std::nullopt;
    return fixed_from_hex<Address>(text);
}

TxSender::TxSender(NodeRpc& rpc, const Hash256& key, size_t window)
    : rpc_(rpc), key_(key), window_(std::max<size_t>(1, window))
{
    const auto address = crypto::address_from_secret(key);
    if (!address)
        fail("invalid private key");
    address_ = *address;
    chain_id_ = quantity(rpc_.call("eth_chainId", json::array())).low64();
    nonce_ = quantity(rpc_.call("eth_getTransactionCount",
                                json::array({to_hex(address_.view()), "pending"})))
                 .low64();
    max_fee_ = quantity(rpc_.call("eth_gasPrice", json::array())) * U256{2};
    for (size_t i = 0; i < window_; ++i)
        workers_.emplace_back([this, client = rpc_]() mutable { work(client); });
}

TxSender::~TxSender()
{
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
        queue_.clear();
    }
    changed_.notify_all();
    for (auto& t : workers_)
        t.join();
}

void TxSender::on_accepted(std::function<void(size_t)> callback)
{
    std::lock_guard lock{mutex_};
    on_accepted_ = std::move(callback);
}

size_t TxSender::send(const Address& to, Bytes data, uint64_t gas, std::string label)
{
    Transaction tx;
    tx.type = TxType::DynamicFee;
    tx.chain_id = chain_id_;
    tx.nonce = nonce_;
    tx.max_fee_per_gas = max_fee_;
    tx.max_priority_fee_per_gas = U256{};
    tx.gas_limit = gas;
    tx.to = to;
    tx.data = std::move(data);
    const auto sig = crypto::sign(signing_hash(tx), key_);
    if (!sig)
        fail("cannot sign with this key");
    tx.y_parity = sig->recovery_id;
    tx.r = U256::from_hash(sig->r);
    tx.s = U256::from_hash(sig->s);
    const Bytes raw = encode_transaction(tx);
    std::string hash = to_hex(keccak256(raw).view());
    std::string raw_hex = to_hex(raw);

    std::unique_lock lock{mutex_};
    changed_.wait(lock, [&] { return queue_.size() + busy_ < window_ || refused_; });
    check_refusals();
    ++nonce_;
    const size_t index = sent_.size();
    sent_.push_back({std::move(label), std::move(hash), gas});
    queue_.push_back({index, std::move(raw_hex)});
    lock.unlock();
    changed_.notify_all();
    return index;
}

void TxSender::work(NodeRpc& client)
{
    std::unique_lock lock{mutex_};
    for (;;)
    {
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_)
            return;
        Job job = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
        lock.unlock();
        const auto answer = client.request("eth_sendRawTransaction", json::array({job.raw}));
        lock.lock();
        --busy_;
        if (!answer)
        {
            const std::string why = client.describe("eth_sendRawTransaction", answer.error());
            if (!refused_ || job.index < refused_->first)
                refused_ = {job.index, why};
        }
        else if (on_accepted_)
            on_accepted_(job.index);
        changed_.notify_all();
    }
}

void TxSender::check_refusals()
{
    if (refused_)
        fail(sent_.at(refused_->first).label + ": " + refused_->second);
}

std::vector<json> TxSender::confirm(std::chrono::seconds timeout)
{
    size_t from = 0;
    size_t to = 0;
    {
        std::unique_lock lock{mutex_};
        changed_.wait(lock, [&] { return (queue_.empty() && busy_ == 0) || refused_; });
        check_refusals();
        from = confirmed_;
        to = sent_.size();
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<json> receipts;
    for (size_t i = from; i < to; ++i)
    {
        const Sent& s = sent_[i];
        json receipt;
        while ((receipt = rpc_.call("eth_getTransactionReceipt", json::array({s.hash}))).is_null())
        {
            if (std::chrono::steady_clock::now() > deadline)
                fail(s.label + " (" + s.hash + ") not mined after " +
                     std::to_string(timeout.count()) + " s");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (receipt.value("status", "") != "0x1")
        {
            const std::string reason =
                receipt.contains("revertReason") && receipt["revertReason"].is_string()
                    ? receipt["revertReason"].get<std::string>()
                    : "no revert reason (gas used " +
                          quantity(receipt.value("gasUsed", json("0x0"))).to_dec() + " of " +
                          std::to_string(s.gas) + ")";
            fail(s.label + " (" + s.hash + ") failed: " + reason);
        }
        receipts.push_back(std::move(receipt));
    }
    confirmed_ = to;
    return receipts;
}

}  // namespace tern::tools
