#include "api/services/tracers.hpp"

#include "api/services/call.hpp"
#include "core/abi.hpp"
#include "core/hex.hpp"
#include "evm/opcodes.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <stdexcept>

namespace tern::api {
namespace {

using nlohmann::json;

constexpr uint8_t kOpCreate = 0xf0;
constexpr uint8_t kOpCall = 0xf1;
constexpr uint8_t kOpCallCode = 0xf2;
constexpr uint8_t kOpDelegateCall = 0xf4;
constexpr uint8_t kOpCreate2 = 0xf5;
constexpr uint8_t kOpStaticCall = 0xfa;
constexpr uint8_t kOpSload = 0x54;
constexpr uint8_t kOpSstore = 0x55;

/// geth's OpCode.String(): the mnemonic, or "opcode 0x.. not defined".
std::string op_name(uint8_t op)
{
    const auto& tr = evm::kOpcodeTraits[op];
    if (tr.defined)
        return std::string(tr.name);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "opcode %#x not defined", static_cast<unsigned>(op));
    return buf;
}

/// "0x"-prefixed minimal hex of a 64-bit quantity.
std::string qty(uint64_t v)
{
    return U256{v}.to_hex();
}

/// 64 hex digits without a prefix (geth's %x of a 32-byte word).
std::string word_hex(const U256& v)
{
    return to_hex(v.to_hash().view(), false);
}

bool is_create(const evm::Message& msg) noexcept
{
    return msg.kind == evm::CallKind::Create || msg.kind == evm::CallKind::Create2;
}

template <class T>
void grow_to(std::vector<T>& v, size_t index)
{
    if (v.size() <= index)
        v.resize(index + 1);
}

// ---- what a struct log costs in memory ------------------------------------------------------
// result() builds a nlohmann::json tree of every step, which the dispatcher then writes out as
// text (a string grown by doubling: up to twice the text) and copies into the response: the
// peak is the tree plus up to three times the text, several times the text alone (a small
// step's tree is ~10x its text). The guard counts that, as glibc's malloc allocates it, so the
// memory a trace holds stays within StructLoggerConfig::max_bytes (the tracers' tests measure
// it).

/// Bytes malloc takes for a request of `n` bytes (glibc, 64-bit: n + 8 rounded up to 16, at
/// least 32).
constexpr uint64_t heap(uint64_t n) noexcept
{
    return n + 8 <= 32 ? 32 : (n + 8 + 15) / 16 * 16;
}

/// A json string of `len` characters: the heap std::string, and its buffer past the 15 the
/// object holds itself.
constexpr uint64_t json_string(uint64_t len) noexcept
{
    return heap(32) + (len > 15 ? heap(len + 1) : 0);
}

/// A json array of `n` elements (the elements' own heap not included): the heap std::vector and
/// its buffer, grown by push_back to a power of two.
constexpr uint64_t json_array(uint64_t n) noexcept
{
    return heap(24) + (n == 0 ? 0 : heap(16 * std::bit_ceil(n)));
}

/// A json object of `n` members (values' own heap and long keys not included): the heap
/// std::map and one tree node per member.
constexpr uint64_t json_object(uint64_t n) noexcept
{
    return heap(48) + n * heap(32 + 32 + 16);
}

/// "trace too large: the <what> would take more than 256 MiB of memory".
std::string too_large_message(uint64_t cap, const char* what)
{
    const std::string amount =
        cap % (1 << 20) == 0 ? std::to_string(cap >> 20) + " MiB" : std::to_string(cap) + " bytes";
    return std::string("trace too large: the ") + what + " would take more than " + amount +
           " of memory";
}

/// "trace too large: traces running at once would hold more than 512 MiB of memory".
std::string shared_too_large_message(const rpc::ByteBudget& budget)
{
    const uint64_t cap = budget.limit();
    const std::string amount =
        cap % (1 << 20) == 0 ? std::to_string(cap >> 20) + " MiB" : std::to_string(cap) + " bytes";
    return "trace too large: the traces running at once would hold more than " + amount +
           " of memory (retry later)";
}

/// Decimal digits of `v`.
uint64_t digits(uint64_t v) noexcept
{
    uint64_t n = 1;
    while (v >= 10)
    {
        v /= 10;
        ++n;
    }
    return n;
}

/// Characters of geth's minimal "0x" hex of `v` (U256::to_hex).
uint64_t hex_chars(const U256& v) noexcept
{
    const unsigned bits = v.bit_width();
    return 2 + (bits == 0 ? 1 : (bits + 3) / 4);
}

}  // namespace

