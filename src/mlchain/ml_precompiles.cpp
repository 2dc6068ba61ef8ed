#include "mlchain/ml_precompiles.hpp"

#include "core/abi.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "ml/codec.hpp"
#include "state/state.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace tern::mlchain {
namespace {

// ---- storage layout of the registry account (docs/ml.md "Storage layout") ----

/// Flag bit in a record word: the upload was begun / the model is ready.
constexpr uint64_t kPresentBit = uint64_t{1} << 32;

/// Slot 0: number of ready models.
constexpr U256 kCountSlot{};

U256 tagged_slot(BytesView a, BytesView b, std::string_view tag)
{
    Bytes buf(a.begin(), a.end());
    buf.insert(buf.end(), b.begin(), b.end());
    buf.insert(buf.end(), tag.begin(), tag.end());
    return U256::from_hash(keccak256(buf));
}

/// List entry i: keccak256("tern.ml.list") + i holds the i-th ready model's hash.
U256 list_slot(uint64_t i)
{
    return tagged_slot({}, {}, "tern.ml.list") + U256{i};
}

/// Model record: keccak256(hash ++ "tern.ml.model") holds size | ready bit; +1 the uploader
/// whose upload area holds the bytes.
U256 model_slot(const Hash256& hash)
{
    return tagged_slot(hash.view(), {}, "tern.ml.model");
}

/// Upload area of (hash, uploader): keccak256(hash ++ uploader ++ "tern.ml.upload") holds
/// size | begun bit; the model's bytes follow, 32 per slot, from +1.
U256 upload_slot(const Hash256& hash, const Address& uploader)
{
    return tagged_slot(hash.view(), uploader.view(), "tern.ml.upload");
}

uint64_t words_of(uint64_t bytes)
{
    return (bytes + 31) / 32;
}

/// A record word's size if its flag bit is set.
std::optional<uint32_t> record_size(const U256& record)
{
    if (!record.fits_u64() || (record.low64() & kPresentBit) == 0)
        return std::nullopt;
    return static_cast<uint32_t>(record.low64());
}

/// Bytes [offset, offset + len) of the data area starting at slot `base`.
Bytes read_area(const state::State& state, const U256& base, uint64_t offset, uint64_t len)
{
    Bytes out;
    out.reserve(len);
    uint8_t word[32];
    for (uint64_t w = offset / 32; w < words_of(offset + len); ++w)
    {
        state.storage(kModelRegistryAddress, base + U256{w}).to_be_bytes(word);
        const uint64_t from = std::max(offset, w * 32) - w * 32;
        const uint64_t to = std::min(offset + len, w * 32 + 32) - w * 32;
        out.insert(out.end(), word + from, word + to);
    }
    return out;
}

/// Where the ready model `hash` keeps its bytes, and its size.
struct Stored
{
    uint32_t size = 0;
    U256 data;  ///< first data slot
    Address uploader;
};

std::optional<Stored> find_model(const state::State& state, const Hash256& hash)
{
    const U256 slot = model_slot(hash);
    const auto size = record_size(state.storage(kModelRegistryAddress, slot));
    if (!size)
        return std::nullopt;
    Stored s;
    s.size = *size;
    s.uploader = state.storage(kModelRegistryAddress, slot + U256{1}).to_address();
    s.data = upload_slot(hash, s.uploader) + U256{1};
    return s;
}

/// Gas accounting of one precompile call.
class Meter
{
public:
    explicit Meter(int64_t gas) noexcept : left_(gas) {}
    /// Takes `g` (saturating inputs are fine: anything above the frame's gas fails).
    [[nodiscard]] bool charge(uint64_t g) noexcept
    {
        if (g > static_cast<uint64_t>(left_))
        {
            left_ = 0;
            return false;
        }
        left_ -= static_cast<int64_t>(g);
        return true;
    }
    int64_t left() const noexcept { return left_; }

private:
    int64_t left_;
};

evm::ExecResult out_of_gas()
{
    evm::ExecResult r;
    r.status = evm::Status::OutOfGas;
    return r;
}

evm::ExecResult revert(const Meter& m, std::string_view reason)
{
    evm::ExecResult r;
    r.status = evm::Status::Revert;
    r.gas_left = m.left();
    r.output = abi::encode_error(reason);
    return r;
}

evm::ExecResult success(const Meter& m, Bytes output)
{
    evm::ExecResult r;
    r.gas_left = m.left();
    r.output = std::move(output);
    return r;
}

std::string hash_hex(const Hash256& h)
{
    return to_hex(h.view());
}

/// Keeps the registry account non-empty (nonce 1) so EIP-161 never clears its storage.
void keep_alive(state::State& state)
{
    if (state.nonce(kModelRegistryAddress) == 0)
    {
        if (!state.exists(kModelRegistryAddress))
            state.create_account(kModelRegistryAddress);
        state.set_nonce(kModelRegistryAddress, 1);
    }
}

/// Parses the model `hash` from its stored bytes (or takes it from the cache).
Result<std::shared_ptr<const ml::Model>, std::string> load_stored(const state::State& state,
                                                                  const Hash256& hash,
                                                                  const Stored& stored,
                                                                  const ml::Limits& limits,
                                                                  ModelCache& cache)
{
    if (auto m = cache.find(hash))
        return m;
    const auto bytes = read_area(state, stored.data, 0, stored.size);
    auto model = ml::load_model(bytes, limits);
    if (!model)
        return model.error();
    cache.insert(hash, *model, stored.size);
    return std::move(*model);
}

}  // namespace

