#include "model_cmd.hpp"

#include "chain/dev_accounts.hpp"
#include "core/abi.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "crypto/secp256k1.hpp"
#include "ml/engine.hpp"
#include "mlchain/ml_precompiles.hpp"
#include "tools/tern/common/rpc_client.hpp"
#include "transaction/codec.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

namespace tern::tools {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& message)
{
    std::fprintf(stderr, "tern model: %s\n", message.c_str());
    throw CLI::RuntimeError(1);
}

/// The JSON-RPC client of `tern model`: a failure ends the command with its message.
class ModelRpc
{
public:
    /// A client of "http://host[:port][/path]"; a request may take up to 60 s.
    explicit ModelRpc(const std::string& url) : client_(parse(url), std::chrono::seconds(60)) {}

    /// The `result` of `method`; a transport or JSON-RPC error ends the command with its
    /// message.
    json call(const std::string& method, json params)
    {
        auto result = client_.call(method, params);
        if (result)
            return std::move(*result);
        const RpcError& e = result.error();
        switch (e.kind)
        {
            case RpcError::Kind::Transport:
                if (e.http.stage == HttpStage::Resolve)
                    fail("cannot resolve " + client_.host() + ": " + e.http.message);
                if (e.http.stage == HttpStage::Connect)
                    fail("cannot connect to " + client_.host() + ":" + client_.port() + ": " +
                         e.http.message);
                fail(method + ": " + e.http.message);
            case RpcError::Kind::NotJson:
                fail(method + ": HTTP " + std::to_string(e.status) + ", not JSON-RPC");
            case RpcError::Kind::Error:
                break;
        }
        fail(method + ": " + e.message);
    }

private:
    static HttpUrl parse(const std::string& url)
    {
        auto parsed = parse_http_url(url);
        if (!parsed)
            fail(parsed.error());
        return *parsed;
    }

    tools::RpcClient client_;
};

std::string hex(BytesView b)
{
    return to_hex(b);
}

U256 quantity(const json& j)
{
    const auto v = j.is_string() ? U256::from_string(j.get<std::string>()) : std::nullopt;
    if (!v)
        fail("unexpected quantity in RPC answer: " + j.dump());
    return *v;
}

Bytes data_of(const json& j)
{
    auto b = j.is_string() ? from_hex(j.get<std::string>()) : std::nullopt;
    if (!b)
        fail("unexpected data in RPC answer: " + j.dump());
    return std::move(*b);
}

/// eth_call of the registry with `data`; the returned bytes.
Bytes registry_call(ModelRpc& rpc, const Bytes& data)
{
    return data_of(rpc.call(
        "eth_call",
        json::array({json{{"to", hex(mlchain::kModelRegistryAddress.view())}, {"data", hex(data)}},
                     "latest"})));
}

/// Gas a registry transaction needs: intrinsic (21000 + 16 per calldata byte), a cold account
/// access, the precompile's own schedule (docs/ml.md) and headroom.
uint64_t gas_for(const Bytes& data, uint64_t precompile_gas)
{
    return 21'000 + 16 * data.size() + 2'600 + precompile_gas + 50'000;
}

