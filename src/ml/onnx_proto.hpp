#pragma once

// Conversions from ONNX protobuf messages (libonnx-dev) to engine types. Kept out of
// engine.hpp so users of the engine do not need the protobuf headers.

#include "ml/engine.hpp"
#include "ml/tensor.hpp"

#include <onnx/onnx_pb.h>

#include <string>

namespace tern::ml {

/// Converts a TensorProto (raw_data or typed fields) to a Tensor, checking dtype, rank, dims
/// and element count against `limits`; external data and segments are refused.
Result<Tensor, std::string> tensor_from_proto(const onnx::TensorProto& proto, const Limits& limits);

/// Converts a Tensor to a TensorProto with raw_data (tests and tools build models with it).
onnx::TensorProto tensor_to_proto(const Tensor& t, const std::string& name);

}  // namespace tern::ml
