#pragma once

// How an operator plugs into the engine. Each op is one OpDef row: arity, shape inference,
// cost and kernel. Rows live in const tables (one per source file: ops_struct.cpp,
// ops_quant.cpp, ops_float*.cpp, ops_logic.cpp, ops_index.cpp, ops_reduce.cpp,
// ops_einsum.cpp, ops_recurrent.cpp) that find_op() searches; there is no mutable registry. To add
// an op: write infer + run (+ cost when the default "elements touched" is wrong) and append a row
// to your file's table.

#include "ml/tensor.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::ml {

struct OpDef;
struct Model;

/// One node attribute (the subset of ONNX AttributeProto kinds the engine uses).
struct Attribute
{
    /// Which member holds the value.
    enum class Kind : uint8_t
    {
        Int,
        Float,
        String,
        Ints,
        Floats,
        Tensor,
        Graph,
        Strings,
    };
    /// Which member below is set.
    Kind kind = Kind::Int;
    /// Kind::Int value.
    int64_t i = 0;
    /// Kind::Float value.
    float f = 0;
    /// Kind::String value.
    std::string s;
    /// Kind::Ints value.
    std::vector<int64_t> ints;
    /// Kind::Floats value.
    std::vector<float> floats;
    /// Kind::Tensor value (shared: Constant nodes hand it out without copying).
    std::shared_ptr<const Tensor> t;
    /// Kind::Graph value: a subgraph (If's branches, Loop's and Scan's body), loaded and
    /// validated like the main graph.
    std::shared_ptr<const Model> g;
    /// Kind::Strings value (the recurrent ops' activations, ai.onnx.ml enums such as nodes_modes,
    /// string class labels).
    std::vector<std::string> strings;
};

/// A graph node after loading: its op row, value ids and attributes.
struct Node
{
    /// The op's table row (never null after loading).
    const OpDef* op = nullptr;
    /// ONNX op_type, e.g. "QLinearMatMul".
    std::string op_type;
    /// Node name from the model, or "#index" when it has none (messages).
    std::string name;
    /// Opset version the model imports for this node's domain (ai.onnx, or ai.onnx.ml for the
    /// classical-ML ops); ops whose semantics changed between versions check it, e.g. Squeeze
    /// axes moved from attribute to input at 13.
    int64_t opset = 0;
    /// Value ids of the inputs; -1 for an omitted optional input ("" in ONNX). Inputs past
    /// `explicit_inputs` are outer values that the node's subgraphs read (captures).
    std::vector<int32_t> inputs;
    /// How many inputs the ONNX node lists (the rest of `inputs` are captures).
    size_t explicit_inputs = 0;
    /// Value ids of the outputs; -1 for an omitted optional output.
    std::vector<int32_t> outputs;
    /// Attributes sorted by name.
    std::vector<std::pair<std::string, Attribute>> attrs;

    /// The attribute `name`, or nullptr.
    const Attribute* attr(std::string_view name) const noexcept;
    /// Int attribute `name`, or `def` when absent or of another kind.
    int64_t attr_int(std::string_view name, int64_t def) const noexcept;
    /// Float attribute `name`, or `def` when absent or of another kind.
    float attr_float(std::string_view name, float def) const noexcept;
    /// String attribute `name`, or `def` when absent or of another kind.
    std::string attr_string(std::string_view name, std::string_view def) const;
    /// Ints attribute `name`, or nullopt when absent or of another kind.
    std::optional<std::vector<int64_t>> attr_ints(std::string_view name) const;
    /// Floats attribute `name`, or nullopt when absent or of another kind.
    std::optional<std::vector<float>> attr_floats(std::string_view name) const;
    /// Graph attribute `name`, or nullptr when absent or of another kind.
    const Model* attr_graph(std::string_view name) const noexcept;
    /// Strings attribute `name`, or nullopt when absent or of another kind.
    std::optional<std::vector<std::string>> attr_strings(std::string_view name) const;
};

/// What shape inference knows about a value: type, concrete shape and, when the value is an
/// initializer/Constant or was folded from them (shape arithmetic), the value itself.
struct ValueInfo
{
    /// Element type.
    DType dtype = DType::FLOAT;
    /// Concrete dims.
    std::vector<int64_t> shape;
    /// Known value (non-null only for constants); ops that need values to know their output
    /// shape (Reshape, Slice, ...) read it here and refuse "dynamic shape cannot be bounded"
    /// when it is null.
    std::shared_ptr<const Tensor> value;

    /// Element count (product of the shape), saturating at INT64_MAX: cost functions may see
    /// shapes no tensor could have (the planner checks outputs against the limits after).
    int64_t elements() const noexcept
    {
        int64_t n = 1;
        for (auto d : shape)
            if (__builtin_mul_overflow(n, d, &n))
                return INT64_MAX;
        return n;
    }
};

