// Shape planning, cost and execution of a loaded model.

#include "ml/engine.hpp"

#include "ml/codec.hpp"

#include <algorithm>
#include <limits>

namespace tern::ml {
namespace {

/// Outputs up to this many elements are computed at plan time when all inputs are known
/// (shape arithmetic such as Shape -> Gather -> Concat -> Reshape).
constexpr int64_t kFoldElements = 4096;
/// Folding is work done by cost(), before any gas is charged for the run: only MAC-free nodes
/// are folded, and at most this many elements touched per plan (shape arithmetic needs a few
/// hundred); beyond it nodes run (paid) at execution time.
constexpr uint64_t kFoldBudget = 1 << 16;
/// Shape errors one refusal lists before "and N more".
constexpr size_t kMaxErrorsListed = 20;

uint64_t sat_add(uint64_t a, uint64_t b) noexcept
{
    return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                        : a + b;
}

uint64_t ceil_div(uint64_t a, uint64_t b) noexcept
{
    return a / b + (a % b != 0);
}

struct Plan
{
    std::vector<ValueInfo> infos;
    CostReport report;
};

uint64_t gas_of(const CostReport& r) noexcept
{
    uint64_t g = kGasBase;
    g = sat_add(g, ceil_div(r.macs, kMacsPerGas));
    g = sat_add(g, ceil_div(r.elements, kElementsPerGas));
    g = sat_add(g, r.nodes * kGasPerNode);
    g = sat_add(g, ceil_div(r.weight_bytes, 32) * kGasPerWeightWord);
    return g;
}

Status check_shape(const std::string& what, std::span<const int64_t> shape, const Limits& limits)
{
    // The on-chain encoding carries at most kMaxEncodedRank dims.
    const size_t max_rank = std::min<size_t>(limits.max_rank, kMaxEncodedRank);
    if (shape.size() > max_rank)
        return what + " has rank " + std::to_string(shape.size()) + " above the limit " +
               std::to_string(max_rank);
    if (checked_elements(shape, static_cast<int64_t>(limits.max_tensor_elements)) < 0)
        return what + " has shape " + shape_string(shape) +
               " (negative dim or more than the limit of " +
               std::to_string(limits.max_tensor_elements) + " elements)";
    return Ok{};
}

Result<Plan, std::string> make_plan(const Model& model,
                                    std::span<const Tensor> inputs,
                                    const Limits& limits)
{
    if (inputs.size() != model.inputs.size())
        return "model takes " + std::to_string(model.inputs.size()) + " inputs, got " +
               std::to_string(inputs.size());
    Plan plan;
    plan.infos.resize(static_cast<size_t>(model.value_count));
    for (size_t i = 0; i < model.initializers.size(); ++i)
        if (const auto& t = model.initializers[i])
        {
            auto& info = plan.infos[i];
            info.dtype = t->dtype;
            info.shape = t->shape;
            info.value = t;
        }
    for (size_t k = 0; k < inputs.size(); ++k)
    {
        const auto& io = model.inputs[k];
        const auto& in = inputs[k];
        const std::string what = "input '" + io.name + "'";
        if (in.dtype != io.dtype)
            return what + " must be " + std::string(dtype_name(io.dtype)) + ", got " +
                   std::string(dtype_name(in.dtype));
        if (io.rank_known)
        {
            bool ok = in.shape.size() == io.shape.size();
            for (size_t d = 0; ok && d < io.shape.size(); ++d)
                ok = io.shape[d] < 0 || io.shape[d] == in.shape[d];
            if (!ok)
                return what + " must have shape " + shape_string(io.shape) + " (-1: any), got " +
                       shape_string(in.shape);
        }
        if (auto st = check_shape(what, in.shape, limits); !st)
            return st.error();
        auto& info = plan.infos[static_cast<size_t>(io.value)];
        info.dtype = in.dtype;
        info.shape = in.shape;
        plan.report.elements = sat_add(plan.report.elements, static_cast<uint64_t>(in.elements()));
    }
    plan.report.weight_bytes = model.weight_bytes;
    plan.report.nodes = model.nodes.size();

    std::vector<const ValueInfo*> in_infos;
    std::vector<const Tensor*> in_values;
    uint64_t fold_budget = kFoldBudget;
    // A node whose shapes cannot be inferred poisons its outputs: the nodes that depend on them
    // are skipped, the others still checked, so one refusal lists every unsatisfiable shape.
    std::vector<std::string> errors;
    std::vector<uint8_t> poisoned(static_cast<size_t>(model.value_count), 0);
    std::string crossed_at;  // the node where the cost first went over the limit
    const auto fail = [&](const Node& node, std::string error) {
        errors.push_back(std::move(error));
        for (auto id : node.outputs)
            if (id >= 0)
                poisoned[static_cast<size_t>(id)] = 1;
    };
    for (const auto& node : model.nodes)
    {
        in_infos.clear();
        bool all_known = true;
        bool skip = false;
        for (auto id : node.inputs)
        {
            const ValueInfo* vi = id >= 0 ? &plan.infos[static_cast<size_t>(id)] : nullptr;
            in_infos.push_back(vi);
            if (vi && !vi->value)
                all_known = false;
            skip = skip || (id >= 0 && poisoned[static_cast<size_t>(id)]);
        }
        if (skip)
        {
            for (auto id : node.outputs)
                if (id >= 0)
                    poisoned[static_cast<size_t>(id)] = 1;
            continue;
        }
        std::vector<ValueInfo> outs(node.outputs.size());
        if (auto st = node.op->infer(node, in_infos, outs); !st)
        {
            fail(node, st.error());
            continue;
        }
        bool small = true;
        std::string bad_shape;
        for (size_t k = 0; k < outs.size() && bad_shape.empty(); ++k)
        {
            const std::string what =
                node.op_type + " (node " + node.name + ") output " + std::to_string(k);
            if (auto st = check_shape(what, outs[k].shape, limits); !st)
                bad_shape = st.error();
            if (outs[k].elements() > kFoldElements)
                small = false;
        }
        if (!bad_shape.empty())
        {
            fail(node, std::move(bad_shape));
            continue;
        }
        const OpCost c = node.op->cost ? node.op->cost(node, in_infos, outs) : [&] {
            OpCost d;
            for (const auto* vi : in_infos)
                if (vi)
                    d.elements += static_cast<uint64_t>(vi->elements());
            for (const auto& o : outs)
                d.elements += static_cast<uint64_t>(o.elements());
            return d;
        }();
        // Whatever an op's cost function says, every output element written is paid for
        // (this is what bounds a run's memory by its gas).
        uint64_t written = 0;
        for (const auto& o : outs)
            if (!o.value)
                written = sat_add(written, static_cast<uint64_t>(o.elements()));
        plan.report.macs = sat_add(plan.report.macs, c.macs);
        plan.report.elements =
            sat_add(plan.report.elements, c.elements < written ? written - c.elements : 0);
        plan.report.elements = sat_add(plan.report.elements, c.elements);
        if (crossed_at.empty() && gas_of(plan.report) > limits.max_cost)
            crossed_at = node.name;

        // Constant folding of small all-constant nodes (shape arithmetic).
        bool folded = true;
        for (const auto& o : outs)
            folded = folded && o.value;
        if (!folded && all_known && small && c.macs == 0 && c.elements <= fold_budget)
        {
            fold_budget -= c.elements;
            in_values.clear();
            for (const auto* vi : in_infos)
                in_values.push_back(vi ? vi->value.get() : nullptr);
            std::vector<Tensor> results;
            for (const auto& o : outs)
                results.push_back(Tensor::zeros(o.dtype, o.shape));
            if (auto st = node.op->run(node, in_values, results); !st)
            {
                fail(node, st.error());
                continue;
            }
            for (size_t k = 0; k < outs.size(); ++k)
                outs[k].value = std::make_shared<const Tensor>(std::move(results[k]));
        }
        for (size_t k = 0; k < outs.size(); ++k)
            if (node.outputs[k] >= 0)
                plan.infos[static_cast<size_t>(node.outputs[k])] = std::move(outs[k]);
    }
    if (!errors.empty())
    {
        std::string msg = errors[0];
        for (size_t k = 1; k < errors.size() && k < kMaxErrorsListed; ++k)
            msg += "; " + errors[k];
        if (errors.size() > kMaxErrorsListed)
            msg += "; and " + std::to_string(errors.size() - kMaxErrorsListed) + " more";
        return msg;
    }
    plan.report.gas = gas_of(plan.report);
    if (!crossed_at.empty())
        return "cost exceeds the limit of " + std::to_string(limits.max_cost) +
               ": the model costs " + std::to_string(plan.report.gas) +
               " gas in total (over at node " + crossed_at + ")";
    return plan;
}

}  // namespace

Result<CostReport, std::string> cost_report(const Model& model,
                                            std::span<const Tensor> inputs,
                                            const Limits& limits)
{
    auto plan = make_plan(model, inputs, limits);
    if (!plan)
        return plan.error();
    return plan->report;
}

Result<uint64_t, std::string> cost(const Model& model,
                                   std::span<const Tensor> inputs,
                                   const Limits& limits)
{
    auto r = cost_report(model, inputs, limits);
    if (!r)
        return r.error();
    return r->gas;
}

Result<std::vector<Tensor>, std::string> run(const Model& model,
                                             std::span<const Tensor> inputs,
                                             const Limits& limits,
                                             const Deadline* deadline)
{
    auto plan_r = make_plan(model, inputs, limits);
    if (!plan_r)
        return plan_r.error();
    auto& plan = *plan_r;
    for (size_t k = 0; k < inputs.size(); ++k)
        if (inputs[k].data.size() !=
            static_cast<size_t>(inputs[k].elements()) * dtype_size(inputs[k].dtype))
            return "input '" + model.inputs[k].name + "' has " +
                   std::to_string(inputs[k].data.size()) + " data bytes for shape " +
                   shape_string(inputs[k].shape);

    // Live values: initializers and folded constants are shared, inputs borrowed.
    std::vector<std::shared_ptr<const Tensor>> vals(static_cast<size_t>(model.value_count));
    for (size_t i = 0; i < vals.size(); ++i)
        vals[i] = plan.infos[i].value;
    for (size_t k = 0; k < inputs.size(); ++k)
        vals[static_cast<size_t>(model.inputs[k].value)] =
            std::shared_ptr<const Tensor>(std::shared_ptr<const Tensor>(), &inputs[k]);

    std::vector<const Tensor*> in_ptrs;
    std::vector<Tensor> results;
    for (size_t ni = 0; ni < model.nodes.size(); ++ni)
    {
        if (deadline != nullptr && deadline->expired())
            return std::string(kInterrupted);
        const auto& node = model.nodes[ni];
        bool done = true;
        for (auto id : node.outputs)
            done = done && (id < 0 || vals[static_cast<size_t>(id)]);
        if (!done)
        {
            in_ptrs.clear();
            for (auto id : node.inputs)
                in_ptrs.push_back(id >= 0 ? vals[static_cast<size_t>(id)].get() : nullptr);
            results.clear();
            for (size_t k = 0; k < node.outputs.size(); ++k)
            {
                // Omitted optional outputs still get a buffer (kernels write every output).
                const auto id = node.outputs[k];
                if (id >= 0)
                {
                    const auto& info = plan.infos[static_cast<size_t>(id)];
                    results.push_back(Tensor::zeros(info.dtype, info.shape));
                }
                else
                    results.emplace_back();
            }
            if (auto st = node.op->run(node, in_ptrs, results); !st)
                return st.error();
            for (size_t k = 0; k < node.outputs.size(); ++k)
                if (node.outputs[k] >= 0)
                    vals[static_cast<size_t>(node.outputs[k])] =
                        std::make_shared<const Tensor>(std::move(results[k]));
        }
        for (auto id : node.inputs)
            if (id >= 0 && model.last_use[static_cast<size_t>(id)] == static_cast<int32_t>(ni) &&
                !plan.infos[static_cast<size_t>(id)].value)
                vals[static_cast<size_t>(id)].reset();
    }
    std::vector<Tensor> outputs;
    outputs.reserve(model.outputs.size());
    for (const auto& io : model.outputs)
    {
        const auto& v = vals[static_cast<size_t>(io.value)];
        if (!v)
            return "graph output '" + io.name + "' was not computed";
        outputs.push_back(*v);
    }
    return outputs;
}

}  // namespace tern::ml
