#pragma once

#include "core/uint256.hpp"
#include "evm/host.hpp"

#include <array>
#include <cstdint>

namespace tern::evm {

/// Classifies an SSTORE by the slot's (original, current, new) values per EIP-2200 — what a
/// Host::set_storage returns. `original` is the value at the start of the transaction,
/// `current` the value before this SSTORE. Shared so every host prices storage identically.
constexpr StorageStatus classify_sstore(const U256& original,
                                        const U256& current,
                                        const U256& value) noexcept
{
    if (current == value)
        return StorageStatus::Assigned;
    if (original == current)  // clean slot
    {
        if (!original)
            return StorageStatus::Added;
        return value ? StorageStatus::Modified : StorageStatus::Deleted;
    }
    // Dirty slot.
    if (original)
    {
        if (!current)  // was deleted earlier in the transaction
            return value == original ? StorageStatus::DeletedRestored : StorageStatus::DeletedAdded;
        if (!value)
            return StorageStatus::ModifiedDeleted;
        return value == original ? StorageStatus::ModifiedRestored : StorageStatus::Assigned;
    }
    // original == 0, current != 0, value != current.
    return value ? StorageStatus::Assigned : StorageStatus::AddedDeleted;
}

/// Gas (excluding the EIP-2929 cold surcharge) and refund of one SSTORE outcome.
struct SstoreCost
{
    int16_t gas;     ///< charged gas
    int32_t refund;  ///< refund counter change (may be negative)
};

/// Cancun SSTORE prices by StorageStatus (EIP-2200 structure, EIP-2929 warm read 100,
/// EIP-3529 clear refund 4800).
inline constexpr std::array<SstoreCost, 9> kSstoreCosts = [] {
    constexpr int warm = 100;           // WARM_STORAGE_READ_COST
    constexpr int set = 20000;          // SSTORE_SET_GAS
    constexpr int reset = 5000 - 2100;  // SSTORE_RESET_GAS - COLD_SLOAD_COST
    constexpr int clear_refund = 4800;  // SSTORE_CLEARS_SCHEDULE (EIP-3529)
    std::array<SstoreCost, 9> t{};
    t[static_cast<size_t>(StorageStatus::Assigned)] = {warm, 0};
    t[static_cast<size_t>(StorageStatus::Added)] = {set, 0};
    t[static_cast<size_t>(StorageStatus::Deleted)] = {reset, clear_refund};
    t[static_cast<size_t>(StorageStatus::Modified)] = {reset, 0};
    t[static_cast<size_t>(StorageStatus::DeletedAdded)] = {warm, -clear_refund};
    t[static_cast<size_t>(StorageStatus::ModifiedDeleted)] = {warm, clear_refund};
    t[static_cast<size_t>(StorageStatus::DeletedRestored)] = {warm, reset - warm - clear_refund};
    t[static_cast<size_t>(StorageStatus::AddedDeleted)] = {warm, set - warm};
    t[static_cast<size_t>(StorageStatus::ModifiedRestored)] = {warm, reset - warm};
    return t;
}();

static_assert(kSstoreCosts[static_cast<size_t>(StorageStatus::DeletedRestored)].refund == -2000);
static_assert(kSstoreCosts[static_cast<size_t>(StorageStatus::AddedDeleted)].refund == 19900);

}  // namespace tern::evm
