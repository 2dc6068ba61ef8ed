#include "statetest.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "crypto/secp256k1.hpp"
#include "execution/block_env.hpp"
#include "execution/receipt.hpp"
#include "execution/state_root.hpp"
#include "execution/transition.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"
#include "transaction/transaction.hpp"

#include "evm/vm.hpp"

#include <fnmatch.h>
#include <pthread.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace tern::statetest {
namespace {

using json = nlohmann::json;

/// A malformed fixture field; caught per test and reported as a failure.
struct FixtureError
{
    std::string what;
};

U256 to_u256(const json& j)
{
    const auto s = j.get<std::string>();
    const auto v = U256::from_string(s);
    if (!v)
        throw FixtureError{"bad number " + s};
    return *v;
}

/// A number that must fit in 64 bits; nullopt if it does not (the variant is then invalid).
std::optional<uint64_t> to_u64(const json& j)
{
    const auto v = to_u256(j);
    if (!v.fits_u64())
        return std::nullopt;
    return v.low64();
}

Bytes to_bytes_field(const json& j)
{
    const auto s = j.get<std::string>();
    auto b = from_hex(s);
    if (!b)
        throw FixtureError{"bad hex " + s.substr(0, 40)};
    return std::move(*b);
}

template <typename T>
T to_fixed(const json& j)
{
    const auto s = j.get<std::string>();
    const auto v = fixed_from_hex<T>(s);
    if (!v)
        throw FixtureError{"bad fixed-size hex " + s};
    return *v;
}

state::MemoryBackend build_pre(const json& pre)
{
    state::MemoryBackend b;
    for (const auto& [addr, acc] : pre.items())
    {
        std::map<U256, U256> storage;
        for (const auto& [k, v] : acc.at("storage").items())
            storage[*U256::from_string(k)] = to_u256(v);
        const auto nonce = to_u64(acc.at("nonce"));
        if (!nonce)
            throw FixtureError{"pre nonce too big"};
        b.put_account(*fixed_from_hex<Address>(addr), *nonce, to_u256(acc.at("balance")),
                      to_bytes_field(acc.at("code")), storage);
    }
    return b;
}

execution::BlockEnv build_env(const json& env)
{
    execution::BlockEnv e;
    e.coinbase = to_fixed<Address>(env.at("currentCoinbase"));
    e.number = static_cast<int64_t>(to_u256(env.at("currentNumber")).low64());
    e.timestamp = static_cast<int64_t>(to_u256(env.at("currentTimestamp")).low64());
    const auto gas_limit = to_u256(env.at("currentGasLimit"));
    e.gas_limit = gas_limit.fits_u64() && gas_limit.low64() <= INT64_MAX
                      ? static_cast<int64_t>(gas_limit.low64())
                      : INT64_MAX;
    if (env.contains("currentRandom"))
        e.prev_randao = to_u256(env.at("currentRandom")).to_hash();
    else
        e.prev_randao = to_u256(env.at("currentDifficulty")).to_hash();
    if (env.contains("currentBaseFee"))
        e.base_fee = to_u256(env.at("currentBaseFee"));
    if (env.contains("currentExcessBlobGas"))
        e.excess_blob_gas = to_u256(env.at("currentExcessBlobGas")).low64();
    e.block_hash = [](int64_t n) {
        return keccak256(as_bytes(std::to_string(n)));
    };
    return e;
}

/// Builds variant (d, g, v) of the transaction template; nullopt if a field does not fit its
/// type (such variants must be rejected).
std::optional<Transaction> build_tx(const json& t, size_t d, size_t g, size_t v)
{
    Transaction tx;
    const auto nonce = to_u64(t.at("nonce"));
    const auto gas_limit = to_u64(t.at("gasLimit").at(g));
    if (!nonce || !gas_limit)
        return std::nullopt;
    tx.nonce = *nonce;
    tx.gas_limit = *gas_limit;
    tx.chain_id = 1;
    const auto& to = t.at("to").get_ref<const std::string&>();
    if (!to.empty())
        tx.to = to_fixed<Address>(t.at("to"));
    // Values that do not fit 256 bits appear as "0x:bigint 0x..." (RLP-level invalid).
    const auto value = U256::from_string(t.at("value").at(v).get<std::string>());
    if (!value)
        return std::nullopt;
    tx.value = *value;
    tx.data = to_bytes_field(t.at("data").at(d));

    if (t.contains("gasPrice"))
    {
        tx.type = TxType::Legacy;
        tx.max_fee_per_gas = tx.max_priority_fee_per_gas = to_u256(t.at("gasPrice"));
    }
    else
    {
        tx.type = TxType::DynamicFee;
        tx.max_fee_per_gas = to_u256(t.at("maxFeePerGas"));
        tx.max_priority_fee_per_gas = to_u256(t.at("maxPriorityFeePerGas"));
    }
    if (t.contains("accessLists") && !t.at("accessLists").is_null())
    {
        const auto& lists = t.at("accessLists");
        if (d < lists.size() && !lists.at(d).is_null())
        {
            if (tx.type == TxType::Legacy)
                tx.type = TxType::AccessList;
            for (const auto& e : lists.at(d))
            {
                AccessListEntry entry;
                entry.address = to_fixed<Address>(e.at("address"));
                for (const auto& k : e.at("storageKeys"))
                    entry.storage_keys.push_back(to_fixed<Hash256>(k));
                tx.access_list.push_back(std::move(entry));
            }
        }
    }
    if (t.contains("blobVersionedHashes") || t.contains("maxFeePerBlobGas"))
    {
        tx.type = TxType::Blob;
        if (t.contains("maxFeePerBlobGas"))
            tx.max_fee_per_blob_gas = to_u256(t.at("maxFeePerBlobGas"));
        if (t.contains("blobVersionedHashes"))
            for (const auto& h : t.at("blobVersionedHashes"))
                tx.blob_versioned_hashes.push_back(to_fixed<Hash256>(h));
    }
    return tx;
}

Address sender_of(const json& t)
{
    if (t.contains("sender"))
        return to_fixed<Address>(t.at("sender"));
    const auto a = crypto::address_from_secret(to_fixed<Hash256>(t.at("secretKey")));
    if (!a)
        throw FixtureError{"bad secretKey"};
    return *a;
}

std::string variant_id(const std::string& name, size_t d, size_t g, size_t v)
{
    return name + "[" + std::to_string(d) + "," + std::to_string(g) + "," + std::to_string(v) + "]";
}

}  // namespace

