#pragma once

#include "core/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tern::evm {

/// Bytes of zero padding after the code: one STOP for running off the end, plus 32 so that a
/// truncated PUSH32 at the very end reads zeros without a bounds check.
inline constexpr size_t kCodePadding = 33;

/// Result of analysing code once before execution (evmone "baseline" style): the code padded
/// with STOPs and the bitmap of valid jump destinations (JUMPDEST bytes outside PUSH data).
/// Immutable after construction, so one analysis can be shared by many executions.
class CodeAnalysis
{
public:
    /// Analyses `code` (copies it).
    explicit CodeAnalysis(BytesView code);

    /// Padded code: `size()` original bytes followed by kCodePadding zero (STOP) bytes.
    const uint8_t* padded_code() const noexcept { return padded_.data(); }

    /// The original (unpadded) code.
    BytesView code() const noexcept { return {padded_.data(), code_size_}; }

    /// Size of the original code.
    size_t size() const noexcept { return code_size_; }

    /// True if `pos` is a JUMPDEST opcode (not PUSH data) inside the code.
    bool is_jumpdest(uint64_t pos) const noexcept
    {
        return pos < code_size_ && ((jumpdests_[pos / 64] >> (pos % 64)) & 1) != 0;
    }

private:
    Bytes padded_;
    std::vector<uint64_t> jumpdests_;
    size_t code_size_ = 0;
};

}  // namespace tern::evm
