#pragma once

// SKALE's Marionette (marionette 1.0.0's ABI) served natively: members of PUPPETEER_ROLE (the
// chain owner) call any contract as Marionette (execute, sendEth), the IMA message proxy does
// for a puppeteer on mainnet (postMessage), with the contract's events and revert strings.

#include "execution/stateful_precompiles.hpp"

namespace tern::marionette {

/// The contract's ABI at kMarionetteAddress. Its calls forward all but 1/64 of the gas left
/// (as Solidity's low-level call), charged 9,000 more with value and 25,000 more to create
/// the recipient, like the EVM's CALL.
class MarionettePrecompile final : public execution::StatefulPrecompiles
{
public:
    evm::ExecResult execute(const evm::Message& msg,
                            state::State& state,
                            evm::Host& host,
                            const Deadline* deadline) override;
};

}  // namespace tern::marionette