bool KnownFailures::load(const std::filesystem::path& file)
{
    std::ifstream in(file);
    if (!in)
        return false;
    std::string line;
    while (std::getline(in, line))
    {
        if (const auto hash = line.find('#'); hash != std::string::npos)
            line.erase(hash);
        const auto b = line.find_first_not_of(" \t\r");
        if (b == std::string::npos)
            continue;
        const auto e = line.find_last_not_of(" \t\r");
        patterns_.push_back(line.substr(b, e - b + 1));
    }
    return true;
}

bool KnownFailures::matches(const std::string& name, const std::string& id) const
{
    for (const auto& p : patterns_)
    {
        if (p == id)
            return true;
        if (p.find('[') == std::string::npos && fnmatch(p.c_str(), name.c_str(), 0) == 0)
            return true;
    }
    return false;
}

void Runner::run_file(const std::filesystem::path& file, const std::string& category)
{
    auto& counts = counts_[category];
    const std::string file_str = file.string();
    json doc;
    try
    {
        std::ifstream in(file);
        doc = json::parse(in);
    }
    catch (const std::exception& e)
    {
        std::cout << "FAIL " << file_str << " <parse>: " << e.what() << "\n";
        ++counts.failed;
        return;
    }

    for (const auto& [name, test] : doc.items())
    {
        if (!filter_.empty() && name.find(filter_) == std::string::npos &&
            file_str.find(filter_) == std::string::npos)
            continue;
        if (!test.contains("post") || !test.at("post").contains("Cancun"))
            continue;

        auto report = [&](const std::string& id, const std::string& reason) {
            if (known_.matches(name, id))
            {
                ++counts.known;
                return;
            }
            ++counts.failed;
            std::cout << "FAIL " << file_str << " " << id << ": " << reason << "\n";
        };

        try
        {
            const auto pre = build_pre(test.at("pre"));
            const auto env = build_env(test.at("env"));
            const auto& tx_json = test.at("transaction");
            const auto sender = sender_of(tx_json);
            const Hash256 pre_root = execution::state_root(pre);

            for (const auto& post : test.at("post").at("Cancun"))
            {
                const auto& idx = post.at("indexes");
                const auto d = idx.at("data").get<size_t>();
                const auto g = idx.at("gas").get<size_t>();
                const auto v = idx.at("value").get<size_t>();
                const auto id = variant_id(name, d, g, v);
                const bool expect_invalid = post.contains("expectException");
                const auto want_root = to_fixed<Hash256>(post.at("hash"));
                const auto want_logs = to_fixed<Hash256>(post.at("logs"));

                const auto tx = build_tx(tx_json, d, g, v);
                Hash256 root = pre_root;
                Hash256 logs = execution::logs_hash({});
                std::string invalid_reason;
                if (!tx)
                    invalid_reason = "field out of range";
                else
                {
                    state::State st{pre};
                    auto r = execution::apply_transaction(st, env, *tx, sender, vm_);
                    if (!r)
                        invalid_reason = r.error().message();
                    else
                    {
                        logs = execution::logs_hash(r->logs);
                        auto post_state = pre;
                        post_state.apply(st.commit());
                        root = execution::state_root(post_state);
                    }
                }

                if (expect_invalid && invalid_reason.empty())
                    report(id, "expected exception " +
                                   post.at("expectException").get<std::string>() +
                                   " but the transaction was accepted");
                else if (!expect_invalid && !invalid_reason.empty())
                    report(id, "transaction rejected: " + invalid_reason);
                else if (root != want_root)
                    report(id, "state root " + to_hex(root) + " != " + to_hex(want_root));
                else if (logs != want_logs)
                    report(id, "logs hash " + to_hex(logs) + " != " + to_hex(want_logs));
                else
                    ++counts.passed;
            }
        }
        catch (const FixtureError& e)
        {
            report(name, "fixture error: " + e.what);
        }
        catch (const std::exception& e)
        {
            report(name, std::string{"fixture error: "} + e.what());
        }
    }
}

