#include "mlchain/ml_precompiles.hpp"

#include "core/abi.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "evm/vm.hpp"
#include "execution/host.hpp"
#include "ml/codec.hpp"
#include "mlchain/feature.hpp"
#include "mlchain/test_util.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>

namespace tern::mlchain {
namespace {

using test::call_data;
using test::kCaller;

/// One transaction's worth of execution against a fresh journaled state over a backend.
class MlPrecompilesTest : public ::testing::Test
{
protected:
    MlPrecompilesTest() { env_.features = &features_; }

    /// Runs a top-level CALL from kCaller to `to` with `input`.
    evm::ExecResult call(const Address& to, BytesView input, int64_t gas = 30'000'000)
    {
        evm::Message msg;
        msg.kind = evm::CallKind::Call;
        msg.gas = gas;
        msg.sender = kCaller;
        msg.recipient = to;
        msg.code_address = to;
        msg.input = input;
        execution::ExecHost host{state_, vm_, ctx_, env_};
        auto r = host.call(msg);
        logs_ = state_.logs();
        state_.finalize_transaction();
        return r;
    }

    /// Uploads `model` in chunks of `chunk` bytes; returns the finishUpload result.
    evm::ExecResult upload(BytesView model, size_t chunk = 1024)
    {
        const Hash256 h = keccak256(model);
        EXPECT_EQ(call(kModelRegistryAddress, test::begin_upload(h, model.size())).status,
                  evm::Status::Success);
        for (size_t off = 0; off < model.size(); off += chunk)
        {
            const auto n = std::min(chunk, model.size() - off);
            const auto r =
                call(kModelRegistryAddress, test::upload_chunk(h, off, model.subspan(off, n)));
            EXPECT_EQ(r.status, evm::Status::Success) << test::reason(r);
        }
        return call(kModelRegistryAddress, test::finish_upload(h));
    }

