#pragma once

#include "core/result.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace tern {

/// Parses a duration in Go's time.ParseDuration syntax, which geth's flags and TraceConfig's
/// `timeout` use: an optional sign, then one or more decimal numbers (with an optional
/// fraction) each followed by a unit "ns", "us" (or "µs"), "ms", "s", "m" or "h" ("1m30s",
/// "1.5s", "200ms"); "0" alone needs no unit. Errors carry Go's messages (`time: invalid
/// duration "x"`, `time: missing unit in duration "1"`, `time: unknown unit "d" in duration
/// "1d"`).
Result<std::chrono::nanoseconds, std::string> parse_go_duration(std::string_view text);

/// Go's time.Duration.String(): "5s", "200ms", "1.5µs", "1m30s", "1h0m0s", "0s" (geth's error
/// messages print timeouts this way, e.g. "execution aborted (timeout = 5s)").
std::string format_go_duration(std::chrono::nanoseconds d);

/// A command-line or config timeout: a Go duration ("5s", "250ms") or a plain number of seconds
/// ("5", "0.25"); "0" means none. Negative values are refused.
Result<std::chrono::nanoseconds, std::string> parse_timeout(std::string_view text);

}  // namespace tern