// ---- ModelCache ----

std::shared_ptr<const ml::Model> ModelCache::find(const Hash256& hash)
{
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(hash);
    if (it == entries_.end())
        return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.model;
}

void ModelCache::insert(const Hash256& hash, std::shared_ptr<const ml::Model> model, uint64_t size)
{
    std::lock_guard lock(mutex_);
    if (entries_.contains(hash) || size > capacity_)
        return;
    while (used_ + size > capacity_ && !lru_.empty())
    {
        const auto victim = entries_.find(lru_.back());
        used_ -= victim->second.size;
        entries_.erase(victim);
        lru_.pop_back();
    }
    lru_.push_front(hash);
    entries_.emplace(hash, Entry{std::move(model), size, lru_.begin()});
    used_ += size;
}

size_t ModelCache::size()
{
    std::lock_guard lock(mutex_);
    return entries_.size();
}

// ---- MlPrecompiles ----

MlPrecompiles::MlPrecompiles(MlConfig config, uint64_t cache_bytes)
    : config_(config), cache_(cache_bytes)
{}

evm::ExecResult MlPrecompiles::execute(const evm::Message& msg,
                                       state::State& state,
                                       evm::Host& host,
                                       const Deadline* deadline)
{
    if (msg.code_address == kModelRegistryAddress)
        return registry(msg, state, host);
    return inference(msg, state, deadline);
}

