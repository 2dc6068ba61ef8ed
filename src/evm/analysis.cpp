#include "evm/analysis.hpp"

#include "evm/opcodes.hpp"

namespace tern::evm {

CodeAnalysis::CodeAnalysis(BytesView code)
    : padded_(code.size() + kCodePadding, 0),
      jumpdests_((code.size() + 63) / 64, 0),
      code_size_(code.size())
{
    std::copy(code.begin(), code.end(), padded_.begin());
    constexpr auto push1 = static_cast<uint8_t>(Op::PUSH1);
    constexpr auto push32 = static_cast<uint8_t>(Op::PUSH32);
    constexpr auto jumpdest = static_cast<uint8_t>(Op::JUMPDEST);
    for (size_t i = 0; i < code_size_; ++i)
    {
        const uint8_t op = padded_[i];
        if (op == jumpdest)
            jumpdests_[i / 64] |= uint64_t{1} << (i % 64);
        else if (op >= push1 && op <= push32)
            i += static_cast<size_t>(op - push1 + 1);  // skip the immediate bytes
    }
}

}  // namespace tern::evm