/// Work of one node, the input to the gas formula (docs/ml.md "Cost model").
struct OpCost
{
    /// Float multiply-accumulates run by the SIMD float GEMM (MatMul, Gemm, two-operand Einsum,
    /// Conv with constant finite weights).
    uint64_t gemm_macs = 0;
    /// Other float multiply-accumulates and float arithmetic in MAC equivalents (recurrent
    /// cells, normalizations, pooling, interpolation taps, attention, comparisons), and the
    /// integer convolutions.
    uint64_t macs = 0;
    /// Integer multiply-accumulates run by the SIMD integer GEMM (MatMulInteger, QLinearMatMul).
    uint64_t int_macs = 0;
    /// Transcendental evaluations (exp, tanh, sigmoid, erf, log, sin, cos) in MAC equivalents
    /// (kTranscendentalMacs per evaluation).
    uint64_t special_macs = 0;
    /// Elements read and written.
    uint64_t elements = 0;
    /// Graph nodes run inside subgraphs (control flow: a Loop body's nodes once per
    /// iteration), charged per node like the graph's own.
    uint64_t nodes = 0;
};

/// Shape inference: sets every outputs[k] (dtype, shape, optionally value) from the inputs.
/// inputs[k] is nullptr for an omitted optional input; inputs.size() == node.inputs.size().
/// Must validate everything the kernel relies on (ranks, dims, dtypes, attribute ranges) so
/// that run() cannot index out of bounds. Shapes are checked against limits by the caller.
using InferFn = Status (*)(const Node& node,
                           std::span<const ValueInfo* const> inputs,
                           std::span<ValueInfo> outputs);

/// Cost of the node given the inferred shapes (nullptr in OpDef: elements of all inputs and
/// outputs, zero MACs).
using CostFn = OpCost (*)(const Node& node,
                          std::span<const ValueInfo* const> inputs,
                          std::span<const ValueInfo> outputs);

/// Kernel: fills outputs, which arrive allocated (dtype, shape from infer, zeroed data).
/// inputs[k] is nullptr for an omitted optional input. Errors are for data-dependent problems
/// only (e.g. a Gather index out of range); they are deterministic.
using RunFn = Status (*)(const Node& node,
                         std::span<const Tensor* const> inputs,
                         std::span<Tensor> outputs);

/// A planned subgraph: its output infos and the work of one run of it.
struct SubgraphPlan
{
    /// Output infos in the subgraph's output order.
    std::vector<ValueInfo> outputs;
    /// Work of one run (MACs, elements, nodes).
    OpCost cost;
};

/// What control-flow ops (If, Loop, Scan) need from the engine: planning and running their
/// subgraphs with the same checks, limits and deadline as the main graph.
class GraphContext
{
public:
    /// Infers every value of `graph` from its inputs' infos (formal inputs, then captures);
    /// fails as the main graph's planning does.
    virtual Result<SubgraphPlan, std::string> plan(const Model& graph,
                                                   std::span<const ValueInfo> inputs) = 0;
    /// Runs `graph` on `inputs` (formal, then captures), whose infos are `infos` (the values of
    /// constant inputs included, so the run plans as the cost did).
    virtual Result<std::vector<Tensor>, std::string> run(const Model& graph,
                                                         std::span<const ValueInfo> infos,
                                                         std::span<const Tensor* const> inputs) = 0;

    /// Takes `nodes` node plans from the budget of planning done before gas is charged (a
    /// Loop whose body's shapes depend on the iteration number is planned once per
    /// iteration); false when the budget is spent.
    virtual bool reserve_planning(uint64_t nodes) = 0;

protected:
    ~GraphContext() = default;
};

/// Shape inference and cost of a control-flow node, which plans its subgraphs through `ctx`.
using GraphInferFn = Status (*)(const Node& node,
                                std::span<const ValueInfo* const> inputs,
                                std::span<ValueInfo> outputs,
                                OpCost& cost,
                                GraphContext& ctx);

/// Kernel of a control-flow node; `infos` are the planned infos of its inputs.
using GraphRunFn = Status (*)(const Node& node,
                              std::span<const ValueInfo* const> infos,
                              std::span<const Tensor* const> inputs,
                              std::span<Tensor> outputs,
                              GraphContext& ctx);

/// One operator of the supported set (ai.onnx or ai.onnx.ml domain).
struct OpDef
{
    /// ONNX op_type.
    std::string_view name;
    /// Input count range the loader accepts (omitted optional inputs count).
    uint8_t min_inputs = 1;
    /// Upper end of the input count range.
    uint8_t max_inputs = 1;
    /// Output count range the loader accepts.
    uint8_t min_outputs = 1;
    /// Upper end of the output count range.
    uint8_t max_outputs = 1;
    /// Shape inference (required).
    InferFn infer = nullptr;
    /// Kernel (required).
    RunFn run = nullptr;
    /// Cost; nullptr means "elements of inputs and outputs, no MACs".
    CostFn cost = nullptr;
    /// Control-flow ops only: replaces infer + cost (infer and run are then stubs that fail).
    GraphInferFn graph_infer = nullptr;
    /// Control-flow ops only: replaces run.
    GraphRunFn graph_run = nullptr;
};

