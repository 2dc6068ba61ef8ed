#include "core/keccak.hpp"

#include <cryptopp/keccak.h>

namespace tern {

Hash256 keccak256(BytesView data) noexcept
{
    CryptoPP::Keccak_256 k;
    k.Update(data.data(), data.size());
    Hash256 out;
    k.Final(out.bytes.data());
    return out;
}

}  // namespace tern
