#include "rpc_exposure.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>

namespace tern::tools {

std::string wrap_text(const std::string& text)
{
    constexpr size_t kWidth = 100;
    std::string out;
    size_t line = 0;
    for (size_t at = 0; at < text.size();)
    {
        const size_t space = std::min(text.find(' ', at), text.size());
        const std::string word = text.substr(at, space - at);
        if (line > 0 && line + 1 + word.size() > kWidth)
        {
            out += "\n  ";
            line = 2;
        }
        else if (line > 0)
        {
            out += ' ';
            ++line;
        }
        out += word;
        line += word.size();
        at = space + 1;
    }
    return out;
}

bool is_loopback_host(const std::string& host)
{
    if (host == "localhost")
        return true;
    std::string ip = host;
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']')
        ip = ip.substr(1, ip.size() - 2);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(ip, ec);
    return !ec && address.is_loopback();
}

std::string exposure_warning(const std::string& host,
                             uint16_t port,
                             const std::vector<std::string>& namespaces,
                             size_t unlocked,
                             bool public_keys)
{
    const bool any = host == "0.0.0.0" || host == "::" || host == "[::]";
    std::string served;
    bool debug = false;
    bool evm = false;
    for (const auto& ns : namespaces)
    {
        served += (served.empty() ? "" : ", ") + ns;
        debug = debug || ns == "debug";
        evm = evm || ns == "evm";
    }
    std::string w = "WARNING: JSON-RPC listens on " + host + ":" + std::to_string(port) +
                    (any ? " (every network interface)" : "") +
                    ", not on a loopback address: anyone who can reach this port can use it. "
                    "Namespaces served: " +
                    served + ".";
    if (debug)
        w += " debug_trace* re-executes transactions (CPU and memory for every caller).";
    if (evm)
        w += " evm_mine makes blocks on request.";
    if (unlocked > 0)
        w += ' ' + std::to_string(unlocked) + " unlocked account" + (unlocked == 1 ? "" : "s") +
             ": anyone can send transactions and sign messages with " +
             (unlocked == 1 ? "it" : "them") +
             " (eth_sendTransaction, eth_sign, eth_signTypedData_v4)" +
             (public_keys ? "; their keys are the public test mnemonic's, so whatever they hold "
                            "belongs to anyone anyway."
                          : ".");
    w += " Bind 127.0.0.1 (or put an authenticating proxy in front) unless this is meant; see "
         "docs/security.md.";
    return wrap_text(w);
}

}  // namespace tern::tools
