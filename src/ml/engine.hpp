#pragma once

// The ML engine's public API: load an ONNX model once, then cost and run it on inputs.
// Deterministic: the same model and inputs give the same output bytes on every CPU and build.

#include "core/deadline.hpp"
#include "core/result.hpp"
#include "ml/model.hpp"
#include "ml/tensor.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tern::ml {

/// Limits a chain configures (upload and call).
struct Limits
{
    /// Largest ONNX file accepted.
    uint64_t max_model_bytes = 8 << 20;
    /// Largest tensor (elements) any value may have, inputs and intermediates included.
    uint64_t max_tensor_elements = 1 << 22;
    /// Largest cost (gas units, see cost()) one run may have.
    uint64_t max_cost = 30'000'000;
    /// Most nodes in a graph.
    uint32_t max_nodes = 4096;
    /// Highest tensor rank.
    uint32_t max_rank = 8;
};

/// Parses and validates an ONNX model: ops in the supported set, acyclic, initializers sane,
/// ranks and dims within limits. Shapes are inferred later (cost/run) once input shapes are
/// known. The error message names the reason (and the node where there is one).
Result<std::shared_ptr<const Model>, std::string> load_model(std::span<const uint8_t> onnx,
                                                             const Limits& limits);

/// The terms of the gas formula for one run (docs/ml.md "Cost model").
struct CostReport
{
    /// The total (what cost() returns).
    uint64_t gas = 0;
    /// Multiply-accumulates (and transcendental equivalents) of all nodes.
    uint64_t macs = 0;
    /// Elements read and written by all nodes, plus the inputs.
    uint64_t elements = 0;
    /// Initializer and Constant bytes.
    uint64_t weight_bytes = 0;
    /// Graph nodes.
    uint64_t nodes = 0;
};

/// Gas of every run (decode, plan, encode).
inline constexpr uint64_t kGasBase = 2000;
/// MACs per gas.
inline constexpr uint64_t kMacsPerGas = 1;
/// Elements touched per gas.
inline constexpr uint64_t kElementsPerGas = 4;
/// Gas per graph node.
inline constexpr uint64_t kGasPerNode = 20;
/// Gas per 32 bytes of initializers and Constants.
inline constexpr uint64_t kGasPerWeightWord = 3;

/// Cost of running `model` on inputs of these shapes/dtypes, without running it (shape
/// inference only; data of `inputs` is not read). Fails when a shape cannot be bounded, a
/// tensor exceeds the limits, or the cost exceeds limits.max_cost.
Result<CostReport, std::string> cost_report(const Model& model,
                                            std::span<const Tensor> inputs,
                                            const Limits& limits);

/// Cost (gas units) of running `model` on inputs of these shapes/dtypes, without running it.
Result<uint64_t, std::string> cost(const Model& model,
                                   std::span<const Tensor> inputs,
                                   const Limits& limits);

/// Runs the model (after the same checks as cost()); outputs in graph-output order. With a
/// `deadline` (RPC executions only; block execution passes none) it is checked before each
/// node, and the run fails with kInterrupted once it has expired.
Result<std::vector<Tensor>, std::string> run(const Model& model,
                                             std::span<const Tensor> inputs,
                                             const Limits& limits,
                                             const Deadline* deadline = nullptr);

/// run()'s error when its deadline expired.
inline constexpr const char* kInterrupted = "interrupted: execution deadline reached";

}  // namespace tern::ml