std::string trace_error_message(evm::Status status,
                                uint8_t opcode,
                                size_t stack_size,
                                bool code_store)
{
    const auto& tr = evm::kOpcodeTraits[opcode];
    switch (status)
    {
        case evm::Status::OutOfGas:
            return code_store ? "contract creation code storage out of gas" : "out of gas";
        case evm::Status::UndefinedInstruction:
            return "invalid opcode: " + op_name(opcode);
        case evm::Status::StackOverflow:
            return "stack limit reached " + std::to_string(stack_size) + " (" +
                   std::to_string(evm::kStackLimit + tr.stack_in - tr.stack_out) + ")";
        case evm::Status::StackUnderflow:
            return "stack underflow (" + std::to_string(stack_size) + " <=> " +
                   std::to_string(tr.stack_in) + ")";
        case evm::Status::ArgumentOutOfRange:
            return "nonce uint64 overflow";  // geth's tracers see the creation-nonce case
        default:
            return status_message(status);  // the same texts as eth_call (api/services/call.cpp)
    }
}

// ---- StructLogger -------------------------------------------------------------------------

struct StructLogger::Impl
{
    /// One recorded step.
    struct Entry
    {
        uint64_t pc = 0;
        int64_t gas = 0;
        int64_t cost = 0;
        int64_t refund = 0;
        int32_t depth = 0;  ///< geth's depth (1 = the transaction's frame)
        uint8_t op = 0;
        std::string error;
        std::vector<U256> stack;
        Bytes memory;
        Bytes return_data;
        std::shared_ptr<const std::map<U256, U256>> storage;
    };

    /// The step in progress of one call depth.
    struct Frame
    {
        bool pending = false;  ///< a step was seen whose cost is not known yet
        int64_t entry = -1;    ///< its entry, or -1 if not recorded (limit)
        int64_t gas = 0;       ///< gas before it
        int64_t adjust = 0;    ///< sub-call gas to add to the gas difference (geth's cost)
        uint8_t op = 0;
        size_t stack_size = 0;
        int64_t refund = 0;  ///< the frame's refund counter at its last step
    };

    StructLoggerConfig config;
    std::vector<Entry> entries;
    std::vector<Frame> frames;  ///< by message depth
    int32_t depth = 0;          ///< message depth of the last step
    std::map<Address, std::map<U256, U256>> storage;
    bool done = false;
    evm::Status status = evm::Status::Success;
    Bytes output;
    bool broken = false;        ///< recording failed (out of memory)
    uint64_t bytes = 0;         ///< memory the recorded steps will hold at the peak (held_bytes)
    bool too_large = false;     ///< stopped recording at config.max_bytes
    rpc::BudgetHold hold;       ///< `bytes`, drawn from config.shared
    bool shared_spent = false;  ///< stopped recording: config.shared had no room

    /// Sets the cost of `f`'s pending step from the gas left after it.
    void finish(Frame& f, int64_t gas_after)
    {
        if (!f.pending)
            return;
        f.pending = false;
        if (f.entry >= 0)
            entries[static_cast<size_t>(f.entry)].cost =
                std::max<int64_t>(0, f.gas - gas_after + f.adjust);
    }

