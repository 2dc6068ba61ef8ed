#pragma once

// Addresses and limits of the FileStorage feature: SKALE's (filestorage 1.0.1-beta.0), so
// filestorage.js and tools written for SKALE chains find and size files the same way.

#include "core/address_literal.hpp"
#include "core/bytes.hpp"
#include "predeployed/access_control.hpp"

#include <cstdint>

namespace tern::filestorage {

/// The FileStorage contract filestorage.js calls (SKALE's proxy address).
inline constexpr Address kFileStorageAddress =
    address_literal("0xD3002000000000000000000000000000000000d3");
/// SKALE's implementation address behind the proxy (EIP-1967 implementation slot).
inline constexpr Address kImplementationAddress =
    address_literal("0xD3003000000000000000000000000000000000D3");
/// SKALE's ProxyAdmin address (EIP-1967 admin slot), owned by the chain owner.
inline constexpr Address kProxyAdminAddress =
    address_literal("0xD3001000000000000000000000000000000000D3");

/// keccak256("ALLOCATOR_ROLE"): may reserve space for users.
inline Hash256 allocator_role()
{
    return predeployed::role_id("ALLOCATOR_ROLE");
}

/// SKALE's block gas limit (0xFFFFFFF), the default of chains with file storage (`tern dev`,
/// `tern chain init`): filestorage.js sends uploadChunk with 160 M gas.
inline constexpr uint64_t kBlockGasLimit = 0xFFFFFFF;

inline constexpr uint64_t kMegabyte = uint64_t{1} << 20;
/// Largest chunk; chunks start at multiples of it (MAX_CHUNK_SIZE).
inline constexpr uint64_t kChunkSize = kMegabyte;
/// Largest file (MAX_FILESIZE).
inline constexpr uint64_t kMaxFileSize = 100 * kMegabyte;
/// Most chunks of one file.
inline constexpr uint64_t kMaxChunks = kMaxFileSize / kChunkSize;
/// Most entries of one directory (MAX_CONTENT_COUNT).
inline constexpr uint64_t kMaxContentCount = uint64_t{1} << 13;
/// Longest file or directory name in bytes.
inline constexpr uint64_t kMaxNameLength = 255;
/// Space is charged in blocks of this many bytes; an empty file and a directory take one.
inline constexpr uint64_t kFsBlockSize = 4096;
/// Words readChunk returns (bytes32[MAX_BLOCK_COUNT]: always 1 MiB).
inline constexpr uint64_t kMaxBlockCount = uint64_t{1} << 15;

}  // namespace tern::filestorage
