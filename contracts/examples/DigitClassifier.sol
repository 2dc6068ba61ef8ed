// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {INFERENCE} from "../ml/IInference.sol";
import {Tensors} from "../ml/Tensors.sol";

/// @title Handwritten digit classifier running on chain.
/// @notice Classifies an 8x8 grey-scale image (64 pixels, 0..16: the format of scikit-learn's
/// digits data set) with a model from the registry: examples/ml/models/digits_mlp_int8.onnx
/// (uint8 pixels in; int32 scores and an int64 label out) or digits_mlp_f32.onnx /
/// digits_cnn_f32.onnx (float pixels / 16 in; float probabilities out).
contract DigitClassifier {
    /// The model's hash in the registry.
    bytes32 public immutable model;
    /// True for the float models (input float32 pixels / 16; output probabilities).
    bool public immutable floatModel;
    /// Input shape [1, 64] (MLPs) or [1, 1, 8, 8] (the CNN).
    bool public immutable imageShaped;

    /// The last digit each account classified.
    mapping(address => uint8) public lastDigit;
    /// Number of classifications.
    uint256 public classifications;

    /// An image was classified in a transaction.
    event Classified(address indexed who, uint8 digit, bytes32 imageHash);

    constructor(bytes32 model_, bool floatModel_, bool imageShaped_) {
        model = model_;
        floatModel = floatModel_;
        imageShaped = imageShaped_;
    }

    /// The encoded model input for `pixels` (64 bytes, each 0..16).
    function encodeInput(bytes calldata pixels) public view returns (bytes memory) {
        require(pixels.length == 64, "DigitClassifier: need 64 pixels");
        uint32[] memory shape;
        if (imageShaped) {
            shape = new uint32[](4);
            (shape[0], shape[1], shape[2], shape[3]) = (1, 1, 8, 8);
        } else {
            shape = new uint32[](2);
            (shape[0], shape[1]) = (1, 64);
        }
        if (!floatModel) return Tensors.encodeUint8(shape, pixels);
        int256[] memory values = new int256[](64);
        for (uint256 i = 0; i < 64; ++i) values[i] = int256(uint256(uint8(pixels[i])));
        return Tensors.encodeFloat32Fixed(shape, values, 4); // pixel / 16, exact
    }

    /// The digit and the model's raw output (encoded tensors) for `pixels`.
    function predict(bytes calldata pixels) public view returns (uint8 digit, bytes memory output) {
        output = INFERENCE.infer(model, encodeInput(pixels));
        // int8 model: output 0 = scores, output 1 = label; float models: output 0 = probabilities.
        Tensors.View memory scores = Tensors.get(output, 0);
        digit = uint8(Tensors.argmax(output, scores));
    }

    /// Classifies `pixels` in a transaction: records and emits the digit.
    function classify(bytes calldata pixels) external returns (uint8 digit) {
        (digit,) = predict(pixels);
        lastDigit[msg.sender] = digit;
        ++classifications;
        emit Classified(msg.sender, digit, keccak256(pixels));
    }
}
