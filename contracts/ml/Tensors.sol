// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Tern tensor encoding helpers (docs/ml.md "Tensor encoding").
/// @notice Builds the `input` bytes of IInference.infer and reads its `output`:
///   tensors = count:uint8 | tensor...
///   tensor  = dtype:uint8 | rank:uint8 | dims: rank x uint32 big-endian
///             | data: little-endian elements, row-major
/// dtype numbers are ONNX's: FLOAT 1, UINT8 2, INT8 3, INT32 6, INT64 7.
library Tensors {
    uint8 internal constant FLOAT = 1;
    uint8 internal constant UINT8 = 2;
    uint8 internal constant INT8 = 3;
    uint8 internal constant INT32 = 6;
    uint8 internal constant INT64 = 7;

    /// One decoded tensor: where its data lies inside the encoded bytes.
    struct View {
        uint8 dtype;
        uint32[] shape;
        uint256 offset; // of the first data byte
        uint256 count; // elements
    }

    /// Bytes per element of `dtype` (0 for unsupported types).
    function elementSize(uint8 dtype) internal pure returns (uint256) {
        if (dtype == UINT8 || dtype == INT8 || dtype == 9) return 1;
        if (dtype == 4 || dtype == 5) return 2;
        if (dtype == FLOAT || dtype == INT32) return 4;
        if (dtype == INT64) return 8;
        return 0;
    }

    /// A one-tensor list: dtype, shape and raw little-endian `data`.
    function encode(uint8 dtype, uint32[] memory shape, bytes memory data) internal pure returns (bytes memory out) {
        out = abi.encodePacked(uint8(1), dtype, uint8(shape.length));
        for (uint256 i = 0; i < shape.length; ++i) out = abi.encodePacked(out, shape[i]);
        out = abi.encodePacked(out, data);
    }

    /// A uint8 tensor of `shape` whose elements are the bytes of `data`.
    function encodeUint8(uint32[] memory shape, bytes memory data) internal pure returns (bytes memory) {
        return encode(UINT8, shape, data);
    }

    /// An int8 tensor of `shape`.
    function encodeInt8(uint32[] memory shape, int8[] memory values) internal pure returns (bytes memory) {
        bytes memory data = new bytes(values.length);
        for (uint256 i = 0; i < values.length; ++i) data[i] = bytes1(uint8(values[i]));
        return encode(INT8, shape, data);
    }

    /// A float32 tensor of `shape` from fixed-point values: element i is values[i] / 2^fracBits,
    /// exact when |values[i]| < 2^24 (pixels / 16 are: fracBits 4).
    function encodeFloat32Fixed(uint32[] memory shape, int256[] memory values, uint8 fracBits)
        internal
        pure
        returns (bytes memory)
    {
        bytes memory data = new bytes(values.length * 4);
        for (uint256 i = 0; i < values.length; ++i) {
            uint32 bits = float32FromFixed(values[i], fracBits);
            for (uint256 k = 0; k < 4; ++k) data[i * 4 + k] = bytes1(uint8(bits >> (8 * k)));
        }
        return encode(FLOAT, shape, data);
    }

    /// IEEE-754 binary32 bits of value / 2^fracBits (|value| < 2^24: exact).
    function float32FromFixed(int256 value, uint8 fracBits) internal pure returns (uint32) {
        if (value == 0) return 0;
        uint32 sign = value < 0 ? uint32(1) << 31 : 0;
        uint256 mag = uint256(value < 0 ? -value : value);
        require(mag < (1 << 24), "Tensors: value too large for an exact float32");
        uint256 msb = 0;
        while ((mag >> (msb + 1)) != 0) ++msb;
        uint256 mantissa = (mag << (23 - msb)) & 0x7fffff;
        uint256 exponent = 127 + msb - fracBits;
        return sign | uint32(exponent << 23) | uint32(mantissa);
    }

    /// Number of tensors in an encoded list.
    function count(bytes memory tensors) internal pure returns (uint256) {
        require(tensors.length > 0, "Tensors: empty");
        return uint8(tensors[0]);
    }

    /// Tensor `index` of an encoded list.
    function get(bytes memory tensors, uint256 index) internal pure returns (View memory v) {
        uint256 n = count(tensors);
        require(index < n, "Tensors: index out of range");
        uint256 p = 1;
        for (uint256 t = 0; ; ++t) {
            require(p + 2 <= tensors.length, "Tensors: truncated");
            v.dtype = uint8(tensors[p]);
            uint256 rank = uint8(tensors[p + 1]);
            p += 2;
            require(p + rank * 4 <= tensors.length, "Tensors: truncated");
            v.shape = new uint32[](rank);
            v.count = 1;
            for (uint256 d = 0; d < rank; ++d) {
                uint32 dim = uint32(uint8(tensors[p])) << 24 | uint32(uint8(tensors[p + 1])) << 16
                    | uint32(uint8(tensors[p + 2])) << 8 | uint32(uint8(tensors[p + 3]));
                v.shape[d] = dim;
                v.count *= dim;
                p += 4;
            }
            v.offset = p;
            uint256 size = elementSize(v.dtype);
            require(size != 0, "Tensors: unsupported dtype");
            p += v.count * size;
            require(p <= tensors.length, "Tensors: truncated");
            if (t == index) return v;
        }
    }

    /// Little-endian unsigned integer of `size` bytes at `offset`.
    function readLE(bytes memory b, uint256 offset, uint256 size) internal pure returns (uint256 x) {
        for (uint256 k = 0; k < size; ++k) x |= uint256(uint8(b[offset + k])) << (8 * k);
    }

    /// Element `i` of an integer tensor as int256 (UINT8, INT8, INT32, INT64).
    function intAt(bytes memory b, View memory v, uint256 i) internal pure returns (int256) {
        require(i < v.count, "Tensors: element out of range");
        if (v.dtype == UINT8) return int256(readLE(b, v.offset + i, 1));
        if (v.dtype == INT8) return int256(int8(uint8(readLE(b, v.offset + i, 1))));
        if (v.dtype == INT32) return int256(int32(uint32(readLE(b, v.offset + 4 * i, 4))));
        if (v.dtype == INT64) return int256(int64(uint64(readLE(b, v.offset + 8 * i, 8))));
        revert("Tensors: not an integer tensor");
    }

    /// Bits of element `i` of a FLOAT tensor.
    function float32BitsAt(bytes memory b, View memory v, uint256 i) internal pure returns (uint32) {
        require(v.dtype == FLOAT, "Tensors: not a float tensor");
        require(i < v.count, "Tensors: element out of range");
        return uint32(readLE(b, v.offset + 4 * i, 4));
    }

    /// A float32's bits mapped to an integer with the same order (NaNs aside).
    function float32Key(uint32 bits) internal pure returns (int256) {
        return bits >> 31 == 1 ? -int256(uint256(bits & 0x7fffffff)) : int256(uint256(bits));
    }

    /// Index of the largest element (the first on ties) of an integer or float tensor.
    function argmax(bytes memory b, View memory v) internal pure returns (uint256 best) {
        require(v.count > 0, "Tensors: empty tensor");
        bool isFloat = v.dtype == FLOAT;
        int256 bestValue = isFloat ? float32Key(float32BitsAt(b, v, 0)) : intAt(b, v, 0);
        for (uint256 i = 1; i < v.count; ++i) {
            int256 x = isFloat ? float32Key(float32BitsAt(b, v, i)) : intAt(b, v, i);
            if (x > bestValue) {
                bestValue = x;
                best = i;
            }
        }
    }
}