    void step(const evm::StepContext& s)
    {
        const auto d = static_cast<size_t>(s.msg->depth);
        grow_to(frames, d);
        Frame& f = frames[d];
        finish(f, s.gas);
        depth = s.msg->depth;
        f.refund = s.refund;
        f.pending = true;
        f.entry = -1;
        f.gas = s.gas;
        f.adjust = 0;
        f.op = s.opcode;
        f.stack_size = s.stack.size();
        if ((config.limit != 0 && entries.size() >= config.limit) || too_large)
            return;

        Entry e;
        e.pc = s.pc;
        e.gas = s.gas;
        e.depth = s.msg->depth + 1;
        e.op = s.opcode;
        // geth reports the transaction-wide refund counter: the frames below ours have
        // their counters as of their current (call) instruction.
        e.refund = s.refund;
        for (size_t k = 0; k < d; ++k)
            e.refund += frames[k].refund;
        if (!config.disable_stack)
            e.stack.assign(s.stack.begin(), s.stack.end());
        if (config.enable_memory)
            e.memory.assign(s.memory.begin(), s.memory.end());
        if (config.enable_return_data)
            e.return_data.assign(s.return_data.begin(), s.return_data.end());
        if (!config.disable_storage && (s.opcode == kOpSload || s.opcode == kOpSstore))
        {
            const size_t n = s.stack.size();
            auto& slots = storage[s.msg->recipient];
            if (s.opcode == kOpSload && n >= 1)
            {
                const U256& key = s.stack[n - 1];
                slots[key] = s.host->get_storage(s.msg->recipient, key);
                e.storage = std::make_shared<const std::map<U256, U256>>(slots);
            }
            else if (s.opcode == kOpSstore && n >= 2)
            {
                slots[s.stack[n - 1]] = s.stack[n - 2];
                e.storage = std::make_shared<const std::map<U256, U256>>(slots);
            }
        }
        const uint64_t cost = held_bytes(e);
        if (config.max_bytes != 0 && (bytes + cost > config.max_bytes))
        {
            too_large = true;
            return;
        }
        if (config.shared && !hold.try_add(cost))
        {
            too_large = shared_spent = true;
            return;
        }
        bytes += cost;
        f.entry = static_cast<int64_t>(entries.size());
        entries.push_back(std::move(e));
    }

    /// Memory step `e` will hold at the peak: its json tree (including its slot in the
    /// structLogs array, doubled by push_back), three times its JSON text (the dispatcher's
    /// text, grown by doubling, and the response) and its Entry (the entries' heap data is
    /// freed as their json is built, and is smaller than it). gasCost is counted with the
    /// digits of gas; an error is added when frame_end() sets one.
    uint64_t held_bytes(const Entry& e) const noexcept
    {
        uint64_t members = 5;  // pc, op, gas, gasCost, depth
        const uint64_t gas_digits = digits(static_cast<uint64_t>(std::max<int64_t>(e.gas, 0)));
        uint64_t text = 2 + 5 + 2 + digits(e.pc) + 5 + 2 + op_name(e.op).size() + 6 + gas_digits +
                        10 + gas_digits + 8 + digits(static_cast<uint64_t>(e.depth));
        uint64_t tree = 32 + json_string(op_name(e.op).size());
        if (!config.disable_stack)
        {
            ++members;
            tree += json_array(e.stack.size());
            text += 10 + e.stack.size();
            for (const auto& v : e.stack)
            {
                const uint64_t n = hex_chars(v);
                tree += json_string(n);
                text += n + 2;
            }
        }
        if (!e.return_data.empty())
        {
            ++members;
            tree += heap(80) + json_string(2 + 2 * e.return_data.size());  // long key
            text += 15 + 2 * e.return_data.size() + 2;
        }
        if (!e.memory.empty())
        {
            ++members;
            const uint64_t words = (e.memory.size() + 31) / 32;
            tree += json_array(words) + words * json_string(64);
            text += 11 + words * 67;
        }
        if (e.storage && !e.storage->empty())
        {
            ++members;
            const uint64_t slots = e.storage->size();
            tree += json_object(slots) + slots * (heap(65) + json_string(64));  // 64-char keys
            text += 12 + slots * 134;
        }
        if (e.refund > 0)
        {
            ++members;
            text += 10 + digits(static_cast<uint64_t>(e.refund));
        }
        tree += json_object(members);
        return sizeof(Entry) + tree + 3 * text;
    }

