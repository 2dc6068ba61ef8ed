// libFuzzer harness for the stored receipts codec: decode_receipts and decode_receipt_at on the
// same bytes. Neither may crash; where the full decode accepts the input, decode_receipt_at
// must give every receipt with the same fields, previous cumulative gas and log offset, and
// nullopt past the end; where decode_receipt_at rejects it, the full decode must reject it too
// (the skim checks a subset of what the full decode checks).
#include "db/codec.hpp"

#include <cstdint>
#include <cstdlib>

using namespace tern;
using namespace tern::db;

namespace {

void check(bool ok)
{
    if (!ok)
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const BytesView in{data, size};
    const auto full = codec::decode_receipts(in);
    const size_t count = full ? full->size() : 0;
    uint64_t logs_before = 0;
    // every index of an accepted input (and one past it), else the first few
    for (size_t i = 0; i <= (full ? count : 8); ++i)
    {
        const auto at = codec::decode_receipt_at(in, i);
        if (!at)
        {
            check(!full);
            continue;
        }
        if (!full)
            continue;
        if (i == count)
        {
            check(!*at);
            break;
        }
        check(at->has_value());
        const auto& got = (*at)->receipt;
        const auto& want = (*full)[i];
        check(got.type == want.type && got.success == want.success &&
              got.gas_used == want.gas_used &&
              got.cumulative_gas_used == want.cumulative_gas_used &&
              got.blob_gas_used == want.blob_gas_used && got.logs == want.logs &&
              got.bloom == want.bloom && got.revert_reason == want.revert_reason);
        check((*at)->previous_cumulative_gas == (i ? (*full)[i - 1].cumulative_gas_used : 0));
        check((*at)->first_log_index == logs_before);
        logs_before += want.logs.size();
    }
    return 0;
}
