// libFuzzer target: read_npy on arbitrary bytes (tern model run --input reads user files) never
// crashes, and what it reads has data matching its shape.

#include "core/assert.hpp"
#include "ml/npy.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const auto t = tern::ml::read_npy({data, size}, 1 << 20);
    if (t)
        TERN_ASSERT(t->data.size() ==
                    static_cast<size_t>(t->elements()) * tern::ml::dtype_size(t->dtype));
    return 0;
}
