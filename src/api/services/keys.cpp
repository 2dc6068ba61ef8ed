#include "api/services/keys.hpp"

#include "core/keccak.hpp"
#include "crypto/secp256k1.hpp"

#include <string>

namespace tern::api {

std::optional<Bytes> sign_hash_65(const Hash256& hash, const Hash256& key)
{
    const auto sig = crypto::sign(hash, key);
    if (!sig)
        return std::nullopt;
    Bytes out(sig->r.bytes.begin(), sig->r.bytes.end());
    out.insert(out.end(), sig->s.bytes.begin(), sig->s.bytes.end());
    out.push_back(static_cast<uint8_t>(27 + sig->recovery_id));
    return out;
}

Hash256 personal_message_hash(BytesView message)
{
    const std::string prefix =
        "\x19"
        "Ethereum Signed Message:\n" +
        std::to_string(message.size());
    Bytes buf(prefix.begin(), prefix.end());
    buf.insert(buf.end(), message.begin(), message.end());
    return keccak256(buf);
}

}  // namespace tern::api
