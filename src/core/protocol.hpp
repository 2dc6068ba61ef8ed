#pragma once

#include "core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

/// Ethereum protocol constants of fork Cancun, one place for every module (core is below all of
/// them): transaction gas, code size limits, call gas, the precompile range and EIP-4844 blobs.
/// Opcode-level gas costs stay with the interpreter (evm/instructions.hpp).
namespace tern::protocol {

// ---- transactions (yellow paper G_transaction etc., EIP-2028, EIP-2930, EIP-3860) ----

/// Gas every transaction pays (G_transaction): also the least gas a transaction can use.
inline constexpr uint64_t kTxGas = 21000;
/// Extra intrinsic gas of a contract-creating transaction (G_txcreate).
inline constexpr uint64_t kTxCreateGas = 32000;
/// Gas of CREATE and CREATE2 (G_create).
inline constexpr int64_t kCreateGas = 32000;
/// Intrinsic gas per zero byte of calldata (G_txdatazero).
inline constexpr uint64_t kTxDataZeroGas = 4;
/// Intrinsic gas per non-zero byte of calldata (EIP-2028).
inline constexpr uint64_t kTxDataNonZeroGas = 16;
/// Intrinsic gas per access list address (EIP-2930).
inline constexpr uint64_t kAccessListAddressGas = 2400;
/// Intrinsic gas per access list storage key (EIP-2930).
inline constexpr uint64_t kAccessListStorageKeyGas = 1900;
/// Gas per 32-byte word of initcode, intrinsic and for CREATE/CREATE2 (EIP-3860).
inline constexpr uint64_t kInitcodeWordGas = 2;

// ---- code ----

/// Largest deployable contract code (EIP-170).
inline constexpr size_t kMaxCodeSize = 24576;
/// Largest initcode of a creation (EIP-3860): 2 * kMaxCodeSize.
inline constexpr size_t kMaxInitcodeSize = 2 * kMaxCodeSize;
/// Gas per byte of deployed code (G_codedeposit).
inline constexpr int64_t kCodeDepositGas = 200;

// ---- calls ----

/// Gas a CALL with value always gives the callee (G_callstipend).
inline constexpr int64_t kCallStipend = 2300;
/// Extra gas of a CALL with value (G_callvalue).
inline constexpr int64_t kCallValueGas = 9000;
/// Extra gas of a CALL with value to a dead account (G_newaccount).
inline constexpr int64_t kNewAccountGas = 25000;
/// Deepest call stack.
inline constexpr int32_t kMaxCallDepth = 1024;

// ---- precompiles ----

/// First Ethereum precompile address (ecrecover).
inline constexpr uint64_t kFirstPrecompile = 0x01;
/// Last Ethereum precompile address of fork Cancun (the KZG point evaluation, EIP-4844).
inline constexpr uint64_t kLastPrecompile = 0x0a;
/// Number of Ethereum precompiles of fork Cancun.
inline constexpr size_t kNumPrecompiles = kLastPrecompile - kFirstPrecompile + 1;
/// The Ethereum precompile addresses of fork Cancun, in order.
inline constexpr std::array<Address, kNumPrecompiles> kPrecompileAddresses = [] {
    std::array<Address, kNumPrecompiles> out{};
    for (size_t i = 0; i < kNumPrecompiles; ++i)
        out[i] = address_from_u64(kFirstPrecompile + i);
    return out;
}();

// ---- blobs (EIP-4844, Cancun) ----

/// Blob gas one blob consumes (GAS_PER_BLOB).
inline constexpr uint64_t kGasPerBlob = 1 << 17;
/// Target blob gas per block (3 blobs).
inline constexpr uint64_t kTargetBlobGasPerBlock = 3 * kGasPerBlob;
/// Most blob gas a block may use (6 blobs).
inline constexpr uint64_t kMaxBlobGasPerBlock = 6 * kGasPerBlob;
/// Most blobs a block (and so a transaction) may carry.
inline constexpr size_t kMaxBlobsPerBlock = kMaxBlobGasPerBlock / kGasPerBlob;
/// BLOB_BASE_FEE_UPDATE_FRACTION.
inline constexpr uint64_t kBlobBaseFeeUpdateFraction = 3338477;
/// MIN_BLOB_BASE_FEE (wei).
inline constexpr uint64_t kMinBlobBaseFee = 1;
/// The first byte of a valid blob versioned hash (VERSIONED_HASH_VERSION_KZG).
inline constexpr uint8_t kBlobHashVersionKzg = 0x01;

}  // namespace tern::protocol
