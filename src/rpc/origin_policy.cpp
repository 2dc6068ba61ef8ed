#include "rpc/origin_policy.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>

namespace tern::rpc {
namespace {

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// "host:port", "[v6]:port", "host" or "[v6]" -> host (brackets removed) and port ("" if none).
void split_host_port(std::string_view s, std::string_view& host, std::string_view& port)
{
    port = {};
    if (s.starts_with('['))
    {
        const size_t end = s.find(']');
        if (end == std::string_view::npos)
        {
            host = s;
            return;
        }
        host = s.substr(1, end - 1);
        if (end + 1 < s.size() && s[end + 1] == ':')
            port = s.substr(end + 2);
        return;
    }
    const size_t colon = s.rfind(':');
    if (colon == std::string_view::npos || s.find(':') != colon)
    {
        host = s;  // no port, or a bare IPv6 address
        return;
    }
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
}

/// An origin or an origin rule split like geth's parseOriginURL: "scheme://host:port/..." or,
/// without "://", "host:port" with no scheme. Lower case.
struct OriginParts
{
    std::string scheme;
    std::string host;
    std::string port;
};

OriginParts origin_parts(std::string_view text)
{
    const std::string s = lower(text);
    std::string_view rest = s;
    OriginParts parts;
    if (const size_t sep = rest.find("://"); sep != std::string_view::npos)
    {
        parts.scheme = std::string(rest.substr(0, sep));
        rest.remove_prefix(sep + 3);
        rest = rest.substr(0, rest.find('/'));
    }
    std::string_view host, port;
    split_host_port(rest, host, port);
    parts.host = std::string(host);
    parts.port = std::string(port);
    return parts;
}

bool rule_allows(std::string_view rule, const OriginParts& origin)
{
    const OriginParts r = origin_parts(rule);
    return (r.scheme.empty() || r.scheme == origin.scheme) &&
           (r.host.empty() || r.host == origin.host) && (r.port.empty() || r.port == origin.port);
}

bool wildcard_match(std::string_view pattern, std::string_view s)
{
    const size_t star = pattern.find('*');
    if (star == std::string_view::npos)
        return pattern == s;
    const std::string_view prefix = pattern.substr(0, star);
    const std::string_view suffix = pattern.substr(star + 1);
    return s.size() >= prefix.size() + suffix.size() && s.starts_with(prefix) &&
           s.ends_with(suffix);
}

bool is_ip(std::string_view host)
{
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address(std::string(host), ec);
    return !ec;
}

}  // namespace

std::string cors_allow_origin(const std::vector<std::string>& allowed, std::string_view origin)
{
    if (origin.empty())
        return {};
    const std::string o = lower(origin);
    for (const auto& a : allowed)
    {
        if (a == "*")
            return "*";
        if (wildcard_match(lower(a), o))
            return std::string(origin);
    }
    return {};
}

bool ws_origin_allowed(const std::vector<std::string>& allowed,
                       bool has_origin,
                       std::string_view origin)
{
    if (!has_origin)
        return true;
    static const std::vector<std::string> loopback{"http://localhost", "http://127.0.0.1",
                                                   "http://[::1]"};
    const auto& rules = allowed.empty() ? loopback : allowed;
    const OriginParts o = origin_parts(origin);
    return std::any_of(rules.begin(), rules.end(),
                       [&](const std::string& r) { return r == "*" || rule_allows(r, o); });
}

bool host_allowed(const std::vector<std::string>& allowed, std::string_view host_header)
{
    if (host_header.empty())
        return true;
    std::string_view host, port;
    split_host_port(host_header, host, port);
    if (is_ip(host))
        return true;
    const std::string h = lower(host);
    return std::any_of(allowed.begin(), allowed.end(),
                       [&](const std::string& a) { return a == "*" || lower(a) == h; });
}

}  // namespace tern::rpc
