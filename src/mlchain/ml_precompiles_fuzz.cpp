// libFuzzer harness for the ML precompiles: arbitrary call data (and call kind, value, static
// flag, gas, and whether the first argument is replaced by the published model's hash, from the
// first input byte) sent to the model registry and the inference precompile, over a state that
// holds one published model (a Relu over float [1,4]) so infer reaches the engine. Checks: no
// crash, and a call that does not succeed leaves the state as it was (the host's snapshot undoes
// it).

#include "core/keccak.hpp"
#include "evm/vm.hpp"
#include "execution/host.hpp"
#include "mlchain/feature.hpp"
#include "mlchain/ml_precompiles.hpp"
#include "mlchain/test_util.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <algorithm>
#include <cstdlib>

namespace {

using namespace tern;

/// Runs `msg` on `st` with the precompiles of `ml`, as a top-level call of the execution host.
evm::ExecResult execute(state::State& st, mlchain::MlPrecompiles& ml, const evm::Message& msg)
{
    evm::Vm vm;
    evm::TxContext ctx;
    execution::BlockEnv env;
    const auto features = mlchain::features_of(ml);
    env.features = &features;
    execution::ExecHost host{st, vm, ctx, env};
    return host.call(msg);
}

/// A message from the test caller to `to` with `input`.
evm::Message message(const Address& to, BytesView input)
{
    evm::Message msg;
    msg.gas = 30'000'000;
    msg.sender = mlchain::test::kCaller;
    msg.recipient = to;
    msg.code_address = to;
    msg.input = input;
    return msg;
}

/// A backend holding the Relu model, published by running the registry itself.
state::MemoryBackend published_model()
{
    state::MemoryBackend b;
    mlchain::MlPrecompiles ml{mlchain::MlConfig{}};
    state::State st{b};
    const Bytes model = mlchain::test::relu_model();
    const Hash256 h = keccak256(model);
    for (const Bytes& call :
         {mlchain::test::begin_upload(h, model.size()), mlchain::test::upload_chunk(h, 0, model),
          mlchain::test::finish_upload(h)})
    {
        if (execute(st, ml, message(mlchain::kModelRegistryAddress, call)).status !=
            evm::Status::Success)
            std::abort();
        st.finalize_transaction();
    }
    b.apply(st.commit());
    return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1)
        return 0;
    static const state::MemoryBackend backend = published_model();
    const uint8_t flags = data[0];
    Bytes input(data + 1, data + size);
    if ((flags & 32) && input.size() >= 36)  // first argument := the published model's hash
    {
        const Hash256 h = keccak256(mlchain::test::relu_model());
        std::copy(h.bytes.begin(), h.bytes.end(), input.begin() + 4);
    }
    evm::Message msg =
        message((flags & 1) ? mlchain::kInferenceAddress : mlchain::kModelRegistryAddress, input);
    msg.kind = (flags & 2) ? evm::CallKind::DelegateCall : evm::CallKind::Call;
    msg.is_static = (flags & 4) != 0;
    msg.value = U256{(flags & 8) ? 1u : 0u};
    if (flags & 16)
        msg.gas = 50'000;

    mlchain::MlPrecompiles ml{mlchain::MlConfig{}};
    state::State st{backend};
    st.set_balance(msg.sender, U256{10});
    st.finalize_transaction();
    const auto r = execute(st, ml, msg);
    // A call that does not succeed leaves the registry as it was.
    if (r.status != evm::Status::Success &&
        st.storage(mlchain::kModelRegistryAddress, U256{0}) != U256{1})
        std::abort();
    return 0;
}
