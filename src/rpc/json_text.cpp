#include "rpc/json_text.hpp"

#include <nlohmann/json.hpp>

namespace tern::rpc {
namespace {

/// A cursor over JSON text already known to be valid: no error checks beyond staying in range.
class Scanner
{
public:
    explicit Scanner(std::string_view text) : s_(text)
    {
        // The parser accepts (and skips) a UTF-8 byte order mark.
        if (s_.starts_with("\xEF\xBB\xBF"))
            i_ = 3;
    }

    bool done() const { return i_ >= s_.size(); }
    char peek() const { return done() ? '\0' : s_[i_]; }
    void next() { ++i_; }

    void skip_ws()
    {
        while (!done() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
            ++i_;
    }

    /// At a '"': the text between the quotes (escapes undecoded); moves past the closing quote.
    std::string_view string()
    {
        const size_t start = ++i_;
        while (!done() && s_[i_] != '"')
            i_ += s_[i_] == '\\' ? 2 : 1;
        const std::string_view body = s_.substr(start, std::min(i_, s_.size()) - start);
        ++i_;
        return body;
    }

    /// Skips one value; returns its text.
    std::string_view value()
    {
        const size_t start = i_;
        const char c = peek();
        if (c == '"')
            string();
        else if (c == '{' || c == '[')
        {
            size_t depth = 0;
            do
            {
                const char d = s_[i_];
                if (d == '"')
                {
                    string();
                    continue;
                }
                if (d == '{' || d == '[')
                    ++depth;
                else if (d == '}' || d == ']')
                    --depth;
                ++i_;
            } while (depth > 0 && !done());
        }
        else
        {
            while (!done() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' &&
                   s_[i_] != '\t' && s_[i_] != '\n' && s_[i_] != '\r')
                ++i_;
        }
        return s_.substr(start, i_ - start);
    }

    /// At a '{': the text of the last member named "id" ("" when none); moves past the object.
    std::string_view id_member()
    {
        std::string_view id;
        next();
        for (;;)
        {
            skip_ws();
            if (done() || peek() == '}')
                break;
            const std::string_view key = string();
            skip_ws();
            next();  // ':'
            skip_ws();
            const std::string_view v = value();
            if (is_id(key))
                id = v;
            skip_ws();
            if (peek() == ',')
                next();
        }
        next();
        return id;
    }

private:
    static bool is_id(std::string_view key)
    {
        if (key.find('\\') == std::string_view::npos)
            return key == "id";
        // An escaped key ("\u0069d") is rare: decode it with the parser.
        std::string quoted(1, '"');
        quoted.append(key);
        quoted.push_back('"');
        const auto decoded = nlohmann::json::parse(quoted, nullptr, /*allow_exceptions=*/false);
        return decoded.is_string() && decoded.get_ref<const std::string&>() == "id";
    }

    std::string_view s_;
    size_t i_ = 0;
};

}  // namespace

std::vector<std::string_view> raw_request_ids(std::string_view text)
{
    std::vector<std::string_view> out;
    Scanner s(text);
    s.skip_ws();
    if (s.peek() == '{')
    {
        out.push_back(s.id_member());
        return out;
    }
    if (s.peek() != '[')
        return out;
    s.next();
    for (;;)
    {
        s.skip_ws();
        if (s.done() || s.peek() == ']')
            break;
        if (s.peek() == '{')
            out.push_back(s.id_member());
        else
        {
            s.value();
            out.emplace_back();
        }
        s.skip_ws();
        if (s.peek() == ',')
            s.next();
    }
    return out;
}

}  // namespace tern::rpc
