// Inference is consensus, node level: two independent dev nodes (own database, own ML
// precompile instance and model cache) receive the same signed transactions over JSON-RPC
// (upload of the int8 digits model, a contract that calls infer and stores keccak256 of the
// output) and end with the same receipts and state roots.

#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "execution/host.hpp"
#include "ml/codec.hpp"
#include "mlchain/ml_precompiles.hpp"
#include "mlchain/test_util.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace {

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;

Bytes read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

/// Init code that deploys `runtime` (CODECOPY + RETURN).
Bytes deploy_code(const Bytes& runtime)
{
    Bytes c{0x60, static_cast<uint8_t>(runtime.size()), 0x80, 0x60, 0x09, 0x5f, 0x39, 0x5f, 0xf3};
    c.insert(c.end(), runtime.begin(), runtime.end());
    return c;
}

TEST(MlNode, TwoNodesAgreeOnUploadAndInference)
{
    const Bytes model = read_file(TERN_EXAMPLES_DIR "/ml/models/digits_mlp_int8.onnx");
    ASSERT_GT(model.size(), 1000u);
    const Hash256 h = keccak256(model);
    const chain::DevAccount dev = chain::default_dev_accounts().at(0);

    // The transactions, signed once, sent to both nodes.
    std::vector<std::string> raw;
    uint64_t nonce = 0;
    const auto add = [&](std::optional<Address> to, Bytes data) {
        Transaction tx;
        tx.type = TxType::DynamicFee;
        tx.chain_id = 31337;
        tx.nonce = nonce++;
        tx.gas_limit = 10'000'000;
        tx.to = to;
        tx.data = std::move(data);
        raw.push_back(sign_raw(tx, dev.secret_key));
    };
    add(mlchain::kModelRegistryAddress, mlchain::test::begin_upload(h, model.size()));
    for (size_t off = 0; off < model.size(); off += 1024)
        add(mlchain::kModelRegistryAddress,
            mlchain::test::upload_chunk(
                h, off, BytesView(model).subspan(off, std::min<size_t>(1024, model.size() - off))));
    add(mlchain::kModelRegistryAddress, mlchain::test::finish_upload(h));
    const Address proxy = execution::create_address(dev.address, nonce);
    add(std::nullopt, deploy_code(mlchain::test::forwarder_code(mlchain::kInferenceAddress)));
    std::vector<uint8_t> pixels(64, 0);
    for (size_t i = 0; i < 64; i += 3)
        pixels[i] = 16;
    const auto input = ml::Tensor::from(ml::DType::UINT8, {1, 64}, pixels);
    add(proxy, mlchain::test::infer_call(h, ml::encode_tensors(std::span(&input, 1))));

    NodeConfig config;
    config.port = 0;
    config.rpc_threads = 2;
    Node a{config}, b{config};
    const auto pa = a.start();
    const auto pb = b.start();
    ASSERT_TRUE(pa) << pa.error();
    ASSERT_TRUE(pb) << pb.error();

    std::vector<nlohmann::json> receipts[2];
    for (const auto& r : raw)
    {
        int i = 0;
        for (const uint16_t port : {*pa, *pb})
        {
            const auto hash = result(port, "eth_sendRawTransaction", {r});
            receipts[i++].push_back(result(port, "eth_getTransactionReceipt", {hash}));
        }
    }
    ASSERT_EQ(receipts[0].size(), raw.size());
    EXPECT_EQ(receipts[0][raw.size() - 2]["contractAddress"], to_hex(proxy.view()));
    for (size_t i = 0; i < raw.size(); ++i)
    {
        EXPECT_EQ(receipts[0][i]["status"], "0x1") << "tx " << i;
        EXPECT_EQ(receipts[0][i]["gasUsed"], receipts[1][i]["gasUsed"]) << "tx " << i;
        EXPECT_EQ(receipts[0][i]["logs"].size(), receipts[1][i]["logs"].size());
    }
    const auto head_a = result(*pa, "eth_getBlockByNumber", {"latest", false});
    const auto head_b = result(*pb, "eth_getBlockByNumber", {"latest", false});
    EXPECT_EQ(head_a["number"], head_b["number"]);
    EXPECT_EQ(head_a["stateRoot"], head_b["stateRoot"]);
    EXPECT_EQ(head_a["receiptsRoot"], head_b["receiptsRoot"]);

    // The proxy's inference succeeded (slot 0) and stored the same output hash on both.
    const auto addr = to_hex(proxy.view());
    EXPECT_EQ(result(*pa, "eth_getStorageAt", {addr, "0x0", "latest"}),
              "0x0000000000000000000000000000000000000000000000000000000000000001");
    const auto out_a = result(*pa, "eth_getStorageAt", {addr, "0x1", "latest"});
    EXPECT_EQ(out_a, result(*pb, "eth_getStorageAt", {addr, "0x1", "latest"}));
    EXPECT_NE(out_a, "0x0000000000000000000000000000000000000000000000000000000000000000");
    a.stop();
    b.stop();
}

}  // namespace