    void frame_end(evm::Status st, int64_t gas_left)
    {
        if (static_cast<size_t>(depth) >= frames.size())
            return;
        Frame& f = frames[static_cast<size_t>(depth)];
        if (!f.pending)
            return;
        const bool pre_exec = st == evm::Status::StackUnderflow ||
                              st == evm::Status::StackOverflow || st == evm::Status::OutOfGas;
        const int64_t entry = f.entry;
        if (st == evm::Status::StackUnderflow || st == evm::Status::StackOverflow)
        {
            // geth reports the constant gas of an instruction that failed its stack check.
            f.pending = false;
            if (entry >= 0)
                entries[static_cast<size_t>(entry)].cost = evm::kOpcodeTraits[f.op].base_gas;
        }
        else
            finish(f, gas_left);
        // geth attaches an error to the step only when it fails before executing (stack
        // checks, gas); failures while executing (REVERT, bad jump, ...) end the frame only.
        if (pre_exec && entry >= 0)
        {
            auto& error = entries[static_cast<size_t>(entry)].error;
            error = trace_error_message(st, f.op, f.stack_size);
            bytes += heap(80) + json_string(error.size()) + 3 * (10 + error.size());
        }
    }

    json entry_json(const Entry& e) const
    {
        json j = json::object();
        j["pc"] = e.pc;
        j["op"] = op_name(e.op);
        j["gas"] = e.gas;
        j["gasCost"] = e.cost;
        j["depth"] = e.depth;
        if (!e.error.empty())
            j["error"] = e.error;
        if (!config.disable_stack)
        {
            json stack = json::array();
            for (const auto& v : e.stack)
                stack.push_back(v.to_hex());
            j["stack"] = std::move(stack);
        }
        if (!e.return_data.empty())
            j["returnData"] = to_hex(e.return_data);
        if (!e.memory.empty())
        {
            json mem = json::array();
            for (size_t i = 0; i < e.memory.size(); i += 32)
                mem.push_back(to_hex(
                    BytesView{e.memory}.subspan(i, std::min<size_t>(32, e.memory.size() - i)),
                    false));
            j["memory"] = std::move(mem);
        }
        if (e.storage && !e.storage->empty())
        {
            json st = json::object();
            for (const auto& [k, v] : *e.storage)
                st[word_hex(k)] = word_hex(v);
            j["storage"] = std::move(st);
        }
        if (e.refund > 0)
            j["refund"] = e.refund;
        return j;
    }
};

StructLogger::StructLogger(StructLoggerConfig config) : impl_(std::make_unique<Impl>())
{
    impl_->config = config;
    if (config.shared)
        impl_->hold = rpc::BudgetHold(*config.shared);
}

StructLogger::~StructLogger() = default;

void StructLogger::on_step(const evm::StepContext& step) noexcept
{
    if (impl_->broken)
        return;
    try
    {
        impl_->step(step);
    }
    catch (...)
    {
        impl_->broken = true;
    }
}

void StructLogger::on_frame_end(evm::Status status, int64_t gas_left) noexcept
{
    if (!impl_->broken)
        impl_->frame_end(status, gas_left);
}

