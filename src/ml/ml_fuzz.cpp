// libFuzzer harness for the ML engine (fuzz_ml): arbitrary bytes as an ONNX model, loaded
// with strict limits; when it loads, cost() and run() on small inputs (declared dims, symbolic
// ones set to 2, data from the tail of the input), run twice to check determinism. Also feeds
// the bytes to the on-chain tensor decoder. Seed corpus: /usr/share/libonnx-testdata/data.

#include "ml/codec.hpp"
#include "ml/engine.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace tern::ml;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::span<const uint8_t> bytes(data, size);
    if (auto t = decode_tensors(bytes))
        (void)encode_tensors(*t);

    Limits limits;
    limits.max_model_bytes = 1 << 20;
    limits.max_tensor_elements = 1 << 14;
    limits.max_cost = 2'000'000;
    limits.max_nodes = 256;
    auto model = load_model(bytes, limits);
    if (!model)
        return 0;
    std::vector<Tensor> inputs;
    size_t pos = 0;
    for (const auto& io : (*model)->inputs)
    {
        std::vector<int64_t> shape;
        for (auto d : io.shape)
            shape.push_back(d < 0 ? 2 : d);
        if (checked_elements(shape, 1 << 12) < 0)
            return 0;
        auto t = Tensor::zeros(io.dtype, shape);
        for (auto& b : t.data)
            b = pos < size ? data[pos++] : 0;
        if (io.dtype == DType::BOOL)
            for (auto& b : t.data)
                b &= 1;
        inputs.push_back(std::move(t));
    }
    auto c = cost(**model, inputs, limits);
    auto a = run(**model, inputs, limits);
    auto b = run(**model, inputs, limits);
    if (c.has_value() != a.has_value() && a.has_value())
        std::abort();  // a run that succeeds must have had a cost
    if (a.has_value() != b.has_value())
        std::abort();
    if (a && *a != *b)
    {
        // NaN payloads compare unequal as bytes only if they differ: same bytes expected.
        for (size_t k = 0; k < a->size(); ++k)
            if ((*a)[k].data != (*b)[k].data)
                std::abort();
    }
    if (a)
        (void)encode_tensors(*a);
    return 0;
}
