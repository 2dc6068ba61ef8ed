#pragma once

#include "core/bytes.hpp"
#include "core/deadline.hpp"
#include "evm/host.hpp"

namespace tern::state {
class State;
}

namespace tern::execution {

/// Chain-specific precompiles that read and write the journaled state (Tern's ML model
/// registry and inference, docs/ml.md). A chain feature registers them, with the addresses they
/// serve, in execution::ChainFeatures (chain_features.hpp), which BlockEnv::features points at;
/// without features (nullptr) execution is exactly Ethereum's. The host dispatches to them before
/// the Ethereum precompiles, after the value transfer and inside the call frame's snapshot, so a
/// failed or reverted call (or an enclosing revert) undoes whatever they wrote.
class StatefulPrecompiles
{
public:
    virtual ~StatefulPrecompiles() = default;

    /// Runs `msg` (msg.code_address is one the feature registered) against `state`; logs go
    /// through `host` (so tracers see them). Same result contract as an Ethereum precompile:
    /// Success with gas_left and output, Revert with gas_left and revert data, or another status
    /// (gas_left is then ignored: the frame's gas is consumed). `deadline` is non-null only for
    /// RPC-driven executions: long work checks it and ends with Status::Interrupted once it
    /// has expired (never a state change anyone keeps).
    virtual evm::ExecResult execute(const evm::Message& msg,
                                    state::State& state,
                                    evm::Host& host,
                                    const Deadline* deadline) = 0;
};

}  // namespace tern::execution
