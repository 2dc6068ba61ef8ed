#pragma once

// Tern's ML precompiles (docs/ml.md "On chain"): a model registry that keeps ONNX models in the
// chain state, content-addressed by their Keccak-256 hash, and an inference precompile that
// runs a stored model on tensors a contract passes. Both are execution::StatefulPrecompiles:
// they run inside the caller's frame snapshot, so reverts undo uploads.

#include "core/bytes.hpp"
#include "execution/stateful_precompiles.hpp"
#include "ml/engine.hpp"

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>

namespace tern::mlchain {

/// The model registry: beginUpload/uploadChunk/finishUpload, exists, modelSize, readModel,
/// modelCount, listModels, modelUploader (contracts/ml/IModelRegistry.sol).
inline constexpr Address kModelRegistryAddress = address_from_u64(0x0a01);
/// The inference precompile: infer(bytes32,bytes), inferCost(bytes32,bytes)
/// (contracts/ml/IInference.sol).
inline constexpr Address kInferenceAddress = address_from_u64(0x0a02);

/// Gas schedule of the precompiles (docs/ml.md "Gas"). The chain has zero fees: gas bounds the
/// work and the state growth one transaction can cause.
namespace gas {
/// Any call (selector dispatch, reading the model record).
inline constexpr int64_t kBase = 2'100;
/// beginUpload: writes the upload record.
inline constexpr int64_t kBegin = 20'000;
/// uploadChunk: per chunk, plus per 32-byte word stored.
inline constexpr int64_t kChunk = 5'000;
inline constexpr int64_t kPerWordStored = 10'000;
/// finishUpload: fixed part (record, list entry, event), plus per word read, hashed and parsed.
inline constexpr int64_t kFinish = 40'000;
inline constexpr int64_t kPerWordVerified = 50;
/// readModel / listModels: per 32-byte word (or list entry) returned.
inline constexpr int64_t kPerWordRead = 100;
/// infer: per byte of encoded input (decoding) and of encoded output; the engine's cost
/// (ml::cost: MACs, elements, weights, nodes) comes on top.
inline constexpr int64_t kPerIoByte = 3;
/// infer: per 32-byte word of the model file, charged before the model is read from the state
/// and parsed (or found in the cache: the charge is the same), so a call that fails on its
/// input still pays for bringing a large model in.
inline constexpr int64_t kPerModelWord = 8;

/// What infer charges in all (the precompile charges it in these stages) for a model file of
/// `model_bytes`, encoded input and output tensors of these sizes and the engine's cost; without
/// the transaction's intrinsic and calldata gas. inferCost returns it without the output term.
[[nodiscard]] constexpr uint64_t infer_total(uint64_t model_bytes,
                                             uint64_t input_bytes,
                                             uint64_t engine_cost,
                                             uint64_t output_bytes) noexcept
{
    return kBase + input_bytes * kPerIoByte + (model_bytes + 31) / 32 * kPerModelWord +
           engine_cost + output_bytes * kPerIoByte;
}
}  // namespace gas

/// Settings a chain fixes in its configuration (all nodes must agree: they are consensus rules).
struct MlConfig
{
    /// Engine limits for upload validation and runs; max_model_bytes is the registry's size
    /// limit.
    ml::Limits limits;
};

/// Parsed models by hash, shared by every execution of one node (block building, eth_call,
/// traces; concurrent use is safe). Content-addressed, so a cached model is always the right
/// one; callers check the state says the model exists before asking. Bounded by the total size
/// of the cached model files (least recently used evicted first). Gas never depends on it.
class ModelCache
{
public:
    /// A cache holding at most `capacity_bytes` of model files.
    explicit ModelCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

    /// The model stored under `hash`, or null.
    std::shared_ptr<const ml::Model> find(const Hash256& hash);
    /// Stores `model` (its file has `size` bytes) under `hash`.
    void insert(const Hash256& hash, std::shared_ptr<const ml::Model> model, uint64_t size);
    /// Number of cached models (tests).
    size_t size();

private:
    struct Entry
    {
        std::shared_ptr<const ml::Model> model;
        uint64_t size = 0;
        std::list<Hash256>::iterator lru;
    };
    std::mutex mutex_;
    uint64_t capacity_;
    uint64_t used_ = 0;
    std::map<Hash256, Entry> entries_;
    std::list<Hash256> lru_;  ///< most recently used first
};

/// The registry and inference precompiles of one node. Stateless apart from the parsed-model
/// cache: every result is a function of the call and the state.
class MlPrecompiles final : public execution::StatefulPrecompiles
{
public:
    /// Precompiles under `config`; `cache_bytes` bounds the parsed-model cache.
    explicit MlPrecompiles(MlConfig config, uint64_t cache_bytes = 256ull << 20);

    evm::ExecResult execute(const evm::Message& msg,
                            state::State& state,
                            evm::Host& host,
                            const Deadline* deadline) override;

    /// The configuration in force.
    const MlConfig& config() const noexcept { return config_; }
    /// The parsed-model cache (tests inspect it).
    ModelCache& cache() noexcept { return cache_; }

private:
    evm::ExecResult registry(const evm::Message& msg, state::State& state, evm::Host& host);
    evm::ExecResult inference(const evm::Message& msg,
                              state::State& state,
                              const Deadline* deadline);

    MlConfig config_;
    ModelCache cache_;
};

/// The bytes of the ready model `hash` as stored in `state` (nullopt if there is none): what
/// readModel returns, for tools and tests.
std::optional<Bytes> read_model_bytes(const state::State& state, const Hash256& hash);

}  // namespace tern::mlchain
