// ONNX model loader: parse, validate, resolve names to value ids, order nodes topologically.

#include "ml/codec.hpp"
#include "ml/engine.hpp"
#include "ml/half.hpp"
#include "ml/onnx_proto.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace tern::ml {
namespace {

constexpr int64_t kMinOpset = 1;
/// The newest ai.onnx opset of onnx 1.23 (the PyPI release the tests pin); the ops whose
/// semantics changed in 22-28 handle the new attributes or refuse them (docs/ml.md).
constexpr int64_t kMaxOpset = 28;
/// The newest ai.onnx.ml opset (TreeEnsemble is opset 5).
constexpr int64_t kMaxMlOpset = 5;

bool is_default_domain(const std::string& d)
{
    return d.empty() || d == "ai.onnx";
}

Result<Attribute, std::string> convert_attribute(const onnx::AttributeProto& a,
                                                 const Limits& limits)
{
    using AP = onnx::AttributeProto;
    Attribute out;
    auto type = a.type();
    if (type == AP::UNDEFINED)
    {
        // Old models omit the type; infer it from the field that is set.
        if (a.has_f())
            type = AP::FLOAT;
        else if (a.has_i())
            type = AP::INT;
        else if (a.has_s())
            type = AP::STRING;
        else if (a.has_t())
            type = AP::TENSOR;
        else if (a.floats_size() > 0)
            type = AP::FLOATS;
        else if (a.ints_size() > 0)
            type = AP::INTS;
        else if (a.strings_size() > 0)
            type = AP::STRINGS;
    }
    switch (type)
    {
        case AP::INT:
            out.kind = Attribute::Kind::Int;
            out.i = a.i();
            break;
        case AP::FLOAT:
            out.kind = Attribute::Kind::Float;
            out.f = a.f();
            break;
        case AP::STRING:
            out.kind = Attribute::Kind::String;
            out.s = a.s();
            break;
        case AP::INTS:
            out.kind = Attribute::Kind::Ints;
            if (static_cast<uint64_t>(a.ints_size()) > limits.max_tensor_elements)
                return "attribute '" + a.name() + "' is too long";
            out.ints.assign(a.ints().begin(), a.ints().end());
            break;
        case AP::FLOATS:
            out.kind = Attribute::Kind::Floats;
            if (static_cast<uint64_t>(a.floats_size()) > limits.max_tensor_elements)
                return "attribute '" + a.name() + "' is too long";
            out.floats.assign(a.floats().begin(), a.floats().end());
            break;
        case AP::STRINGS:
            out.kind = Attribute::Kind::Strings;
            if (static_cast<uint64_t>(a.strings_size()) > limits.max_tensor_elements)
                return "attribute '" + a.name() + "' is too long";
            out.strings.assign(a.strings().begin(), a.strings().end());
            break;
        case AP::TENSOR:
        {
            out.kind = Attribute::Kind::Tensor;
            auto t = tensor_from_proto(a.t(), limits);
            if (!t)
                return "attribute '" + a.name() + "': " + t.error();
            out.t = std::make_shared<const Tensor>(std::move(*t));
            break;
        }
        default:
            return "attribute '" + a.name() + "' has an unsupported type (" +
                   AP::AttributeType_Name(type) + ")";
    }
    return out;
}

template <typename Field, typename Conv>
Status copy_typed(const Field& field, int64_t n, Tensor& t, Conv conv)
{
    if (field.size() != n)
        return std::string("has ") + std::to_string(field.size()) + " values for " +
               std::to_string(n) + " elements";
    for (int64_t i = 0; i < n; ++i)
        conv(t, static_cast<size_t>(i), field.Get(static_cast<int>(i)));
    return Ok{};
}

/// A float16 or bfloat16 tensor (weights of half-precision exports) as the float32 tensor of
/// the same values: raw_data of 2-byte elements, or int32_data holding the bit patterns.
Result<Tensor, std::string> half_tensor_from_proto(const onnx::TensorProto& proto,
                                                   const Limits& limits,
                                                   const std::string& what)
{
    if (static_cast<uint64_t>(proto.dims_size()) > limits.max_rank)
        return what + "has rank " + std::to_string(proto.dims_size()) + " above the limit " +
               std::to_string(limits.max_rank);
    const bool bf16 = proto.data_type() == onnx::TensorProto::BFLOAT16;
    Tensor t;
    t.dtype = DType::FLOAT;
    t.shape.assign(proto.dims().begin(), proto.dims().end());
    const int64_t n = checked_elements(t.shape, static_cast<int64_t>(limits.max_tensor_elements));
    if (n < 0)
        return what + "has shape " + shape_string(t.shape) +
               " (negative dim or more than the limit of " +
               std::to_string(limits.max_tensor_elements) + " elements)";
    const auto widen = [bf16](uint16_t bits) {
        return bf16 ? bfloat16_to_float(bits) : float16_to_float(bits);
    };
    t.data.assign(static_cast<size_t>(n) * 4, 0);
    auto out = t.as<float>();
    if (proto.has_raw_data())
    {
        const std::string& raw = proto.raw_data();
        if (raw.size() != static_cast<size_t>(n) * 2)
            return what + "raw_data has " + std::to_string(raw.size()) + " bytes, shape " +
                   shape_string(t.shape) + " needs " + std::to_string(static_cast<size_t>(n) * 2);
        for (size_t i = 0; i < out.size(); ++i)
            out[i] = widen(static_cast<uint16_t>(static_cast<uint8_t>(raw[2 * i]) |
                                                 static_cast<uint8_t>(raw[2 * i + 1]) << 8));
        return t;
    }
    if (auto st = copy_typed(proto.int32_data(), n, t,
                             [&](Tensor& x, size_t i, int32_t v) {
                                 x.as<float>()[i] = widen(static_cast<uint16_t>(v));
                             });
        !st)
        return what + st.error();
    return t;
}

}  // namespace