    MlPrecompiles ml_{MlConfig{}};
    execution::ChainFeatures features_ = features_of(ml_);
    state::MemoryBackend backend_;
    state::State state_{backend_};
    evm::Vm vm_;
    evm::TxContext ctx_;
    execution::BlockEnv env_;
    std::vector<state::Log> logs_;
};

TEST(MlAbi, SelectorsAndRevertEncoding)
{
    EXPECT_EQ(abi::selector("transfer(address,uint256)"), 0xa9059cbbu);
    const auto e = abi::encode_error("boom");
    ASSERT_EQ(e.size(), 4u + 96u);
    EXPECT_EQ(e[0], 0x08);
    EXPECT_EQ(e[4 + 63], 4);  // length word
    EXPECT_EQ(std::memcmp(e.data() + 4 + 64, "boom", 4), 0);
}

TEST(MlAbi, ReaderRejectsOutOfBoundsBytes)
{
    Bytes args(64, 0);
    args[31] = 0x40;  // offset 64: past the end
    EXPECT_FALSE(abi::Reader{args}.bytes(0).has_value());
    args[31] = 0x20;
    args[63] = 0xff;  // length 255 with no data
    EXPECT_FALSE(abi::Reader{args}.bytes(0).has_value());
    args[63] = 0;
    ASSERT_TRUE(abi::Reader{args}.bytes(0).has_value());
    EXPECT_TRUE(abi::Reader{args}.bytes(0)->empty());
}

TEST_F(MlPrecompilesTest, UploadInChunksStoresTheExactBytes)
{
    const Bytes model = test::relu_model();
    const Hash256 h = keccak256(model);
    const auto r = upload(model, 64);
    ASSERT_EQ(r.status, evm::Status::Success) << test::reason(r);
    EXPECT_EQ(U256::from_be(r.output), U256{model.size()});

    EXPECT_EQ(read_model_bytes(state_, h), model);
    const auto exists =
        call(kModelRegistryAddress, call_data("exists(bytes32)", {U256::from_hash(h)}));
    EXPECT_EQ(U256::from_be(exists.output), U256{1});
    const auto size =
        call(kModelRegistryAddress, call_data("modelSize(bytes32)", {U256::from_hash(h)}));
    EXPECT_EQ(U256::from_be(size.output), U256{model.size()});
    const auto who =
        call(kModelRegistryAddress, call_data("modelUploader(bytes32)", {U256::from_hash(h)}));
    EXPECT_EQ(U256::from_be(who.output), U256::from_address(kCaller));
    const auto count = call(kModelRegistryAddress, call_data("modelCount()", {}));
    EXPECT_EQ(U256::from_be(count.output), U256{1});
    // The chain's limits (here the engine's defaults).
    EXPECT_EQ(U256::from_be(call(kModelRegistryAddress, call_data("maxModelBytes()", {})).output),
              U256{ml::Limits{}.max_model_bytes});
    EXPECT_EQ(U256::from_be(call(kModelRegistryAddress, call_data("maxCallCost()", {})).output),
              U256{ml::Limits{}.max_cost});

    // listModels(0, 10): offset, length 1, the hash.
    const auto list =
        call(kModelRegistryAddress, call_data("listModels(uint256,uint256)", {U256{0}, U256{10}}));
    ASSERT_EQ(list.output.size(), 96u);
    EXPECT_EQ(U256::from_be(BytesView(list.output).subspan(32, 32)), U256{1});
    EXPECT_EQ(U256::from_be(BytesView(list.output).subspan(64, 32)), U256::from_hash(h));

    // readModel(h, 5, 40): an unaligned range.
    const auto read = call(
        kModelRegistryAddress,
        call_data("readModel(bytes32,uint32,uint32)", {U256::from_hash(h), U256{5}, U256{40}}));
    ASSERT_EQ(read.status, evm::Status::Success);
    const auto bytes = abi::Reader{read.output}.bytes(0);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(Bytes(bytes->begin(), bytes->end()), Bytes(model.begin() + 5, model.begin() + 45));

    // The event.
    ASSERT_EQ(logs_.size(), 0u);  // logs_ holds the last call's logs (a read)
}

TEST_F(MlPrecompilesTest, FinishEmitsModelUploaded)
{
    const Bytes model = test::relu_model();
    const auto r = upload(model);
    ASSERT_EQ(r.status, evm::Status::Success) << test::reason(r);
    ASSERT_EQ(logs_.size(), 1u);
    EXPECT_EQ(logs_[0].address, kModelRegistryAddress);
    ASSERT_EQ(logs_[0].topics.size(), 3u);
    EXPECT_EQ(logs_[0].topics[0], keccak256(as_bytes("ModelUploaded(bytes32,address,uint32)")));
    EXPECT_EQ(logs_[0].topics[1], keccak256(model));
    EXPECT_EQ(U256::from_hash(logs_[0].topics[2]), U256::from_address(kCaller));
    EXPECT_EQ(U256::from_be(logs_[0].data), U256{model.size()});
}

TEST_F(MlPrecompilesTest, WrongHashIsRefusedWithTheActualHash)
{
    const Bytes model = test::relu_model();
    Hash256 wrong = keccak256(model);
    wrong[0] ^= 1;
    ASSERT_EQ(call(kModelRegistryAddress, test::begin_upload(wrong, model.size())).status,
              evm::Status::Success);
    ASSERT_EQ(call(kModelRegistryAddress, test::upload_chunk(wrong, 0, model)).status,
              evm::Status::Success);
    const auto r = call(kModelRegistryAddress, test::finish_upload(wrong));
    EXPECT_EQ(r.status, evm::Status::Revert);
    EXPECT_NE(test::reason(r).find("hash mismatch"), std::string::npos) << test::reason(r);
    EXPECT_NE(test::reason(r).find(to_hex(keccak256(model).view())), std::string::npos);
}

TEST_F(MlPrecompilesTest, MissingChunkIsAHashMismatch)
{
    const Bytes model = test::relu_model();
    const Hash256 h = keccak256(model);
    ASSERT_EQ(call(kModelRegistryAddress, test::begin_upload(h, model.size())).status,
              evm::Status::Success);
    ASSERT_EQ(
        call(kModelRegistryAddress, test::upload_chunk(h, 0, BytesView(model).first(32))).status,
        evm::Status::Success);
    const auto r = call(kModelRegistryAddress, test::finish_upload(h));
    EXPECT_NE(test::reason(r).find("hash mismatch"), std::string::npos);
}

TEST_F(MlPrecompilesTest, OversizeAndBadChunksAreRefused)
{
    MlConfig small;
    small.limits.max_model_bytes = 100;
    MlPrecompiles ml{small};
    const auto features = features_of(ml);
    env_.features = &features;
    Hash256 h;
    h[0] = 1;
    auto r = call(kModelRegistryAddress, test::begin_upload(h, 101));
    EXPECT_EQ(test::reason(r), "registry: model of 101 bytes exceeds the limit of 100 bytes");
    EXPECT_EQ(test::reason(call(kModelRegistryAddress, test::begin_upload(h, 0))),
              "registry: empty model");

    ASSERT_EQ(call(kModelRegistryAddress, test::begin_upload(h, 80)).status, evm::Status::Success);
    const Bytes data(40, 7);
    EXPECT_EQ(test::reason(call(kModelRegistryAddress, test::upload_chunk(h, 3, data))),
              "registry: chunk offset must be a multiple of 32");
    EXPECT_EQ(test::reason(call(kModelRegistryAddress, test::upload_chunk(h, 64, data))),
              "registry: chunk ends at byte 104, past the model size 80");
    EXPECT_EQ(test::reason(call(kModelRegistryAddress, test::upload_chunk(h, 0, data))),
              "registry: only the last chunk may end inside a 32-byte word");
    EXPECT_EQ(call(kModelRegistryAddress, test::upload_chunk(h, 32, Bytes(48, 1))).status,
              evm::Status::Success);

    // Another sender has no upload in progress.
    Hash256 other;
    other[0] = 2;
    EXPECT_NE(test::reason(call(kModelRegistryAddress, test::upload_chunk(other, 0, data)))
                  .find("no upload of"),
              std::string::npos);
}

TEST_F(MlPrecompilesTest, BadModelsAreRefusedWithTheReason)
{
    // Valid protobuf, unsupported operator.
    const Bytes unsupported = test::single_op_model("NoSuchOp");
    auto r = upload(unsupported);
    EXPECT_EQ(r.status, evm::Status::Revert);
    EXPECT_NE(test::reason(r).find("registry: model rejected: "), std::string::npos)
        << test::reason(r);
    EXPECT_NE(test::reason(r).find("NoSuchOp"), std::string::npos) << test::reason(r);

    // Truncated protobuf.
    Bytes truncated = test::relu_model();
    truncated.resize(truncated.size() / 2);
    r = upload(truncated);
    EXPECT_EQ(r.status, evm::Status::Revert);
    EXPECT_NE(test::reason(r).find("registry: model rejected: "), std::string::npos)
        << test::reason(r);
    EXPECT_EQ(read_model_bytes(state_, keccak256(truncated)), std::nullopt);
}

TEST_F(MlPrecompilesTest, DuplicateUploadIsRefused)
{
    const Bytes model = test::relu_model();
    ASSERT_EQ(upload(model).status, evm::Status::Success);
    const auto r = call(kModelRegistryAddress, test::begin_upload(keccak256(model), model.size()));
    EXPECT_NE(test::reason(r).find("already exists"), std::string::npos);
}

TEST_F(MlPrecompilesTest, StaticCallsAndValueCannotUpload)
{
    Hash256 h;
    h[5] = 9;
    evm::Message msg;
    msg.kind = evm::CallKind::Call;
    msg.is_static = true;
    msg.gas = 1'000'000;
    msg.sender = kCaller;
    msg.recipient = kModelRegistryAddress;
    msg.code_address = kModelRegistryAddress;
    const Bytes input = test::begin_upload(h, 10);
    msg.input = input;
    execution::ExecHost host{state_, vm_, ctx_, env_};
    EXPECT_EQ(test::reason(ml_.execute(msg, state_, host, nullptr)),
              "registry: state change in a static call");
    msg.is_static = false;
    msg.kind = evm::CallKind::DelegateCall;
    EXPECT_EQ(test::reason(ml_.execute(msg, state_, host, nullptr)),
              "registry: uploads need a plain CALL");
    msg.kind = evm::CallKind::Call;
    msg.value = U256{1};
    EXPECT_EQ(test::reason(ml_.execute(msg, state_, host, nullptr)),
              "registry: does not accept value");
}

TEST_F(MlPrecompilesTest, RevertUndoesAnUpload)
{
    const Bytes model = test::relu_model();
    const Hash256 h = keccak256(model);
    // Contracts that forward their call data to the registry; the reverter then reverts.
    const Address reverter = address_from_u64(0xbad);
    const Address forwarder = address_from_u64(0x900d);
    backend_.put_account(reverter, 1, U256{}, test::forwarder_code(kModelRegistryAddress),
                         {{U256{2}, U256{1}}});
    backend_.put_account(forwarder, 1, U256{}, test::forwarder_code(kModelRegistryAddress));

    // begin through the reverting contract: nothing persists, not even the registry account.
    EXPECT_EQ(call(reverter, test::begin_upload(h, model.size())).status, evm::Status::Revert);
    EXPECT_FALSE(state_.exists(kModelRegistryAddress));

    // The upload through the forwarder; its finish inside a frame that then reverts is undone.
    ASSERT_EQ(call(forwarder, test::begin_upload(h, model.size())).status, evm::Status::Success);
    ASSERT_EQ(call(forwarder, test::upload_chunk(h, 0, model)).status, evm::Status::Success);
    state_.set_storage(forwarder, U256{2}, U256{1});
    state_.finalize_transaction();
    EXPECT_EQ(call(forwarder, test::finish_upload(h)).status, evm::Status::Revert);
    EXPECT_EQ(read_model_bytes(state_, h), std::nullopt);
    EXPECT_EQ(state_.storage(kModelRegistryAddress, U256{0}), U256{});
    // The reverted finish warmed the cache; the model must still read as absent.
    EXPECT_EQ(ml_.cache().size(), 1u);
    const auto missing =
        call(kInferenceAddress, test::infer_call(h, ml::encode_tensors(test::relu_input())));
    EXPECT_NE(test::reason(missing).find("not found"), std::string::npos) << test::reason(missing);

    state_.set_storage(forwarder, U256{2}, U256{});
    state_.finalize_transaction();
    ASSERT_EQ(call(forwarder, test::finish_upload(h)).status, evm::Status::Success);
    EXPECT_EQ(read_model_bytes(state_, h), model);
}

TEST_F(MlPrecompilesTest, InferRunsTheStoredModel)
{
    const Bytes model = test::relu_model();
    const Hash256 h = keccak256(model);
    ASSERT_EQ(upload(model).status, evm::Status::Success);
    const Bytes input = ml::encode_tensors(test::relu_input());
    const auto r = call(kInferenceAddress, test::infer_call(h, input));
    ASSERT_EQ(r.status, evm::Status::Success) << test::reason(r);
    const auto out = abi::Reader{r.output}.bytes(0);
    ASSERT_TRUE(out);
    const auto tensors = ml::decode_tensors(*out);
    ASSERT_TRUE(tensors) << tensors.error();
    ASSERT_EQ(tensors->size(), 1u);
    const std::vector<float> want{0.0f, 1.5f, 0.0f, 4.0f};
    EXPECT_EQ((*tensors)[0], ml::Tensor::from(ml::DType::FLOAT, {1, 4}, want));
}

TEST_F(MlPrecompilesTest, InferStopsAtTheDeadlineOfAnRpcExecution)
{
    const Bytes model = test::relu_model();
    const Hash256 h = keccak256(model);
    ASSERT_EQ(upload(model).status, evm::Status::Success);
    const Bytes input = ml::encode_tensors(test::relu_input());
    std::atomic<bool> gone{true};  // the client of this eth_call went away
    const Deadline deadline = Deadline::after(std::chrono::hours(1), &gone);
    {
        const evm::ScopedDeadline scoped{vm_, deadline};
        const auto r = call(kInferenceAddress, test::infer_call(h, input));
        EXPECT_EQ(r.status, evm::Status::Interrupted);
        EXPECT_TRUE(vm_.interrupted());  // the frames above stop too
    }
    // Without a deadline (block execution) the same call runs.
    const auto r = call(kInferenceAddress, test::infer_call(h, input));
    EXPECT_EQ(r.status, evm::Status::Success) << test::reason(r);
}

TEST_F(MlPrecompilesTest, InferChargesTheEngineCostBeforeRunning)
{
    const Bytes model = test::relu_model();
    const Hash256 h = keccak256(model);
    ASSERT_EQ(upload(model).status, evm::Status::Success);
    const Bytes input = ml::encode_tensors(test::relu_input());
    const auto inputs = test::relu_input();
    const auto parsed = ml::load_model(model, ml_.config().limits);
    ASSERT_TRUE(parsed);
    const auto engine_cost = ml::cost(**parsed, inputs, ml_.config().limits);
    ASSERT_TRUE(engine_cost);

    // inferCost = base + input bytes + model words + engine cost.
    const auto quote = call(kInferenceAddress, test::infer_cost_call(h, input));
    ASSERT_EQ(quote.status, evm::Status::Success) << test::reason(quote);
    const uint64_t expected = gas::kBase + input.size() * gas::kPerIoByte +
                              (model.size() + 31) / 32 * gas::kPerModelWord + *engine_cost;
    EXPECT_EQ(U256::from_be(quote.output), U256{expected});
    EXPECT_EQ(gas::infer_total(model.size(), input.size(), *engine_cost, 0), expected);

    // One gas short of the quote: out of gas, all gas consumed, nothing ran.
    const Bytes data = test::infer_call(h, input);
    evm::Message msg;
    msg.kind = evm::CallKind::Call;
    msg.sender = kCaller;
    msg.recipient = kInferenceAddress;
    msg.code_address = kInferenceAddress;
    msg.input = data;
    msg.gas = static_cast<int64_t>(expected) - 1;
    execution::ExecHost host{state_, vm_, ctx_, env_};
    EXPECT_EQ(ml_.execute(msg, state_, host, nullptr).status, evm::Status::OutOfGas);

    // Exactly the quote plus the output bytes: success with no gas left.
    const auto ok = call(kInferenceAddress, data, 10'000'000);
    ASSERT_EQ(ok.status, evm::Status::Success);
    const auto out = abi::Reader{ok.output}.bytes(0);
    msg.gas = static_cast<int64_t>(expected + out->size() * gas::kPerIoByte);
    const auto exact = ml_.execute(msg, state_, host, nullptr);
    EXPECT_EQ(exact.status, evm::Status::Success);
    EXPECT_EQ(exact.gas_left, 0);
}

TEST_F(MlPrecompilesTest, InferErrorsRevertWithReasons)
{
    const Bytes model = test::relu_model();
    const Hash256 h = keccak256(model);
    Hash256 absent;
    absent[3] = 3;
    EXPECT_NE(
        test::reason(call(kInferenceAddress, test::infer_call(absent, Bytes{0}))).find("not found"),
        std::string::npos);
    ASSERT_EQ(upload(model).status, evm::Status::Success);
    // Undecodable tensors.
    EXPECT_NE(test::reason(call(kInferenceAddress, test::infer_call(h, Bytes{1, 1, 2})))
                  .find("inference: bad input: "),
              std::string::npos);
    // Wrong dtype for the model's input.
    const auto wrong = ml::Tensor::from(ml::DType::INT32, {1, 4}, std::vector<int32_t>{1, 2, 3, 4});
    const auto r =
        call(kInferenceAddress, test::infer_call(h, ml::encode_tensors(std::span(&wrong, 1))));
    EXPECT_EQ(r.status, evm::Status::Revert);
    EXPECT_NE(test::reason(r).find("inference: "), std::string::npos);
    EXPECT_GT(r.gas_left, 0);  // a revert returns the unused gas
}

TEST_F(MlPrecompilesTest, GasDoesNotDependOnTheCache)
{
    const Bytes model = test::relu_model();
    const Hash256 h = keccak256(model);
    ASSERT_EQ(upload(model).status, evm::Status::Success);
    ASSERT_EQ(ml_.cache().size(), 1u);
    const Bytes data = test::infer_call(h, ml::encode_tensors(test::relu_input()));
    const auto warm = call(kInferenceAddress, data);
    MlPrecompiles cold{MlConfig{}};
    const auto cold_features = features_of(cold);
    env_.features = &cold_features;
    const auto r = call(kInferenceAddress, data);
    EXPECT_EQ(cold.cache().size(), 1u);
    EXPECT_EQ(r.status, warm.status);
    EXPECT_EQ(r.gas_left, warm.gas_left);
    EXPECT_EQ(r.output, warm.output);
}

TEST(ModelCacheTest, EvictsLeastRecentlyUsed)
{
    ModelCache cache{100};
    const auto model = std::shared_ptr<const ml::Model>{};
    Hash256 a, b, c;
    a[0] = 1;
    b[0] = 2;
    c[0] = 3;
    cache.insert(a, model, 40);
    cache.insert(b, model, 40);
    (void)cache.find(a);         // a is now the most recent
    cache.insert(c, model, 40);  // evicts b
    EXPECT_EQ(cache.size(), 2u);
    cache.insert(b, model, 200);  // larger than the capacity: not cached
    EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace tern::mlchain
