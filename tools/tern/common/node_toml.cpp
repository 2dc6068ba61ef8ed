#include "tools/tern/common/node_toml.hpp"

#include "core/duration.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <type_traits>

namespace tern::tools {

namespace fs = std::filesystem;

std::string toml_string(const std::string& s)
{
    std::string out = "\"";
    for (const char c : s)
    {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

namespace {

/// A bad key or value; read() turns it into its error.
struct BadFile
{
    std::string message;
};

[[noreturn]] void bad(const std::string& message)
{
    throw BadFile{message};
}

/// The rpc_* count keys of node.toml and the NodeConfig fields they set, in file order: one list
/// for reading, writing and comparing.
template <typename Config, typename F>
void for_each_rpc_count(Config& c, F&& f)
{
    f("rpc_max_connections", c.rpc_max_connections);
    f("rpc_max_connections_per_ip", c.rpc_max_connections_per_ip);
    f("rpc_max_ws_per_ip", c.rpc_max_ws_per_ip);
    f("rpc_requests_per_second_per_ip", c.rpc_requests_per_second_per_ip);
    f("rpc_request_burst_per_ip", c.rpc_request_burst_per_ip);
    f("rpc_max_inflight_bytes", c.rpc_max_inflight_bytes);
    f("rpc_heavy_threads", c.rpc_heavy_threads);
    f("rpc_heavy_queue", c.rpc_heavy_queue);
    f("rpc_heavy_nice", c.rpc_heavy_nice);
    f("rpc_max_ws_inflight", c.rpc_max_ws_inflight);
    f("rpc_ws_idle_close", c.rpc_ws_idle_close_seconds);
    // Log queries, filters and subscriptions.
    f("rpc_max_log_range", c.rpc_max_log_range);
    f("rpc_max_log_results", c.rpc_max_log_results);
    f("rpc_max_log_criteria", c.rpc_max_log_criteria);
    f("rpc_max_filters_per_client", c.rpc_max_filters_per_client);
    f("rpc_max_filters", c.rpc_max_filters);
    f("rpc_max_subscriptions_per_connection", c.rpc_max_subscriptions_per_connection);
    f("rpc_max_subscriptions", c.rpc_max_subscriptions);
    f("rpc_trace_total_bytes", c.rpc_trace_total_bytes);
}

/// The rpc_* list keys (a list of strings, or one comma-separated string).
template <typename Config, typename F>
void for_each_rpc_list(Config& c, F&& f)
{
    f("rpc_cors", c.rpc_cors);
    f("rpc_vhosts", c.rpc_vhosts);
    f("rpc_ws_origins", c.rpc_ws_origins);
}

std::string resolve(const fs::path& home, const std::string& p)
{
    if (p.empty())
        return p;
    const fs::path path{p};
    return (path.is_absolute() ? path : home / path).lexically_normal().string();
}

/// "unix://x.sock" relative to H becomes "unix:///abs/H/x.sock"; tcp addresses stay.
std::string resolve_abci(const fs::path& home, const std::string& address)
{
    constexpr std::string_view kUnix = "unix://";
    if (!std::string_view(address).starts_with(kUnix))
        return address;
    return std::string(kUnix) + resolve(home, address.substr(kUnix.size()));
}

/// node.toml's rpc_api: an array of namespace names, or one comma-separated string (as geth's
/// --http.api).
std::vector<std::string> parse_rpc_api(const toml::node& value, const std::string& file)
{
    std::vector<std::string> names;
    if (const auto* text = value.as_string())
    {
        const std::string& list = text->get();
        for (size_t at = 0; at <= list.size();)
        {
            const size_t comma = std::min(list.find(',', at), list.size());
            std::string name = list.substr(at, comma - at);
            name.erase(0, name.find_first_not_of(" \t"));
            name.erase(name.find_last_not_of(" \t") + 1);
            names.push_back(std::move(name));
            at = comma + 1;
        }
    }
    else if (const auto* array = value.as_array())
    {
        for (const auto& item : *array)
        {
            if (!item.is_string())
                bad(file + ": rpc_api must list namespace names (strings)");
            names.push_back(item.value_or(std::string()));
        }
    }
    else
        bad(file + ": rpc_api must be an array of namespaces, e.g. [\"eth\", \"net\", \"web3\"]");
    for (const auto& name : names)
        if (name.empty() ||
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos)
            bad(file + ": rpc_api: '" + name +
                "' is not a namespace name (eth, net, web3, debug, ...)");
    if (names.empty())
        bad(file + ": rpc_api lists no namespace");
    return names;
}

/// The rpc_* keys of node.toml (abuse limits, browser access; docs/dev-node.md) into `c`;
/// absent keys keep NodeConfig's defaults (validators: no CORS, vhosts "localhost").
void read_rpc_keys(const toml::table& t, const std::string& file, node::NodeConfig& c)
{
    for_each_rpc_count(c, [&](const char* key, auto& field) {
        const auto v = t[key].value<int64_t>();
        if (!v)
            return;
        if (*v < 0)
            bad(file + ": " + key + " must be >= 0");
        field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
    });
    for_each_rpc_list(c, [&](const char* key, std::vector<std::string>& field) {
        const auto* node = t.get(key);
        if (!node)
            return;
        field.clear();
        if (const auto* a = node->as_array())
        {
            for (const auto& item : *a)
                if (const auto v = item.value<std::string>(); v && !v->empty())
                    field.push_back(*v);
            return;
        }
        std::string text = node->value_or(std::string());
        for (size_t start = 0; start <= text.size();)
        {
            const size_t comma = std::min(text.find(',', start), text.size());
            if (comma > start)
                field.push_back(text.substr(start, comma - start));
            start = comma + 1;
        }
    });
}

NodeToml parse(const toml::table& t, const std::string& file)
{
    NodeToml n;
    n.genesis = t["genesis"].value_or(std::string());
    n.data_dir = t["data_dir"].value_or(n.data_dir);
    n.rpc_host = t["rpc_host"].value_or(n.rpc_host);
    const auto port = t["rpc_port"].value_or(int64_t{8545});
    if (port < 0 || port > 65535)
        bad(file + ": rpc_port out of range");
    n.rpc_port = static_cast<uint16_t>(port);
    n.abci_address = t["abci_address"].value_or(n.abci_address);
    n.cometbft_home = t["cometbft_home"].value_or(n.cometbft_home);
    n.cometbft_rpc = t["cometbft_rpc"].value_or(n.cometbft_rpc);
    n.spawn_cometbft = t["spawn_cometbft"].value_or(true);
    n.cometbft_binary = t["cometbft"].value_or(std::string());
    n.history = static_cast<uint64_t>(t["history"].value_or(int64_t{10'000}));
    n.archive = t["archive"].value_or(false);
    if (t.contains("dev_accounts"))
        bad(file +
            ": dev_accounts is now unlock_dev_accounts (default 0: a validator signs nothing; "
            "see docs/security.md)");
    const auto unlock = t["unlock_dev_accounts"].value_or(int64_t{0});
    if (unlock < 0 || unlock > 1000)
        bad(file + ": unlock_dev_accounts must be 0..1000");
    n.unlock_dev_accounts = static_cast<size_t>(unlock);
    if (const auto* api = t.get("rpc_api"))
        n.rpc_api = parse_rpc_api(*api, file);
    n.rpc_threads = static_cast<size_t>(t["rpc_threads"].value_or(int64_t{32}));
    n.retain_blocks = static_cast<uint64_t>(t["retain_blocks"].value_or(int64_t{0}));
    n.nonce_window = static_cast<uint64_t>(t["nonce_window"].value_or(int64_t{64}));
    n.sender_block_gas_percent =
        static_cast<uint64_t>(t["sender_block_gas_percent"].value_or(int64_t{10}));
    n.bundle_max_txs = static_cast<size_t>(t["bundle_max_txs"].value_or(int64_t{500}));
    n.bundle_max_bytes = static_cast<size_t>(t["bundle_max_bytes"].value_or(int64_t{256 * 1024}));
    n.bundle_wait_us = t["bundle_wait_us"].value_or(int64_t{1000});
    if (n.bundle_wait_us < 0 || n.bundle_wait_us > 1'000'000)
        bad(file + ": bundle_wait_us must be 0..1000000");
    const auto queued = t["max_queued_txs"].value_or(int64_t{4096});
    if (queued < 1)
        bad(file + ": max_queued_txs must be at least 1");
    n.max_queued_txs = static_cast<size_t>(queued);
    const auto interval = t["snapshot_interval"].value<int64_t>();
    const auto keep = t["snapshot_keep_recent"].value<int64_t>();
    if (interval.value_or(0) < 0 || keep.value_or(0) < 0)
        bad(file + ": snapshot_interval and snapshot_keep_recent must be >= 0");
    if (interval)
        n.snapshot_interval = static_cast<uint64_t>(*interval);
    if (keep)
        n.snapshot_keep_recent = static_cast<uint64_t>(*keep);
    n.snapshot_dir = t["snapshot_dir"].value_or(n.snapshot_dir);
    n.sync_writes = t["sync_writes"].value_or(false);
    n.accept_lost_blocks = t["accept_lost_blocks"].value_or(false);
    read_rpc_keys(t, file, n.rpc);
    // rpc_evm_timeout: a duration string ("5s", "500ms") or a number of seconds; 0: none.
    if (const auto node = t["rpc_evm_timeout"]; node)
    {
        std::string text;
        if (const auto str = node.value<std::string>())
            text = *str;
        else if (const auto num = node.value<int64_t>(); num && *num >= 0)
            text = std::to_string(*num);
        else
            bad(file + ": rpc_evm_timeout must be a duration (\"5s\") or seconds");
        const auto d = parse_timeout(text);
        if (!d)
            bad(file + ": rpc_evm_timeout: " + d.error());
        n.rpc.rpc_evm_timeout = *d;
    }
    const auto trace_bytes = t["rpc_trace_max_bytes"].value_or(int64_t{256} << 20);
    if (trace_bytes < 0)
        bad(file + ": rpc_trace_max_bytes must be >= 0");
    n.rpc.rpc_trace_max_bytes = static_cast<uint64_t>(trace_bytes);
    return n;
}

std::string toml_list(const std::vector<std::string>& items)
{
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + toml_string(items[i]);
    return out + "]";
}

}  // namespace

Result<NodeToml, std::string> NodeToml::read(const fs::path& file)
{
    toml::table t;
    try
    {
        t = toml::parse_file(file.string());
    }
    catch (const toml::parse_error& e)
    {
        return file.string() + ": " + std::string(e.description());
    }
    try
    {
        return parse(t, file.string());
    }
    catch (const BadFile& e)
    {
        return e.message;
    }
}

std::string NodeToml::to_text(const std::string& header) const
{
    const NodeToml defaults;
    std::ostringstream out;
    out << header << "# Relative paths are resolved against this file's folder.\n"
        << (genesis.empty()
                ? "# The EVM genesis is the app_state of cometbft/config/genesis.json (a\n"
                  "# `genesis = FILE` here must describe the same chain).\n"
                : "genesis = " + toml_string(genesis) + "\n")
        << "data_dir = " << toml_string(data_dir) << "\n"
        << "rpc_host = " << toml_string(rpc_host) << "\n"
        << "rpc_port = " << rpc_port << "\n"
        << "abci_address = " << toml_string(abci_address) << "\n"
        << "cometbft_home = " << toml_string(cometbft_home) << "\n"
        << "cometbft_rpc = " << toml_string(cometbft_rpc) << "\n"
        << "spawn_cometbft = " << (spawn_cometbft ? "true" : "false") << "\n";
    out << "# JSON-RPC namespaces served (geth's --http.api); add \"debug\" for debug_trace*.\n"
        << "rpc_api = " << toml_list(rpc_api) << "\n";
    if (unlock_dev_accounts > 0)
        out << "# Signs for the first N accounts of the PUBLIC test mnemonic (any client can use "
               "them).\n"
            << "unlock_dev_accounts = " << unlock_dev_accounts << "\n";
    if (snapshot_interval)
        out << "snapshot_interval = " << *snapshot_interval << "\n";
    if (snapshot_keep_recent)
        out << "snapshot_keep_recent = " << *snapshot_keep_recent << "\n";

    // The other keys, when not at their defaults.
    const auto number = [&](const char* key, auto value, auto default_value) {
        if (value != default_value)
            out << key << " = " << static_cast<int64_t>(value) << "\n";
    };
    const auto flag = [&](const char* key, bool value, bool default_value) {
        if (value != default_value)
            out << key << " = " << (value ? "true" : "false") << "\n";
    };
    if (cometbft_binary != defaults.cometbft_binary)
        out << "cometbft = " << toml_string(cometbft_binary) << "\n";
    number("history", history, defaults.history);
    flag("archive", archive, defaults.archive);
    number("rpc_threads", rpc_threads, defaults.rpc_threads);
    number("retain_blocks", retain_blocks, defaults.retain_blocks);
    number("nonce_window", nonce_window, defaults.nonce_window);
    number("sender_block_gas_percent", sender_block_gas_percent, defaults.sender_block_gas_percent);
    number("bundle_max_txs", bundle_max_txs, defaults.bundle_max_txs);
    number("bundle_max_bytes", bundle_max_bytes, defaults.bundle_max_bytes);
    number("bundle_wait_us", bundle_wait_us, defaults.bundle_wait_us);
    number("max_queued_txs", max_queued_txs, defaults.max_queued_txs);
    if (snapshot_dir != defaults.snapshot_dir)
        out << "snapshot_dir = " << toml_string(snapshot_dir) << "\n";
    flag("sync_writes", sync_writes, defaults.sync_writes);
    flag("accept_lost_blocks", accept_lost_blocks, defaults.accept_lost_blocks);
    {
        // Pairs each rpc_* field with its default by position in the same list.
        std::vector<int64_t> values;
        for_each_rpc_count(
            rpc, [&](const char*, const auto& v) { values.push_back(static_cast<int64_t>(v)); });
        size_t i = 0;
        for_each_rpc_count(defaults.rpc, [&](const char* key, const auto& d) {
            number(key, values[i++], static_cast<int64_t>(d));
        });
    }
    {
        std::vector<const std::vector<std::string>*> values;
        for_each_rpc_list(rpc, [&](const char*, const auto& v) { values.push_back(&v); });
        size_t i = 0;
        for_each_rpc_list(defaults.rpc, [&](const char* key, const auto& d) {
            if (*values[i] != d)
                out << key << " = " << toml_list(*values[i]) << "\n";
            ++i;
        });
    }
    if (rpc.rpc_evm_timeout != defaults.rpc.rpc_evm_timeout)
        out << "rpc_evm_timeout = " << toml_string(format_go_duration(rpc.rpc_evm_timeout)) << "\n";
    number("rpc_trace_max_bytes", rpc.rpc_trace_max_bytes, defaults.rpc.rpc_trace_max_bytes);
    return out.str();
}

bool NodeToml::write(const fs::path& file, const std::string& header) const
{
    std::ofstream out{file, std::ios::binary | std::ios::trunc};
    out << to_text(header);
    return static_cast<bool>(out.flush());
}

NodeToml NodeToml::resolved(const fs::path& home) const
{
    NodeToml n = *this;
    n.genesis = resolve(home, genesis);
    n.data_dir = resolve(home, data_dir);
    n.abci_address = resolve_abci(home, abci_address);
    n.cometbft_home = resolve(home, cometbft_home);
    n.snapshot_dir = resolve(home, snapshot_dir);
    return n;
}

bool operator==(const NodeToml& a, const NodeToml& b)
{
    const auto plain = [](const NodeToml& n) {
        return std::tie(n.genesis, n.data_dir, n.rpc_host, n.rpc_port, n.abci_address,
                        n.cometbft_home, n.cometbft_rpc, n.spawn_cometbft, n.cometbft_binary,
                        n.history, n.archive, n.unlock_dev_accounts, n.rpc_api, n.rpc_threads,
                        n.retain_blocks, n.nonce_window, n.sender_block_gas_percent,
                        n.bundle_max_txs, n.bundle_max_bytes, n.bundle_wait_us, n.max_queued_txs,
                        n.snapshot_interval, n.snapshot_keep_recent, n.snapshot_dir, n.sync_writes,
                        n.accept_lost_blocks, n.rpc.rpc_evm_timeout, n.rpc.rpc_trace_max_bytes);
    };
    if (plain(a) != plain(b))
        return false;
    std::vector<int64_t> counts_a;
    std::vector<int64_t> counts_b;
    for_each_rpc_count(
        a.rpc, [&](const char*, const auto& v) { counts_a.push_back(static_cast<int64_t>(v)); });
    for_each_rpc_count(
        b.rpc, [&](const char*, const auto& v) { counts_b.push_back(static_cast<int64_t>(v)); });
    std::vector<std::vector<std::string>> lists_a;
    std::vector<std::vector<std::string>> lists_b;
    for_each_rpc_list(a.rpc, [&](const char*, const auto& v) { lists_a.push_back(v); });
    for_each_rpc_list(b.rpc, [&](const char*, const auto& v) { lists_b.push_back(v); });
    return counts_a == counts_b && lists_a == lists_b;
}

}  // namespace tern::tools
