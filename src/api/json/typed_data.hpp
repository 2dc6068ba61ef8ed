#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rpc/json_parse.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace tern::api {

/// Why typed data could not be hashed.
struct TypedDataError
{
    std::string message;
};

/// EIP-712 digest of typed data as eth_signTypedData_v4 takes it (`types`, `primaryType`,
/// `domain`, `message`): keccak256(0x1901 ++ hashStruct(EIP712Domain, domain) ++
/// hashStruct(primaryType, message)). When `types` lacks EIP712Domain it is derived from the
/// domain's fields (name, version, chainId, verifyingContract, salt). Values may be JSON
/// numbers, decimal or 0x-hex strings. Returns a message describing the first problem found.
Result<Hash256, TypedDataError> typed_data_hash(const nlohmann::json& typed_data);

/// typed_data_hash() of eth_signTypedData's typed-data parameter, which clients send as an
/// object or as a JSON string of one (MetaMask's form): a string is parsed with
/// rpc::parse_client_json and `max_depth`, the limit the request body was held to, so the
/// string form cannot nest deeper than the object form. Hashing bounds its recursion (64
/// struct/array levels), the types one encodeType pulls in (1024) and its total work.
Result<Hash256, TypedDataError> typed_data_param_hash(const nlohmann::json& param,
                                                      size_t max_depth = rpc::kMaxJsonDepth);

/// hashStruct(type, value) of one struct (exposed for tests).
Result<Hash256, TypedDataError> typed_struct_hash(const nlohmann::json& types,
                                                  const std::string& type,
                                                  const nlohmann::json& value);

/// The EIP-712 encodeType string of `type` with its dependencies (exposed for tests).
Result<std::string, TypedDataError> typed_encode_type(const nlohmann::json& types,
                                                      const std::string& type);

}  // namespace tern::api
