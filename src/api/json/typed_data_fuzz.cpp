// libFuzzer harness: EIP-712 hashing of arbitrary input in both forms eth_signTypedData_v4
// (and eth_signTypedData) take their typed-data parameter in: the object (the bytes parsed as
// the dispatcher parses a request body) and a JSON string of it (the bytes as the string's
// text, parsed by the handler). Any input must give a digest or an error, never a crash, a
// hang or unbounded recursion. Run with -max_len=1000000 to reach deep nesting.
#include "api/json/typed_data.hpp"
#include "rpc/json_parse.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    // String form: the handler parses the text itself, held to the body's nesting limit.
    const nlohmann::json as_string = std::string(text);
    (void)tern::api::typed_data_param_hash(as_string);

    // Object form: what a request body nested within the limit delivers.
    const auto doc = tern::rpc::parse_client_json(text);
    if (!doc)
        return 0;
    (void)tern::api::typed_data_param_hash(*doc);
    if (doc->is_object() && doc->contains("types") && doc->contains("primaryType") &&
        (*doc)["primaryType"].is_string())
    {
        const auto& types = (*doc)["types"];
        const auto& primary = (*doc)["primaryType"].get_ref<const std::string&>();
        (void)tern::api::typed_encode_type(types, primary);
        if (doc->contains("message"))
            (void)tern::api::typed_struct_hash(types, primary, (*doc)["message"]);
    }
    return 0;
}
