#include "core/duration.hpp"

#include "core/uint256.hpp"

#include <algorithm>
#include <cstdint>

namespace tern {
namespace {

constexpr uint64_t kNanosecond = 1;
constexpr uint64_t kMicrosecond = 1000 * kNanosecond;
constexpr uint64_t kMillisecond = 1000 * kMicrosecond;
constexpr uint64_t kSecond = 1000 * kMillisecond;
constexpr uint64_t kMinute = 60 * kSecond;
constexpr uint64_t kHour = 60 * kMinute;
constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  ///< |INT64_MIN|

/// Go's quote() in time's messages: the text in double quotes, with \" and \\ escaped and
/// bytes outside printable ASCII as \xNN.
std::string quote(std::string_view s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (const char c : s)
    {
        const auto b = static_cast<unsigned char>(c);
        if (b == '"' || b == '\\')
        {
            out += '\\';
            out += c;
        }
        else if (b >= 0x20 && b < 0x7f)
            out += c;
        else
        {
            out += "\\x";
            out += kHex[b >> 4];
            out += kHex[b & 15];
        }
    }
    out += '"';
    return out;
}

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

/// The unit's length in nanoseconds, or 0 if it is not one of Go's units.
uint64_t unit_of(std::string_view u) noexcept
{
    if (u == "ns")
        return kNanosecond;
    if (u == "us" || u == "\xc2\xb5s" || u == "\xce\xbcs")  // "us", U+00B5 "µs", U+03BC "μs"
        return kMicrosecond;
    if (u == "ms")
        return kMillisecond;
    if (u == "s")
        return kSecond;
    if (u == "m")
        return kMinute;
    if (u == "h")
        return kHour;
    return 0;
}

/// Text written from the end backwards, as Go's Duration.format does.
class Backwards
{
public:
    void put(char c) noexcept { buf_[--w_] = c; }
    void put(std::string_view s) noexcept
    {
        for (size_t i = s.size(); i-- > 0;)
            put(s[i]);
    }
    /// Writes v / 10^prec's fraction (".123", trailing zeros dropped, nothing if zero) and
    /// returns v / 10^prec (Go's fmtFrac).
    uint64_t fraction(uint64_t v, int prec) noexcept
    {
        bool print = false;
        for (int i = 0; i < prec; ++i)
        {
            const auto digit = static_cast<char>('0' + v % 10);
            print = print || digit != '0';
            if (print)
                put(digit);
            v /= 10;
        }
        if (print)
            put('.');
        return v;
    }
    /// Writes v in decimal (Go's fmtInt).
    void integer(uint64_t v) noexcept
    {
        do
        {
            put(static_cast<char>('0' + v % 10));
            v /= 10;
        } while (v != 0);
    }
    std::string str() const { return std::string(buf_ + w_, buf_ + sizeof(buf_)); }

private:
    char buf_[40] = {};  // the longest: "-2562047h47m16.854775808s"
    size_t w_ = sizeof(buf_);
};

}  // namespace

Result<std::chrono::nanoseconds, std::string> parse_go_duration(std::string_view text)
{
    const std::string invalid = "time: invalid duration " + quote(text);
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+'))
    {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s == "0")
        return std::chrono::nanoseconds{0};
    if (s.empty())
        return invalid;

    uint64_t total = 0;
    while (!s.empty())
    {
        if (!(s[0] == '.' || is_digit(s[0])))
            return invalid;
        // Integer part.
        uint64_t whole = 0;
        size_t i = 0;
        for (; i < s.size() && is_digit(s[i]); ++i)
        {
            if (whole > (kMaxMagnitude - 9) / 10)
                return invalid;  // overflow
            whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
        }
        const bool before = i != 0;
        s.remove_prefix(i);
        // Fraction: up to 18 digits kept exactly (later ones cannot change a nanosecond count).
        uint64_t frac = 0;
        uint64_t scale = 1;
        bool after = false;
        if (!s.empty() && s[0] == '.')
        {
            s.remove_prefix(1);
            size_t j = 0;
            for (; j < s.size() && is_digit(s[j]); ++j)
            {
                if (scale < 1'000'000'000'000'000'000ULL)
                {
                    frac = frac * 10 + static_cast<uint64_t>(s[j] - '0');
                    scale *= 10;
                }
            }
            after = j != 0;
            s.remove_prefix(j);
        }
        if (!before && !after)
            return invalid;
        // Unit.
        size_t k = 0;
        while (k < s.size() && s[k] != '.' && !is_digit(s[k]))
            ++k;
        if (k == 0)
            return "time: missing unit in duration " + quote(text);
        const std::string_view u = s.substr(0, k);
        s.remove_prefix(k);
        const uint64_t unit = unit_of(u);
        if (unit == 0)
            return "time: unknown unit " + quote(u) + " in duration " + quote(text);
        if (whole > kMaxMagnitude / unit)
            return invalid;
        uint64_t v = whole * unit;
        if (frac != 0)
        {
            const auto part = static_cast<uint64_t>(static_cast<uint128_t>(frac) * unit / scale);
            v += part;
            if (v > kMaxMagnitude)
                return invalid;
        }
        total += v;
        if (total > kMaxMagnitude)
            return invalid;
    }
    if (negative)
        return std::chrono::nanoseconds{static_cast<int64_t>(0 - total)};
    if (total > kMaxMagnitude - 1)
        return invalid;
    return std::chrono::nanoseconds{static_cast<int64_t>(total)};
}

std::string format_go_duration(std::chrono::nanoseconds d)
{
    const int64_t n = d.count();
    const bool negative = n < 0;
    uint64_t u = negative ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
    if (u == 0)
        return "0s";
    Backwards out;
    if (u < kSecond)
    {
        // Below a second: the largest unit under it, with a fraction ("1.5ms").
        int prec = 0;
        if (u < kMicrosecond)
            out.put("ns");
        else if (u < kMillisecond)
        {
            prec = 3;
            out.put("\xc2\xb5s");  // U+00B5 micro sign, as Go prints it
        }
        else
        {
            prec = 6;
            out.put("ms");
        }
        out.integer(out.fraction(u, prec));
    }
    else
    {
        out.put('s');
        u = out.fraction(u, 9);
        out.integer(u % 60);  // seconds
        u /= 60;
        if (u > 0)
        {
            out.put('m');
            out.integer(u % 60);  // minutes
            u /= 60;
            if (u > 0)
            {
                out.put('h');
                out.integer(u);  // hours (Go stops there: days vary in length)
            }
        }
    }
    if (negative)
        out.put('-');
    return out.str();
}

Result<std::chrono::nanoseconds, std::string> parse_timeout(std::string_view text)
{
    const bool plain_number =
        !text.empty() && std::count(text.begin(), text.end(), '.') <= 1 &&
        std::all_of(text.begin(), text.end(), [](char c) { return is_digit(c) || c == '.'; });
    auto d = plain_number ? parse_go_duration(std::string(text) + "s") : parse_go_duration(text);
    if (!d)
        return plain_number ? "invalid duration " + quote(text) : d.error();
    if (d->count() < 0)
        return "negative duration " + quote(text);
    return *d;
}

}  // namespace tern
