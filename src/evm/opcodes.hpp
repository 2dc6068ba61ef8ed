#pragma once

#include "core/protocol.hpp"
#include "evm/fork.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace tern::evm {

/// Gas of CREATE and CREATE2 (G_create; core/protocol.hpp), used by the opcode table below.
inline constexpr int64_t kCreateGas = protocol::kCreateGas;

// The single source of truth for the instruction set, across forks.
//
// X(NAME, BYTE, STACK_IN, STACK_OUT, BASE_GAS, SINCE, IMPL)
//   NAME       mnemonic (also the enumerator in `Op`)
//   BYTE       opcode byte
//   STACK_IN   items the instruction needs on the stack (underflow check)
//   STACK_OUT  items it leaves in their place (STACK_OUT - STACK_IN is the height change)
//   BASE_GAS   constant gas charged before the instruction runs (dynamic costs are charged by
//              the implementation: memory, copies, cold access, EXP bytes, calls, ...)
//   SINCE      the fork (`evm::Fork` enumerator) that introduced it: everything up to Cancun is
//              `Cancun`; an opcode of a later fork is undefined in the tables of earlier ones
//   IMPL       implementation in `tern::evm::instr` (see instructions.hpp)
//
// The interpreter's dispatch switch, the traits tables and the names are all generated from it.
// The interpreter runs Cancun (`kOpcodeTraits`); `opcode_traits(fork)` gives the other forks'.
#define TERN_EVM_OPCODES(X)                                     \
    X(STOP, 0x00, 0, 0, 0, Cancun, op_stop)                     \
    X(ADD, 0x01, 2, 1, 3, Cancun, op_add)                       \
    X(MUL, 0x02, 2, 1, 5, Cancun, op_mul)                       \
    X(SUB, 0x03, 2, 1, 3, Cancun, op_sub)                       \
    X(DIV, 0x04, 2, 1, 5, Cancun, op_div)                       \
    X(SDIV, 0x05, 2, 1, 5, Cancun, op_sdiv)                     \
    X(MOD, 0x06, 2, 1, 5, Cancun, op_mod)                       \
    X(SMOD, 0x07, 2, 1, 5, Cancun, op_smod)                     \
    X(ADDMOD, 0x08, 3, 1, 8, Cancun, op_addmod)                 \
    X(MULMOD, 0x09, 3, 1, 8, Cancun, op_mulmod)                 \
    X(EXP, 0x0a, 2, 1, 10, Cancun, op_exp)                      \
    X(SIGNEXTEND, 0x0b, 2, 1, 5, Cancun, op_signextend)         \
    X(LT, 0x10, 2, 1, 3, Cancun, op_lt)                         \
    X(GT, 0x11, 2, 1, 3, Cancun, op_gt)                         \
    X(SLT, 0x12, 2, 1, 3, Cancun, op_slt)                       \
    X(SGT, 0x13, 2, 1, 3, Cancun, op_sgt)                       \
    X(EQ, 0x14, 2, 1, 3, Cancun, op_eq)                         \
    X(ISZERO, 0x15, 1, 1, 3, Cancun, op_iszero)                 \
    X(AND, 0x16, 2, 1, 3, Cancun, op_and)                       \
    X(OR, 0x17, 2, 1, 3, Cancun, op_or)                         \
    X(XOR, 0x18, 2, 1, 3, Cancun, op_xor)                       \
    X(NOT, 0x19, 1, 1, 3, Cancun, op_not)                       \
    X(BYTE, 0x1a, 2, 1, 3, Cancun, op_byte)                     \
    X(SHL, 0x1b, 2, 1, 3, Cancun, op_shl)                       \
    X(SHR, 0x1c, 2, 1, 3, Cancun, op_shr)                       \
    X(SAR, 0x1d, 2, 1, 3, Cancun, op_sar)                       \
    X(KECCAK256, 0x20, 2, 1, 30, Cancun, op_keccak256)          \
    X(ADDRESS, 0x30, 0, 1, 2, Cancun, op_address)               \
    X(BALANCE, 0x31, 1, 1, 100, Cancun, op_balance)             \
    X(ORIGIN, 0x32, 0, 1, 2, Cancun, op_origin)                 \
    X(CALLER, 0x33, 0, 1, 2, Cancun, op_caller)                 \
    X(CALLVALUE, 0x34, 0, 1, 2, Cancun, op_callvalue)           \
    X(CALLDATALOAD, 0x35, 1, 1, 3, Cancun, op_calldataload)     \
    X(CALLDATASIZE, 0x36, 0, 1, 2, Cancun, op_calldatasize)     \
    X(CALLDATACOPY, 0x37, 3, 0, 3, Cancun, op_calldatacopy)     \
    X(CODESIZE, 0x38, 0, 1, 2, Cancun, op_codesize)             \
    X(CODECOPY, 0x39, 3, 0, 3, Cancun, op_codecopy)             \
    X(GASPRICE, 0x3a, 0, 1, 2, Cancun, op_gasprice)             \
    X(EXTCODESIZE, 0x3b, 1, 1, 100, Cancun, op_extcodesize)     \
    X(EXTCODECOPY, 0x3c, 4, 0, 100, Cancun, op_extcodecopy)     \
    X(RETURNDATASIZE, 0x3d, 0, 1, 2, Cancun, op_returndatasize) \
    X(RETURNDATACOPY, 0x3e, 3, 0, 3, Cancun, op_returndatacopy) \
    X(EXTCODEHASH, 0x3f, 1, 1, 100, Cancun, op_extcodehash)     \
    X(BLOCKHASH, 0x40, 1, 1, 20, Cancun, op_blockhash)          \
    X(COINBASE, 0x41, 0, 1, 2, Cancun, op_coinbase)             \
    X(TIMESTAMP, 0x42, 0, 1, 2, Cancun, op_timestamp)           \
    X(NUMBER, 0x43, 0, 1, 2, Cancun, op_number)                 \
    X(PREVRANDAO, 0x44, 0, 1, 2, Cancun, op_prevrandao)         \
    X(GASLIMIT, 0x45, 0, 1, 2, Cancun, op_gaslimit)             \
    X(CHAINID, 0x46, 0, 1, 2, Cancun, op_chainid)               \
    X(SELFBALANCE, 0x47, 0, 1, 5, Cancun, op_selfbalance)       \
    X(BASEFEE, 0x48, 0, 1, 2, Cancun, op_basefee)               \
    X(BLOBHASH, 0x49, 1, 1, 3, Cancun, op_blobhash)             \
    X(BLOBBASEFEE, 0x4a, 0, 1, 2, Cancun, op_blobbasefee)       \
    X(POP, 0x50, 1, 0, 2, Cancun, op_pop)                       \
    X(MLOAD, 0x51, 1, 1, 3, Cancun, op_mload)                   \
    X(MSTORE, 0x52, 2, 0, 3, Cancun, op_mstore)                 \
    X(MSTORE8, 0x53, 2, 0, 3, Cancun, op_mstore8)               \
    X(SLOAD, 0x54, 1, 1, 100, Cancun, op_sload)                 \
    X(SSTORE, 0x55, 2, 0, 0, Cancun, op_sstore)                 \
    X(JUMP, 0x56, 1, 0, 8, Cancun, op_jump)                     \
    X(JUMPI, 0x57, 2, 0, 10, Cancun, op_jumpi)                  \
    X(PC, 0x58, 0, 1, 2, Cancun, op_pc)                         \
    X(MSIZE, 0x59, 0, 1, 2, Cancun, op_msize)                   \
    X(GAS, 0x5a, 0, 1, 2, Cancun, op_gas)                       \
    X(JUMPDEST, 0x5b, 0, 0, 1, Cancun, op_jumpdest)             \
    X(TLOAD, 0x5c, 1, 1, 100, Cancun, op_tload)                 \
    X(TSTORE, 0x5d, 2, 0, 100, Cancun, op_tstore)               \
    X(MCOPY, 0x5e, 3, 0, 3, Cancun, op_mcopy)                   \
    X(PUSH0, 0x5f, 0, 1, 2, Cancun, op_push0)                   \
    X(PUSH1, 0x60, 0, 1, 3, Cancun, op_push<1>)                 \
    X(PUSH2, 0x61, 0, 1, 3, Cancun, op_push<2>)                 \
    X(PUSH3, 0x62, 0, 1, 3, Cancun, op_push<3>)                 \
    X(PUSH4, 0x63, 0, 1, 3, Cancun, op_push<4>)                 \
    X(PUSH5, 0x64, 0, 1, 3, Cancun, op_push<5>)                 \
    X(PUSH6, 0x65, 0, 1, 3, Cancun, op_push<6>)                 \
    X(PUSH7, 0x66, 0, 1, 3, Cancun, op_push<7>)                 \
    X(PUSH8, 0x67, 0, 1, 3, Cancun, op_push<8>)                 \
    X(PUSH9, 0x68, 0, 1, 3, Cancun, op_push<9>)                 \
    X(PUSH10, 0x69, 0, 1, 3, Cancun, op_push<10>)               \
    X(PUSH11, 0x6a, 0, 1, 3, Cancun, op_push<11>)               \
    X(PUSH12, 0x6b, 0, 1, 3, Cancun, op_push<12>)               \
    X(PUSH13, 0x6c, 0, 1, 3, Cancun, op_push<13>)               \
    X(PUSH14, 0x6d, 0, 1, 3, Cancun, op_push<14>)               \
    X(PUSH15, 0x6e, 0, 1, 3, Cancun, op_push<15>)               \
    X(PUSH16, 0x6f, 0, 1, 3, Cancun, op_push<16>)               \
    X(PUSH17, 0x70, 0, 1, 3, Cancun, op_push<17>)               \
    X(PUSH18, 0x71, 0, 1, 3, Cancun, op_push<18>)               \
    X(PUSH19, 0x72, 0, 1, 3, Cancun, op_push<19>)               \
    X(PUSH20, 0x73, 0, 1, 3, Cancun, op_push<20>)               \
    X(PUSH21, 0x74, 0, 1, 3, Cancun, op_push<21>)               \
    X(PUSH22, 0x75, 0, 1, 3, Cancun, op_push<22>)               \
    X(PUSH23, 0x76, 0, 1, 3, Cancun, op_push<23>)               \
    X(PUSH24, 0x77, 0, 1, 3, Cancun, op_push<24>)               \
    X(PUSH25, 0x78, 0, 1, 3, Cancun, op_push<25>)               \
    X(PUSH26, 0x79, 0, 1, 3, Cancun, op_push<26>)               \
    X(PUSH27, 0x7a, 0, 1, 3, Cancun, op_push<27>)               \
    X(PUSH28, 0x7b, 0, 1, 3, Cancun, op_push<28>)               \
    X(PUSH29, 0x7c, 0, 1, 3, Cancun, op_push<29>)               \
    X(PUSH30, 0x7d, 0, 1, 3, Cancun, op_push<30>)               \
    X(PUSH31, 0x7e, 0, 1, 3, Cancun, op_push<31>)               \
    X(PUSH32, 0x7f, 0, 1, 3, Cancun, op_push<32>)               \
    X(DUP1, 0x80, 1, 2, 3, Cancun, op_dup<1>)                   \
    X(DUP2, 0x81, 2, 3, 3, Cancun, op_dup<2>)                   \
    X(DUP3, 0x82, 3, 4, 3, Cancun, op_dup<3>)                   \
    X(DUP4, 0x83, 4, 5, 3, Cancun, op_dup<4>)                   \
    X(DUP5, 0x84, 5, 6, 3, Cancun, op_dup<5>)                   \
    X(DUP6, 0x85, 6, 7, 3, Cancun, op_dup<6>)                   \
    X(DUP7, 0x86, 7, 8, 3, Cancun, op_dup<7>)                   \
    X(DUP8, 0x87, 8, 9, 3, Cancun, op_dup<8>)                   \
    X(DUP9, 0x88, 9, 10, 3, Cancun, op_dup<9>)                  \
    X(DUP10, 0x89, 10, 11, 3, Cancun, op_dup<10>)               \
    X(DUP11, 0x8a, 11, 12, 3, Cancun, op_dup<11>)               \
    X(DUP12, 0x8b, 12, 13, 3, Cancun, op_dup<12>)               \
    X(DUP13, 0x8c, 13, 14, 3, Cancun, op_dup<13>)               \
    X(DUP14, 0x8d, 14, 15, 3, Cancun, op_dup<14>)               \
    X(DUP15, 0x8e, 15, 16, 3, Cancun, op_dup<15>)               \
    X(DUP16, 0x8f, 16, 17, 3, Cancun, op_dup<16>)               \
    X(SWAP1, 0x90, 2, 2, 3, Cancun, op_swap<1>)                 \
    X(SWAP2, 0x91, 3, 3, 3, Cancun, op_swap<2>)                 \
    X(SWAP3, 0x92, 4, 4, 3, Cancun, op_swap<3>)                 \
    X(SWAP4, 0x93, 5, 5, 3, Cancun, op_swap<4>)                 \
    X(SWAP5, 0x94, 6, 6, 3, Cancun, op_swap<5>)                 \
    X(SWAP6, 0x95, 7, 7, 3, Cancun, op_swap<6>)                 \
    X(SWAP7, 0x96, 8, 8, 3, Cancun, op_swap<7>)                 \
    X(SWAP8, 0x97, 9, 9, 3, Cancun, op_swap<8>)                 \
    X(SWAP9, 0x98, 10, 10, 3, Cancun, op_swap<9>)               \
    X(SWAP10, 0x99, 11, 11, 3, Cancun, op_swap<10>)             \
    X(SWAP11, 0x9a, 12, 12, 3, Cancun, op_swap<11>)             \
    X(SWAP12, 0x9b, 13, 13, 3, Cancun, op_swap<12>)             \
    X(SWAP13, 0x9c, 14, 14, 3, Cancun, op_swap<13>)             \
    X(SWAP14, 0x9d, 15, 15, 3, Cancun, op_swap<14>)             \
    X(SWAP15, 0x9e, 16, 16, 3, Cancun, op_swap<15>)             \
    X(SWAP16, 0x9f, 17, 17, 3, Cancun, op_swap<16>)             \
    X(LOG0, 0xa0, 2, 0, 375, Cancun, op_log<0>)                 \
    X(LOG1, 0xa1, 3, 0, 750, Cancun, op_log<1>)                 \
    X(LOG2, 0xa2, 4, 0, 1125, Cancun, op_log<2>)                \
    X(LOG3, 0xa3, 5, 0, 1500, Cancun, op_log<3>)                \
    X(LOG4, 0xa4, 6, 0, 1875, Cancun, op_log<4>)                \
    X(CREATE, 0xf0, 3, 1, kCreateGas, Cancun, op_create)        \
    X(CALL, 0xf1, 7, 1, 100, Cancun, op_call)                   \
    X(CALLCODE, 0xf2, 7, 1, 100, Cancun, op_callcode)           \
    X(RETURN, 0xf3, 2, 0, 0, Cancun, op_return)                 \
    X(DELEGATECALL, 0xf4, 6, 1, 100, Cancun, op_delegatecall)   \
    X(CREATE2, 0xf5, 4, 1, kCreateGas, Cancun, op_create2)      \
    X(STATICCALL, 0xfa, 6, 1, 100, Cancun, op_staticcall)       \
    X(REVERT, 0xfd, 2, 0, 0, Cancun, op_revert)                 \
    X(INVALID, 0xfe, 0, 0, 0, Cancun, op_invalid)               \
    X(SELFDESTRUCT, 0xff, 1, 0, 5000, Cancun, op_selfdestruct)

