#pragma once

// Whole-file reads and writes of the `tern` subcommands; failures end the subcommand (fail()).

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace tern::tools {

/// The bytes of `path`; fails with "cannot read PATH".
std::string read_file(const std::filesystem::path& path);

/// Replaces `path` with `text`; fails with "cannot write PATH".
void write_file(const std::filesystem::path& path, const std::string& text);

/// `path` parsed as JSON; fails with "PATH: <parser's message>".
nlohmann::json read_json(const std::filesystem::path& path);

}  // namespace tern::tools
