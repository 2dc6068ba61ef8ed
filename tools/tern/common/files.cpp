#include "tools/tern/common/files.hpp"

#include "tools/tern/common/fail.hpp"

#include <fstream>
#include <sstream>

namespace tern::tools {

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in{path, std::ios::binary};
    if (!in)
        fail("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::filesystem::path& path, const std::string& text)
{
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out << text;
    if (!out.flush())
        fail("cannot write " + path.string());
}

nlohmann::json read_json(const std::filesystem::path& path)
{
    try
    {
        return nlohmann::json::parse(read_file(path));
    }
    catch (const nlohmann::json::exception& e)
    {
        fail(path.string() + ": " + e.what());
    }
}

}  // namespace tern::tools
