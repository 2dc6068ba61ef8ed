// Inference results are consensus: independent block pipelines (own state, own precompile
// instance and model cache) that apply the same upload + infer transactions reach the same
// receipts and state roots, whether or not their model cache is warm.

#include "chain/block_builder.hpp"
#include "core/abi.hpp"
#include "core/keccak.hpp"
#include "evm/vm.hpp"
#include "execution/state_root.hpp"
#include "ml/codec.hpp"
#include "mlchain/feature.hpp"
#include "mlchain/ml_precompiles.hpp"
#include "mlchain/test_util.hpp"
#include "state/memory_backend.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

namespace tern::mlchain {
namespace {

const std::string kModels = std::string(TERN_EXAMPLES_DIR) + "/ml/models/";
const Address kSender = address_from_u64(0x5e4d);
const Address kInferProxy = address_from_u64(0x1f0);

Bytes read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

/// Sets config.features as the node does (node::attach_chain_features, above this module): a
/// new ML instance with its own model cache.
void attach_features(chain::ChainConfig& config)
{
    auto features = std::make_shared<execution::ChainFeatures>();
    ASSERT_FALSE(register_feature(*features, config).has_value());
    config.features = std::move(features);
}

/// One node's block pipeline: its own state, VM and precompile instance.
struct Pipeline
{
    chain::ChainConfig config;
    state::MemoryBackend backend;
    evm::Vm vm;
    chain::BlockHeader parent;

    Pipeline()
    {
        attach_features(config);
        backend.put_account(kSender, 0, U256{1'000'000'000'000'000'000ULL}, {});
        backend.put_account(kInferProxy, 1, U256{}, test::forwarder_code(kInferenceAddress));
        parent.gas_limit = config.gas_limit;
        parent.state_root = execution::state_root(backend);
    }

    /// Builds a block of `txs` (all must be valid); returns the receipts and sets `parent`.
    std::vector<execution::Receipt> block(const std::vector<Transaction>& txs)
    {
        chain::BlockBuilder b{parent,
                              backend,
                              config.chain_id,
                              chain::next_block_attributes(config, parent, parent.timestamp + 1),
                              [](uint64_t) { return Hash256{}; },
                              vm};
        for (const auto& tx : txs)
        {
            auto r = b.try_add(tx, kSender);
            EXPECT_TRUE(r) << r.error().message();
        }
        auto built = b.finish([this](const state::StateDiff& diff) {
            backend.apply(diff);
            return execution::state_root(backend);
        });
        parent = built.block.header;
        return built.receipts;
    }
};

Transaction tx(uint64_t nonce, const Address& to, Bytes data)
{
    Transaction t;
    t.type = TxType::DynamicFee;
    t.chain_id = 31337;
    t.nonce = nonce;
    t.gas_limit = 10'000'000;
    t.to = to;
    t.data = std::move(data);
    return t;
}

std::vector<Transaction> upload_txs(BytesView model, uint64_t& nonce)
{
    const Hash256 h = keccak256(model);
    std::vector<Transaction> txs{
        tx(nonce++, kModelRegistryAddress, test::begin_upload(h, model.size()))};
    for (size_t off = 0; off < model.size(); off += 1024)
        txs.push_back(
            tx(nonce++, kModelRegistryAddress,
               test::upload_chunk(h, off,
                                  model.subspan(off, std::min<size_t>(1024, model.size() - off)))));
    txs.push_back(tx(nonce++, kModelRegistryAddress, test::finish_upload(h)));
    return txs;
}

TEST(MlConsensus, TwoPipelinesAgreeOnUploadAndInference)
{
    const Bytes model = read_file(kModels + "digits_mlp_int8.onnx");
    ASSERT_GT(model.size(), 1000u);
    const Hash256 h = keccak256(model);
    const auto sample = nlohmann::json::parse(read_file(kModels + "digits_test_sample.json"));
    std::vector<uint8_t> image;
    for (const auto& px : sample["images"][0])
        image.push_back(px.get<uint8_t>());
    ASSERT_EQ(image.size(), 64u);
    const auto input = ml::Tensor::from(ml::DType::UINT8, {1, 64}, image);

    Pipeline a, b, c;
    uint64_t nonce = 0;
    const auto uploads = upload_txs(model, nonce);
    const auto ra = a.block(uploads);
    const auto rb = b.block(uploads);
    c.block(uploads);
    for (const auto& r : ra)
        EXPECT_TRUE(r.success);
    ASSERT_EQ(ra.size(), rb.size());
    for (size_t i = 0; i < ra.size(); ++i)
        EXPECT_EQ(ra[i].gas_used, rb[i].gas_used);
    EXPECT_EQ(a.parent.state_root, b.parent.state_root);
    EXPECT_EQ(a.parent.hash(), b.parent.hash());

    // c restarts: a fresh precompile instance, nothing cached.
    c.config.features = nullptr;
    attach_features(c.config);

    const std::vector<Transaction> infer{
        tx(nonce++, kInferProxy, test::infer_call(h, ml::encode_tensors(std::span(&input, 1))))};
    const auto ia = a.block(infer);
    const auto ib = b.block(infer);
    const auto ic = c.block(infer);
    ASSERT_TRUE(ia[0].success);
    EXPECT_EQ(ia[0].gas_used, ib[0].gas_used);
    EXPECT_EQ(ia[0].gas_used, ic[0].gas_used);
    EXPECT_EQ(a.parent.state_root, b.parent.state_root);
    EXPECT_EQ(a.parent.state_root, c.parent.state_root);
    EXPECT_EQ(a.parent.hash(), c.parent.hash());

    // The proxy stored the call's success and keccak256(output); the output is onnxruntime's.
    EXPECT_EQ(a.backend.read_storage(kInferProxy, U256{0}), U256{1});
    const std::vector<int32_t> ort_scores{-45031, 22279,  -12486, -16964, -18988,
                                          -26608, -20253, -14101, -215,   -30801};
    const std::vector<ml::Tensor> want{
        ml::Tensor::from(ml::DType::INT32, {1, 10}, ort_scores),
        ml::Tensor::from(ml::DType::INT64, {1}, std::vector<int64_t>{1})};
    const Bytes want_output = abi::encode_bytes(ml::encode_tensors(want));
    EXPECT_EQ(a.backend.read_storage(kInferProxy, U256{1}),
              U256::from_hash(keccak256(want_output)));
    EXPECT_EQ(sample["labels"][0].get<int>(), 1);
}

}  // namespace
}  // namespace tern::mlchain
