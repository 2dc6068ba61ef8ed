#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tern::evm {
class Vm;
}

namespace tern::statetest {

/// Expected failures: one pattern per line, `testname[d,g,v]` for one variant or a glob over
/// test names (fnmatch) for all of them, then an optional `# reason`.
class KnownFailures
{
public:
    /// Loads the list; false if the file cannot be read.
    bool load(const std::filesystem::path& file);
    /// True if variant `id` (`name[d,g,v]`) of test `name` is listed.
    bool matches(const std::string& name, const std::string& id) const;

private:
    std::vector<std::string> patterns_;
};

/// Pass/fail counts of a category (or of the whole run).
struct Counts
{
    size_t passed = 0;
    size_t failed = 0;
    size_t known = 0;
};

/// Runs state test files (fork Cancun) and prints one line per failure.
class Runner
{
public:
    /// A runner executing code with `vm`, skipping tests whose name or file do not contain
    /// `filter` (empty: run all) and counting `known` failures separately.
    Runner(evm::Vm& vm, std::string filter, const KnownFailures& known)
        : vm_(vm), filter_(std::move(filter)), known_(known)
    {}

    /// Runs every Cancun variant of one file, adding the results to `counts[category]`.
    void run_file(const std::filesystem::path& file, const std::string& category);

    /// Results per category, in name order.
    const std::map<std::string, Counts>& counts() const noexcept { return counts_; }

private:
    evm::Vm& vm_;
    std::string filter_;
    const KnownFailures& known_;
    std::map<std::string, Counts> counts_;
};

/// The whole command: collects the .json files under `inputs` (sorted), runs them on a thread
/// with a 1 GiB stack (1024 nested frames outgrow 8 MiB in sanitizer builds), prints
/// `<category>: N passed, N failed` per category and the overall line. Returns the exit code:
/// 0 if nothing failed unexpectedly, 1 on failures, 2 on bad input. Shared by `tern-statetest`
/// and `tern statetest`.
int run_main(const std::vector<std::string>& inputs,
             const std::string& filter,
             const std::string& known_file);

}  // namespace tern::statetest