void StructLogger::on_call_enter(const evm::Message& msg) noexcept
{
    if (impl_->broken)
        return;
    try
    {
        const auto d = static_cast<size_t>(msg.depth);
        grow_to(impl_->frames, d);
        impl_->frames[d] = Impl::Frame{};
        if (d > 0 && is_create(msg))
            impl_->frames[d - 1].adjust -= msg.gas;  // geth's CREATE cost excludes the gas given
    }
    catch (...)
    {
        impl_->broken = true;
    }
}

void StructLogger::on_call_exit(const evm::Message& msg,
                                const evm::ExecResult& result,
                                BytesView output) noexcept
{
    if (impl_->broken)
        return;
    try
    {
        if (msg.depth > 0)
        {
            // geth's CALL cost includes the gas given to the callee; what it returns is refunded
            // after the step.
            const auto parent = static_cast<size_t>(msg.depth - 1);
            if (parent < impl_->frames.size())
                impl_->frames[parent].adjust += result.gas_left;
            impl_->depth = msg.depth - 1;
            return;
        }
        impl_->done = true;
        impl_->status = result.status;
        impl_->output.assign(output.begin(), output.end());
    }
    catch (...)
    {
        impl_->broken = true;
    }
}

json StructLogger::result(uint64_t gas_used)
{
    if (impl_->broken)
        throw std::runtime_error("tracing failed: out of memory");
    if (impl_->shared_spent)
        throw std::runtime_error(shared_too_large_message(*impl_->config.shared));
    if (impl_->too_large)
        throw std::runtime_error(too_large_message(impl_->config.max_bytes, "struct logs") +
                                 " (use limit, disableStack, disableStorage or no enableMemory, "
                                 "or callTracer)");
    const bool failed = impl_->status != evm::Status::Success;
    const bool has_output = !failed || impl_->status == evm::Status::Revert;
    // Each recorded step's heap data is freed as its json is built, so the entries and the tree
    // do not add up (result() is called once).
    json logs = json::array();
    for (auto& e : impl_->entries)
    {
        logs.push_back(impl_->entry_json(e));
        e = Impl::Entry{};
    }
    json j = json::object();
    j["gas"] = gas_used;
    j["failed"] = failed;
    j["returnValue"] = has_output ? to_hex(impl_->output) : std::string("0x");
    j["structLogs"] = std::move(logs);
    return j;
}

size_t StructLogger::size() const noexcept
{
    return impl_->entries.size();
}

uint64_t StructLogger::held_bytes() const noexcept
{
    return impl_->bytes;
}

// ---- CallTracer ---------------------------------------------------------------------------

struct CallTracer::Impl
{
    struct Log
    {
        Address address;
        std::vector<Hash256> topics;
        Bytes data;
        size_t position = 0;  ///< sub-calls of the frame before the log
        uint64_t seq = 0;     ///< emission order in the transaction
        uint64_t index = 0;   ///< index in the block (set by result())
    };

    struct Frame
    {
        std::string type;
        Address from;
        std::optional<Address> to;
        std::optional<U256> value;
        uint64_t gas = 0;
        uint64_t gas_used = 0;
        Bytes input;
        Bytes output;
        std::string error;
        std::string revert_reason;
        std::vector<Frame> calls;
        std::vector<Log> logs;
    };

    /// What the interpreter last did at one depth.
    struct DepthInfo
    {
        uint8_t op = 0;
        size_t stack_size = 0;
        bool ended = false;  ///< the interpreter finished the frame
        evm::Status end_status = evm::Status::Success;
    };

    CallTracerConfig config;
    std::vector<Frame> open;  ///< frames being executed, the transaction's first
    uint64_t log_seq = 0;
    std::optional<Frame> top;
    std::vector<DepthInfo> depths;
    int32_t depth = 0;  ///< depth of the frame running now
    bool broken = false;
    uint64_t bytes = 0;         ///< memory the recorded tree will hold at the peak (held_bytes)
    bool too_large = false;     ///< stopped recording at config.max_bytes
    rpc::BudgetHold hold;       ///< `bytes`, drawn from config.shared
    bool shared_spent = false;  ///< stopped recording: config.shared had no room

