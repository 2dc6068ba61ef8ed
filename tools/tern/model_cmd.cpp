#include "model_cmd.hpp"

#include "core/abi.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "ml/engine.hpp"
#include "mlchain/ml_precompiles.hpp"
#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/tx_sender.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>

namespace tern::tools {
namespace {

std::string hex(BytesView b)
{
    return to_hex(b);
}

/// eth_call of the registry with `data`; the returned bytes.
Bytes registry_call(NodeRpc& rpc, const Bytes& data)
{
    auto out = rpc.eth_call(mlchain::kModelRegistryAddress, data);
    if (!out)
        fail("eth_call: " + out.error());
    return std::move(*out);
}

/// A limit the registry reports (`maxModelBytes()`), or `fallback` from a node that predates
/// the call.
uint64_t chain_limit(NodeRpc& rpc, const char* signature, uint64_t fallback)
{
    const auto out = rpc.eth_call(mlchain::kModelRegistryAddress, abi::encode_call(signature, {}));
    if (!out || out->size() != 32)
        return fallback;
    const U256 v = U256::from_be(*out);
    return v.fits_u64() && v != U256{} ? v.low64() : fallback;
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

    NodeRpc rpc{rpc_url};

    // 1. The engine must accept it under this chain's limits (the registry runs the same check
    // on finishUpload), before any transaction is sent.
    ml::Limits limits;
    limits.max_model_bytes = chain_limit(rpc, "maxModelBytes()", limits.max_model_bytes);
    if (model.size() > limits.max_model_bytes)
        fail(file + " has " + std::to_string(model.size()) +
             " bytes, above this chain's limit of " + std::to_string(limits.max_model_bytes) +
             " (tern.mlMaxModelBytes)");
    if (const auto loaded = ml::load_model(model, limits); !loaded)
        fail(file + " is not a model Tern can run: " + loaded.error());
    chunk = std::max<size_t>(32, chunk / 32 * 32);

    // 2. The signing key: --key, else dev account 0 of the test mnemonic.
    const Hash256 key = signing_key(key_hex);
    const auto exists =
        registry_call(rpc, abi::encode_call("exists(bytes32)", std::vector{U256::from_hash(hash)}));
    if (exists.size() == 32 && exists[31] == 1)
    {
        std::printf("model %s is already in the registry\n%s\n", hex(hash.view()).c_str(),
                    hex(hash.view()).c_str());
        return;
    }
    TxSender sender{rpc, key};

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
    for (size_t i = 0; i < calls.size(); ++i)
    {
        const uint64_t gas = gas_for(calls[i].first, calls[i].second);
        sender.send(mlchain::kModelRegistryAddress, std::move(calls[i].first), gas,
                    "transaction " + std::to_string(i + 1) + "/" + std::to_string(calls.size()));
    }
    sender.confirm();
    std::printf("uploaded %s (%zu bytes) in %zu transactions from %s\n%s\n", file.c_str(),
                model.size(), calls.size(), hex(sender.address().view()).c_str(),
                hex(hash.view()).c_str());
}

void list(const std::string& rpc_url)
{
    NodeRpc rpc{rpc_url};
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
