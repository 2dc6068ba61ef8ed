#pragma once

// Where the FileStorage account keeps its state (docs/filestorage.md "Storage layout"). The
// quota and role slots are those of SKALE's contract (OpenZeppelin's upgradeable layout), so a
// genesis written for SKALE sets them the same way; the file tree is Tern's own.

#include "core/bytes.hpp"
#include "core/uint256.hpp"

#include <string_view>

namespace tern::filestorage::layout {

/// keccak256("STORAGE_SPACE_SLOT"): the chain-wide capacity in bytes.
U256 storage_space_slot();
/// Slot 204: the sum of all reservations.
U256 total_reserved_slot();
/// reservedStorageSpace[owner] (mapping at slot 201).
U256 reserved_slot(const Address& owner);
/// occupiedStorageSpace[owner] (mapping at slot 202).
U256 occupied_slot(const Address& owner);

/// The owners list: every address ever given a reservation, so the files of the whole chain
/// can be walked (state sync). Its length at owners_slot(), owner i at owner_slot(i), the
/// 1-based index of an owner at owner_index_slot(owner).
U256 owners_slot();
U256 owner_slot(uint64_t i);
U256 owner_index_slot(const Address& owner);

/// First slot of the entry `path` ("a/b", no trailing "/"; "" is the owner's root directory)
/// of `owner`: keccak256("tern.fs.node" ‖ owner ‖ path). The entry's words follow it:
inline constexpr uint64_t kHeader = 0;     ///< kind | status | name length | index | size
inline constexpr uint64_t kName = 1;       ///< 8 words: the name, left-aligned
inline constexpr uint64_t kCount = 9;      ///< directory: entries; file: chunks uploaded
inline constexpr uint64_t kFileHash = 10;  ///< file: keccak of its chunk hashes (finished)
inline constexpr uint64_t kChunks = 16;    ///< file: chunk i's blob hash at kChunks + i
U256 entry_slot(const Address& owner, std::string_view path);
/// Slot of entry `i` of the directory whose entry slot is `dir`: keccak(dir ‖
/// "tern.fs.list") + i holds the entry slot of its i-th entry.
U256 list_slot(const U256& dir, uint64_t i);

}  // namespace tern::filestorage::layout