evm::ExecResult MlPrecompiles::registry(const evm::Message& msg,
                                        state::State& state,
                                        evm::Host& host)
{
    Meter m{msg.gas};
    if (!m.charge(gas::kBase))
        return out_of_gas();
    if (msg.input.size() < 4)
        return revert(m, "registry: missing function selector");
    if (msg.value)
        return revert(m, "registry: does not accept value");
    const uint32_t sel = *abi::selector_of(msg.input);  // input.size() >= 4
    const abi::Reader args{msg.input.subspan(4)};
    const auto bad_args = [&] {
        return revert(m, "registry: malformed call data");
    };
    const auto writable = [&]() -> std::optional<evm::ExecResult> {
        if (msg.is_static)
            return revert(m, "registry: state change in a static call");
        if (msg.kind != evm::CallKind::Call)
            return revert(m, "registry: uploads need a plain CALL");
        return std::nullopt;
    };
    const uint64_t max_size = config_.limits.max_model_bytes;

    if (sel == abi::selector("beginUpload(bytes32,uint32)"))
    {
        if (auto e = writable())
            return *e;
        const auto hash = args.bytes32(0);
        const auto size = args.u32(1);
        if (!hash || !size)
            return bad_args();
        if (*size == 0)
            return revert(m, "registry: empty model");
        if (*size > max_size)
            return revert(m, "registry: model of " + std::to_string(*size) +
                                 " bytes exceeds the limit of " + std::to_string(max_size) +
                                 " bytes");
        if (find_model(state, *hash))
            return revert(m, "registry: model " + hash_hex(*hash) + " already exists");
        if (!m.charge(gas::kBegin))
            return out_of_gas();
        keep_alive(state);
        state.set_storage(kModelRegistryAddress, upload_slot(*hash, msg.sender),
                          U256{kPresentBit | *size});
        return success(m, abi::encode_word(U256{1}));
    }
    if (sel == abi::selector("uploadChunk(bytes32,uint32,bytes)"))
    {
        if (auto e = writable())
            return *e;
        const auto hash = args.bytes32(0);
        const auto offset = args.u32(1);
        const auto data = args.bytes(2);
        if (!hash || !offset || !data)
            return bad_args();
        const U256 area = upload_slot(*hash, msg.sender);
        const auto size = record_size(state.storage(kModelRegistryAddress, area));
        if (!size)
            return revert(m, "registry: no upload of " + hash_hex(*hash) +
                                 " in progress from this sender (call beginUpload first)");
        if (find_model(state, *hash))
            return revert(m, "registry: model " + hash_hex(*hash) + " already exists");
        if (*offset % 32 != 0)
            return revert(m, "registry: chunk offset must be a multiple of 32");
        const uint64_t end = uint64_t{*offset} + data->size();
        if (end > *size)
            return revert(m, "registry: chunk ends at byte " + std::to_string(end) +
                                 ", past the model size " + std::to_string(*size));
        if (data->size() % 32 != 0 && end != *size)
            return revert(m, "registry: only the last chunk may end inside a 32-byte word");
        const uint64_t words = words_of(data->size());
        if (!m.charge(gas::kChunk + words * gas::kPerWordStored))
            return out_of_gas();
        const U256 first = area + U256{1 + *offset / 32};
        for (uint64_t w = 0; w < words; ++w)
        {
            uint8_t word[32]{};
            const size_t n = std::min<size_t>(32, data->size() - w * 32);
            std::memcpy(word, data->data() + w * 32, n);
            state.set_storage(kModelRegistryAddress, first + U256{w},
                              U256::from_be_bytes(word, 32));
        }
        return success(m, abi::encode_word(U256{data->size()}));
    }
    if (sel == abi::selector("finishUpload(bytes32)"))
    {
        if (auto e = writable())
            return *e;
        const auto hash = args.bytes32(0);
        if (!hash)
            return bad_args();
        const U256 area = upload_slot(*hash, msg.sender);
        const auto size = record_size(state.storage(kModelRegistryAddress, area));
        if (!size)
            return revert(m, "registry: no upload of " + hash_hex(*hash) +
                                 " in progress from this sender (call beginUpload first)");
        if (find_model(state, *hash))
            return revert(m, "registry: model " + hash_hex(*hash) + " already exists");
        if (!m.charge(gas::kFinish + words_of(*size) * gas::kPerWordVerified))
            return out_of_gas();
        const auto bytes = read_area(state, area + U256{1}, 0, *size);
        const auto actual = keccak256(bytes);
        if (actual != *hash)
            return revert(m, "registry: hash mismatch: the uploaded bytes hash to " +
                                 hash_hex(actual) + " (missing or wrong chunks)");
        auto model = ml::load_model(bytes, config_.limits);
        if (!model)
            return revert(m, "registry: model rejected: " + model.error());
        cache_.insert(*hash, std::move(*model), *size);

        const U256 record = model_slot(*hash);
        state.set_storage(kModelRegistryAddress, record, U256{kPresentBit | *size});
        state.set_storage(kModelRegistryAddress, record + U256{1}, U256::from_address(msg.sender));
        const U256 count = state.storage(kModelRegistryAddress, kCountSlot);
        state.set_storage(kModelRegistryAddress, list_slot(count.low64()), U256::from_hash(*hash));
        state.set_storage(kModelRegistryAddress, kCountSlot, count + U256{1});
        const Hash256 topics[3] = {keccak256(as_bytes("ModelUploaded(bytes32,address,uint32)")),
                                   *hash, U256::from_address(msg.sender).to_hash()};
        host.emit_log(kModelRegistryAddress, abi::encode_word(U256{*size}), topics);
        return success(m, abi::encode_word(U256{*size}));
    }
    if (sel == abi::selector("exists(bytes32)") || sel == abi::selector("modelSize(bytes32)") ||
        sel == abi::selector("modelUploader(bytes32)"))
    {
        const auto hash = args.bytes32(0);
        if (!hash)
            return bad_args();
        const auto stored = find_model(state, *hash);
        if (sel == abi::selector("exists(bytes32)"))
            return success(m, abi::encode_word(U256{stored ? 1u : 0u}));
        if (sel == abi::selector("modelSize(bytes32)"))
            return success(m, abi::encode_word(U256{stored ? stored->size : 0u}));
        return success(m, abi::encode_word(stored ? U256::from_address(stored->uploader) : U256{}));
    }
    if (sel == abi::selector("readModel(bytes32,uint32,uint32)"))
    {
        const auto hash = args.bytes32(0);
        const auto offset = args.u32(1);
        const auto len = args.u32(2);
        if (!hash || !offset || !len)
            return bad_args();
        const auto stored = find_model(state, *hash);
        if (!stored)
            return revert(m, "registry: model " + hash_hex(*hash) + " not found");
        if (uint64_t{*offset} + *len > stored->size)
            return revert(m, "registry: range past the model size " + std::to_string(stored->size));
        if (!m.charge(words_of(*len) * gas::kPerWordRead))
            return out_of_gas();
        return success(m, abi::encode_bytes(read_area(state, stored->data, *offset, *len)));
    }
    if (sel == abi::selector("modelCount()"))
        return success(m, abi::encode_word(state.storage(kModelRegistryAddress, kCountSlot)));
    // The chain's limits, so a client checks a model before it uploads a byte.
    if (sel == abi::selector("maxModelBytes()"))
        return success(m, abi::encode_word(U256{max_size}));
    if (sel == abi::selector("maxCallCost()"))
        return success(m, abi::encode_word(U256{config_.limits.max_cost}));
    if (sel == abi::selector("listModels(uint256,uint256)"))
    {
        const auto start = args.word(0);
        const auto count = args.word(1);
        if (!start || !count)
            return bad_args();
        const U256 total = state.storage(kModelRegistryAddress, kCountSlot);
        std::vector<Hash256> out;
        if (*start < total)
        {
            const uint64_t first = start->low64();
            const uint64_t avail = total.low64() - first;
            const uint64_t n = count->fits_u64() ? std::min(count->low64(), avail) : avail;
            if (!m.charge(n * gas::kPerWordRead))
                return out_of_gas();
            for (uint64_t i = 0; i < n; ++i)
                out.push_back(state.storage(kModelRegistryAddress, list_slot(first + i)).to_hash());
        }
        return success(m, abi::encode_bytes32_array(out));
    }
    return revert(m, "registry: unknown function");
}

