#pragma once

#include "execution/stateful_precompiles.hpp"

namespace tern::filestorage {

/// SKALE's FileStorage contract (1.0.1-beta.0's ABI, which filestorage.js uses) served natively
/// at kFileStorageAddress: ABI decoding, AccessControlEnumerable, the FileSystem's functions,
/// gas, and Solidity's failure shapes (Error(string) reverts with the contract's strings,
/// panics, empty reverts for malformed call data, value, or unknown selectors).
///
/// Gas (docs/filestorage.md): 2,000 per call, 200 per slot read, 5,000 per slot written, 12
/// per 32-byte word of chunk data stored or read and 3 per word of output; a call whose gas
/// does not cover its work fails out of gas, changing nothing.
class FileStoragePrecompile final : public execution::StatefulPrecompiles
{
public:
    evm::ExecResult execute(const evm::Message& msg,
                            state::State& state,
                            evm::Host& host,
                            const Deadline* deadline) override;
};

}  // namespace tern::filestorage