Result<Tensor, std::string> tensor_from_proto(const onnx::TensorProto& proto, const Limits& limits)
{
    const std::string what = "tensor '" + proto.name() + "' ";
    if (proto.data_location() == onnx::TensorProto::EXTERNAL || proto.external_data_size() > 0)
        return what + "uses external data (not supported)";
    if (proto.has_segment())
        return what + "is segmented (not supported)";
    if (proto.data_type() == onnx::TensorProto::FLOAT16 ||
        proto.data_type() == onnx::TensorProto::BFLOAT16)
        return half_tensor_from_proto(proto, limits, what);
    if (!is_supported_dtype(proto.data_type()))
        return what + "has unsupported data type " +
               (onnx::TensorProto::DataType_IsValid(proto.data_type())
                    ? onnx::TensorProto::DataType_Name(
                          static_cast<onnx::TensorProto::DataType>(proto.data_type()))
                    : std::to_string(proto.data_type()));
    if (static_cast<uint64_t>(proto.dims_size()) > limits.max_rank)
        return what + "has rank " + std::to_string(proto.dims_size()) + " above the limit " +
               std::to_string(limits.max_rank);
    Tensor t;
    t.dtype = static_cast<DType>(proto.data_type());
    t.shape.assign(proto.dims().begin(), proto.dims().end());
    const int64_t n = checked_elements(t.shape, static_cast<int64_t>(limits.max_tensor_elements));
    if (n < 0)
        return what + "has shape " + shape_string(t.shape) +
               " (negative dim or more than the limit of " +
               std::to_string(limits.max_tensor_elements) + " elements)";
    const size_t esize = dtype_size(t.dtype);
    if (proto.has_raw_data())
    {
        if (proto.raw_data().size() != static_cast<size_t>(n) * esize)
            return what + "raw_data has " + std::to_string(proto.raw_data().size()) +
                   " bytes, shape " + shape_string(t.shape) + " needs " +
                   std::to_string(static_cast<size_t>(n) * esize);
        t.data.assign(proto.raw_data().begin(), proto.raw_data().end());
        if (t.dtype == DType::BOOL)
            for (auto& b : t.data)
                b = b != 0;
        return t;
    }
    t.data.assign(static_cast<size_t>(n) * esize, 0);
    Status st = Ok{};
    switch (t.dtype)
    {
        case DType::FLOAT:
            st = copy_typed(proto.float_data(), n, t,
                            [](Tensor& x, size_t i, float v) { x.as<float>()[i] = v; });
            break;
        case DType::INT64:
            st = copy_typed(proto.int64_data(), n, t,
                            [](Tensor& x, size_t i, int64_t v) { x.as<int64_t>()[i] = v; });
            break;
        case DType::INT32:
            st = copy_typed(proto.int32_data(), n, t,
                            [](Tensor& x, size_t i, int32_t v) { x.as<int32_t>()[i] = v; });
            break;
        case DType::INT16:
        case DType::UINT16:
            st = copy_typed(proto.int32_data(), n, t, [](Tensor& x, size_t i, int32_t v) {
                x.as<uint16_t>()[i] = static_cast<uint16_t>(v);
            });
            break;
        case DType::INT8:
        case DType::UINT8:
            st = copy_typed(proto.int32_data(), n, t, [](Tensor& x, size_t i, int32_t v) {
                x.data[i] = static_cast<uint8_t>(v);
            });
            break;
        case DType::BOOL:
            st = copy_typed(proto.int32_data(), n, t,
                            [](Tensor& x, size_t i, int32_t v) { x.data[i] = v != 0; });
            break;
    }
    if (!st)
        return what + st.error();
    return t;
}

