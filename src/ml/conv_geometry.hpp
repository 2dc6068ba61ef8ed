#pragma once

// Geometry of ONNX Conv-family ops (Conv, ConvInteger, QLinearConv; pooling reuses the
// spatial part): attribute validation, auto_pad, output shape.

#include "ml/op.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::ml {

/// Validated geometry: x is [N, C, spatial...], w is [M, C/group, kernel...].
struct ConvGeometry
{
    /// N.
    int64_t batch = 0;
    /// C.
    int64_t in_channels = 0;
    /// M.
    int64_t out_channels = 0;
    /// Channel groups (C and M divide into them).
    int64_t group = 1;
    /// Input spatial dims.
    std::vector<int64_t> in_spatial;
    /// Kernel spatial dims (undilated).
    std::vector<int64_t> kernel;
    /// Stride per spatial dim.
    std::vector<int64_t> strides;
    /// Dilation per spatial dim.
    std::vector<int64_t> dilations;
    /// Padding before each spatial dim (after auto_pad).
    std::vector<int64_t> pads_begin;
    /// Padding after each spatial dim.
    std::vector<int64_t> pads_end;
    /// Output spatial dims.
    std::vector<int64_t> out_spatial;

    /// [N, M, out_spatial...]
    std::vector<int64_t> output_shape() const;
};

/// Output spatial size and padding of one dim for the node's auto_pad/pads; kernel is the
/// undilated size. Errors on a non-positive output or absurd attribute values.
Status spatial_geometry(const Node& node,
                        std::span<const int64_t> in_spatial,
                        std::span<const int64_t> kernel,
                        ConvGeometry& g);

/// Validates the Conv attributes against shapes and fills the geometry.
Result<ConvGeometry, std::string> conv_geometry(const Node& node,
                                                std::span<const int64_t> x_shape,
                                                std::span<const int64_t> w_shape);

}  // namespace tern::ml