evm::ExecResult MlPrecompiles::inference(const evm::Message& msg,
                                         state::State& state,
                                         const Deadline* deadline)
{
    Meter m{msg.gas};
    if (!m.charge(gas::kBase))
        return out_of_gas();
    if (msg.input.size() < 4)
        return revert(m, "inference: missing function selector");
    if (msg.value)
        return revert(m, "inference: does not accept value");
    const uint32_t sel = *abi::selector_of(msg.input);  // input.size() >= 4
    const bool run = sel == abi::selector("infer(bytes32,bytes)");
    if (!run && sel != abi::selector("inferCost(bytes32,bytes)"))
        return revert(m, "inference: unknown function");
    const abi::Reader args{msg.input.subspan(4)};
    const auto hash = args.bytes32(0);
    const auto input = args.bytes(1);
    if (!hash || !input)
        return revert(m, "inference: malformed call data");
    const auto stored = find_model(state, *hash);
    if (!stored)
        return revert(m, "inference: model " + hash_hex(*hash) + " not found");
    const uint64_t load_gas =
        input->size() * gas::kPerIoByte + words_of(stored->size) * gas::kPerModelWord;
    if (!m.charge(load_gas))
        return out_of_gas();

    const auto model = load_stored(state, *hash, *stored, config_.limits, cache_);
    if (!model)
        return revert(m, "inference: stored model cannot be loaded: " + model.error());
    const auto tensors = ml::decode_tensors(*input);
    if (!tensors)
        return revert(m, "inference: bad input: " + tensors.error());
    const auto cost = ml::cost(**model, *tensors, config_.limits);
    if (!cost)
        return revert(m, "inference: " + cost.error());
    if (!run)
        return success(m, abi::encode_word(U256{gas::kBase + load_gas + *cost}));
    if (!m.charge(*cost))
        return out_of_gas();  // before any of the model's work
    const auto outputs = ml::run(**model, *tensors, config_.limits, deadline);
    if (!outputs)
    {
        if (deadline != nullptr && deadline->expired())
        {
            evm::ExecResult r;
            r.status = evm::Status::Interrupted;  // an RPC error, never a revert anyone keeps
            return r;
        }
        return revert(m, "inference: " + outputs.error());
    }
    const Bytes encoded = ml::encode_tensors(*outputs);
    if (!m.charge(encoded.size() * gas::kPerIoByte))
        return out_of_gas();
    return success(m, abi::encode_bytes(encoded));
}

std::optional<Bytes> read_model_bytes(const state::State& state, const Hash256& hash)
{
    const auto stored = find_model(state, hash);
    if (!stored)
        return std::nullopt;
    return read_area(state, stored->data, 0, stored->size);
}

}  // namespace tern::mlchain
