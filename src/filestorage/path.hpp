#pragma once

// The path rules of SKALE's FileStorage (Utils.sol): storage paths "<owner hex>/<path>", paths
// split on "/", and the names a file or directory may have. Shared by the contract's functions,
// the HTTP file route and `tern fs`.

#include "core/bytes.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::filestorage {

/// A storage path taken apart: the owner whose namespace it names and the path inside it.
struct StoragePath
{
    Address owner;
    std::string path;
};

/// Parses "<40 hex digits of the owner, either case>/<path>" (the path may be empty); nullopt
/// for anything else ("Invalid storagePath").
[[nodiscard]] std::optional<StoragePath> parse_storage_path(std::string_view storage_path);

/// The components of `path` split on "/", the last one dropped when empty (one trailing "/"
/// names the same entry): "a/b/" -> {a, b}, "" -> {}, "/a" -> {"", a}, "a//b" -> {a, "", b}.
/// Empty components elsewhere stay, so a lookup through them fails as SKALE's does.
[[nodiscard]] std::vector<std::string_view> split_path(std::string_view path);

/// True if `name` may name a file or directory: 1 to 255 bytes, not "." or "..".
[[nodiscard]] bool valid_name(std::string_view name) noexcept;

}  // namespace tern::filestorage