void upload(const std::string& file, const std::string& rpc_url, std::string key_hex, size_t chunk)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        fail("cannot read " + file);
    const Bytes model(std::istreambuf_iterator<char>(in), {});
    const Hash256 hash = keccak256(model);

    // 1. The engine must accept it (the registry runs the same check on finishUpload).
    if (const auto loaded = ml::load_model(model, ml::Limits{}); !loaded)
        fail(file + " is not a model Tern can run: " + loaded.error());
    chunk = std::max<size_t>(32, chunk / 32 * 32);

    // 2. The signing key: --key, else dev account 0 of the test mnemonic.
    Hash256 key;
    if (key_hex.empty())
        key = chain::default_dev_accounts().at(0).secret_key;
    else
    {
        const auto k = fixed_from_hex<Hash256>(key_hex);
        if (!k)
            fail("--key must be 32 bytes of hex");
        key = *k;
    }
    const auto sender = crypto::address_from_secret(key);
    if (!sender)
        fail("invalid private key");

    ModelRpc rpc{rpc_url};
    const auto exists =
        registry_call(rpc, abi::encode_call("exists(bytes32)", std::vector{U256::from_hash(hash)}));
    if (exists.size() == 32 && exists[31] == 1)
    {
        std::printf("model %s is already in the registry\n%s\n", hex(hash.view()).c_str(),
                    hex(hash.view()).c_str());
        return;
    }
    const uint64_t chain_id = quantity(rpc.call("eth_chainId", json::array())).low64();
    uint64_t nonce =
        quantity(rpc.call("eth_getTransactionCount", json::array({hex(sender->view()), "pending"})))
            .low64();
    const U256 gas_price = quantity(rpc.call("eth_gasPrice", json::array()));

    // 3. begin, chunks, finish: signed locally, sent in nonce order, then awaited.
    std::vector<std::pair<Bytes, uint64_t>> calls;  // call data, precompile gas
    calls.emplace_back(abi::encode_call("beginUpload(bytes32,uint32)",
                                        std::vector{U256::from_hash(hash), U256{model.size()}}),
                       mlchain::gas::kBegin);
    for (size_t off = 0; off < model.size(); off += chunk)
    {
        const size_t n = std::min(chunk, model.size() - off);
        calls.emplace_back(abi::encode_call("uploadChunk(bytes32,uint32,bytes)",
                                            std::vector{U256::from_hash(hash), U256{off}},
                                            BytesView(model).subspan(off, n)),
                           mlchain::gas::kChunk + (n + 31) / 32 * mlchain::gas::kPerWordStored);
    }
    calls.emplace_back(
        abi::encode_call("finishUpload(bytes32)", std::vector{U256::from_hash(hash)}),
        mlchain::gas::kFinish + (model.size() + 31) / 32 * mlchain::gas::kPerWordVerified);
    std::vector<std::string> tx_hashes;
    for (auto& [data, precompile_gas] : calls)
    {
        Transaction tx;
        tx.type = TxType::DynamicFee;
        tx.chain_id = chain_id;
        tx.nonce = nonce++;
        tx.max_fee_per_gas = gas_price * U256{2};
        tx.max_priority_fee_per_gas = U256{};
        tx.gas_limit = gas_for(data, precompile_gas);
        tx.to = mlchain::kModelRegistryAddress;
        tx.data = std::move(data);
        const auto sig = crypto::sign(signing_hash(tx), key);
        if (!sig)
            fail("cannot sign with this key");
        tx.y_parity = sig->recovery_id;
        tx.r = U256::from_hash(sig->r);
        tx.s = U256::from_hash(sig->s);
        tx_hashes.push_back(
            rpc.call("eth_sendRawTransaction", json::array({hex(encode_transaction(tx))}))
                .get<std::string>());
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    for (size_t i = 0; i < tx_hashes.size(); ++i)
    {
        json receipt;
        while ((receipt = rpc.call("eth_getTransactionReceipt", json::array({tx_hashes[i]})))
                   .is_null())
        {
            if (std::chrono::steady_clock::now() > deadline)
                fail("transaction " + tx_hashes[i] + " not mined after 5 minutes");
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (receipt.value("status", "") != "0x1")
        {
            // Replay the failed call for its revert reason.
            std::string reason = "reverted";
            try
            {
                (void)rpc.call("eth_call",
                               json::array({json{{"from", hex(sender->view())},
                                                 {"to", hex(mlchain::kModelRegistryAddress.view())},
                                                 {"data", hex(calls[i].first)}},
                                            "latest"}));
            }
            catch (const CLI::RuntimeError&)
            {
                reason = "see the message above";
            }
            fail("transaction " + std::to_string(i + 1) + "/" + std::to_string(tx_hashes.size()) +
                 " (" + tx_hashes[i] + ") failed: " + reason);
        }
    }
    std::printf("uploaded %s (%zu bytes) in %zu transactions from %s\n%s\n", file.c_str(),
                model.size(), tx_hashes.size(), hex(sender->view()).c_str(),
                hex(hash.view()).c_str());
}

void list(const std::string& rpc_url)
{
    ModelRpc rpc{rpc_url};
    const Bytes count_word = registry_call(rpc, abi::encode_call("modelCount()", {}));
    const uint64_t count = U256::from_be(count_word).low64();
    const Bytes list = registry_call(
        rpc, abi::encode_call("listModels(uint256,uint256)", std::vector{U256{0}, U256{count}}));
    std::printf("%llu model(s)\n", static_cast<unsigned long long>(count));
    for (uint64_t i = 0; i < count && 64 + 32 * (i + 1) <= list.size(); ++i)
    {
        const U256 h = U256::from_be(BytesView(list).subspan(64 + 32 * i, 32));
        const Bytes size =
            registry_call(rpc, abi::encode_call("modelSize(bytes32)", std::vector{h}));
        std::printf("%s  %llu bytes\n", hex(h.to_hash().view()).c_str(),
                    static_cast<unsigned long long>(U256::from_be(size).low64()));
    }
}

}  // namespace

void register_model_commands(CLI::App& app)
{
    auto* model = app.add_subcommand("model", "ONNX models in the chain's model registry");
    model->require_subcommand(1);

    struct UploadOptions
    {
        std::string file;
        std::string rpc = "http://127.0.0.1:8545";
        std::string key;
        size_t chunk = 24 * 1024;
    };
    auto opts = std::make_shared<UploadOptions>();
    auto* up = model->add_subcommand(
        "upload", "Check an ONNX model and upload it in chunks; prints its hash");
    up->add_option("file", opts->file, "ONNX model file")->required()->check(CLI::ExistingFile);
    up->add_option("--rpc", opts->rpc, "JSON-RPC URL of a node")->capture_default_str();
    up->add_option("--key", opts->key,
                   "Private key (hex) that signs the transactions (default: dev account 0)");
    up->add_option("--chunk", opts->chunk, "Bytes per upload transaction")->capture_default_str();
    up->callback([opts] { upload(opts->file, opts->rpc, opts->key, opts->chunk); });

    auto rpc = std::make_shared<std::string>("http://127.0.0.1:8545");
    auto* ls = model->add_subcommand("list", "List the models in the registry");
    ls->add_option("--rpc", *rpc, "JSON-RPC URL of a node")->capture_default_str();
    ls->callback([rpc] { list(*rpc); });
}

}  // namespace tern::tools
