// Control flow with subgraphs: If, Loop and Scan. Each subgraph is planned (shapes and cost)
// before anything runs, like the main graph:
// - If: a condition known at plan time (a constant, or computed from shapes) plans only the
//   branch taken; otherwise both branches are planned, must give the same output types and
//   shapes, and the dearer one is charged; a branch that cannot be planned for these inputs
//   leaves the other, and the run fails if the condition takes it.
// - Loop: the trip count M must be known at plan time (the cost is M body runs); a loop bounded
//   only by its condition is refused. Loop-carried values keep their shape across iterations.
//   A loop whose condition ends it early is fine, except with scan outputs (their length would
//   depend on the data): that run fails.
// - Scan (opset 9+): the trip count is the scanned axis' length.
// Subgraphs read outer values by name (captures): the loader appends them to the node's inputs
// (past explicit_inputs) and each subgraph's capture_slots say which ones it reads.

#include "ml/model.hpp"
#include "ml/op.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace tern::ml {
namespace {

/// The subgraph's formal input count (its inputs before the captures).
size_t formal_inputs(const Model& g) noexcept
{
    return g.inputs.size() - g.capture_slots.size();
}

/// The infos of `g`'s captures, taken from the node's inputs (values of constants included).
void append_capture_infos(const Node& node,
                          const Model& g,
                          std::span<const ValueInfo* const> inputs,
                          std::vector<ValueInfo>& out)
{
    for (const auto slot : g.capture_slots)
        out.push_back(*inputs[node.explicit_inputs + slot]);
}

/// The tensors of `g`'s captures, taken from the node's inputs.
void append_capture_tensors(const Node& node,
                            const Model& g,
                            std::span<const Tensor* const> inputs,
                            std::vector<const Tensor*>& out)
{
    for (const auto slot : g.capture_slots)
        out.push_back(inputs[node.explicit_inputs + slot]);
}

/// Shape and dtype only (the value of a loop-carried or scanned input changes every run).
ValueInfo shape_of(const ValueInfo& v)
{
    return ValueInfo{v.dtype, v.shape, nullptr};
}

std::string type_string(const ValueInfo& v)
{
    return std::string(dtype_name(v.dtype)) + shape_string(v.shape);
}

/// The subgraph attribute `name`, or an error naming it.
Result<const Model*, std::string> graph_attr(const Node& node, std::string_view name)
{
    const Model* g = node.attr_graph(name);
    if (!g)
        return node_error(node, "missing graph attribute '" + std::string(name) + "'").error();
    return g;
}

/// A one-element BOOL value's truth (any nonzero byte).
bool truth(const Tensor& t) noexcept
{
    return !t.data.empty() && t.data[0] != 0;
}

/// Per-iteration work of a loop body: its own, plus copying the values it hands on, plus one
/// node so that even an empty body pays per iteration.
OpCost iteration_cost(const OpCost& body, uint64_t copied_elements)
{
    OpCost c = body;
    c.elements += copied_elements;
    c.nodes += 1;
    return c;
}

OpCost times(const OpCost& c, uint64_t n)
{
    OpCost t;
    t.gemm_macs = sat_mul(c.gemm_macs, n);
    t.macs = sat_mul(c.macs, n);
    t.int_macs = sat_mul(c.int_macs, n);
    t.special_macs = sat_mul(c.special_macs, n);
    t.elements = sat_mul(c.elements, n);
    t.nodes = sat_mul(c.nodes, n);
    return t;
}

/// Moves a subgraph's results into the node's outputs, checking they are what was planned.
Status take_results(const Node& node, std::vector<Tensor>& results, std::span<Tensor> outputs)
{
    for (size_t k = 0; k < outputs.size(); ++k)
    {
        if (results[k].dtype != outputs[k].dtype || results[k].shape != outputs[k].shape)
            return node_error(node, "output " + std::to_string(k) + " came out as " +
                                        std::string(dtype_name(results[k].dtype)) +
                                        shape_string(results[k].shape) + ", planned " +
                                        std::string(dtype_name(outputs[k].dtype)) +
                                        shape_string(outputs[k].shape));
        outputs[k] = std::move(results[k]);
    }
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// If

Status check_condition(const Node& node, const ValueInfo* cond, std::string_view what)
{
    if (!cond || cond->dtype != DType::BOOL || cond->elements() != 1)
        return node_error(node, std::string(what) + " must be a bool tensor of one element");
    return Ok{};
}

Status infer_if(const Node& node,
                std::span<const ValueInfo* const> inputs,
                std::span<ValueInfo> outputs,
                OpCost& cost,
                GraphContext& ctx)
{
    if (auto st = check_condition(node, inputs[0], "the condition"); !st)
        return st;
    const Model* branches[2] = {nullptr, nullptr};
    const char* names[2] = {"then_branch", "else_branch"};
    for (int b = 0; b < 2; ++b)
    {
        auto g = graph_attr(node, names[b]);
        if (!g)
            return g.error();
        branches[b] = *g;
        if (formal_inputs(**g) != 0)
            return node_error(node, std::string(names[b]) + " must take no inputs");
        if ((*g)->outputs.size() != outputs.size())
            return node_error(node, std::string(names[b]) + " has " +
                                        std::to_string((*g)->outputs.size()) +
                                        " outputs, the node " + std::to_string(outputs.size()));
    }
    SubgraphPlan plans[2];
    const auto plan_branch = [&](int b) -> Status {
        std::vector<ValueInfo> infos;
        append_capture_infos(node, *branches[b], inputs, infos);
        auto p = ctx.plan(*branches[b], infos);
        if (!p)
            return node_error(node, std::string(names[b]) + ": " + p.error());
        plans[b] = std::move(*p);
        return Ok{};
    };
    if (inputs[0]->value)
    {
        // Known before the run: only the branch taken counts, and its constants stay known.
        const int b = truth(*inputs[0]->value) ? 0 : 1;
        if (auto st = plan_branch(b); !st)
            return st;
        for (size_t k = 0; k < outputs.size(); ++k)
            outputs[k] = std::move(plans[b].outputs[k]);
        cost = plans[b].cost;
        return Ok{};
    }
    // A branch whose shapes cannot be satisfied for these inputs (the path an exporter wrote
    // for other input sizes, as onnxruntime never plans a branch it does not take) leaves the
    // other one: the call is costed and shaped by it, and fails if the condition takes the
    // unplannable branch (its run plans again and gives the same error).
    Status planned[2] = {plan_branch(0), plan_branch(1)};
    if (!planned[0] && !planned[1])
        return planned[0];
    for (int b = 0; b < 2; ++b)
        if (!planned[b])
        {
            const int other = 1 - b;
            for (size_t k = 0; k < outputs.size(); ++k)
                outputs[k] = shape_of(plans[other].outputs[k]);
            cost = plans[other].cost;
            return Ok{};
        }
    for (size_t k = 0; k < outputs.size(); ++k)
    {
        const auto& t = plans[0].outputs[k];
        const auto& e = plans[1].outputs[k];
        if (t.dtype != e.dtype || t.shape != e.shape)
            return node_error(node, "output " + std::to_string(k) + " is " + type_string(t) +
                                        " in then_branch and " + type_string(e) +
                                        " in else_branch; with a condition known only at run "
                                        "time both branches must agree");
        outputs[k] = shape_of(t);
    }
    cost.gemm_macs = std::max(plans[0].cost.gemm_macs, plans[1].cost.gemm_macs);
    cost.macs = std::max(plans[0].cost.macs, plans[1].cost.macs);
    cost.int_macs = std::max(plans[0].cost.int_macs, plans[1].cost.int_macs);
    cost.special_macs = std::max(plans[0].cost.special_macs, plans[1].cost.special_macs);
    cost.elements = std::max(plans[0].cost.elements, plans[1].cost.elements);
    cost.nodes = std::max(plans[0].cost.nodes, plans[1].cost.nodes);
    return Ok{};
}

Status run_if(const Node& node,
              std::span<const ValueInfo* const> infos,
              std::span<const Tensor* const> inputs,
              std::span<Tensor> outputs,
              GraphContext& ctx)
{
    const Model* g = node.attr_graph(truth(*inputs[0]) ? "then_branch" : "else_branch");
    std::vector<ValueInfo> sub_infos;
    append_capture_infos(node, *g, infos, sub_infos);
    std::vector<const Tensor*> sub_inputs;
    append_capture_tensors(node, *g, inputs, sub_inputs);
    auto r = ctx.run(*g, sub_infos, sub_inputs);
    if (!r)
        return node_error(node, r.error());
    return take_results(node, *r, outputs);
}

// ---------------------------------------------------------------------------------------
// Loop: inputs (M, cond, v_initial...), outputs (v_final..., scan outputs...); the body takes
// (iteration_num, cond, v...) and gives (cond, v..., scan slices...).

struct LoopShape
{
    const Model* body = nullptr;
    size_t carried = 0;  // N
    size_t scanned = 0;  // K
};

Result<LoopShape, std::string> loop_shape(const Node& node, size_t outputs)
{
    auto body = graph_attr(node, "body");
    if (!body)
        return body.error();
    LoopShape s;
    s.body = *body;
    s.carried = node.explicit_inputs - 2;
    if (formal_inputs(*s.body) != s.carried + 2)
        return node_error(node, "the body takes " + std::to_string(formal_inputs(*s.body)) +
                                    " inputs, expected " + std::to_string(s.carried + 2) +
                                    " (iteration, condition and the loop-carried values)")
            .error();
    if (s.body->outputs.size() < 1 + s.carried || outputs != s.body->outputs.size() - 1)
        return node_error(node, "the body gives " + std::to_string(s.body->outputs.size()) +
                                    " outputs for " + std::to_string(s.carried) +
                                    " loop-carried values and " + std::to_string(outputs) +
                                    " node outputs")
            .error();
    s.scanned = outputs - s.carried;
    return s;
}

/// The body's input infos: iteration number (its value when `iteration` >= 0), condition,
/// loop-carried values, captures.
std::vector<ValueInfo> loop_body_infos(const Node& node,
                                       const LoopShape& s,
                                       std::span<const ValueInfo* const> inputs,
                                       int64_t iteration)
{
    std::vector<ValueInfo> infos;
    infos.push_back(ValueInfo{DType::INT64, {}, nullptr});
    if (iteration >= 0)
        infos[0].value =
            std::make_shared<const Tensor>(Tensor::from<int64_t>(DType::INT64, {}, {iteration}));
    infos.push_back(ValueInfo{DType::BOOL, {}, nullptr});
    for (size_t i = 0; i < s.carried; ++i)
        infos.push_back(shape_of(*inputs[2 + i]));
    append_capture_infos(node, *s.body, inputs, infos);
    return infos;
}

/// Checks one plan of the body against the loop: the condition output, loop-carried values
/// that keep their shape, and scan slices of the shape of `first` (the first plan's); adds
/// the iteration's cost.
Status check_body_plan(const Node& node,
                       const LoopShape& s,
                       std::span<const ValueInfo* const> inputs,
                       const SubgraphPlan& p,
                       const SubgraphPlan& first,
                       OpCost& cost)
{
    if (auto st = check_condition(node, &p.outputs[0], "the body's condition output"); !st)
        return st;
    uint64_t copied = 0;
    for (size_t i = 0; i < s.carried; ++i)
    {
        const auto& in = *inputs[2 + i];
        const auto& out = p.outputs[1 + i];
        if (in.dtype != out.dtype || in.shape != out.shape)
            return node_error(node, "loop-carried value " + std::to_string(i) + " goes in as " +
                                        type_string(in) + " and comes out as " + type_string(out) +
                                        "; values that change shape are not supported");
        copied += static_cast<uint64_t>(in.elements());
    }
    for (size_t k = 0; k < s.scanned; ++k)
    {
        const auto& slice = p.outputs[1 + s.carried + k];
        const auto& want = first.outputs[1 + s.carried + k];
        if (slice.dtype != want.dtype || slice.shape != want.shape)
            return node_error(node, "scan output " + std::to_string(k) + " is " +
                                        type_string(want) + " in the first iteration and " +
                                        type_string(slice) + " in a later one");
        copied += static_cast<uint64_t>(slice.elements());
    }
    const OpCost c = iteration_cost(p.cost, copied);
    cost.gemm_macs = sat_add(cost.gemm_macs, c.gemm_macs);
    cost.macs = sat_add(cost.macs, c.macs);
    cost.int_macs = sat_add(cost.int_macs, c.int_macs);
    cost.special_macs = sat_add(cost.special_macs, c.special_macs);
    cost.elements = sat_add(cost.elements, c.elements);
    cost.nodes = sat_add(cost.nodes, c.nodes);
    return Ok{};
}

Status infer_loop(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs,
                  OpCost& cost,
                  GraphContext& ctx)
{
    auto s = loop_shape(node, outputs.size());
    if (!s)
        return s.error();
    const ValueInfo* m = inputs[0];
    if (!m)
        return node_error(node,
                          "no trip count M: a loop bounded only by its condition cannot be "
                          "costed before it runs");
    if (m->dtype != DType::INT64 || m->elements() != 1)
        return node_error(node, "the trip count M must be an int64 tensor of one element");
    if (!m->value)
        return node_error(node,
                          "dynamic shape cannot be bounded: the trip count M must be known "
                          "before the run (a constant, or computed from shapes)");
    if (inputs[1])
        if (auto st = check_condition(node, inputs[1], "the condition"); !st)
            return st;
    for (size_t i = 0; i < s->carried; ++i)
        if (!inputs[2 + i])
            return node_error(node, "loop-carried value " + std::to_string(i) + " is omitted");
    const auto trips = static_cast<uint64_t>(std::max<int64_t>(0, m->value->as<int64_t>()[0]));

    // One plan for every iteration when the body's shapes do not depend on the iteration
    // number; otherwise (e.g. a Slice at the iteration number) one plan per iteration, within
    // the planning budget.
    auto p = ctx.plan(*s->body, loop_body_infos(node, *s, inputs, -1));
    const bool per_iteration =
        !p && p.error().find("dynamic shape cannot be bounded") != std::string::npos;
    if (per_iteration)
        p = ctx.plan(*s->body, loop_body_infos(node, *s, inputs, 0));
    if (!p)
        return node_error(node, "body: " + p.error());
    const SubgraphPlan first = std::move(*p);
    cost = OpCost{};
    if (auto st = check_body_plan(node, *s, inputs, first, first, cost); !st)
        return st;
    if (!per_iteration)
        cost = times(cost, trips);
    else if (trips == 0)
        cost = OpCost{};
    for (uint64_t i = 1; per_iteration && i < trips; ++i)
    {
        if (!ctx.reserve_planning(s->body->nodes.size() + 1))
            return node_error(node,
                              "dynamic shape cannot be bounded: the body's shapes depend on "
                              "the iteration number and the loop runs too many iterations to "
                              "plan each one");
        auto pi = ctx.plan(*s->body, loop_body_infos(node, *s, inputs, static_cast<int64_t>(i)));
        if (!pi)
            return node_error(node, "body, iteration " + std::to_string(i) + ": " + pi.error());
        if (auto st = check_body_plan(node, *s, inputs, *pi, first, cost); !st)
            return st;
    }
    for (size_t i = 0; i < s->carried; ++i)
        outputs[i] = shape_of(*inputs[2 + i]);
    for (size_t k = 0; k < s->scanned; ++k)
    {
        const auto& slice = first.outputs[1 + s->carried + k];
        auto& out = outputs[s->carried + k];
        out.dtype = slice.dtype;
        out.shape.assign(1, static_cast<int64_t>(std::min<uint64_t>(trips, INT64_MAX)));
        out.shape.insert(out.shape.end(), slice.shape.begin(), slice.shape.end());
    }
    return Ok{};
}

Status run_loop(const Node& node,
                std::span<const ValueInfo* const> infos,
                std::span<const Tensor* const> inputs,
                std::span<Tensor> outputs,
                GraphContext& ctx)
{
    auto s = loop_shape(node, outputs.size());
    if (!s)
        return s.error();
    const int64_t trips = std::max<int64_t>(0, inputs[0]->as<int64_t>()[0]);
    bool cond = inputs[1] ? truth(*inputs[1]) : true;
    std::vector<Tensor> carried;
    for (size_t i = 0; i < s->carried; ++i)
        carried.push_back(*inputs[2 + i]);
    std::vector<const Tensor*> body_inputs;
    int64_t done = 0;
    for (; done < trips && cond; ++done)
    {
        // The iteration number is known to the body's plan (as when it was costed per
        // iteration).
        const std::vector<ValueInfo> body_infos = loop_body_infos(node, *s, infos, done);
        const Tensor& iteration = *body_infos[0].value;
        const Tensor cond_in = Tensor::from<uint8_t>(DType::BOOL, {}, {1});
        body_inputs.clear();
        body_inputs.push_back(&iteration);
        body_inputs.push_back(&cond_in);
        for (const auto& c : carried)
            body_inputs.push_back(&c);
        append_capture_tensors(node, *s->body, inputs, body_inputs);
        auto r = ctx.run(*s->body, body_infos, body_inputs);
        if (!r)
            return node_error(node, "body, iteration " + std::to_string(done) + ": " + r.error());
        // Without a condition input the loop is a for loop: the body's condition is ignored.
        if (inputs[1])
            cond = truth((*r)[0]);
        for (size_t i = 0; i < s->carried; ++i)
            carried[i] = std::move((*r)[1 + i]);
        for (size_t k = 0; k < s->scanned; ++k)
        {
            const Tensor& slice = (*r)[1 + s->carried + k];
            Tensor& out = outputs[s->carried + k];
            const size_t bytes = slice.data.size();
            if (bytes * static_cast<size_t>(trips) != out.data.size())
                return node_error(
                    node, "scan output " + std::to_string(k) + " changed shape between iterations");
            std::memcpy(out.data.data() + static_cast<size_t>(done) * bytes, slice.data.data(),
                        bytes);
        }
    }
    if (done < trips && s->scanned > 0)
        return node_error(node, "the condition ended the loop after " + std::to_string(done) +
                                    " of " + std::to_string(trips) +
                                    " iterations: scan outputs whose length depends on the "
                                    "data are not supported");
    for (size_t i = 0; i < s->carried; ++i)
        outputs[i] = std::move(carried[i]);
    return Ok{};
}

// ---------------------------------------------------------------------------------------
// Scan (opset 9+): inputs (states..., scan inputs...), outputs (final states..., scan
// outputs...); the body takes (states..., one slice of each scan input) and gives (states...,
// one slice of each scan output).

struct ScanShape
{
    const Model* body = nullptr;
    size_t states = 0;   // N
    size_t inputs = 0;   // M
    size_t outputs = 0;  // K
    std::vector<size_t> in_axes;
    std::vector<int64_t> in_reverse;
    std::vector<int64_t> out_axes;  // normalized in infer (against the slice rank + 1)
    std::vector<int64_t> out_reverse;
};

/// Checks a direction attribute (0 forward, 1 reverse) of `n` entries (default forward).
Result<std::vector<int64_t>, std::string> directions(const Node& node,
                                                     std::string_view name,
                                                     size_t n)
{
    auto d = node.attr_ints(name).value_or(std::vector<int64_t>(n, 0));
    if (d.size() != n)
        return node_error(node, std::string(name) + " must have " + std::to_string(n) + " entries")
            .error();
    for (auto v : d)
        if (v != 0 && v != 1)
            return node_error(node, std::string(name) + " entries must be 0 or 1").error();
    return d;
}

Result<ScanShape, std::string> scan_shape(const Node& node,
                                          std::span<const ValueInfo* const> inputs,
                                          size_t outputs)
{
    if (node.opset < 9)
        return node_error(node, "unsupported: Scan before opset 9 (batched, with sequence_lens)")
            .error();
    auto body = graph_attr(node, "body");
    if (!body)
        return body.error();
    ScanShape s;
    s.body = *body;
    const int64_t m = node.attr_int("num_scan_inputs", 0);
    if (m < 1 || static_cast<size_t>(m) > node.explicit_inputs)
        return node_error(node,
                          "num_scan_inputs must be 1.." + std::to_string(node.explicit_inputs))
            .error();
    s.inputs = static_cast<size_t>(m);
    s.states = node.explicit_inputs - s.inputs;
    if (outputs < s.states)
        return node_error(node, "fewer outputs than state values").error();
    s.outputs = outputs - s.states;
    if (formal_inputs(*s.body) != s.states + s.inputs ||
        s.body->outputs.size() != s.states + s.outputs)
        return node_error(node, "the body's inputs and outputs do not match the node's").error();
    for (size_t i = 0; i < node.explicit_inputs; ++i)
        if (!inputs[i])
            return node_error(node, "input " + std::to_string(i) + " is omitted").error();
    const auto axes = node.attr_ints("scan_input_axes").value_or(std::vector<int64_t>(s.inputs, 0));
    if (axes.size() != s.inputs)
        return node_error(node, "scan_input_axes must have one entry per scan input").error();
    for (size_t j = 0; j < s.inputs; ++j)
    {
        const auto a = normalize_axis(axes[j], inputs[s.states + j]->shape.size());
        if (!a)
            return node_error(node, "scan_input_axes[" + std::to_string(j) + "] out of range")
                .error();
        s.in_axes.push_back(*a);
    }
    auto in_rev = directions(node, "scan_input_directions", s.inputs);
    if (!in_rev)
        return in_rev.error();
    s.in_reverse = std::move(*in_rev);
    s.out_axes = node.attr_ints("scan_output_axes").value_or(std::vector<int64_t>(s.outputs, 0));
    if (s.out_axes.size() != s.outputs)
        return node_error(node, "scan_output_axes must have one entry per scan output").error();
    auto out_rev = directions(node, "scan_output_directions", s.outputs);
    if (!out_rev)
        return out_rev.error();
    s.out_reverse = std::move(*out_rev);
    return s;
}

/// Dims of `shape` before `axis` multiplied (outer) and after it (inner).
std::pair<size_t, size_t> split_at(std::span<const int64_t> shape, size_t axis)
{
    size_t outer = 1;
    size_t inner = 1;
    for (size_t d = 0; d < shape.size(); ++d)
        (d < axis ? outer : inner) *= d == axis ? 1 : static_cast<size_t>(shape[d]);
    return {outer, inner};
}

std::vector<ValueInfo> scan_body_infos(const Node& node,
                                       const ScanShape& s,
                                       std::span<const ValueInfo* const> inputs)
{
    std::vector<ValueInfo> infos;
    for (size_t i = 0; i < s.states; ++i)
        infos.push_back(shape_of(*inputs[i]));
    for (size_t j = 0; j < s.inputs; ++j)
    {
        ValueInfo slice = shape_of(*inputs[s.states + j]);
        slice.shape.erase(slice.shape.begin() + static_cast<ptrdiff_t>(s.in_axes[j]));
        infos.push_back(std::move(slice));
    }
    append_capture_infos(node, *s.body, inputs, infos);
    return infos;
}

Status infer_scan(const Node& node,
                  std::span<const ValueInfo* const> inputs,
                  std::span<ValueInfo> outputs,
                  OpCost& cost,
                  GraphContext& ctx)
{
    auto s = scan_shape(node, inputs, outputs.size());
    if (!s)
        return s.error();
    const int64_t trips = inputs[s->states]->shape[s->in_axes[0]];
    for (size_t j = 1; j < s->inputs; ++j)
        if (inputs[s->states + j]->shape[s->in_axes[j]] != trips)
            return node_error(node, "scan inputs have different lengths along their axes");
    auto p = ctx.plan(*s->body, scan_body_infos(node, *s, inputs));
    if (!p)
        return node_error(node, "body: " + p.error());
    uint64_t copied = 0;
    for (size_t i = 0; i < s->states; ++i)
    {
        const auto& in = *inputs[i];
        const auto& out = p->outputs[i];
        if (in.dtype != out.dtype || in.shape != out.shape)
            return node_error(node, "state " + std::to_string(i) + " goes in as " +
                                        type_string(in) + " and comes out as " + type_string(out) +
                                        "; states that change shape are not supported");
        outputs[i] = shape_of(in);
        copied += static_cast<uint64_t>(in.elements());
    }
    for (size_t j = 0; j < s->inputs; ++j)
        copied +=
            static_cast<uint64_t>(inputs[s->states + j]->elements() / std::max<int64_t>(trips, 1));
    for (size_t k = 0; k < s->outputs; ++k)
    {
        const auto& slice = p->outputs[s->states + k];
        const auto axis = normalize_axis(s->out_axes[k], slice.shape.size() + 1);
        if (!axis)
            return node_error(node, "scan_output_axes[" + std::to_string(k) + "] out of range");
        auto& out = outputs[s->states + k];
        out.dtype = slice.dtype;
        out.shape = slice.shape;
        out.shape.insert(out.shape.begin() + static_cast<ptrdiff_t>(*axis), trips);
        copied += static_cast<uint64_t>(slice.elements());
    }
    cost = times(iteration_cost(p->cost, copied), static_cast<uint64_t>(trips));
    return Ok{};
}

Status run_scan(const Node& node,
                std::span<const ValueInfo* const> infos,
                std::span<const Tensor* const> inputs,
                std::span<Tensor> outputs,
                GraphContext& ctx)
{
    auto s = scan_shape(node, infos, outputs.size());
    if (!s)
        return s.error();
    const auto trips = static_cast<size_t>(inputs[s->states]->shape[s->in_axes[0]]);
    const std::vector<ValueInfo> body_infos = scan_body_infos(node, *s, infos);
    std::vector<Tensor> states;
    for (size_t i = 0; i < s->states; ++i)
        states.push_back(*inputs[i]);
    std::vector<Tensor> slices(s->inputs);
    std::vector<const Tensor*> body_inputs;
    for (size_t t = 0; t < trips; ++t)
    {
        for (size_t j = 0; j < s->inputs; ++j)
        {
            const Tensor& in = *inputs[s->states + j];
            const size_t axis = s->in_axes[j];
            const size_t at = s->in_reverse[j] ? trips - 1 - t : t;
            const auto [outer, inner] = split_at(in.shape, axis);
            const size_t bytes = inner * dtype_size(in.dtype);
            Tensor& slice = slices[j];
            slice.dtype = in.dtype;
            slice.shape = body_infos[s->states + j].shape;
            slice.data.resize(outer * bytes);
            for (size_t o = 0; o < outer; ++o)
                std::memcpy(slice.data.data() + o * bytes,
                            in.data.data() + (o * trips + at) * bytes, bytes);
        }
        body_inputs.clear();
        for (const auto& st : states)
            body_inputs.push_back(&st);
        for (const auto& sl : slices)
            body_inputs.push_back(&sl);
        append_capture_tensors(node, *s->body, inputs, body_inputs);
        auto r = ctx.run(*s->body, body_infos, body_inputs);
        if (!r)
            return node_error(node, "body, iteration " + std::to_string(t) + ": " + r.error());
        for (size_t i = 0; i < s->states; ++i)
            states[i] = std::move((*r)[i]);
        for (size_t k = 0; k < s->outputs; ++k)
        {
            const Tensor& slice = (*r)[s->states + k];
            Tensor& out = outputs[s->states + k];
            const auto axis = *normalize_axis(s->out_axes[k], slice.shape.size() + 1);
            const size_t at = s->out_reverse[k] ? trips - 1 - t : t;
            const auto [outer, inner] = split_at(out.shape, axis);
            const size_t bytes = inner * dtype_size(out.dtype);
            if (slice.data.size() != outer * bytes)
                return node_error(
                    node, "scan output " + std::to_string(k) + " changed shape between iterations");
            for (size_t o = 0; o < outer; ++o)
                std::memcpy(out.data.data() + (o * trips + at) * bytes,
                            slice.data.data() + o * bytes, bytes);
        }
    }
    for (size_t i = 0; i < s->states; ++i)
        outputs[i] = std::move(states[i]);
    return Ok{};
}

/// infer/run of the table rows: control flow goes through graph_infer/graph_run, never these.
Status not_direct(const Node& node, std::span<const ValueInfo* const>, std::span<ValueInfo>)
{
    return node_error(node, "control flow is planned by the engine");
}

Status not_direct_run(const Node& node, std::span<const Tensor* const>, std::span<Tensor>)
{
    return node_error(node, "control flow is run by the engine");
}

// clang-format off
constexpr OpDef kControlOps[] = {
    {"If",   1, 1,   1, 255, not_direct, not_direct_run, nullptr, infer_if,   run_if},
    {"Loop", 2, 255, 0, 255, not_direct, not_direct_run, nullptr, infer_loop, run_loop},
    {"Scan", 1, 255, 1, 255, not_direct, not_direct_run, nullptr, infer_scan, run_scan},
};
// clang-format on

}  // namespace

std::span<const OpDef> control_flow_ops() noexcept
{
    return kControlOps;
}

}  // namespace tern::ml