onnx::TensorProto tensor_to_proto(const Tensor& t, const std::string& name)
{
    onnx::TensorProto p;
    p.set_name(name);
    p.set_data_type(static_cast<int32_t>(t.dtype));
    for (auto d : t.shape)
        p.add_dims(d);
    p.set_raw_data(std::string(t.data.begin(), t.data.end()));
    return p;
}

namespace {

/// Deepest nesting of subgraphs (a Loop body holding an If is depth 2).
constexpr int kMaxGraphDepth = 8;

/// The state one load shares across the main graph and its subgraphs.
struct LoadContext
{
    const Limits& limits;
    int64_t opset = 0;
    /// The ai.onnx.ml opset the model imports (0: none).
    int64_t ml_opset = 0;
    /// Nodes of all graphs so far (bounded by limits.max_nodes in total).
    uint64_t nodes = 0;
    /// Initializer and Constant bytes of all graphs (the cost's weight term, paid once).
    uint64_t weight_bytes = 0;
};

/// Names visible while loading one graph: its own values, then (through `outer`) those of the
/// graphs around it, which become captures of this graph when read.
struct Scope
{
    Model& model;
    Scope* outer = nullptr;
    std::map<std::string, int32_t, std::less<>> ids;
    /// For each capture of this graph, the outer graph's value id it reads.
    std::vector<int32_t> capture_sources;

    int32_t new_value(const std::string& name)
    {
        const auto id = static_cast<int32_t>(model.value_names.size());
        if (!name.empty())
            ids.emplace(name, id);
        model.value_names.push_back(name);
        model.initializers.emplace_back();
        return id;
    }

    /// The id of `name` here, capturing it from an outer graph when needed; -1 when unknown.
    int32_t resolve(const std::string& name)
    {
        if (auto it = ids.find(name); it != ids.end())
            return it->second;
        if (!outer)
            return -1;
        const int32_t source = outer->resolve(name);
        if (source < 0)
            return -1;
        ModelIo io;
        io.name = name;
        io.rank_known = false;
        io.dtype_known = false;
        io.value = new_value(name);
        model.inputs.push_back(io);
        capture_sources.push_back(source);
        return io.value;
    }
};

/// Every operator the engine lacks in `g` and its subgraphs, in order of first appearance.
struct MissingOps
{
    std::vector<std::pair<std::string, std::vector<std::string>>> ops;
    std::map<std::string, size_t, std::less<>> index;
    std::vector<size_t> counts;

    void collect(const onnx::GraphProto& g, int depth)
    {
        for (int ni = 0; ni < g.node_size(); ++ni)
        {
            const auto& np = g.node(ni);
            if (depth < kMaxGraphDepth)
                for (const auto& a : np.attribute())
                {
                    if (a.has_g())
                        collect(a.g(), depth + 1);
                    for (const auto& sub : a.graphs())
                        collect(sub, depth + 1);
                }
            if (find_op(np.domain(), np.op_type()))
                continue;
            std::string op =
                is_default_domain(np.domain()) ? np.op_type() : np.domain() + "::" + np.op_type();
            const auto [at, fresh] = index.try_emplace(op, ops.size());
            if (fresh)
            {
                ops.emplace_back(std::move(op), std::vector<std::string>{});
                counts.push_back(0);
            }
            auto& nodes = ops[at->second].second;
            if (nodes.size() < 3)
                nodes.push_back(np.name().empty() ? "#" + std::to_string(ni) : np.name());
            ++counts[at->second];
        }
    }