    /// Counts `n` more bytes held; false (recording stops) once that would pass the limit.
    bool charge(uint64_t n) noexcept
    {
        if (too_large)
            return false;
        if (config.max_bytes != 0 && bytes + n > config.max_bytes)
        {
            too_large = true;
            return false;
        }
        if (config.shared && !hold.try_add(n))
        {
            too_large = shared_spent = true;
            return false;
        }
        bytes += n;
        return true;
    }

    /// Memory one frame with `input` bytes holds at the peak: its Frame (twice: the parent's
    /// vector of calls grows by doubling), its input, its json object (up to 13 members, hex
    /// strings) and three times its text (the dispatcher's dump and the response).
    static uint64_t frame_bytes(uint64_t input) noexcept
    {
        return 2 * sizeof(Frame) + heap(input) + json_object(13) + 6 * json_string(66) +
               json_string(2 + 2 * input) + 32 + 3 * (300 + 2 * input);
    }

    /// The same for `n` bytes of output (or revert data).
    static uint64_t output_bytes(uint64_t n) noexcept
    {
        return heap(n) + json_string(2 + 2 * n) + 3 * (12 + 2 * n);
    }

    /// The same for a log with `data` bytes and `topics` topics.
    static uint64_t log_bytes(uint64_t data, uint64_t topics) noexcept
    {
        return 2 * sizeof(Log) + heap(data) + heap(32 * topics) + json_object(5) +
               json_array(topics) + (topics + 3) * json_string(66) + json_string(2 + 2 * data) +
               3 * (120 + 2 * data + 69 * topics);
    }

    /// geth's call type from the instruction that made the message.
    static std::string call_type(const evm::Message& msg, uint8_t parent_op)
    {
        if (msg.depth == 0)
            return is_create(msg) ? "CREATE" : "CALL";
        switch (parent_op)
        {
            case kOpCall:
                return "CALL";
            case kOpCallCode:
                return "CALLCODE";
            case kOpDelegateCall:
                return "DELEGATECALL";
            case kOpStaticCall:
                return "STATICCALL";
            case kOpCreate:
                return "CREATE";
            case kOpCreate2:
                return "CREATE2";
            default:
                break;
        }
        switch (msg.kind)
        {
            case evm::CallKind::Call:
                return msg.is_static ? "STATICCALL" : "CALL";
            case evm::CallKind::DelegateCall:
                return "DELEGATECALL";
            case evm::CallKind::CallCode:
                return "CALLCODE";
            case evm::CallKind::Create:
                return "CREATE";
            case evm::CallKind::Create2:
                return "CREATE2";
        }
        return "CALL";
    }

    void enter(const evm::Message& msg)
    {
        const auto d = static_cast<size_t>(msg.depth);
        grow_to(depths, d);
        const uint8_t parent_op = d > 0 ? depths[d - 1].op : 0;
        depths[d] = DepthInfo{};
        depth = msg.depth;
        // The whole tree is built even for onlyTopCall: sub-call failures decide which logs
        // take effect and so the block log indices.
        Frame f;
        f.type = call_type(msg, parent_op);
        f.gas = static_cast<uint64_t>(msg.gas);
        if (charge(frame_bytes(msg.input.size())))  // past the limit: only the nesting is kept
            f.input.assign(msg.input.begin(), msg.input.end());
        if (f.type == "DELEGATECALL")
            f.from = msg.recipient;  // the contract whose code delegates
        else
            f.from = msg.sender;
        if (!is_create(msg))
            f.to = msg.code_address;
        if (f.type != "STATICCALL")
            f.value = msg.value;  // DELEGATECALL: the value it inherits
        open.push_back(std::move(f));
    }

