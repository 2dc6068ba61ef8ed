#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace tern {

/// EIP-2718 transaction type byte.
enum class TxType : uint8_t
{
    Legacy = 0,      ///< pre-EIP-2718 (EIP-155 replay protection optional)
    AccessList = 1,  ///< EIP-2930
    DynamicFee = 2,  ///< EIP-1559
    Blob = 3,        ///< EIP-4844 (executed in state tests; not yet accepted from the wire)
    SetCode = 4,     ///< EIP-7702 (not supported)
};

/// One EIP-2930 access list entry.
struct AccessListEntry
{
    Address address;
    std::vector<Hash256> storage_keys;
};

/// A transaction of any supported type. Fee fields are normalised: for types 0 and 1,
/// max_fee_per_gas == max_priority_fee_per_gas == gas_price.
struct Transaction
{
    TxType type = TxType::Legacy;
    std::optional<uint64_t> chain_id;  ///< absent for pre-EIP-155 legacy transactions
    uint64_t nonce = 0;
    U256 max_priority_fee_per_gas;
    U256 max_fee_per_gas;
    uint64_t gas_limit = 0;
    std::optional<Address> to;  ///< absent for contract creation
    U256 value;
    Bytes data;
    std::vector<AccessListEntry> access_list;
    U256 max_fee_per_blob_gas;                   ///< type 3 only
    std::vector<Hash256> blob_versioned_hashes;  ///< type 3 only

    /// Signature: y_parity is 0/1 (for legacy, derived from v); r and s as 256-bit integers.
    uint8_t y_parity = 0;
    U256 r;
    U256 s;

    /// Legacy gas price view (== max_fee_per_gas).
    const U256& gas_price() const noexcept { return max_fee_per_gas; }
};

}  // namespace tern
