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

/// The weights of the gas formula (docs/ml.md "Cost model"). A chain's rules choose one by
/// number (`tern.mlGasSchedule`), so a chain keeps the prices it was made with.
struct GasSchedule
{
    /// Gas of every run (decode, plan, encode).
    uint64_t base = 2000;
    /// Gas per 64 float MACs of the SIMD GEMM (OpCost::gemm_macs).
    uint64_t gemm_macs_per_64 = 64;
    /// Gas per 64 other float MACs (MAC equivalents; OpCost::macs).
    uint64_t float_macs_per_64 = 64;
    /// Gas per 64 integer MACs.
    uint64_t int_macs_per_64 = 64;
    /// Gas per 64 transcendental MAC equivalents.
    uint64_t special_macs_per_64 = 64;
    /// Gas per 64 elements touched.
    uint64_t elements_per_64 = 16;
    /// Gas per graph node (per node run: a Loop body's nodes count once per iteration).
    uint64_t per_node = 20;
    /// Gas per 32 bytes of initializers and Constants.
    uint64_t per_weight_word = 3;
};

/// Schedule 1: the prices of chains made before the recalibration (1 gas per MAC of any kind,
/// a quarter gas per element touched, 20 per node, 2000 per call).
inline constexpr GasSchedule kGasSchedule1{};
/// Schedule 2, the recalibrated one: prices from measured CPU time per op class
/// (docs/performance.md "Gas per CPU second"), so that every class retires about the same gas
/// per CPU second.
inline constexpr GasSchedule kGasSchedule2{
    .base = 2000,
    .gemm_macs_per_64 = 12,
    .float_macs_per_64 = 48,
    .int_macs_per_64 = 6,
    .special_macs_per_64 = 64,
    .elements_per_64 = 64,
    .per_node = 900,
    .per_weight_word = 3,
};

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
    /// The gas formula's weights.
    GasSchedule schedule = GasSchedule{};
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
    /// Float multiply-accumulates of all nodes run by the SIMD float GEMM.
    uint64_t gemm_macs = 0;
    /// Other float multiply-accumulates (and float arithmetic in MAC equivalents) of all
    /// nodes, and integer convolutions.
    uint64_t macs = 0;
    /// Integer multiply-accumulates of all nodes.
    uint64_t int_macs = 0;
    /// Transcendental evaluations of all nodes, in MAC equivalents.
    uint64_t special_macs = 0;
    /// Elements read and written by all nodes, plus the inputs.
    uint64_t elements = 0;
    /// Initializer and Constant bytes.
    uint64_t weight_bytes = 0;
    /// Graph nodes.
    uint64_t nodes = 0;
};

/// The schedule numbered `n` (1 or 2), or nullptr.
const GasSchedule* gas_schedule(uint64_t n) noexcept;
/// Gas of one run with these terms under `schedule` (saturating).
uint64_t gas_of(const CostReport& report, const GasSchedule& schedule) noexcept;

/// Gas of every run under schedule 1.
inline constexpr uint64_t kGasBase = kGasSchedule1.base;

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
