#include "bench/workloads.hpp"

#include "core/hex.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tern::bench {
namespace {

using Json = nlohmann::json;

Result<Json, std::string> read_json(const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in)
        return std::string("cannot open ") + path.string();
    Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
        return std::string("invalid JSON in ") + path.string();
    return j;
}

Result<Bytes, std::string> hex_field(const Json& j, const std::string& what)
{
    if (!j.is_string())
        return what + ": not a string";
    auto b = from_hex(j.get<std::string>());
    if (!b)
        return what + ": bad hex";
    return std::move(*b);
}

Result<U256, std::string> u256_field(const Json& j, const std::string& what)
{
    if (!j.is_string())
        return what + ": not a string";
    auto v = U256::from_string(j.get<std::string>());
    if (!v)
        return what + ": bad number";
    return *v;
}

Result<Address, std::string> address_field(const std::string& s, const std::string& what)
{
    auto a = fixed_from_hex<Address>(s);
    if (!a)
        return what + ": bad address";
    return *a;
}

/// The member `key` of `j`, or null when `j` is not an object or lacks it (const operator[] on a
/// missing key would be undefined behaviour).
const Json& field(const Json& j, const char* key)
{
    static const Json kNull;
    if (!j.is_object())
        return kNull;
    auto it = j.find(key);
    return it == j.end() ? kNull : *it;
}

/// The string value of `j`, or "" when it is not a string.
std::string str(const Json& j)
{
    return j.is_string() ? j.get<std::string>() : std::string();
}

int64_t to_i64(const U256& v)
{
    return v.fits_u64() && v.low64() <= static_cast<uint64_t>(INT64_MAX)
               ? static_cast<int64_t>(v.low64())
               : INT64_MAX;
}

}  // namespace

int64_t intrinsic_gas(BytesView calldata) noexcept
{
    int64_t gas = 21000;
    for (uint8_t b : calldata)
        gas += b == 0 ? 4 : 16;
    return gas;
}

Address default_sender() noexcept
{
    return *fixed_from_hex<Address>("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");
}

Address contract_address() noexcept
{
    return *fixed_from_hex<Address>("0xbe7c43a580000000000000000000000000000001");
}

Result<std::vector<Workload>, std::string> load_contract_workloads(const std::filesystem::path& dir)
{
    auto doc = read_json(dir / "workloads.json");
    if (!doc)
        return doc.error();
    const Json& list = field(*doc, "workloads");
    if (!list.is_array())
        return std::string("workloads.json: no workloads array");
    std::vector<Workload> out;
    for (const Json& w : list)
    {
        if (!w.contains("name") || !w.contains("code_file") || !w.contains("calldata"))
            return std::string("workloads.json: entry without name/code_file/calldata");
        const std::string name = str(field(w, "name"));
        std::ifstream code_in(dir / str(field(w, "code_file")));
        if (!code_in)
            return "cannot open code of " + name;
        std::stringstream code_text;
        code_text << code_in.rdbuf();
        std::string code_hex = code_text.str();
        code_hex.erase(std::remove_if(code_hex.begin(), code_hex.end(),
                                      [](char c) { return c == '\n' || c == '\r' || c == ' '; }),
                       code_hex.end());
        auto code = from_hex(code_hex);
        if (!code || code->empty())
            return "bad code hex for " + name;
        auto calldata = hex_field(field(w, "calldata"), name + " calldata");
        if (!calldata)
            return calldata.error();

        Workload wl;
        wl.name = "contract/" + name;
        wl.description = w.value("what", std::string());
        wl.sender = default_sender();
        wl.to = contract_address();
        wl.calldata = std::move(*calldata);
        wl.gas_limit = kWorkloadGasLimit;
        wl.block.gas_limit = kWorkloadGasLimit;
        wl.block.timestamp = 1'700'000'000;
        wl.accounts.push_back(
            AccountSpec{wl.sender, U256(1'000'000'000'000'000'000ULL), 0, {}, {}});
        wl.accounts.push_back(AccountSpec{wl.to, U256(0), 1, std::move(*code), {}});
        out.push_back(std::move(wl));
    }
    return out;
}