    /// "unsupported operator(s) If (nodes a, b), LSTM (node c)": at most three node names
    /// per operator and twenty operators.
    std::string message() const
    {
        std::string msg = ops.size() == 1 ? "unsupported operator " : "unsupported operators ";
        for (size_t k = 0; k < ops.size() && k < 20; ++k)
        {
            const auto& [op, nodes] = ops[k];
            msg += (k ? ", " : "") + op + (counts[k] == 1 ? " (node " : " (nodes ");
            for (size_t n = 0; n < nodes.size(); ++n)
                msg += (n ? ", " : "") + nodes[n];
            if (counts[k] > 3)
                msg += " and " + std::to_string(counts[k] - 3) + " more";
            msg += ")";
        }
        if (ops.size() > 20)
            msg += " and " + std::to_string(ops.size() - 20) + " more operators";
        return msg;
    }
};

/// A loaded graph and, for a subgraph, the outer value each of its captures reads.
struct LoadedGraph
{
    std::shared_ptr<Model> model;
    std::vector<int32_t> capture_sources;
};

Result<LoadedGraph, std::string> load_graph(const onnx::GraphProto& g,
                                            LoadContext& ctx,
                                            Scope* outer,
                                            int depth);

/// Converts a node's attributes; a GRAPH attribute loads its subgraph in a scope nested in
/// `scope`, and the outer values it reads become the node's captures (inputs past
/// explicit_inputs), shared by all of the node's subgraphs.
Status convert_attributes(const onnx::NodeProto& np,
                          Node& n,
                          std::vector<int32_t>& captures,
                          LoadContext& ctx,
                          Scope& scope,
                          int depth)
{
    const std::string where = " (node " + n.name + ")";
    for (const auto& a : np.attribute())
    {
        if (a.type() == onnx::AttributeProto::GRAPH)
        {
            if (depth + 1 >= kMaxGraphDepth)
                return n.op_type + where + ": subgraphs nested deeper than " +
                       std::to_string(kMaxGraphDepth);
            auto sub = load_graph(a.g(), ctx, &scope, depth + 1);
            if (!sub)
                return n.op_type + where + " attribute '" + a.name() + "': " + sub.error();
            // The node reads each outer value once, whichever of its subgraphs captures it.
            for (const int32_t source : sub->capture_sources)
            {
                auto at = std::find(captures.begin(), captures.end(), source);
                if (at == captures.end())
                    at = captures.insert(captures.end(), source);
                sub->model->capture_slots.push_back(static_cast<uint32_t>(at - captures.begin()));
            }
            Attribute attr;
            attr.kind = Attribute::Kind::Graph;
            attr.g = std::move(sub->model);
            n.attrs.emplace_back(a.name(), std::move(attr));
            continue;
        }
        auto attr = convert_attribute(a, ctx.limits);
        if (!attr)
            return n.op_type + where + ": " + attr.error();
        if (attr->t)
        {
            ctx.weight_bytes += attr->t->data.size();  // Constant values are weights too
            if (ctx.weight_bytes > ctx.limits.max_model_bytes * 8)
                return std::string("constants exceed the model size limit");
        }
        n.attrs.emplace_back(a.name(), std::move(*attr));
    }
    return Ok{};
}

Result<LoadedGraph, std::string> load_graph(const onnx::GraphProto& g,
                                            LoadContext& ctx,
                                            Scope* outer,
                                            int depth)
{
    const Limits& limits = ctx.limits;
    const bool subgraph = outer != nullptr;
    auto model = std::make_shared<Model>();
    model->opset = ctx.opset;
    model->ml_opset = ctx.ml_opset;
    Scope scope{*model, outer, {}, {}};

    if (g.sparse_initializer_size() > 0)
        return std::string("sparse initializers are not supported");
    ctx.nodes += static_cast<uint64_t>(g.node_size());
    if (ctx.nodes > limits.max_nodes)
        return "model has " + std::to_string(ctx.nodes) + " nodes, above the limit of " +
               std::to_string(limits.max_nodes);

    // Initializers.
    for (const auto& init : g.initializer())
    {
        if (init.name().empty())
            return std::string("initializer without a name");
        if (scope.ids.count(init.name()))
            return "duplicate initializer '" + init.name() + "'";
        auto t = tensor_from_proto(init, limits);
        if (!t)
            return "initializer " + t.error();
        ctx.weight_bytes += t->data.size();
        if (ctx.weight_bytes > limits.max_model_bytes * 4)
            return std::string("initializers exceed the model size limit");
        const auto id = scope.new_value(init.name());
        model->initializers[static_cast<size_t>(id)] =
            std::make_shared<const Tensor>(std::move(*t));
    }

    // Graph inputs (those that are not initializers).
    for (const auto& in : g.input())
    {
        if (scope.ids.count(in.name()))
        {
            if (model->initializers[static_cast<size_t>(scope.ids.at(in.name()))])
                continue;  // an initializer listed as input (IR < 4): a constant
            return "duplicate graph input '" + in.name() + "'";
        }
        if (in.name().empty())
            return std::string("graph input without a name");
        ModelIo io;
        io.name = in.name();
        if (subgraph && !in.has_type())
        {
            // A subgraph may leave its inputs untyped: the node that runs it decides.
            io.dtype_known = false;
            io.rank_known = false;
            io.value = scope.new_value(in.name());
            model->inputs.push_back(std::move(io));
            continue;
        }
        if (!in.type().has_tensor_type())
            return "graph input '" + in.name() + "' has an unsupported type (not a tensor)";
        const auto& tt = in.type().tensor_type();
        if (subgraph && tt.elem_type() == 0)
            io.dtype_known = false;
        else if (!is_supported_dtype(tt.elem_type()))
            return "graph input '" + in.name() + "' has unsupported type " +
                   std::to_string(tt.elem_type());
        else
            io.dtype = static_cast<DType>(tt.elem_type());
        io.rank_known = tt.has_shape();
        if (static_cast<uint64_t>(tt.shape().dim_size()) > limits.max_rank)
            return "graph input '" + in.name() + "' has rank above the limit";
        for (const auto& d : tt.shape().dim())
        {
            // -1 (PaddlePaddle) and 0 (other exporters) say "dynamic", as a dim_param does:
            // onnxruntime accepts any size there.
            if (d.has_dim_value() && d.dim_value() != -1 && d.dim_value() != 0)
            {
                if (d.dim_value() < 0 ||
                    static_cast<uint64_t>(d.dim_value()) > limits.max_tensor_elements)
                    return "graph input '" + in.name() + "' has an absurd dim " +
                           std::to_string(d.dim_value());
                io.shape.push_back(d.dim_value());
            }
            else
                io.shape.push_back(-1);
        }
        io.value = scope.new_value(in.name());
        model->inputs.push_back(std::move(io));
    }

    // Nodes: resolve ops, assign output ids (every node's, before any subgraph is loaded, so
    // a subgraph may read any value of this graph), then convert attributes.
    struct Pending
    {
        Node node;
        std::vector<std::string> input_names;
        std::vector<int32_t> captures;
    };
    std::vector<Pending> pending;
    pending.reserve(static_cast<size_t>(g.node_size()));
    for (int ni = 0; ni < g.node_size(); ++ni)
    {
        const auto& np = g.node(ni);
        Pending p;
        Node& n = p.node;
        n.op_type = np.op_type();
        n.name = np.name().empty() ? "#" + std::to_string(ni) : np.name();
        n.opset = is_default_domain(np.domain()) ? model->opset : model->ml_opset;
        const std::string where = " (node " + n.name + ")";
        n.op = find_op(np.domain(), np.op_type());
        if (!n.op)
            return "unsupported operator " +
                   (is_default_domain(np.domain()) ? std::string() : np.domain() + "::") +
                   np.op_type() + where;
        if (n.opset == 0)
            return n.op_type + where + ": the model imports no " +
                   (np.domain().empty() ? std::string("ai.onnx") : np.domain()) + " opset";
        if (np.input_size() < n.op->min_inputs || np.input_size() > n.op->max_inputs)
            return n.op_type + where + " has " + std::to_string(np.input_size()) +
                   " inputs, expected " + std::to_string(n.op->min_inputs) + ".." +
                   std::to_string(n.op->max_inputs);
        if (np.output_size() < n.op->min_outputs || np.output_size() > n.op->max_outputs)
            return n.op_type + where + " has " + std::to_string(np.output_size()) +
                   " outputs, expected " + std::to_string(n.op->min_outputs) + ".." +
                   std::to_string(n.op->max_outputs);
        p.input_names.assign(np.input().begin(), np.input().end());
        for (const auto& out : np.output())
        {
            // An omitted optional output still gets an (anonymous) id, so kernels always
            // have a buffer to write.
            if (!out.empty() && scope.ids.count(out))
                return n.op_type + where + ": value '" + out + "' is defined twice";
            n.outputs.push_back(scope.new_value(out));
        }
        pending.push_back(std::move(p));
    }
    for (int ni = 0; ni < g.node_size(); ++ni)
    {
        auto& p = pending[static_cast<size_t>(ni)];
        Node& n = p.node;
        if (auto st = convert_attributes(g.node(ni), n, p.captures, ctx, scope, depth); !st)
            return st.error();
        std::sort(n.attrs.begin(), n.attrs.end(),
                  [](const auto& x, const auto& y) { return x.first < y.first; });
        for (size_t k = 1; k < n.attrs.size(); ++k)
            if (n.attrs[k].first == n.attrs[k - 1].first)
                return n.op_type + " (node " + n.name + "): duplicate attribute '" +
                       n.attrs[k].first + "'";
        if ((n.op->graph_infer != nullptr) !=
            std::any_of(n.attrs.begin(), n.attrs.end(),
                        [](const auto& a) { return a.second.kind == Attribute::Kind::Graph; }))
            return n.op_type + " (node " + n.name + "): " +
                   (n.op->graph_infer ? "has no subgraph attribute" : "has a graph attribute");
    }

    // Inputs and the producer of every value.
    for (auto& p : pending)
    {
        for (const auto& name : p.input_names)
        {
            if (name.empty())
            {
                p.node.inputs.push_back(-1);
                continue;
            }
            const int32_t id = scope.resolve(name);
            if (id < 0)
                return p.node.op_type + " (node " + p.node.name + "): input '" + name +
                       "' is not defined";
            p.node.inputs.push_back(id);
        }
        p.node.explicit_inputs = p.node.inputs.size();
        p.node.inputs.insert(p.node.inputs.end(), p.captures.begin(), p.captures.end());
    }

    // Graph outputs (a subgraph's may be values of an outer graph: captured).
    for (const auto& out : g.output())
    {
        const int32_t id = scope.resolve(out.name());
        if (id < 0)
            return "graph output '" + out.name() + "' is not defined";
        ModelIo io;
        io.name = out.name();
        io.value = id;
        if (out.type().has_tensor_type())
        {
            const auto& tt = out.type().tensor_type();
            if (is_supported_dtype(tt.elem_type()))
                io.dtype = static_cast<DType>(tt.elem_type());
            io.rank_known = tt.has_shape();
            for (const auto& d : tt.shape().dim())
                io.shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
        }
        model->outputs.push_back(std::move(io));
    }
    if (model->outputs.empty())
        return std::string("graph has no outputs");
    // The on-chain encoding carries at most 255 tensors.
    if (model->outputs.size() > kMaxEncodedTensors || model->inputs.size() > kMaxEncodedTensors)
        return "graph has more than " + std::to_string(kMaxEncodedTensors) + " inputs or outputs";

    const auto value_count = static_cast<int32_t>(model->value_names.size());
    std::vector<int32_t> producer(static_cast<size_t>(value_count), -1);
    for (size_t i = 0; i < pending.size(); ++i)
        for (auto id : pending[i].node.outputs)
            if (id >= 0)
                producer[static_cast<size_t>(id)] = static_cast<int32_t>(i);

    // Kahn's algorithm, lowest original index first (deterministic order; cycles refused).
    const size_t nn = pending.size();
    std::vector<uint32_t> missing(nn, 0);
    std::vector<std::vector<uint32_t>> readers(nn);
    for (size_t i = 0; i < nn; ++i)
        for (auto id : pending[i].node.inputs)
            if (id >= 0 && producer[static_cast<size_t>(id)] >= 0)
            {
                const auto prod = static_cast<size_t>(producer[static_cast<size_t>(id)]);
                ++missing[i];
                readers[prod].push_back(static_cast<uint32_t>(i));
            }
    std::vector<uint32_t> ready;  // min-heap by index
    for (size_t i = 0; i < nn; ++i)
        if (missing[i] == 0)
            ready.push_back(static_cast<uint32_t>(i));
    std::make_heap(ready.begin(), ready.end(), std::greater<>());
    std::vector<uint32_t> order;
    order.reserve(nn);
    while (!ready.empty())
    {
        std::pop_heap(ready.begin(), ready.end(), std::greater<>());
        const auto i = ready.back();
        ready.pop_back();
        order.push_back(i);
        for (auto r : readers[i])
            if (--missing[r] == 0)
            {
                ready.push_back(r);
                std::push_heap(ready.begin(), ready.end(), std::greater<>());
            }
    }
    if (order.size() != nn)
    {
        for (size_t i = 0; i < nn; ++i)
            if (missing[i] != 0)
                return "graph has a cycle (node " + pending[i].node.name + ")";
    }
    model->nodes.reserve(nn);
    for (auto i : order)
        model->nodes.push_back(std::move(pending[i].node));

    // Last reader of every value (graph outputs are kept to the end).
    model->value_count = value_count;
    model->last_use.assign(static_cast<size_t>(value_count), -1);
    for (size_t i = 0; i < model->nodes.size(); ++i)
        for (auto id : model->nodes[i].inputs)
            if (id >= 0)
                model->last_use[static_cast<size_t>(id)] = static_cast<int32_t>(i);
    for (const auto& out : model->outputs)
        model->last_use[static_cast<size_t>(out.value)] = std::numeric_limits<int32_t>::max();
    return LoadedGraph{std::move(model), std::move(scope.capture_sources)};
}

}  // namespace

