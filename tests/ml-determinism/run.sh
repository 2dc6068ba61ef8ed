#!/usr/bin/env bash
# ML engine determinism across builds (docs/ml.md "Determinism").
#
# Builds tern-ml-determinism (the ml and core libraries plus one small program) in several
# configurations and checks that each prints exactly the digests in expected.txt:
#   O0        GCC -O0 (Debug, no sanitizers)
#   O3        GCC -O3 (Release)
#   native    GCC -O3 -march=native (AVX2/AVX-512/FMA units available to the compiler)
#   sanitize  GCC Debug with AddressSanitizer + UndefinedBehaviorSanitizer
#   clang     clang -O3 -march=native (when clang++ is installed)
# Each build is checked with the CPU's kernels, AVX2 without VNNI (--avx2) and the portable
# ones (--scalar): ml/kernels.hpp.
# Usage: tests/ml-determinism/run.sh [config...]   (default: all; build dirs build/ml-det-*)
# Extra: `run.sh contract` builds with -ffp-contract=fast -march=native as a negative control:
# FMA contraction changes float bits, and the check must notice (it reports the difference
# and exits 0 only if at least one digest changed).
set -euo pipefail
cd "$(dirname "$0")/../.."
expected=tests/ml-determinism/expected.txt
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(O0 O3 native sanitize clang)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

fail=0
for cfg in "${configs[@]}"; do
    dir=build/ml-det-$cfg
    args=(-G Ninja -DTERN_BUILD_BENCH=OFF -DTERN_BUILD_TESTS=ON "${launcher[@]}")
    case $cfg in
        O0) args+=(-DCMAKE_BUILD_TYPE=Debug) ;;
        O3) args+=(-DCMAKE_BUILD_TYPE=Release) ;;
        native) args+=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=-march=native") ;;
        sanitize) args+=(-DCMAKE_BUILD_TYPE=Debug -DTERN_SANITIZE=ON) ;;
        clang)
            if ! command -v clang++ >/dev/null; then echo "clang: skipped (no clang++)"; continue; fi
            args+=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
                   "-DCMAKE_CXX_FLAGS=-march=native") ;;
        contract) args+=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=-march=native -ffp-contract=fast") ;;
        *) echo "unknown config $cfg" >&2; exit 2 ;;
    esac
    echo "== $cfg: configure + build ($dir)"
    cmake -S . -B "$dir" "${args[@]}" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
    if [ "$cfg" = contract ]; then
        # The module's own -ffp-contract=off comes after CMAKE_CXX_FLAGS; drop it for this build.
        sed -i 's/ -ffp-contract=off//g' "$dir/build.ninja"
    fi
    ninja -C "$dir" -j2 tern-ml-determinism >>"$dir.log" 2>&1 || { tail -30 "$dir.log"; exit 1; }
    if [ "$cfg" = contract ]; then
        if "$dir/tests/ml-determinism/tern-ml-determinism" --expect "$expected" >/dev/null 2>"$dir.diff"; then
            echo "contract: FMA build gave identical digests (negative control did not trigger)"
            fail=1
        else
            echo "contract: differs as expected: $(grep -c DIFFERS "$dir.diff") digests changed"
        fi
        continue
    fi
    # Each build runs three times: with the kernels the CPU selects (AVX2, VNNI when it has
    # them), with AVX2 but not VNNI (--avx2) and with the portable ones forced (--scalar).
    for kernels in "" --avx2 --scalar; do
        if "$dir/tests/ml-determinism/tern-ml-determinism" --expect "$expected" $kernels >/dev/null; then
            echo "$cfg${kernels:+ $kernels}: all digests match $expected"
        else
            echo "$cfg${kernels:+ $kernels}: DIGESTS DIFFER"
            fail=1
        fi
    done
done
exit $fail