    void exit(const evm::Message& msg, const evm::ExecResult& r, BytesView output)
    {
        const auto d = static_cast<size_t>(msg.depth);
        depth = msg.depth > 0 ? msg.depth - 1 : 0;
        if (open.empty())
            return;
        Frame f = std::move(open.back());
        open.pop_back();
        if (too_large || !charge(output_bytes(output.size())))
            return;  // the trace fails anyway: keep nothing more
        f.gas_used = static_cast<uint64_t>(msg.gas - r.gas_left);
        if (r.status == evm::Status::Success)
        {
            f.output.assign(output.begin(), output.end());
            if (is_create(msg))
                f.to = r.create_address;
        }
        else
        {
            const DepthInfo info = d < depths.size() ? depths[d] : DepthInfo{};
            const bool code_store = is_create(msg) && r.status == evm::Status::OutOfGas &&
                                    info.ended && info.end_status == evm::Status::Success;
            f.error = trace_error_message(r.status, info.op, info.stack_size, code_store);
            if (is_create(msg))
                f.to.reset();
            if (r.status == evm::Status::Revert && !output.empty())
            {
                f.output.assign(output.begin(), output.end());
                if (auto reason = abi::unpack_revert(output))
                    f.revert_reason = std::move(*reason);
            }
        }
        if (d == 0)
            top = std::move(f);
        else if (!open.empty())
            open.back().calls.push_back(std::move(f));
    }

    /// geth's clearFailedLogs: failed frames (and everything under them) keep no logs.
    static void clear_failed_logs(Frame& f, bool parent_failed)
    {
        const bool failed = parent_failed || !f.error.empty();
        if (failed)
            f.logs.clear();
        for (auto& c : f.calls)
            clear_failed_logs(c, failed);
    }

    static void collect_logs(Frame& f, std::vector<Log*>& out)
    {
        for (auto& l : f.logs)
            out.push_back(&l);
        for (auto& c : f.calls)
            collect_logs(c, out);
    }

    /// Numbers the logs that took effect as the receipt does: `first` for the transaction's
    /// first log, in emission order (a log of a reverted frame never takes an index).
    static void number_logs(Frame& top, uint64_t first)
    {
        std::vector<Log*> logs;
        collect_logs(top, logs);
        std::sort(logs.begin(), logs.end(),
                  [](const Log* a, const Log* b) { return a->seq < b->seq; });
        for (size_t i = 0; i < logs.size(); ++i)
            logs[i]->index = first + i;
    }

    static json to_json(const Frame& f)
    {
        json j = json::object();
        j["type"] = f.type;
        j["from"] = to_hex(f.from.view());
        j["gas"] = qty(f.gas);
        j["gasUsed"] = qty(f.gas_used);
        if (f.to)
            j["to"] = to_hex(f.to->view());
        j["input"] = to_hex(f.input);
        if (!f.output.empty())
            j["output"] = to_hex(f.output);
        if (!f.error.empty())
            j["error"] = f.error;
        if (!f.revert_reason.empty())
            j["revertReason"] = f.revert_reason;
        if (!f.calls.empty())
        {
            json calls = json::array();
            for (const auto& c : f.calls)
                calls.push_back(to_json(c));
            j["calls"] = std::move(calls);
        }
        if (!f.logs.empty())
        {
            json logs = json::array();
            for (const auto& l : f.logs)
            {
                json topics = json::array();
                for (const auto& t : l.topics)
                    topics.push_back(to_hex(t.view()));
                logs.push_back({{"address", to_hex(l.address.view())},
                                {"topics", std::move(topics)},
                                {"data", to_hex(l.data)},
                                {"position", qty(l.position)},
                                {"index", qty(l.index)}});
            }
            j["logs"] = std::move(logs);
        }
        if (f.value)
            j["value"] = f.value->to_hex();
        return j;
    }
};

CallTracer::CallTracer(CallTracerConfig config) : impl_(std::make_unique<Impl>())
{
    impl_->config = config;
    if (config.shared)
        impl_->hold = rpc::BudgetHold(*config.shared);
}

