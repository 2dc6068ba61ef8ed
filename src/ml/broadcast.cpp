#include "ml/broadcast.hpp"

#include <algorithm>

namespace tern::ml {

Result<std::vector<int64_t>, std::string> broadcast_shapes(std::span<const int64_t> a,
                                                           std::span<const int64_t> b)
{
    const size_t r = std::max(a.size(), b.size());
    std::vector<int64_t> out(r);
    for (size_t i = 0; i < r; ++i)
    {
        const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
        const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
        if (da == db || db == 1)
            out[i] = da;
        else if (da == 1)
            out[i] = db;
        else
            return "cannot broadcast " + shape_string(a) + " with " + shape_string(b);
    }
    return out;
}

static Status infer_broadcast_impl(const Node& node,
                                   std::span<const ValueInfo* const> inputs,
                                   std::span<ValueInfo> outputs,
                                   bool to_bool)
{
    std::vector<int64_t> shape;
    const ValueInfo* first = nullptr;
    for (size_t k = 0; k < inputs.size(); ++k)
    {
        const auto* in = inputs[k];
        if (!in)
            return node_error(node, "missing input " + std::to_string(k));
        if (!first)
        {
            first = in;
            shape = in->shape;
            continue;
        }
        if (in->dtype != first->dtype)
            return node_error(node, "input dtypes differ (" +
                                        std::string(dtype_name(first->dtype)) + " and " +
                                        std::string(dtype_name(in->dtype)) + ")");
        auto s = broadcast_shapes(shape, in->shape);
        if (!s)
            return node_error(node, s.error());
        shape = std::move(*s);
    }
    if (!first)
        return node_error(node, "no inputs");
    outputs[0].dtype = to_bool ? DType::BOOL : first->dtype;
    outputs[0].shape = std::move(shape);
    return Ok{};
}

Status infer_broadcast(const Node& node,
                       std::span<const ValueInfo* const> inputs,
                       std::span<ValueInfo> outputs)
{
    return infer_broadcast_impl(node, inputs, outputs, false);
}

Status infer_broadcast_bool(const Node& node,
                            std::span<const ValueInfo* const> inputs,
                            std::span<ValueInfo> outputs)
{
    return infer_broadcast_impl(node, inputs, outputs, true);
}

std::vector<int64_t> broadcast_strides(std::span<const int64_t> shape,
                                       std::span<const int64_t> out_shape)
{
    const size_t r = out_shape.size();
    std::vector<int64_t> strides(r, 0);
    int64_t s = 1;
    for (size_t i = shape.size(); i-- > 0;)
    {
        const size_t o = i + (r - shape.size());
        strides[o] = (shape[i] == 1 && out_shape[o] != 1) ? 0 : s;
        s *= shape[i];
    }
    return strides;
}

}  // namespace tern::ml