Result<std::shared_ptr<const Model>, std::string> load_model(std::span<const uint8_t> onnx_bytes,
                                                             const Limits& limits)
{
    if (onnx_bytes.size() > limits.max_model_bytes)
        return "model is " + std::to_string(onnx_bytes.size()) + " bytes, above the limit of " +
               std::to_string(limits.max_model_bytes);
    if (onnx_bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
        return std::string("model too large");
    onnx::ModelProto proto;
    if (!proto.ParseFromArray(onnx_bytes.data(), static_cast<int>(onnx_bytes.size())))
        return std::string("model is not a valid ONNX protobuf (truncated or corrupt)");
    if (!proto.has_graph())
        return std::string("model has no graph");

    LoadContext ctx{limits};
    for (const auto& imp : proto.opset_import())
        if (is_default_domain(imp.domain()))
            ctx.opset = imp.version();
        else if (imp.domain() == "ai.onnx.ml")
            ctx.ml_opset = imp.version();
    // A model of ai.onnx.ml ops only (onnxmltools' XGBoost output) may import no ai.onnx.
    if (ctx.opset == 0 && ctx.ml_opset == 0)
        return std::string("unsupported model: it imports no ai.onnx opset");
    if (ctx.opset != 0 && (ctx.opset < kMinOpset || ctx.opset > kMaxOpset))
        return "unsupported ai.onnx opset " + std::to_string(ctx.opset) + " (supported " +
               std::to_string(kMinOpset) + ".." + std::to_string(kMaxOpset) + ")";
    if (ctx.ml_opset < 0 || ctx.ml_opset > kMaxMlOpset)
        return "unsupported ai.onnx.ml opset " + std::to_string(ctx.ml_opset) + " (supported 1.." +
               std::to_string(kMaxMlOpset) + ")";
    if (static_cast<uint64_t>(proto.graph().node_size()) > limits.max_nodes)
        return "model has " + std::to_string(proto.graph().node_size()) +
               " nodes, above the limit of " + std::to_string(limits.max_nodes);

    // Every operator the engine lacks, in all graphs, named at once with its nodes (so an
    // exporter's user sees the whole list, not the first one met).
    MissingOps missing;
    missing.collect(proto.graph(), 0);
    if (!missing.ops.empty())
        return missing.message();

    auto loaded = load_graph(proto.graph(), ctx, nullptr, 0);
    if (!loaded)
        return loaded.error();
    loaded->model->weight_bytes = ctx.weight_bytes;
    return std::shared_ptr<const Model>(std::move(loaded->model));
}

}  // namespace tern::ml
