// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Tern's model registry precompile (docs/ml.md "On chain").
/// @notice ONNX models stored in the chain state, content-addressed by keccak256 of the file.
/// Upload: beginUpload, then uploadChunk for every 32-byte-aligned piece (any order, one or many
/// transactions), then finishUpload, which checks the hash and that the engine accepts the
/// model (the revert reason names what is wrong). Uploads in progress belong to their sender.
/// Every function returns a value so Solidity's call checks work on the code-less address.
interface IModelRegistry {
    /// A model became available.
    event ModelUploaded(bytes32 indexed hash, address indexed uploader, uint32 size);

    /// Starts (or restarts) the caller's upload of the model `hash` of `size` bytes.
    function beginUpload(bytes32 hash, uint32 size) external returns (bool);
    /// Stores `data` at `offset` (a multiple of 32; only the last chunk may end mid-word);
    /// returns the bytes stored.
    function uploadChunk(bytes32 hash, uint32 offset, bytes calldata data) external returns (uint32);
    /// Verifies and publishes the caller's upload; returns the model size.
    function finishUpload(bytes32 hash) external returns (uint32);

    /// True once the model is published.
    function exists(bytes32 hash) external view returns (bool);
    /// Size in bytes (0 if absent).
    function modelSize(bytes32 hash) external view returns (uint32);
    /// Who published it (zero if absent).
    function modelUploader(bytes32 hash) external view returns (address);
    /// `len` bytes of the model from `offset`.
    function readModel(bytes32 hash, uint32 offset, uint32 len) external view returns (bytes memory);
    /// The chain's largest model, in bytes (`tern.mlMaxModelBytes`).
    function maxModelBytes() external view returns (uint256);
    /// The chain's largest engine cost of one inference call, in gas (`tern.mlMaxCallCost`).
    function maxCallCost() external view returns (uint256);
    /// Number of published models.
    function modelCount() external view returns (uint256);
    /// Hashes of published models `start` .. `start + count - 1` (fewer at the end).
    function listModels(uint256 start, uint256 count) external view returns (bytes32[] memory);
}

// The registry's fixed address.
IModelRegistry constant MODEL_REGISTRY = IModelRegistry(0x0000000000000000000000000000000000000a01);
