// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {INFERENCE} from "../ml/IInference.sol";
import {Tensors} from "../ml/Tensors.sol";

/// @title On-chain personas whose mood comes from a model.
/// @notice Anyone creates a persona and talks to it. Each message is turned into 64 hashed
/// word counts (split on spaces, ASCII lower-cased, bucket = keccak256(word)[0] % 64) and run
/// through the mood model (examples/ml/models/persona_mood_int8.onnx: 0 cheerful, 1 calm,
/// 2 grumpy) on chain; the persona takes that mood and answers with one of its mood's lines.
/// The model is a toy trained on a small synthetic word list (examples/ml/train_digits.py):
/// every validator computes the same mood, which is the point, not its wisdom.
contract AIPersona {
    struct Persona {
        string name;
        address creator;
        uint8 mood;
        uint32 messages;
    }

    /// The mood model's hash in the registry.
    bytes32 public immutable moodModel;
    Persona[] private personas;

    event PersonaCreated(uint256 indexed id, string name, address creator);
    event Message(uint256 indexed id, address indexed from, string text, uint8 mood, string reply);

    constructor(bytes32 moodModel_) {
        moodModel = moodModel_;
    }

    /// Creates a persona (calm to begin with); returns its id.
    function createPersona(string calldata name) external returns (uint256 id) {
        id = personas.length;
        personas.push(Persona(name, msg.sender, 1, 0));
        emit PersonaCreated(id, name, msg.sender);
    }

    /// Number of personas.
    function personaCount() external view returns (uint256) {
        return personas.length;
    }

    /// A persona's name, mood and message count.
    function persona(uint256 id) external view returns (string memory name, uint8 mood, string memory moodName, uint32 messages) {
        Persona storage p = personas[id];
        return (p.name, p.mood, moodName_(p.mood), p.messages);
    }

    /// The model's features for `text`: 64 saturating word counts.
    function features(string calldata text) public pure returns (bytes memory counts) {
        counts = new bytes(64);
        bytes memory s = bytes(text);
        uint256 start = 0;
        for (uint256 i = 0; i <= s.length; ++i) {
            if (i < s.length && s[i] != " ") continue;
            if (i > start) {
                bytes memory word = new bytes(i - start);
                for (uint256 k = start; k < i; ++k) {
                    bytes1 c = s[k];
                    word[k - start] = (c >= "A" && c <= "Z") ? bytes1(uint8(c) + 32) : c;
                }
                uint256 bucket = uint8(keccak256(word)[0]) % 64;
                if (uint8(counts[bucket]) < 255) counts[bucket] = bytes1(uint8(counts[bucket]) + 1);
            }
            start = i + 1;
        }
    }

    /// The mood the model gives `text` and its raw output (int32 scores, int64 label).
    function moodOf(string calldata text) public view returns (uint8 mood, bytes memory output) {
        uint32[] memory shape = new uint32[](2);
        (shape[0], shape[1]) = (1, 64);
        output = INFERENCE.infer(moodModel, Tensors.encodeUint8(shape, features(text)));
        mood = uint8(uint256(Tensors.intAt(output, Tensors.get(output, 1), 0)));
    }

    /// Posts `text` to persona `id`: its mood becomes the model's verdict and it replies.
    function talk(uint256 id, string calldata text) external returns (uint8 mood, string memory reply) {
        Persona storage p = personas[id];
        (mood,) = moodOf(text);
        p.mood = mood;
        reply = replyFor(mood, p.messages);
        ++p.messages;
        emit Message(id, msg.sender, text, mood, reply);
    }

    function moodName_(uint8 mood) private pure returns (string memory) {
        if (mood == 0) return "cheerful";
        if (mood == 1) return "calm";
        return "grumpy";
    }

    /// One of three lines per mood, in turn.
    function replyFor(uint8 mood, uint32 n) public pure returns (string memory) {
        uint256 k = n % 3;
        if (mood == 0) {
            if (k == 0) return "What a lovely thing to say!";
            if (k == 1) return "You just made my block.";
            return "Sunshine all the way down the chain.";
        }
        if (mood == 1) {
            if (k == 0) return "I see. Tell me more.";
            if (k == 1) return "Noted, calmly.";
            return "Hmm, interesting.";
        }
        if (k == 0) return "Well, that ruined my mood.";
        if (k == 1) return "Harsh. I'll remember that.";
        return "Go away, I'm sulking.";
    }
}
