// Einsum (placeholder table until the kernel lands).

#include "ml/op.hpp"

namespace tern::ml {

std::span<const OpDef> einsum_ops() noexcept
{
    return {};
}

}  // namespace tern::ml
