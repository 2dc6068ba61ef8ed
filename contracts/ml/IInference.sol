// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Tern's inference precompile (docs/ml.md "On chain").
/// @notice Runs a published model deterministically (same output bytes on every validator).
/// `input` and `output` use Tern's tensor encoding (see Tensors.sol):
///   tensors = count:uint8 | tensor...
///   tensor  = dtype:uint8 | rank:uint8 | dims: rank x uint32 big-endian | little-endian data
/// Gas: a base, 3 per input/output byte, 8 per 32 bytes of the model file and the engine's cost
/// of the model for these input shapes, charged before the model runs (too little gas fails without running it). Errors
/// (unknown model, bad tensors, shape mismatch, over the limits) revert with a reason.
interface IInference {
    /// Runs model `modelHash` on `input`; returns the encoded outputs in graph-output order.
    function infer(bytes32 modelHash, bytes calldata input) external view returns (bytes memory output);
    /// Gas infer would charge before producing output (without running the model).
    function inferCost(bytes32 modelHash, bytes calldata input) external view returns (uint256);
}

// The inference precompile's fixed address.
IInference constant INFERENCE = IInference(0x0000000000000000000000000000000000000a02);