namespace {

namespace fs = std::filesystem;

/// The category of a test file: the directory right under GeneralStateTests, else the parent.
std::string category_of(const fs::path& file)
{
    const fs::path parent = fs::absolute(file).lexically_normal().parent_path();
    for (auto it = parent.begin(); it != parent.end(); ++it)
    {
        if (*it == "GeneralStateTests")
        {
            ++it;
            if (it != parent.end())
                return it->string();
            break;
        }
    }
    return parent.filename().string();
}

/// Stack for the thread that executes transactions: 1024 nested call frames need more than the
/// default 8 MiB main-thread stack in sanitizer/debug builds (the memory is only reserved).
constexpr size_t kExecutionStackSize = size_t{1} << 30;

/// Runs `fn` on a thread with a kExecutionStackSize stack and waits for it; false if the
/// thread could not be created.
template <typename Fn>
bool run_with_big_stack(Fn& fn)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return false;
    pthread_attr_setstacksize(&attr, kExecutionStackSize);
    pthread_t thread;
    const int rc = pthread_create(
        &thread, &attr,
        [](void* arg) -> void* {
            (*static_cast<Fn*>(arg))();
            return nullptr;
        },
        &fn);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return false;
    pthread_join(thread, nullptr);
    return true;
}

}  // namespace

int run_main(const std::vector<std::string>& inputs,
             const std::string& filter,
             const std::string& known_file)
{
    KnownFailures known;
    if (!known_file.empty() && !known.load(known_file))
    {
        std::cerr << "cannot read " << known_file << "\n";
        return 2;
    }

    std::vector<fs::path> files;
    for (const auto& in : inputs)
    {
        const fs::path p{in};
        if (fs::is_directory(p))
        {
            for (const auto& e : fs::recursive_directory_iterator(p))
                if (e.is_regular_file() && e.path().extension() == ".json")
                    files.push_back(e.path());
        }
        else if (fs::is_regular_file(p))
            files.push_back(p);
        else
        {
            std::cerr << "no such file or directory: " << in << "\n";
            return 2;
        }
    }
    std::sort(files.begin(), files.end());

    evm::Vm vm;
    Runner runner{vm, filter, known};
    auto run_all = [&] {
        for (const auto& f : files)
            runner.run_file(f, category_of(f));
    };
    if (!run_with_big_stack(run_all))
    {
        std::cerr << "cannot start the execution thread\n";
        return 2;
    }

    Counts total;
    for (const auto& [cat, c] : runner.counts())
    {
        std::cout << cat << ": " << c.passed << " passed, " << c.failed << " failed";
        if (c.known)
            std::cout << ", " << c.known << " known";
        std::cout << "\n";
        total.passed += c.passed;
        total.failed += c.failed;
        total.known += c.known;
    }
    std::cout << total.passed << " passed, " << total.failed << " failed";
    if (total.known)
        std::cout << ", " << total.known << " known";
    std::cout << "\n";
    return total.failed == 0 ? 0 : 1;
}

}  // namespace tern::statetest
