// tern-statetest: runs Ethereum GeneralStateTests (fork Cancun) against the execution layer.
#include "statetest.hpp"

#include "evm/vm.hpp"

#include <pthread.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace {

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

int main(int argc, char** argv)
{
    CLI::App app{"Runs Ethereum state tests (fork Cancun)"};
    std::vector<std::string> inputs;
    std::string filter;
    std::string known_file;
    app.add_option("paths", inputs, "state test files or directories (recursive)")->required();
    app.add_option("--filter", filter, "only tests whose name or file contains this");
    app.add_option("--known-failures", known_file, "expected failures, one pattern per line");
    CLI11_PARSE(app, argc, argv);

    tern::statetest::KnownFailures known;
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

    tern::evm::Vm vm;
    tern::statetest::Runner runner{vm, filter, known};
    auto run_all = [&] {
        for (const auto& f : files)
            runner.run_file(f, category_of(f));
    };
    if (!run_with_big_stack(run_all))
    {
        std::cerr << "cannot start the execution thread\n";
        return 2;
    }

    tern::statetest::Counts total;
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
