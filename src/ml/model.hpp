#pragma once

#include "ml/op.hpp"
#include "ml/tensor.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::ml {

/// A graph input or output as the model declares it.
struct ModelIo
{
    /// Name in the graph.
    std::string name;
    /// Element type.
    DType dtype = DType::FLOAT;
    /// Declared dims; -1 for a symbolic or missing dim (the caller's shape decides it).
    std::vector<int64_t> shape;
    /// False when the model declares no shape at all (any rank accepted).
    bool rank_known = true;
    /// False when the graph declares no element type (a subgraph's capture or untyped
    /// input): any dtype accepted.
    bool dtype_known = true;
    /// Value id inside the graph.
    int32_t value = -1;
};

/// A loaded, validated model: immutable after load_model(), so one instance can be run by
/// many threads at once.
struct Model
{
    /// ai.onnx opset version the model imports (0 for a model of ai.onnx.ml ops only).
    int64_t opset = 0;
    /// ai.onnx.ml opset version the model imports (0: none; its nodes are then refused).
    int64_t ml_opset = 0;
    /// Graph inputs the caller supplies (initializers excluded), in declaration order; for a
    /// subgraph, its formal inputs followed by its captures.
    std::vector<ModelIo> inputs;
    /// Subgraphs only: for each capture (the last capture_slots.size() inputs, outer values
    /// the subgraph reads by name), its index among the captures of the node that owns the
    /// subgraph (that node's inputs past explicit_inputs).
    std::vector<uint32_t> capture_slots;
    /// Graph outputs in declaration order.
    std::vector<ModelIo> outputs;
    /// Nodes in a topological order (a node's inputs are produced before it).
    std::vector<Node> nodes;
    /// Number of value ids (graph inputs, initializers, node outputs).
    int32_t value_count = 0;
    /// Value names by id (messages).
    std::vector<std::string> value_names;
    /// Initializer values by id (null for non-initializers).
    std::vector<std::shared_ptr<const Tensor>> initializers;
    /// Total bytes of initializer and Constant data of all its graphs (the "model bytes read"
    /// term of the cost; 0 in subgraphs, whose weights the main graph counts).
    uint64_t weight_bytes = 0;
    /// For each value id, the index of the last node that reads it (-1: none; graph outputs
    /// are never freed). The executor frees a tensor after its last reader.
    std::vector<int32_t> last_use;
};

}  // namespace tern::ml
