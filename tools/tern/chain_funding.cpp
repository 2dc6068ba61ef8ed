#include "chain_funding.hpp"

#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "node/chain_features.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace tern::tools {
namespace {

using json = nlohmann::json;

/// Decimal places of a unit's wei value (nullopt: not a unit).
std::optional<size_t> unit_decimals(std::string_view unit)
{
    if (unit == "wei")
        return 0;
    if (unit == "gwei")
        return 9;
    if (unit == "ether" || unit == "eth")
        return 18;
    return std::nullopt;
}

/// A 0x-prefixed 20-byte address (exactly 40 hex digits).
std::optional<Address> parse_address(std::string_view text)
{
    if (text.size() != 42 || !(text.starts_with("0x") || text.starts_with("0X")))
        return std::nullopt;
    return fixed_from_hex<Address>(text);
}

}  // namespace

std::optional<U256> parse_amount(std::string_view text)
{
    if (text.starts_with("0x") || text.starts_with("0X"))
        return U256::from_string(text);  // hex wei (its digits may be letters: no unit)
    size_t unit_at = text.size();
    while (unit_at > 0 && std::isalpha(static_cast<unsigned char>(text[unit_at - 1])))
        --unit_at;
    const std::string_view number = text.substr(0, unit_at);
    const auto decimals =
        unit_decimals(text.substr(unit_at).empty() ? "wei" : text.substr(unit_at));
    if (!decimals)
        return std::nullopt;
    const size_t dot = std::min(number.find('.'), number.size());
    const std::string_view whole = number.substr(0, dot);
    std::string fraction(number.substr(std::min(dot + 1, number.size())));
    const bool digits = whole.find_first_not_of("0123456789") == std::string_view::npos &&
                        fraction.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || (whole.empty() && fraction.empty()) || fraction.size() > *decimals ||
        (dot < number.size() && fraction.empty()))
        return std::nullopt;
    fraction.append(*decimals - fraction.size(), '0');
    return U256::from_string(std::string(whole) + fraction);
}

std::string format_ether(const U256& wei)
{
    std::string digits = wei.to_dec();
    if (digits.size() <= 18)
        digits.insert(0, 19 - digits.size(), '0');
    std::string whole = digits.substr(0, digits.size() - 18);
    std::string fraction = digits.substr(digits.size() - 18);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    return whole + (fraction.empty() ? "" : "." + fraction) + " ether";
}

Result<std::map<Address, chain::GenesisAccount>, std::string> funded_accounts(
    const FundingRequest& request)
{
    std::map<Address, chain::GenesisAccount> out;
    std::map<Address, std::string> source;  // who funded each address, for the error
    const auto add = [&](const Address& a, chain::GenesisAccount account,
                         const std::string& from) -> std::optional<std::string> {
        if (const auto it = source.find(a); it != source.end())
            return to_hex(a) + " is funded twice (" + it->second + " and " + from + ")";
        source.emplace(a, from);
        out.emplace(a, std::move(account));
        return std::nullopt;
    };

    if (!request.alloc_file.empty())
    {
        std::ifstream in{request.alloc_file};
        if (!in)
            return "--alloc: cannot read " + request.alloc_file;
        std::ostringstream text;
        text << in.rdbuf();
        json doc = json::parse(text.str(), nullptr, false);
        if (doc.is_discarded() || !doc.is_object())
            return "--alloc " + request.alloc_file + ": not a JSON object";
        // A whole genesis file: its alloc. Otherwise the object is the alloc itself. Parsed as
        // the alloc of a genesis (geth's rules for accounts and their errors).
        json genesis = chain::genesis_to_json(chain::dev_genesis(1));
        genesis["alloc"] = doc.contains("alloc") ? doc["alloc"] : doc;
        const auto parsed = chain::parse_genesis(genesis, node::chain_feature_keys());
        if (!parsed)
            return "--alloc " + request.alloc_file + ": " + parsed.error();
        for (const auto& [a, account] : parsed->alloc)
            if (auto e = add(a, account, "--alloc"))
                return *e;
    }
    for (const auto& entry : request.fund)
    {
        const size_t eq = entry.find('=');
        const auto address =
            eq == std::string::npos ? std::nullopt : parse_address(entry.substr(0, eq));
        if (!address)
            return "--fund " + entry +
                   ": expected ADDRESS=AMOUNT with a 0x address of 40 hex digits";
        const auto amount = parse_amount(entry.substr(eq + 1));
        if (!amount)
            return "--fund " + entry +
                   ": AMOUNT is wei (decimal or 0x hex) or a number with a unit: wei, gwei, "
                   "ether (e.g. 100ether, 1.5ether)";
        chain::GenesisAccount account;
        account.balance = *amount;
        if (auto e = add(*address, account, "--fund " + entry))
            return *e;
    }
    if (request.dev_accounts)
        for (const auto& dev : chain::default_dev_accounts())
        {
            chain::GenesisAccount account;
            account.balance = chain::kDevAccountBalance;
            if (auto e = add(dev.address, account, "--dev-accounts"))
                return *e;
        }
    return out;
}

}  // namespace tern::tools