// All 256 byte values 0x00..0xff, for code generated per byte (the interpreter's dispatch
// table): TERN_EVM_ALL_BYTES(X) expands to X(0x00) X(0x01) ... X(0xff).
// (clang-format is off here: its layout of these macro continuations does not converge.)
// clang-format off
#define TERN_EVM_BYTES16(X, H)                                                          \
    X(H##0) X(H##1) X(H##2) X(H##3) X(H##4) X(H##5) X(H##6) X(H##7)                     \
    X(H##8) X(H##9) X(H##a) X(H##b) X(H##c) X(H##d) X(H##e) X(H##f)
#define TERN_EVM_ALL_BYTES(X)                                                           \
    TERN_EVM_BYTES16(X, 0x0) TERN_EVM_BYTES16(X, 0x1) TERN_EVM_BYTES16(X, 0x2)          \
    TERN_EVM_BYTES16(X, 0x3) TERN_EVM_BYTES16(X, 0x4) TERN_EVM_BYTES16(X, 0x5)          \
    TERN_EVM_BYTES16(X, 0x6) TERN_EVM_BYTES16(X, 0x7) TERN_EVM_BYTES16(X, 0x8)          \
    TERN_EVM_BYTES16(X, 0x9) TERN_EVM_BYTES16(X, 0xa) TERN_EVM_BYTES16(X, 0xb)          \
    TERN_EVM_BYTES16(X, 0xc) TERN_EVM_BYTES16(X, 0xd) TERN_EVM_BYTES16(X, 0xe)          \
    TERN_EVM_BYTES16(X, 0xf)
// clang-format on

/// Opcode bytes by mnemonic (generated from TERN_EVM_OPCODES), for tests and tooling.
enum class Op : uint8_t
{
#define TERN_EVM_X(NAME, BYTE, IN, OUT, GAS, SINCE, IMPL) NAME = BYTE,
    TERN_EVM_OPCODES(TERN_EVM_X)
#undef TERN_EVM_X
};

/// Static properties of one opcode byte in one fork.
struct OpcodeTraits
{
    std::string_view name;  ///< mnemonic; empty for undefined bytes
    int8_t stack_in = 0;    ///< stack items required
    int8_t stack_out = 0;   ///< stack items left in their place
    int16_t base_gas = 0;   ///< constant gas charged up front
    bool defined = false;   ///< false: executing it is an undefined-instruction halt

    /// Field-wise equality (tests compare the tables of two forks).
    friend constexpr bool operator==(const OpcodeTraits&, const OpcodeTraits&) = default;
};

/// Traits of all 256 opcode bytes in one fork.
using OpcodeTraitsTable = std::array<OpcodeTraits, 256>;

/// Number of opcodes defined in Cancun (used to check the table is complete).
inline constexpr int kCancunOpcodeCount = 149;

/// Maximum stack height (items).
inline constexpr int kStackLimit = 1024;

namespace detail {
/// One row of TERN_EVM_OPCODES, as data (the per-fork tables are built from these).
struct OpcodeRow
{
    uint8_t byte = 0;
    std::string_view name;
    int8_t stack_in = 0;
    int8_t stack_out = 0;
    int16_t base_gas = 0;
    Fork since = Fork::Cancun;
};

/// The rows of TERN_EVM_OPCODES, in table order.
inline constexpr OpcodeRow kOpcodeRows[] = {
#define TERN_EVM_X(NAME, BYTE, IN, OUT, GAS, SINCE, IMPL) {BYTE, #NAME, IN, OUT, GAS, Fork::SINCE},
    TERN_EVM_OPCODES(TERN_EVM_X)
#undef TERN_EVM_X
};

/// The traits table of `fork` from `rows`: a row is defined iff its fork is in force in `fork`.
constexpr OpcodeTraitsTable build_opcode_traits(std::span<const OpcodeRow> rows, Fork fork) noexcept
{
    OpcodeTraitsTable t{};
    for (const OpcodeRow& r : rows)
        if (r.since <= fork)
            t[r.byte] = {r.name, r.stack_in, r.stack_out, r.base_gas, true};
    return t;
}
}  // namespace detail

/// Traits of all 256 opcode bytes in Cancun, built from TERN_EVM_OPCODES: the table the
/// interpreter and the code analysis use.
inline constexpr OpcodeTraitsTable kOpcodeTraits =
    detail::build_opcode_traits(detail::kOpcodeRows, Fork::Cancun);

/// Traits of all 256 opcode bytes in Prague (equal to Cancun's: no new opcodes yet).
inline constexpr OpcodeTraitsTable kPragueOpcodeTraits =
    detail::build_opcode_traits(detail::kOpcodeRows, Fork::Prague);

/// Traits of all 256 opcode bytes in Osaka (equal to Cancun's: no new opcodes yet).
inline constexpr OpcodeTraitsTable kOsakaOpcodeTraits =
    detail::build_opcode_traits(detail::kOpcodeRows, Fork::Osaka);

/// The traits table of `fork` (a reference to one of the constexpr tables above).
constexpr const OpcodeTraitsTable& opcode_traits(Fork fork) noexcept
{
    switch (fork)
    {
        case Fork::Cancun:
            return kOpcodeTraits;
        case Fork::Prague:
            return kPragueOpcodeTraits;
        case Fork::Osaka:
            return kOsakaOpcodeTraits;
    }
    return kOpcodeTraits;
}

namespace detail {
/// Checks the generated Cancun table: every entry of the list landed on its own byte, and only
/// those.
constexpr bool opcode_table_is_consistent() noexcept
{
    int listed = 0;
#define TERN_EVM_X(NAME, BYTE, IN, OUT, GAS, SINCE, IMPL) listed += Fork::SINCE == Fork::Cancun;
    TERN_EVM_OPCODES(TERN_EVM_X)
#undef TERN_EVM_X
    int defined = 0;
    for (const auto& tr : kOpcodeTraits)
    {
        if (!tr.defined)
        {
            if (!tr.name.empty() || tr.stack_in != 0 || tr.stack_out != 0 || tr.base_gas != 0)
                return false;
            continue;
        }
        ++defined;
        if (tr.name.empty() || tr.stack_in < 0 || tr.stack_out < 0 || tr.base_gas < 0)
            return false;
        // Legacy EVM instructions grow the stack by at most one item.
        if (tr.stack_out - tr.stack_in > 1)
            return false;
    }
    return listed == kCancunOpcodeCount && defined == kCancunOpcodeCount;
}
}  // namespace detail

static_assert(detail::opcode_table_is_consistent(),
              "TERN_EVM_OPCODES: duplicate byte or wrong count of Cancun opcodes");
static_assert(kOpcodeTraits[0x5f].name == "PUSH0" && kOpcodeTraits[0x44].name == "PREVRANDAO");
static_assert(!kOpcodeTraits[0x0c].defined && !kOpcodeTraits[0xef].defined &&
              !kOpcodeTraits[0x4b].defined && !kOpcodeTraits[0xf6].defined);
static_assert(kPragueOpcodeTraits == kOpcodeTraits && kOsakaOpcodeTraits == kOpcodeTraits,
              "no opcode has SINCE later than Cancun yet");
static_assert(&opcode_traits(Fork::Cancun) == &kOpcodeTraits);

/// Mnemonic of an opcode byte for tracing; "UNDEFINED" for bytes not defined in Cancun.
constexpr std::string_view opcode_name(uint8_t opcode) noexcept
{
    const auto& tr = kOpcodeTraits[opcode];
    return tr.defined ? tr.name : std::string_view{"UNDEFINED"};
}

}  // namespace tern::evm
