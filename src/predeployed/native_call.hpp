#pragma once

// What every native predeploy (FileStorage, Etherbase, ConfigController, Marionette) does
// around its own functions, as Solidity's generated code does around a contract's: find the
// function by selector, refuse value to a non-payable one and writes in a static call, decode
// arguments (a malformed call is a bare revert), charge gas for the work, and encode reverts as
// Error(string) or Panic(uint256).

#include "core/abi.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"
#include "predeployed/store.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::predeployed {

/// The gas native predeploys charge: a call, each slot read and written (SLOAD/SSTORE-like),
/// each 32-byte word of output.
inline constexpr uint64_t kCallGas = 2'000;
inline constexpr uint64_t kReadGas = 200;
inline constexpr uint64_t kWriteGas = 5'000;
inline constexpr uint64_t kOutputWordGas = 3;
/// What a native predeploy's own CALL with value costs more (the EVM's CALL: 9,000, and
/// 25,000 more when it creates the recipient).
inline constexpr uint64_t kValueCallGas = 9'000;
inline constexpr uint64_t kNewAccountGas = 25'000;

/// One function of a native contract's ABI.
struct Function
{
    const char* signature;  ///< "grantRole(bytes32,address)"
    uint16_t id;            ///< the contract's own number for it
    bool writes = false;    ///< changes state: refused in a static call
    bool payable = false;   ///< accepts value
};

/// A contract's functions by selector (sorted once, searched without allocation).
class FunctionTable
{
public:
    /// The table of `functions` (the pointers must outlive it: static tables).
    explicit FunctionTable(std::vector<Function> functions);
    /// The function with `selector`, or null.
    [[nodiscard]] const Function* find(uint32_t selector) const noexcept;

private:
    std::vector<Function> functions_;
    std::vector<std::pair<uint32_t, size_t>> by_selector_;
};

/// What a function did: its output, or its revert data.
struct Outcome
{
    bool ok = true;
    Bytes output;
};

/// Success with `output`.
[[nodiscard]] Outcome ok(Bytes output = {});
/// A revert with Error(`reason`), Solidity's require/revert string.
[[nodiscard]] Outcome refuse(std::string_view reason);
/// A revert with Panic(`code`) (0x11 overflow, 0x32 array index).
[[nodiscard]] Outcome panic(uint64_t code);

/// The ABI arguments of a call (the call data after its selector); a read that fails marks the
/// call malformed (Solidity's decoder: a bare revert) and gives a zero value.
class Args
{
public:
    explicit Args(BytesView args) noexcept : reader_(args) {}
    U256 word(size_t i);
    Address address(size_t i);
    Hash256 bytes32(size_t i) { return word(i).to_hash(); }
    std::string string(size_t i);
    BytesView bytes(size_t i);
    bool boolean(size_t i);
    /// A read failed.
    [[nodiscard]] bool malformed() const noexcept { return malformed_; }
    /// Marks the call malformed (an argument the function itself finds ill-formed).
    void set_malformed() noexcept { malformed_ = true; }

private:
    abi::Reader reader_;
    bool malformed_ = false;
};

/// A call that ran out of gas or failed with `status` (its gas is consumed).
[[nodiscard]] evm::ExecResult failed(evm::Status status);
/// A revert with `gas_left` and `output` (empty: Solidity's bare revert).
[[nodiscard]] evm::ExecResult reverted(int64_t gas_left, Bytes output = {});

/// The dispatcher's checks before a function runs: out of gas below kCallGas, a bare revert for
/// an unknown selector or value to a non-payable function, a static-mode violation for a write
/// in a static call (as SSTORE there), and Error("<contract>: writes need a plain CALL") for a
/// write reached by DELEGATECALL or CALLCODE (the contract's storage is its own account's).
/// `fn` is what the table found (null: none). nullopt: run it.
[[nodiscard]] std::optional<evm::ExecResult> check_dispatch(const evm::Message& msg,
                                                            const Function* fn,
                                                            std::string_view contract);

/// The function `input` selects in `table`; `receive` (may be null) for empty call data.
[[nodiscard]] const Function* find_function(const FunctionTable& table,
                                            BytesView input,
                                            const Function* receive = nullptr) noexcept;

/// Calls another account from inside the native contract's frame `msg`, as the EVM's CALL
/// family does: `call` (its kind, sender, recipient, code address, value and input set by the
/// caller) one level deeper, static if `msg` is, with all but 1/64 of the gas `msg` has left
/// after `used` (EIP-150). Adds the gas the callee consumed to `used`. Nullopt, with nothing
/// called, when no gas is left.
[[nodiscard]] std::optional<evm::ExecResult> sub_call(const evm::Message& msg,
                                                      evm::Host& host,
                                                      evm::Message call,
                                                      uint64_t& used);

/// abi.encode(address, uint256): the data of EtherReceived / EtherSent events.
[[nodiscard]] Bytes encode_address_amount(const Address& a, const U256& amount);

/// The gas a function has used so far: kCallGas, `store`'s reads and writes, `extra_gas`.
[[nodiscard]] inline uint64_t gas_used(const Store& store, uint64_t extra_gas) noexcept
{
    return kCallGas + store.reads() * kReadGas + store.writes() * kWriteGas + extra_gas;
}

/// The result of a function that ran: gas for kCallGas, `store`'s reads and writes,
/// `extra_gas` and the output words, then a bare revert if `args` were malformed, the revert
/// of a refused Outcome, or success. Out of gas when msg.gas does not cover it (the host undoes
/// what was written).
[[nodiscard]] evm::ExecResult finish(const evm::Message& msg,
                                     Outcome out,
                                     const Args& args,
                                     const Store& store,
                                     uint64_t extra_gas = 0);

/// keccak256 of an event signature: its topic 0.
[[nodiscard]] Hash256 event_topic(std::string_view signature);
/// Emits the event `signature` from `emitter` with indexed `topics` (after topic 0) and `data`.
void emit_event(evm::Host& host,
                const Address& emitter,
                std::string_view signature,
                std::span<const Hash256> topics,
                BytesView data = {});
/// An address as an indexed topic.
[[nodiscard]] Hash256 address_topic(const Address& a);
/// A bool as one ABI word.
[[nodiscard]] Bytes bool_word(bool b);

}  // namespace tern::predeployed
