#include "ml/op.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace tern::ml {

const Attribute* Node::attr(std::string_view name) const noexcept
{
    auto it = std::lower_bound(attrs.begin(), attrs.end(), name,
                               [](const auto& a, std::string_view n) { return a.first < n; });
    return it != attrs.end() && it->first == name ? &it->second : nullptr;
}

int64_t Node::attr_int(std::string_view name, int64_t def) const noexcept
{
    const auto* a = attr(name);
    return a && a->kind == Attribute::Kind::Int ? a->i : def;
}

float Node::attr_float(std::string_view name, float def) const noexcept
{
    const auto* a = attr(name);
    return a && a->kind == Attribute::Kind::Float ? a->f : def;
}

std::string Node::attr_string(std::string_view name, std::string_view def) const
{
    const auto* a = attr(name);
    return a && a->kind == Attribute::Kind::String ? a->s : std::string(def);
}

std::optional<std::vector<int64_t>> Node::attr_ints(std::string_view name) const
{
    const auto* a = attr(name);
    if (!a)
        return std::nullopt;
    if (a->kind == Attribute::Kind::Ints)
        return a->ints;
    return std::nullopt;
}

std::optional<std::vector<float>> Node::attr_floats(std::string_view name) const
{
    const auto* a = attr(name);
    if (!a)
        return std::nullopt;
    if (a->kind == Attribute::Kind::Floats)
        return a->floats;
    return std::nullopt;
}

const Model* Node::attr_graph(std::string_view name) const noexcept
{
    const auto* a = attr(name);
    return a && a->kind == Attribute::Kind::Graph ? a->g.get() : nullptr;
}

std::optional<std::vector<std::string>> Node::attr_strings(std::string_view name) const
{
    const auto* a = attr(name);
    if (a && a->kind == Attribute::Kind::Strings)
        return a->strings;
    return std::nullopt;
}

namespace {

/// The ai.onnx op tables, in search order.
std::array<std::span<const OpDef>, 11> onnx_tables() noexcept
{
    return {structural_ops(),  quant_ops(),        float_ops(),    logic_ops(),
            elementwise_ops(), index_ops(),        reduce_ops(),   einsum_ops(),
            recurrent_ops(),   control_flow_ops(), attention_ops()};
}

}  // namespace

const OpDef* find_op(std::string_view op_type) noexcept
{
    for (auto table : onnx_tables())
        for (const auto& op : table)
            if (op.name == op_type)
                return &op;
    return nullptr;
}

const OpDef* find_op(std::string_view domain, std::string_view op_type) noexcept
{
    if (domain.empty() || domain == "ai.onnx")
        return find_op(op_type);
    if (domain == "ai.onnx.ml")
        for (const auto& op : ml_domain_ops())
            if (op.name == op_type)
                return &op;
    return nullptr;
}

std::vector<std::string_view> supported_ops()
{
    std::vector<std::string_view> names;
    for (auto table : onnx_tables())
        for (const auto& op : table)
            names.push_back(op.name);
    std::sort(names.begin(), names.end());
    return names;
}

KnownInfos known_infos(std::span<const Tensor* const> inputs)
{
    KnownInfos k;
    k.infos.resize(inputs.size());
    k.ptrs.assign(inputs.size(), nullptr);
    for (size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i])
        {
            k.infos[i].dtype = inputs[i]->dtype;
            k.infos[i].shape = inputs[i]->shape;
            // Aliasing, non-owning: the tensor outlives the infos.
            k.infos[i].value =
                std::shared_ptr<const Tensor>(std::shared_ptr<const Tensor>(), inputs[i]);
            k.ptrs[i] = &k.infos[i];
        }
    return k;
}

std::optional<size_t> normalize_axis(int64_t axis, size_t rank) noexcept
{
    const auto r = static_cast<int64_t>(rank);
    if (axis < -r || axis >= r)
        return std::nullopt;
    return static_cast<size_t>(axis < 0 ? axis + r : axis);
}

Status node_error(const Node& node, std::string_view msg)
{
    return node.op_type + " (node " + (node.name.empty() ? "<unnamed>" : node.name) +
           "): " + std::string(msg);
}

Status infer_same_as_first(const Node& node,
                           std::span<const ValueInfo* const> inputs,
                           std::span<ValueInfo> outputs)
{
    if (inputs.empty() || !inputs[0])
        return node_error(node, "missing input 0");
    outputs[0].dtype = inputs[0]->dtype;
    outputs[0].shape = inputs[0]->shape;
    return Ok{};
}

uint64_t sat_add(uint64_t a, uint64_t b) noexcept
{
    return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                        : a + b;
}

uint64_t sat_mul(uint64_t a, uint64_t b) noexcept
{
    if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a)
        return std::numeric_limits<uint64_t>::max();
    return a * b;
}

}  // namespace tern::ml
