#pragma once

#include <cstdio>
#include <cstdlib>

/// Always-on invariant check (also in release builds): an invariant violated means a bug, and
/// continuing would risk consensus-critical state, so the process stops with the location.
#define TERN_ASSERT(cond)                                                                     \
    do                                                                                        \
    {                                                                                         \
        if (!(cond)) [[unlikely]]                                                             \
        {                                                                                     \
            std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                     \
        }                                                                                     \
    } while (false)