Result<std::vector<Workload>, std::string> load_state_test_workloads(
    const std::filesystem::path& dir)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return "not a directory: " + dir.string();
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".json")
            files.push_back(e.path());
    std::sort(files.begin(), files.end());  // stable benchmark order

    std::vector<Workload> out;
    for (const auto& file : files)
    {
        auto doc = read_json(file);
        if (!doc)
            return doc.error();
        for (const auto& [test_name, t] : doc->items())
        {
            const std::string where = file.filename().string() + "/" + test_name;
            const Json& env = field(t, "env");
            const Json& tx = field(t, "transaction");
            if (!env.is_object() || !tx.is_object() || !field(t, "pre").is_object())
                return where + ": not a state test";

            Workload base;
            base.gas_limit = kWorkloadGasLimit;
            if (field(tx, "gasLimit").is_array() && !field(tx, "gasLimit").empty())
            {
                auto g = u256_field(field(tx, "gasLimit")[0], where + " gasLimit");
                if (!g)
                    return g.error();
                base.gas_limit = to_i64(*g);
            }
            if (tx.contains("gasPrice"))
            {
                auto p = u256_field(field(tx, "gasPrice"), where + " gasPrice");
                if (!p)
                    return p.error();
                base.gas_price = *p;
            }
            auto to = address_field(str(field(tx, "to")), where + " to");
            if (!to)
                return to.error();
            base.to = *to;
            auto sender = address_field(str(field(tx, "sender")), where + " sender");
            if (!sender)
                return sender.error();
            base.sender = *sender;

            auto coinbase = address_field(str(field(env, "currentCoinbase")), where);
            if (!coinbase)
                return coinbase.error();
            base.block.coinbase = *coinbase;
            for (auto [key, dest] : {std::pair{"currentNumber", &base.block.number},
                                     std::pair{"currentTimestamp", &base.block.timestamp},
                                     std::pair{"currentGasLimit", &base.block.gas_limit}})
            {
                auto v = u256_field(field(env, key), where + " " + key);
                if (!v)
                    return v.error();
                *dest = to_i64(*v);
            }
            if (env.contains("currentBaseFee"))
            {
                auto v = u256_field(field(env, "currentBaseFee"), where + " currentBaseFee");
                if (!v)
                    return v.error();
                base.block.base_fee = *v;
            }
            if (env.contains("currentRandom"))
            {
                auto v = fixed_from_hex<Hash256>(str(field(env, "currentRandom")));
                if (!v)
                    return where + ": bad currentRandom";
                base.block.prev_randao = *v;
            }

            for (const auto& [addr_hex, acc] : field(t, "pre").items())
            {
                AccountSpec spec;
                auto addr = address_field(addr_hex, where + " pre");
                if (!addr)
                    return addr.error();
                spec.address = *addr;
                auto balance = u256_field(field(acc, "balance"), where + " balance");
                auto nonce = u256_field(field(acc, "nonce"), where + " nonce");
                auto code = hex_field(field(acc, "code"), where + " code");
                if (!balance || !nonce || !code)
                    return where + ": bad pre account " + addr_hex;
                spec.balance = *balance;
                spec.nonce = nonce->low64();
                spec.code = std::move(*code);
                for (const auto& [k, v] : field(acc, "storage").items())
                {
                    auto key = U256::from_string(k);
                    auto val = u256_field(v, where + " storage");
                    if (!key || !val)
                        return where + ": bad storage";
                    if (*val)
                        spec.storage[*key] = *val;
                }
                base.accounts.push_back(std::move(spec));
            }

            const Json& data = field(tx, "data");
            const Json labels = t.contains("_info")
                                    ? field(t, "_info").value("labels", Json::object())
                                    : Json::object();
            for (size_t i = 0; i < data.size(); ++i)
            {
                auto calldata = hex_field(data[i], where + " data");
                if (!calldata)
                    return calldata.error();
                Workload w = base;
                const std::string idx = std::to_string(i);
                const std::string label = labels.contains(idx) ? str(labels[idx]) : idx;
                w.name = "evmbench/" + test_name + "/" + label;
                w.description = "evm-benchmarks " + file.parent_path().filename().string() + "/" +
                                file.filename().string() + " data[" + idx + "]";
                w.calldata = std::move(*calldata);
                out.push_back(std::move(w));
            }
        }
    }
    return out;
}

}  // namespace tern::bench