/// The op named `op_type` (ai.onnx domain), or nullptr when unsupported.
const OpDef* find_op(std::string_view op_type) noexcept;

/// The op `op_type` of ONNX domain `domain` ("" or "ai.onnx": find_op(op_type); "ai.onnx.ml":
/// ml_domain_ops()), or nullptr when the domain or the op is unsupported.
const OpDef* find_op(std::string_view domain, std::string_view op_type) noexcept;

/// Every supported ai.onnx op name, sorted (docs and error messages).
std::vector<std::string_view> supported_ops();

/// Op tables, one per source file; find_op() searches them all.
std::span<const OpDef> structural_ops() noexcept;  // ops_struct.cpp
std::span<const OpDef> quant_ops() noexcept;       // ops_quant.cpp
std::span<const OpDef> float_ops() noexcept;       // ops_float.cpp (h5c)
/// Comparison and logic ops (Equal, Less, ..., Not, And, Or, Xor, Where).
std::span<const OpDef> logic_ops() noexcept;  // ops_logic.cpp
/// More elementwise ops (HardSigmoid, Elu, Floor, Round, Min, Max, Sum, Mod, Sin, ...).
std::span<const OpDef> elementwise_ops() noexcept;  // ops_float_unary.cpp
/// Index and generator ops (ConstantOfShape, Range, Trilu, OneHot, CumSum, TopK, NonZero,
/// GatherElements, GatherND, ScatterND, ScatterElements, DepthToSpace, SpaceToDepth).
std::span<const OpDef> index_ops() noexcept;  // ops_index.cpp
/// More reductions and normalizations (ReduceProd, ReduceL1, ReduceL2, ReduceLogSumExp,
/// ReduceSumSquare, ReduceLogSum, InstanceNormalization, GroupNormalization).
std::span<const OpDef> reduce_ops() noexcept;  // ops_reduce.cpp
/// Einsum for the matmul-like equations exporters write.
std::span<const OpDef> einsum_ops() noexcept;  // ops_einsum.cpp
/// Control flow with subgraphs (If, Loop, Scan).
std::span<const OpDef> control_flow_ops() noexcept;  // ops_control.cpp
/// Scaled dot-product attention (Attention, opsets 23-25).
std::span<const OpDef> attention_ops() noexcept;  // ops_attention.cpp
/// Recurrent ops (LSTM, GRU, RNN).
std::span<const OpDef> recurrent_ops() noexcept;  // ops_recurrent.cpp
/// The ai.onnx.ml domain (tree ensembles, linear models, scalers, encoders), searched only
/// for nodes of that domain.
std::span<const OpDef> ml_domain_ops() noexcept;  // ops_ml.cpp

// Helpers for op implementations.

/// inputs[k] when present (k in range and not omitted), else nullptr.
template <typename T>
const T* opt_input(std::span<const T* const> inputs, size_t k) noexcept
{
    return k < inputs.size() ? inputs[k] : nullptr;
}

/// Normalizes axis `axis` (may be negative) for a tensor of `rank`; nullopt when out of range.
std::optional<size_t> normalize_axis(int64_t axis, size_t rank) noexcept;

/// a * b, saturating at UINT64_MAX (cost arithmetic on attacker-chosen shapes).
uint64_t sat_mul(uint64_t a, uint64_t b) noexcept;

/// a + b, saturating at UINT64_MAX (cost arithmetic).
uint64_t sat_add(uint64_t a, uint64_t b) noexcept;

/// A kernel's inputs as ValueInfos whose values are the inputs themselves (not copied), so a
/// kernel re-derives a spec from its constant inputs with the helper shape inference used.
struct KnownInfos
{
    /// One per input (default for an omitted one).
    std::vector<ValueInfo> infos;
    /// &infos[k], or nullptr for an omitted input: what InferFn-style helpers take.
    std::vector<const ValueInfo*> ptrs;
};

/// The KnownInfos of `inputs` (which must outlive it).
KnownInfos known_infos(std::span<const Tensor* const> inputs);

/// Error "<op> (node <name>): <msg>".
Status node_error(const Node& node, std::string_view msg);

/// Output = first input's shape and dtype (elementwise unary ops).
Status infer_same_as_first(const Node& node,
                           std::span<const ValueInfo* const> inputs,
                           std::span<ValueInfo> outputs);

}  // namespace tern::ml
