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
/// Node plans a Loop's per-iteration planning may take before gas is charged (a body whose
/// shapes depend on the iteration number is planned once per iteration).
constexpr uint64_t kPlanningBudget = 1 << 14;
/// Shape errors one refusal lists before "and N more".
constexpr size_t kMaxErrorsListed = 20;

uint64_t ceil_div(uint64_t a, uint64_t b) noexcept
{
    return a / b + (a % b != 0);
}

struct Plan
{
    std::vector<ValueInfo> infos;
    CostReport report;
};

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

/// Checks a graph input's info against what the graph declares.
Status check_input(const ModelIo& io, const ValueInfo& in)
{
    const std::string what = "input '" + io.name + "'";
    if (io.dtype_known && in.dtype != io.dtype)
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
    return Ok{};
}

/// Plans and executes graphs: the main one, and the subgraphs of control-flow nodes (as their
/// GraphContext).
class Engine final : public GraphContext
{
public:
    Engine(const Limits& limits, const Deadline* deadline) : limits_(limits), deadline_(deadline) {}

    /// Infers every value of `model` from its inputs' infos, adding the nodes' work to
    /// plan.report (seeded by the caller). With `check_limit` (the main graph) the running
    /// total is checked against limits.max_cost.
    Result<Plan, std::string> plan_graph(const Model& model,
                                         std::span<const ValueInfo> inputs,
                                         CostReport seed,
                                         bool check_limit);

    /// Runs `model` on `inputs` with a plan made for them.
    Result<std::vector<Tensor>, std::string> execute(const Model& model,
                                                     const Plan& plan,
                                                     std::span<const Tensor* const> inputs);

    Result<SubgraphPlan, std::string> plan(const Model& graph,
                                           std::span<const ValueInfo> inputs) override
    {
        auto p = plan_graph(graph, inputs, {}, false);
        if (!p)
            return p.error();
        SubgraphPlan sp;
        for (const auto& io : graph.outputs)
            sp.outputs.push_back(p->infos[static_cast<size_t>(io.value)]);
        sp.cost.gemm_macs = p->report.gemm_macs;
        sp.cost.macs = p->report.macs;
        sp.cost.int_macs = p->report.int_macs;
        sp.cost.special_macs = p->report.special_macs;
        sp.cost.elements = p->report.elements;
        sp.cost.nodes = p->report.nodes;
        return sp;
    }

    Result<std::vector<Tensor>, std::string> run(const Model& graph,
                                                 std::span<const ValueInfo> infos,
                                                 std::span<const Tensor* const> inputs) override
    {
        // A run is paid for: every subgraph run gets the whole folding budget, so it folds at
        // least what the cost's planning did and infers the same shapes.
        fold_budget_ = kFoldBudget;
        planning_budget_ = kPlanningBudget;
        auto p = plan_graph(graph, infos, {}, false);
        if (!p)
            return p.error();
        return execute(graph, *p, inputs);
    }

    bool reserve_planning(uint64_t nodes) override
    {
        if (nodes > planning_budget_)
            return false;
        planning_budget_ -= nodes;
        return true;
    }

private:
    const Limits& limits_;
    const Deadline* deadline_;
    uint64_t fold_budget_ = kFoldBudget;
    uint64_t planning_budget_ = kPlanningBudget;
};

