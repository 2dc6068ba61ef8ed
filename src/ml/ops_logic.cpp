// Comparison and logic ops: Equal, Less, Greater, LessOrEqual, GreaterOrEqual (numpy
// broadcasting, BOOL output), Not, And, Or, Xor (BOOL in and out) and Where. Comparisons are
// exact IEEE-754 comparisons (NaN compares unequal to everything, -0 == +0), so they are
// deterministic on every CPU. Bool tensors hold one byte per element, 0 or 1; these kernels
// read any nonzero byte as true and always write 0 or 1.

#include "ml/broadcast.hpp"
#include "ml/ops_float.hpp"

#include <string>
#include <type_traits>
#include <vector>

namespace tern::ml {
namespace {

/// Refuses the pre-opset-7 broadcast attributes (`broadcast` = 1, `axis`): their semantics
/// differ from numpy broadcasting (`broadcast` = 0 demands equal shapes, which numpy rules
/// accept too).
Status refuse_legacy_broadcast(const Node& node)
{
    if (node.attr_int("broadcast", 0) != 0 || node.attr("axis"))
        return node_error(node, "legacy broadcast attributes (broadcast, axis) are not supported");
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Comparisons.

enum class Cmp : uint8_t
{
    Equal,
    Less,
    Greater,
    LessOrEqual,
    GreaterOrEqual,
};

template <Cmp op>
Status infer_compare(const Node& node,
                     std::span<const ValueInfo* const> inputs,
                     std::span<ValueInfo> outputs)
{
    if (auto st = refuse_legacy_broadcast(node); !st)
        return st;
    if (auto st = infer_broadcast_bool(node, inputs, outputs); !st)
        return st;
    if (op != Cmp::Equal && inputs[0]->dtype == DType::BOOL)
        return node_error(node, "bool operands are not supported");
    return Ok{};
}

template <Cmp op, typename T>
uint8_t compare(T a, T b) noexcept
{
    switch (op)
    {
        case Cmp::Equal:
            return a == b;
        case Cmp::Less:
            return a < b;
        case Cmp::Greater:
            return a > b;
        case Cmp::LessOrEqual:
            return a <= b;
        case Cmp::GreaterOrEqual:
            return a >= b;
    }
    return 0;
}

template <Cmp op>
Status run_compare(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    visit_dtype(inputs[0]->dtype, [&](auto zero) {
        using T = decltype(zero);
        if constexpr (std::is_same_v<T, bool>)
            broadcast_apply<uint8_t, uint8_t, uint8_t>(
                *inputs[0], *inputs[1], outputs[0],
                [](uint8_t a, uint8_t b) { return compare<op, bool>(a != 0, b != 0); });
        else
            broadcast_apply<T, T, uint8_t>(*inputs[0], *inputs[1], outputs[0],
                                           [](T a, T b) { return compare<op, T>(a, b); });
    });
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Logic.

Status infer_logic(const Node& node,
                   std::span<const ValueInfo* const> inputs,
                   std::span<ValueInfo> outputs)
{
    if (auto st = refuse_legacy_broadcast(node); !st)
        return st;
    if (auto st = infer_broadcast_bool(node, inputs, outputs); !st)
        return st;
    if (inputs[0]->dtype != DType::BOOL)
        return node_error(node,
                          "inputs must be bool, got " + std::string(dtype_name(inputs[0]->dtype)));
    return Ok{};
}

enum class Logic : uint8_t
{
    And,
    Or,
    Xor,
};

template <Logic op>
Status run_logic(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    broadcast_apply<uint8_t, uint8_t, uint8_t>(*inputs[0], *inputs[1], outputs[0],
                                               [](uint8_t a, uint8_t b) -> uint8_t {
                                                   const bool x = a != 0;
                                                   const bool y = b != 0;
                                                   switch (op)
                                                   {
                                                       case Logic::And:
                                                           return x && y;
                                                       case Logic::Or:
                                                           return x || y;
                                                       case Logic::Xor:
                                                           return x != y;
                                                   }
                                                   return 0;
                                               });
    return Ok{};
}

Status infer_not(const Node& node,
                 std::span<const ValueInfo* const> inputs,
                 std::span<ValueInfo> outputs)
{
    if (!inputs[0] || inputs[0]->dtype != DType::BOOL)
        return node_error(node, "input must be bool");
    return infer_same_as_first(node, inputs, outputs);
}

Status run_not(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    unary_apply<uint8_t, uint8_t>(*inputs[0], outputs[0],
                                  [](uint8_t a) -> uint8_t { return a == 0; });
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Where(condition, X, Y): X where condition, else Y, all three broadcast together.

Status infer_where(const Node& node,
                   std::span<const ValueInfo* const> inputs,
                   std::span<ValueInfo> outputs)
{
    for (size_t k = 0; k < 3; ++k)
        if (!inputs[k])
            return node_error(node, "missing input " + std::to_string(k));
    if (inputs[0]->dtype != DType::BOOL)
        return node_error(
            node, "condition must be bool, got " + std::string(dtype_name(inputs[0]->dtype)));
    if (inputs[1]->dtype != inputs[2]->dtype)
        return node_error(node, "X and Y dtypes differ (" +
                                    std::string(dtype_name(inputs[1]->dtype)) + " and " +
                                    std::string(dtype_name(inputs[2]->dtype)) + ")");
    auto s = broadcast_shapes(inputs[0]->shape, inputs[1]->shape);
    if (!s)
        return node_error(node, s.error());
    auto s2 = broadcast_shapes(*s, inputs[2]->shape);
    if (!s2)
        return node_error(node, s2.error());
    outputs[0].dtype = inputs[1]->dtype;
    outputs[0].shape = std::move(*s2);
    return Ok{};
}

template <typename T>
void where_typed(const Tensor& c, const Tensor& x, const Tensor& y, Tensor& out)
{
    const int64_t n = out.elements();
    if (n == 0)
        return;
    const uint8_t* pc = c.data.data();
    const T* px = reinterpret_cast<const T*>(x.data.data());
    const T* py = reinterpret_cast<const T*>(y.data.data());
    T* po = reinterpret_cast<T*>(out.data.data());
    const size_t r = out.shape.size();
    const auto sc = broadcast_strides(c.shape, out.shape);
    const auto sx = broadcast_strides(x.shape, out.shape);
    const auto sy = broadcast_strides(y.shape, out.shape);
    if (r == 0)
    {
        po[0] = pc[0] != 0 ? px[0] : py[0];
        return;
    }
    // Rows of the last dim, then the outer index odometer style (as broadcast_apply).
    const int64_t inner = out.shape[r - 1];
    const int64_t step_c = sc[r - 1];
    const int64_t step_x = sx[r - 1];
    const int64_t step_y = sy[r - 1];
    std::vector<int64_t> idx(r, 0);
    int64_t oc = 0;
    int64_t ox = 0;
    int64_t oy = 0;
    for (int64_t o = 0; o < n; o += inner)
    {
        // Both sides loaded, then selected: no branch on the (data-dependent) condition.
        const uint8_t* rc = pc + oc;
        const T* rx = px + ox;
        const T* ry = py + oy;
        for (int64_t k = 0; k < inner; ++k)
        {
            const T a = rx[k * step_x];
            const T b = ry[k * step_y];
            po[o + k] = rc[k * step_c] != 0 ? a : b;
        }
        for (size_t d = r - 1; d-- > 0;)
        {
            ++idx[d];
            oc += sc[d];
            ox += sx[d];
            oy += sy[d];
            if (idx[d] < out.shape[d])
                break;
            oc -= sc[d] * idx[d];
            ox -= sx[d] * idx[d];
            oy -= sy[d] * idx[d];
            idx[d] = 0;
        }
    }
}

Status run_where(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs)
{
    visit_dtype(inputs[1]->dtype, [&](auto zero) {
        using T = std::conditional_t<std::is_same_v<decltype(zero), bool>, uint8_t, decltype(zero)>;
        where_typed<T>(*inputs[0], *inputs[1], *inputs[2], outputs[0]);
    });
    if (outputs[0].dtype == DType::FLOAT)
        canonicalize_nans(outputs[0]);
    return Ok{};
}

// clang-format off
constexpr OpDef kLogicOps[] = {
    // name, inputs min/max, outputs min/max, infer, run, cost
    {"Equal", 2, 2, 1, 1, infer_compare<Cmp::Equal>, run_compare<Cmp::Equal>, nullptr},
    {"Less", 2, 2, 1, 1, infer_compare<Cmp::Less>, run_compare<Cmp::Less>, nullptr},
    {"Greater", 2, 2, 1, 1, infer_compare<Cmp::Greater>, run_compare<Cmp::Greater>, nullptr},
    {"LessOrEqual", 2, 2, 1, 1, infer_compare<Cmp::LessOrEqual>, run_compare<Cmp::LessOrEqual>,
     nullptr},
    {"GreaterOrEqual", 2, 2, 1, 1, infer_compare<Cmp::GreaterOrEqual>,
     run_compare<Cmp::GreaterOrEqual>, nullptr},
    {"Not", 1, 1, 1, 1, infer_not, run_not, nullptr},
    {"And", 2, 2, 1, 1, infer_logic, run_logic<Logic::And>, nullptr},
    {"Or", 2, 2, 1, 1, infer_logic, run_logic<Logic::Or>, nullptr},
    {"Xor", 2, 2, 1, 1, infer_logic, run_logic<Logic::Xor>, nullptr},
    {"Where", 3, 3, 1, 1, infer_where, run_where, nullptr},
};
// clang-format on

}  // namespace

std::span<const OpDef> logic_ops() noexcept
{
    return kLogicOps;
}

}  // namespace tern::ml
