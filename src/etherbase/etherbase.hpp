#pragma once

// SKALE's Etherbase (etherbase 1.0.0's ABI) served natively: it receives value (and, on an
// sFUEL chain, every fee: it is the coinbase) and members of ETHER_MANAGER_ROLE hand its balance
// out with retrieve / partiallyRetrieve, with the contract's events and revert strings.

#include "execution/stateful_precompiles.hpp"

namespace tern::etherbase {

/// The contract's ABI at kEtherbaseAddress. A transfer out is a CALL with Solidity's transfer
/// stipend (2,300 gas), charged 9,000 (25,000 more for a new account) as the EVM's CALL.
class EtherbasePrecompile final : public execution::StatefulPrecompiles
{
public:
    evm::ExecResult execute(const evm::Message& msg,
                            state::State& state,
                            evm::Host& host,
                            const Deadline* deadline) override;
};

}  // namespace tern::etherbase