CallTracer::~CallTracer() = default;

void CallTracer::on_step(const evm::StepContext& step) noexcept
{
    if (impl_->broken)
        return;
    try
    {
        const auto d = static_cast<size_t>(step.msg->depth);
        grow_to(impl_->depths, d);
        impl_->depths[d].op = step.opcode;
        impl_->depths[d].stack_size = step.stack.size();
        impl_->depth = step.msg->depth;
    }
    catch (...)
    {
        impl_->broken = true;
    }
}

void CallTracer::on_frame_end(evm::Status status, int64_t /*gas_left*/) noexcept
{
    const auto d = static_cast<size_t>(impl_->depth);
    if (d < impl_->depths.size())
    {
        impl_->depths[d].ended = true;
        impl_->depths[d].end_status = status;
    }
}

void CallTracer::on_call_enter(const evm::Message& msg) noexcept
{
    if (impl_->broken)
        return;
    try
    {
        impl_->enter(msg);
    }
    catch (...)
    {
        impl_->broken = true;
    }
}

void CallTracer::on_call_exit(const evm::Message& msg,
                              const evm::ExecResult& result,
                              BytesView output) noexcept
{
    if (impl_->broken)
        return;
    try
    {
        impl_->exit(msg, result, output);
    }
    catch (...)
    {
        impl_->broken = true;
    }
}

void CallTracer::on_log(const Address& addr,
                        BytesView data,
                        std::span<const Hash256> topics) noexcept
{
    if (impl_->broken || !impl_->config.with_log || impl_->open.empty())
        return;
    try
    {
        if (!impl_->charge(Impl::log_bytes(data.size(), topics.size())))
            return;
        auto& f = impl_->open.back();
        f.logs.push_back(Impl::Log{addr,
                                   {topics.begin(), topics.end()},
                                   {data.begin(), data.end()},
                                   f.calls.size(),
                                   impl_->log_seq++,
                                   0});
    }
    catch (...)
    {
        impl_->broken = true;
    }
}

void CallTracer::on_selfdestruct(const Address& addr,
                                 const Address& beneficiary,
                                 const U256& balance) noexcept
{
    // geth reports a self-destruct as a SELFDESTRUCT frame one level below the running one.
    if (impl_->broken || impl_->open.empty())
        return;
    try
    {
        if (!impl_->charge(Impl::frame_bytes(0)))
            return;
        Impl::Frame f;
        f.type = "SELFDESTRUCT";
        f.from = addr;
        f.to = beneficiary;
        f.value = balance;
        impl_->open.back().calls.push_back(std::move(f));
    }
    catch (...)
    {
        impl_->broken = true;
    }
}

json CallTracer::result(uint64_t gas_limit, uint64_t gas_used, uint64_t first_log_index)
{
    if (impl_->broken)
        throw std::runtime_error("tracing failed: out of memory");
    if (impl_->shared_spent)
        throw std::runtime_error(shared_too_large_message(*impl_->config.shared));
    if (impl_->too_large)
        throw std::runtime_error(too_large_message(impl_->config.max_bytes, "call frames"));
    if (!impl_->top)
        throw std::runtime_error("incorrect number of top-level calls");
    Impl::Frame top = std::move(*impl_->top);  // result() is called once
    top.gas = gas_limit;
    top.gas_used = gas_used;
    if (impl_->config.with_log)
    {
        Impl::clear_failed_logs(top, false);
        Impl::number_logs(top, first_log_index);
    }
    if (impl_->config.only_top_call)
    {
        // geth collects no sub-calls then: the top frame's logs all come before "any" call.
        top.calls.clear();
        for (auto& l : top.logs)
            l.position = 0;
    }
    return Impl::to_json(top);
}

uint64_t CallTracer::held_bytes() const noexcept
{
    return impl_->bytes;
}

}  // namespace tern::api
