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
constexpr int64_t kMaxOpset = 21;
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
        {
            out.kind = Attribute::Kind::Strings;
            if (static_cast<uint64_t>(a.strings_size()) > limits.max_tensor_elements)
                return "attribute '" + a.name() + "' is too long";
            out.strings.assign(a.strings().begin(), a.strings().end());
            break;
        }
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

    auto model = std::make_shared<Model>();
    for (const auto& imp : proto.opset_import())
        if (is_default_domain(imp.domain()))
            model->opset = imp.version();
        else if (imp.domain() == "ai.onnx.ml")
            model->ml_opset = imp.version();
    // A model of ai.onnx.ml ops only (onnxmltools' XGBoost output) may import no ai.onnx.
    if (model->opset == 0 && model->ml_opset == 0)
        return std::string("unsupported model: it imports no ai.onnx opset");
    if (model->opset != 0 && (model->opset < kMinOpset || model->opset > kMaxOpset))
        return "unsupported ai.onnx opset " + std::to_string(model->opset) + " (supported " +
               std::to_string(kMinOpset) + ".." + std::to_string(kMaxOpset) + ")";
    if (model->ml_opset < 0 || model->ml_opset > kMaxMlOpset)
        return "unsupported ai.onnx.ml opset " + std::to_string(model->ml_opset) +
               " (supported 1.." + std::to_string(kMaxMlOpset) + ")";

    const auto& g = proto.graph();
    if (g.sparse_initializer_size() > 0)
        return std::string("sparse initializers are not supported");
    if (static_cast<uint64_t>(g.node_size()) > limits.max_nodes)
        return "model has " + std::to_string(g.node_size()) + " nodes, above the limit of " +
               std::to_string(limits.max_nodes);

    std::map<std::string, int32_t, std::less<>> ids;
    auto new_value = [&](const std::string& name) {
        const auto id = static_cast<int32_t>(model->value_names.size());
        if (!name.empty())
            ids.emplace(name, id);
        model->value_names.push_back(name);
        model->initializers.emplace_back();
        return id;
    };

    // Initializers.
    uint64_t weight_bytes = 0;
    for (const auto& init : g.initializer())
    {
        if (init.name().empty())
            return std::string("initializer without a name");
        if (ids.count(init.name()))
            return "duplicate initializer '" + init.name() + "'";
        auto t = tensor_from_proto(init, limits);
        if (!t)
            return "initializer " + t.error();
        weight_bytes += t->data.size();
        if (weight_bytes > limits.max_model_bytes * 4)
            return std::string("initializers exceed the model size limit");
        const auto id = new_value(init.name());
        model->initializers[static_cast<size_t>(id)] =
            std::make_shared<const Tensor>(std::move(*t));
    }

    // Graph inputs (those that are not initializers).
    for (const auto& in : g.input())
    {
        if (ids.count(in.name()))
        {
            if (model->initializers[static_cast<size_t>(ids.at(in.name()))])
                continue;  // an initializer listed as input (IR < 4): a constant
            return "duplicate graph input '" + in.name() + "'";
        }
        if (in.name().empty())
            return std::string("graph input without a name");
        if (!in.type().has_tensor_type())
            return "graph input '" + in.name() + "' has an unsupported type (not a tensor)";
        const auto& tt = in.type().tensor_type();
        if (!is_supported_dtype(tt.elem_type()))
            return "graph input '" + in.name() + "' has unsupported type " +
                   std::to_string(tt.elem_type());
        ModelIo io;
        io.name = in.name();
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
        io.value = new_value(in.name());
        model->inputs.push_back(std::move(io));
    }

    // Nodes: resolve ops and attributes, assign output ids.
    struct Pending
    {
        Node node;
        std::vector<std::string> input_names;
    };
    // Every operator the engine lacks, named at once with its nodes (so an exporter's user
    // sees the whole list, not the first one met): "unsupported operator(s) If (nodes a, b),
    // LSTM (node c)", in order of first appearance, at most three node names per operator.
    {
        std::vector<std::pair<std::string, std::vector<std::string>>> missing;
        std::map<std::string, size_t, std::less<>> index;
        std::vector<size_t> counts;
        for (int ni = 0; ni < g.node_size(); ++ni)
        {
            const auto& np = g.node(ni);
            if (find_op(np.domain(), np.op_type()))
                continue;
            std::string op =
                is_default_domain(np.domain()) ? np.op_type() : np.domain() + "::" + np.op_type();
            const auto [at, fresh] = index.try_emplace(op, missing.size());
            if (fresh)
            {
                missing.emplace_back(std::move(op), std::vector<std::string>{});
                counts.push_back(0);
            }
            auto& nodes = missing[at->second].second;
            if (nodes.size() < 3)
                nodes.push_back(np.name().empty() ? "#" + std::to_string(ni) : np.name());
            ++counts[at->second];
        }
        if (!missing.empty())
        {
            std::string msg =
                missing.size() == 1 ? "unsupported operator " : "unsupported operators ";
            for (size_t k = 0; k < missing.size() && k < 20; ++k)
            {
                const auto& [op, nodes] = missing[k];
                msg += (k ? ", " : "") + op + (counts[k] == 1 ? " (node " : " (nodes ");
                for (size_t n = 0; n < nodes.size(); ++n)
                    msg += (n ? ", " : "") + nodes[n];
                if (counts[k] > 3)
                    msg += " and " + std::to_string(counts[k] - 3) + " more";
                msg += ")";
            }
            if (missing.size() > 20)
                msg += " and " + std::to_string(missing.size() - 20) + " more operators";
            return msg;
        }
    }
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
            return "unsupported operator " + np.op_type() + where;
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
        for (const auto& a : np.attribute())
        {
            auto attr = convert_attribute(a, limits);
            if (!attr)
                return n.op_type + where + ": " + attr.error();
            if (attr->t)
            {
                weight_bytes += attr->t->data.size();  // Constant values are weights too
                if (weight_bytes > limits.max_model_bytes * 8)
                    return std::string("constants exceed the model size limit");
            }
            n.attrs.emplace_back(a.name(), std::move(*attr));
        }
        std::sort(n.attrs.begin(), n.attrs.end(),
                  [](const auto& x, const auto& y) { return x.first < y.first; });
        for (size_t k = 1; k < n.attrs.size(); ++k)
            if (n.attrs[k].first == n.attrs[k - 1].first)
                return n.op_type + where + ": duplicate attribute '" + n.attrs[k].first + "'";
        p.input_names.assign(np.input().begin(), np.input().end());
        for (const auto& out : np.output())
        {
            // An omitted optional output still gets an (anonymous) id, so kernels always
            // have a buffer to write.
            if (!out.empty() && ids.count(out))
                return n.op_type + where + ": value '" + out + "' is defined twice";
            n.outputs.push_back(new_value(out));
        }
        pending.push_back(std::move(p));
    }

    // Inputs and the producer of every value.
    const auto value_count = static_cast<int32_t>(model->value_names.size());
    std::vector<int32_t> producer(static_cast<size_t>(value_count), -1);
    for (size_t i = 0; i < pending.size(); ++i)
        for (auto id : pending[i].node.outputs)
            if (id >= 0)
                producer[static_cast<size_t>(id)] = static_cast<int32_t>(i);
    for (auto& p : pending)
        for (const auto& name : p.input_names)
        {
            if (name.empty())
            {
                p.node.inputs.push_back(-1);
                continue;
            }
            auto it = ids.find(name);
            if (it == ids.end())
                return p.node.op_type + " (node " + p.node.name + "): input '" + name +
                       "' is not defined";
            p.node.inputs.push_back(it->second);
        }

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

    model->weight_bytes = weight_bytes;

    // Graph outputs.
    for (const auto& out : g.output())
    {
        auto it = ids.find(out.name());
        if (it == ids.end())
            return "graph output '" + out.name() + "' is not defined";
        ModelIo io;
        io.name = out.name();
        io.value = it->second;
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

    // Last reader of every value (graph outputs are kept to the end).
    model->value_count = value_count;
    model->last_use.assign(static_cast<size_t>(value_count), -1);
    for (size_t i = 0; i < model->nodes.size(); ++i)
        for (auto id : model->nodes[i].inputs)
            if (id >= 0)
                model->last_use[static_cast<size_t>(id)] = static_cast<int32_t>(i);
    for (const auto& out : model->outputs)
        model->last_use[static_cast<size_t>(out.value)] = std::numeric_limits<int32_t>::max();
    return std::shared_ptr<const Model>(std::move(model));
}

}  // namespace tern::ml
