#pragma once

// The on-chain tensor encoding (docs/ml.md "Tensor encoding"), used by the inference
// precompile's input and output bytes:
//
//   tensor  = dtype:uint8 | rank:uint8 | dims: rank x uint32 big-endian
//             | data: little-endian elements, row-major
//   tensors = count:uint8 | tensor...
//
// dtype uses ONNX's numbers (FLOAT=1, UINT8=2, INT8=3, INT16=5, INT32=6, INT64=7, BOOL=9).

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "ml/tensor.hpp"

#include <span>
#include <string>
#include <vector>

namespace tern::ml {

/// Most tensors in one encoded list (count is a uint8).
inline constexpr size_t kMaxEncodedTensors = 255;
/// Most dims of an encoded tensor.
inline constexpr size_t kMaxEncodedRank = 8;

/// Decodes `tensors`; the bytes must be consumed exactly. Errors name the tensor and reason
/// (unknown dtype, rank too large, truncated data, trailing bytes, bool not 0/1).
Result<std::vector<Tensor>, std::string> decode_tensors(std::span<const uint8_t> bytes);

/// Encodes `tensors` (at most 255, rank <= 8, dims < 2^32; checked with TERN_ASSERT since
/// engine outputs always satisfy it).
Bytes encode_tensors(std::span<const Tensor> tensors);

}  // namespace tern::ml
