#pragma once

#include <CLI/CLI.hpp>

namespace tern::tools {

/// Adds `tern model upload FILE --rpc URL [--key HEX] [--chunk N]` (checks the ONNX file with
/// the engine, then sends beginUpload / uploadChunk / finishUpload transactions to the model
/// registry precompile and prints the model hash) and `tern model list --rpc URL`. A failure
/// prints its message and throws CLI::RuntimeError(1).
void register_model_commands(CLI::App& app);

}  // namespace tern::tools
