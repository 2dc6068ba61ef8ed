// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {INFERENCE} from "../ml/IInference.sol";

/// @title Runs any published model in a transaction.
/// @notice The shortest path from an exported ONNX model to an on-chain result: upload the model
/// (`tern model upload`), then call `run` with its hash and the encoded input tensors; the
/// outputs are returned, recorded by hash and emitted, so every validator's result can be
/// compared off chain. A model's own contract would decode the outputs (Tensors.sol) instead.
contract ModelRunner {
    /// Keccak of the last output of each model.
    mapping(bytes32 => bytes32) public lastOutputHash;
    /// Number of runs.
    uint256 public runs;

    /// A model ran in a transaction; `output` is in Tern's tensor encoding.
    event Inferred(bytes32 indexed model, address indexed caller, bytes output);

    /// Runs model `model` on `input` (Tern's tensor encoding) and returns its outputs.
    function run(bytes32 model, bytes calldata input) external returns (bytes memory output) {
        output = INFERENCE.infer(model, input);
        lastOutputHash[model] = keccak256(output);
        ++runs;
        emit Inferred(model, msg.sender, output);
    }
}
