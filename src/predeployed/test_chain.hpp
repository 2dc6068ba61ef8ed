#pragma once

// Test helper: a state with chain features' predeploys, and calls to their addresses as
// top-level messages (committed when they succeed), for the predeploys' tests.

#include "core/abi.hpp"
#include "evm/vm.hpp"
#include "execution/chain_features.hpp"
#include "execution/host.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace tern::predeployed::test {

/// The Error(string) of a revert, or "<status N>" / "<no reason>".
inline std::string reason(const evm::ExecResult& r)
{
    if (r.status != evm::Status::Revert)
        return "<status " + std::to_string(static_cast<int>(r.status)) + ">";
    return abi::decode_error(r.output).value_or("<no reason>");
}

/// Chain features over an in-memory state; messages run through an ExecHost.
class TestChain
{
public:
    TestChain() { env_.features = &features_; }

    /// Registers a feature (its register_feature over `rules`) and puts its predeploys in the
    /// state.
    template <typename Register, typename Rules>
    void add(Register&& register_feature, const Rules& rules)
    {
        const size_t before = features_.features().size();
        EXPECT_FALSE(register_feature(features_, rules));
        for (size_t i = before; i < features_.features().size(); ++i)
            for (const auto& p : features_.features()[i].predeploys)
            {
                std::map<U256, U256> storage(p.storage.begin(), p.storage.end());
                backend_.put_account(p.address, 0, p.balance, p.code, storage);
            }
    }

    /// A top-level message from `from` to `to` (a CALL; Create when `to` is null and `input`
    /// is init code) with `value`; committed on success, its logs kept in logs().
    evm::ExecResult call(const Address& from,
                         const std::optional<Address>& to,
                         BytesView input,
                         const U256& value = U256{},
                         int64_t gas = 10'000'000,
                         bool is_static = false)
    {
        state::State state{backend_};
        if (!to)
        {
            if (!state.exists(from))
                state.create_account(from);
            state.set_nonce(from, state.nonce(from) + 1);  // the transaction's bump
        }
        evm::TxContext ctx;
        ctx.origin = origin_.value_or(from);
        evm::Message msg;
        msg.kind = to ? evm::CallKind::Call : evm::CallKind::Create;
        msg.is_static = is_static;
        msg.gas = gas;
        msg.sender = from;
        if (to)
            msg.recipient = msg.code_address = *to;
        msg.input = input;
        msg.value = value;
        execution::ExecHost host{state, vm_, ctx, env_};
        auto r = host.call(msg);
        logs_ = state.logs();
        if (r.status == evm::Status::Success)
        {
            state.finalize_transaction();
            backend_.apply(state.commit());
        }
        return r;
    }

    /// The transaction origin of the next calls (default: the caller).
    void set_origin(std::optional<Address> origin) { origin_ = origin; }

    state::MemoryBackend& backend() noexcept { return backend_; }
    const std::vector<state::Log>& logs() const noexcept { return logs_; }

private:
    execution::ChainFeatures features_;
    execution::BlockEnv env_;
    state::MemoryBackend backend_;
    evm::Vm vm_;
    std::vector<state::Log> logs_;
    std::optional<Address> origin_;
};

}  // namespace tern::predeployed::test
