#pragma once

// Per-frame interpreter state: stack, memory, return data. Internal to the evm module (the
// interpreter and its tests); the rest of the node talks to the EVM through vm.hpp.

#include "core/assert.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "evm/analysis.hpp"
#include "evm/deadline_check.hpp"
#include "evm/host.hpp"
#include "evm/opcodes.hpp"
#include "evm/tracer.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace tern::evm {

/// Largest memory offset/size the interpreter accepts. Anything beyond costs more gas than any
/// block can hold (the quadratic term alone is ~2^45 at 4 GiB), so it is an out-of-gas halt.
inline constexpr uint64_t kMaxMemorySize = 0xffffffffULL;

/// Number of 32-byte words needed for `size` bytes.
constexpr uint64_t num_words(uint64_t size) noexcept
{
    return (size + 31) / 32;
}

/// Yellow-paper memory cost for `words` words: 3 * words + words^2 / 512.
constexpr int64_t memory_cost(uint64_t words) noexcept
{
    return static_cast<int64_t>(3 * words + words * words / 512);
}

/// EVM memory: a byte buffer growing in whole words, zero-filled on growth. The allocation is
/// kept between frames (the Vm reuses states per call depth), only the size resets.
class Memory
{
public:
    Memory() = default;
    Memory(const Memory&) = delete;
    Memory& operator=(const Memory&) = delete;
    ~Memory() { std::free(data_); }

    /// Current size in bytes (always a multiple of 32).
    size_t size() const noexcept { return size_; }

    /// Pointer to byte `i` (i <= size()).
    uint8_t* data() noexcept { return data_; }
    const uint8_t* data() const noexcept { return data_; }
    uint8_t& operator[](size_t i) noexcept { return data_[i]; }

    /// Grows to `new_size` bytes (a multiple of 32, larger than size()), zero-filling.
    void grow(size_t new_size) noexcept
    {
        if (new_size > capacity_)
        {
            size_t cap = capacity_ == 0 ? kInitialCapacity : capacity_;
            while (cap < new_size)
                cap *= 2;
            auto* p = static_cast<uint8_t*>(std::realloc(data_, cap));
            TERN_ASSERT(p != nullptr);
            data_ = p;
            capacity_ = cap;
        }
        std::memset(data_ + size_, 0, new_size - size_);
        size_ = new_size;
    }

    /// Empties the memory for a new frame (keeps the allocation).
    void clear() noexcept { size_ = 0; }

    /// Bytes allocated.
    size_t capacity() const noexcept { return capacity_; }

    /// Empties the memory and frees the allocation.
    void release() noexcept
    {
        std::free(data_);
        data_ = nullptr;
        size_ = 0;
        capacity_ = 0;
    }

private:
    static constexpr size_t kInitialCapacity = 4 * 1024;
    uint8_t* data_ = nullptr;
    size_t size_ = 0;
    size_t capacity_ = 0;
};

/// Handle on the top of the stack, passed by value to instruction implementations. Pops and
/// pushes move the local copy only; the interpreter applies the height change from the opcode
/// traits afterwards, so implementations must pop/push exactly STACK_IN/STACK_OUT items.
class StackTop
{
public:
    /// Wraps a pointer to the current top item.
    explicit StackTop(U256* top) noexcept : top_(top) {}

    /// Item `i` below the top (0 = top).
    U256& operator[](int i) noexcept { return top_[-i]; }

    /// The top item.
    U256& top() noexcept { return *top_; }

    /// Removes and returns the top item (the reference stays valid until the next push).
    U256& pop() noexcept { return *top_--; }

    /// Pushes a new item.
    void push(const U256& v) noexcept { *++top_ = v; }

    /// Pushes an unwritten item and returns it; the caller must write all four limbs.
    U256& push_slot() noexcept { return *++top_; }

private:
    U256* top_;
};

/// Everything one message execution (call frame) needs besides its local stack pointer, pc and
/// gas counter, which the interpreter loop keeps in registers.
struct ExecutionState
{
    /// Stack storage: slot 0 is a sentinel (the empty stack's "top"), items live in 1..1024.
    alignas(32) U256 stack_space[kStackLimit + 1];

    /// Frame memory.
    Memory memory;

    /// Output of the last sub-call/creation (RETURNDATASIZE/RETURNDATACOPY).
    Bytes return_data;

    /// The message being executed.
    const Message* msg = nullptr;

    /// The host (world state access).
    Host* host = nullptr;

    /// The analysed code being executed.
    const CodeAnalysis* analysis = nullptr;

    /// Refund counter of this frame (may go negative; EIP-3529 rules).
    int64_t gas_refund = 0;

    /// Status set by halting instructions.
    Status status = Status::Success;

    /// RETURN/REVERT output region in memory.
    size_t output_offset = 0;
    size_t output_size = 0;

    /// True while a frame uses this state (guards against accidental reuse).
    bool in_use = false;

    /// The Vm's tracer while this frame runs traced, else nullptr (set by the Vm per frame).
    Tracer* tracer = nullptr;

    /// Block/tx context, fetched from the host on first use.
    const TxContext& tx_context() noexcept
    {
        if (tx_context_ == nullptr) [[unlikely]]
            tx_context_ = &host->get_tx_context();
        return *tx_context_;
    }

    /// Prepares the state for a new frame.
    void reset(Host& h, const Message& m, const CodeAnalysis& a) noexcept
    {
        memory.clear();
        return_data.clear();
        msg = &m;
        host = &h;
        analysis = &a;
        gas_refund = 0;
        status = Status::Success;
        output_offset = 0;
        output_size = 0;
        tx_context_ = nullptr;
    }

    /// Pointer to the sentinel below the first stack item.
    U256* stack_bottom() noexcept { return stack_space; }

private:
    const TxContext* tx_context_ = nullptr;

public:
    // Last, so the fields the plain loop uses keep their offsets.

    /// The Vm's deadline check while the execution has a deadline, else nullptr (set by the Vm
    /// per frame).
    DeadlineCheck* deadline = nullptr;
};

}  // namespace tern::evm
