#pragma once

// NumPy's .npy files (format versions 1-3) as engine tensors: what `tern model run --input`
// reads, so a user checks a model on the arrays they already have. Little-endian or
// byte-sized element types only; float64 arrays become float32 (each value rounded to nearest,
// as numpy's astype(np.float32) does).

#include "ml/tensor.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace tern::ml {

/// The tensor in an .npy file; `max_elements` bounds its shape. Refuses Fortran order,
/// big-endian and unsupported element types, and data that does not match the shape, with a
/// message naming the reason.
[[nodiscard]] Result<Tensor, std::string> read_npy(std::span<const uint8_t> file,
                                                   int64_t max_elements);

}  // namespace tern::ml
