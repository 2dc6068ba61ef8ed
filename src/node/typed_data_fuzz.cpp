// libFuzzer harness: EIP-712 hashing of arbitrary JSON (what eth_signTypedData_v4 receives).
// Any input must give a digest or an error, never a crash, a hang or unbounded recursion.
#include "node/typed_data.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const auto doc = nlohmann::json::parse(data, data + size, nullptr, false);
    if (doc.is_discarded())
        return 0;
    (void)tern::node::typed_data_hash(doc);
    if (doc.is_object() && doc.contains("types") && doc.contains("primaryType") &&
        doc["primaryType"].is_string())
    {
        (void)tern::node::typed_encode_type(doc["types"], doc["primaryType"].get<std::string>());
        if (doc.contains("message"))
            (void)tern::node::typed_struct_hash(doc["types"], doc["primaryType"].get<std::string>(),
                                                doc["message"]);
    }
    return 0;
}
