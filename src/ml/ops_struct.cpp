#include "ml/op.hpp"

namespace tern::ml {

std::span<const OpDef> structural_ops() noexcept
{
    return {};
}

}  // namespace tern::ml