Result<Plan, std::string> Engine::plan_graph(const Model& model,
                                             std::span<const ValueInfo> inputs,
                                             CostReport seed,
                                             bool check_limit)
{
    if (inputs.size() != model.inputs.size())
        return "graph takes " + std::to_string(model.inputs.size()) + " inputs, got " +
               std::to_string(inputs.size());
    Plan plan;
    plan.report = seed;
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
        if (auto st = check_input(io, inputs[k]); !st)
            return st.error();
        plan.infos[static_cast<size_t>(io.value)] = inputs[k];
    }
    plan.report.nodes = sat_add(plan.report.nodes, model.nodes.size());

    std::vector<const ValueInfo*> in_infos;
    std::vector<const Tensor*> in_values;
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
        OpCost graph_cost;
        if (auto st = node.op->graph_infer
                          ? node.op->graph_infer(node, in_infos, outs, graph_cost, *this)
                          : node.op->infer(node, in_infos, outs);
            !st)
        {
            fail(node, st.error());
            continue;
        }
        bool small = true;
        std::string bad_shape;
        for (size_t k = 0; k < outs.size() && bad_shape.empty(); ++k)
        {
            // The name is built only for the message (planning runs for every node of every
            // call).
            if (auto st = check_shape("", outs[k].shape, limits_); !st)
                bad_shape = node.op_type + " (node " + node.name + ") output " + std::to_string(k) +
                            st.error();
            if (outs[k].elements() > kFoldElements)
                small = false;
        }
        if (!bad_shape.empty())
        {
            fail(node, std::move(bad_shape));
            continue;
        }
        const OpCost c = node.op->graph_infer ? graph_cost
                         : node.op->cost
                             ? node.op->cost(node, in_infos, outs)
                             : [&] {
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
        plan.report.gemm_macs = sat_add(plan.report.gemm_macs, c.gemm_macs);
        plan.report.macs = sat_add(plan.report.macs, c.macs);
        plan.report.int_macs = sat_add(plan.report.int_macs, c.int_macs);
        plan.report.special_macs = sat_add(plan.report.special_macs, c.special_macs);
        plan.report.elements =
            sat_add(plan.report.elements, c.elements < written ? written - c.elements : 0);
        plan.report.elements = sat_add(plan.report.elements, c.elements);
        plan.report.nodes = sat_add(plan.report.nodes, c.nodes);
        if (check_limit && crossed_at.empty() &&
            gas_of(plan.report, limits_.schedule) > limits_.max_cost)
            crossed_at = node.name;

        // Constant folding of small all-constant nodes (shape arithmetic); control flow is
        // never folded (a constant If condition already gives constant outputs).
        bool folded = true;
        for (const auto& o : outs)
            folded = folded && o.value;
        if (!folded && !node.op->graph_infer && all_known && small && c.macs == 0 &&
            c.gemm_macs == 0 && c.int_macs == 0 && c.special_macs == 0 &&
            c.elements <= fold_budget_)
        {
            fold_budget_ -= c.elements;
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
    plan.report.gas = gas_of(plan.report, limits_.schedule);
    if (!crossed_at.empty())
        return "cost exceeds the limit of " + std::to_string(limits_.max_cost) +
               ": the model costs " + std::to_string(plan.report.gas) +
               " gas in total (over at node " + crossed_at + ")";
    return plan;
}

Result<std::vector<Tensor>, std::string> Engine::execute(const Model& model,
                                                         const Plan& plan,
                                                         std::span<const Tensor* const> inputs)
{
    // Live values: initializers and folded constants are shared, inputs borrowed.
    std::vector<std::shared_ptr<const Tensor>> vals(static_cast<size_t>(model.value_count));
    for (size_t i = 0; i < vals.size(); ++i)
        vals[i] = plan.infos[i].value;
    for (size_t k = 0; k < inputs.size(); ++k)
        if (!vals[static_cast<size_t>(model.inputs[k].value)])
            vals[static_cast<size_t>(model.inputs[k].value)] =
                std::shared_ptr<const Tensor>(std::shared_ptr<const Tensor>(), inputs[k]);

    std::vector<const Tensor*> in_ptrs;
    std::vector<const ValueInfo*> in_infos;
    std::vector<Tensor> results;
    for (size_t ni = 0; ni < model.nodes.size(); ++ni)
    {
        if (deadline_ != nullptr && deadline_->expired())
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
            if (node.op->graph_run)
            {
                in_infos.clear();
                for (auto id : node.inputs)
                    in_infos.push_back(id >= 0 ? &plan.infos[static_cast<size_t>(id)] : nullptr);
                if (auto st = node.op->graph_run(node, in_infos, in_ptrs, results, *this); !st)
                    return st.error();
            }
            else if (auto st = node.op->run(node, in_ptrs, results); !st)
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

/// The main graph's plan for these input tensors (their shapes and dtypes; data unread).
Result<Plan, std::string> make_plan(Engine& engine,
                                    const Model& model,
                                    std::span<const Tensor> inputs,
                                    const Limits& limits)
{
    if (inputs.size() != model.inputs.size())
        return "model takes " + std::to_string(model.inputs.size()) + " inputs, got " +
               std::to_string(inputs.size());
    CostReport seed;
    std::vector<ValueInfo> infos(inputs.size());
    for (size_t k = 0; k < inputs.size(); ++k)
    {
        const auto& in = inputs[k];
        if (auto st = check_input(model.inputs[k], ValueInfo{in.dtype, in.shape, nullptr}); !st)
            return st.error();
        if (auto st = check_shape("input '" + model.inputs[k].name + "'", in.shape, limits); !st)
            return st.error();
        infos[k].dtype = in.dtype;
        infos[k].shape = in.shape;
        seed.elements = sat_add(seed.elements, static_cast<uint64_t>(in.elements()));
    }
    seed.weight_bytes = model.weight_bytes;
    return engine.plan_graph(model, infos, seed, true);
}

}  // namespace

const GasSchedule* gas_schedule(uint64_t n) noexcept
{
    return n == 1 ? &kGasSchedule1 : n == 2 ? &kGasSchedule2 : nullptr;
}

uint64_t gas_of(const CostReport& r, const GasSchedule& s) noexcept
{
    // Weights are per 64 units; the classes are summed before rounding up, so schedule 1
    // (weight 64 for every kind of MAC) charges exactly one gas per MAC.
    const auto per64 = [](uint64_t units, uint64_t weight) {
        const uint64_t w = sat_mul(units, weight);
        return w == UINT64_MAX ? w : ceil_div(w, 64);
    };
    const uint64_t mac_weight = sat_add(sat_add(sat_add(sat_mul(r.gemm_macs, s.gemm_macs_per_64),
                                                        sat_mul(r.macs, s.float_macs_per_64)),
                                                sat_mul(r.int_macs, s.int_macs_per_64)),
                                        sat_mul(r.special_macs, s.special_macs_per_64));
    uint64_t g = s.base;
    g = sat_add(g, mac_weight == UINT64_MAX ? mac_weight : ceil_div(mac_weight, 64));
    g = sat_add(g, per64(r.elements, s.elements_per_64));
    g = sat_add(g, sat_mul(r.nodes, s.per_node));
    g = sat_add(g, sat_mul(ceil_div(r.weight_bytes, 32), s.per_weight_word));
    return g;
}

Result<CostReport, std::string> cost_report(const Model& model,
                                            std::span<const Tensor> inputs,
                                            const Limits& limits)
{
    Engine engine(limits, nullptr);
    auto plan = make_plan(engine, model, inputs, limits);
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
    Engine engine(limits, deadline);
    auto plan = make_plan(engine, model, inputs, limits);
    if (!plan)
        return plan.error();
    for (size_t k = 0; k < inputs.size(); ++k)
        if (inputs[k].data.size() !=
            static_cast<size_t>(inputs[k].elements()) * dtype_size(inputs[k].dtype))
            return "input '" + model.inputs[k].name + "' has " +
                   std::to_string(inputs[k].data.size()) + " data bytes for shape " +
                   shape_string(inputs[k].shape);
    std::vector<const Tensor*> ptrs;
    for (const auto& t : inputs)
        ptrs.push_back(&t);
    return engine.execute(model, *plan, ptrs);
}

}  // namespace tern::ml
