#!/usr/bin/env bash
# Smoke test of `tern model`: against a fresh `tern dev`, `tern model upload` refuses a file that
# is not a model, uploads the int8 digits example in several chunks and prints its hash, says so
# when the model is already there, and `tern model list` shows it with its size. On a chain
# whose limit the model exceeds, the upload is refused before any transaction. `tern model run`
# runs the model locally on a JSON and an .npy input and prints the label and the gas.
set -euo pipefail
# shellcheck source=smoke_lib.sh
source "$(dirname "$0")/smoke_lib.sh"
tern=$1
model=$2
out=$(mktemp)
err=$(mktemp)
work=$(mktemp -d)
sample="$(dirname "$model")/digits_test_sample.json"
python3 - "$sample" "$work" <<'PY'
import json, struct, sys
s = json.load(open(sys.argv[1]))
json.dump([s["images"][0]], open(sys.argv[2] + "/x.json", "w"))
header = "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 64), }"
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(sys.argv[2] + "/x.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(bytes(s["images"][1]))
print(s["labels"][0], s["labels"][1], file=open(sys.argv[2] + "/labels", "w"))
PY
read -r label0 label1 <"$work/labels"
ran=$("$tern" model run "$model" --input "$work/x.json")
echo "$ran"
grep -q "^output label: int64 \[1\] = \[$label0\]$" <<<"$ran"
grep -q '^gas: [0-9]* for infer' <<<"$ran"
"$tern" model run "$model" --input "x=$work/x.npy" --json | grep -q "\"data\":\[$label1\],\"dtype\":\"int64\",\"name\":\"label\""
if "$tern" model run "$model" 2>"$err"; then echo "ran without an input"; exit 1; fi
grep -q "no --input for the model's input 'x'" "$err" || { cat "$err"; exit 1; }
"$tern" dev --port 0 >"$out" 2>&1 &
pid=$!
trap 'kill -9 "$pid" 2>/dev/null || true; rm -rf "$out" "$err" "$work"' EXIT

port=$(wait_for_port "$out")
rpc="http://127.0.0.1:$port"

if "$tern" model upload "$0" --rpc "$rpc" 2>"$err"; then
    echo "a shell script was accepted as a model"; exit 1
fi
grep -q 'is not a model Tern can run' "$err" || { cat "$err"; exit 1; }

hash=$(sha3sum -a Keccak256 "$model" 2>/dev/null | cut -d' ' -f1 || true)
up=$("$tern" model upload "$model" --rpc "$rpc" --chunk 1024)
echo "$up"
got=$(tail -n1 <<<"$up")
[[ "$got" =~ ^0x[0-9a-f]{64}$ ]] || { echo "no hash printed"; exit 1; }
[ -z "$hash" ] || [ "$got" = "0x$hash" ] || { echo "hash $got, expected 0x$hash"; exit 1; }
grep -q 'in 5 transactions' <<<"$up"  # begin, 3 chunks of 1 KiB, finish
"$tern" model upload "$model" --rpc "$rpc" | grep -q 'already in the registry'

list=$("$tern" model list --rpc "$rpc")
echo "$list"
grep -q '^1 model(s)$' <<<"$list"
grep -q "^$got  $(stat -c %s "$model") bytes$" <<<"$list"
kill -9 "$pid"
out2="$work/dev2.log"  # a fresh log: the new process truncates a reused one only once it runs
"$tern" dev --port 0 --ml-max-model-bytes 1000 >"$out2" 2>&1 &
pid=$!
port=$(wait_for_port "$out2")
rpc="http://127.0.0.1:$port"
if "$tern" model upload "$model" --rpc "$rpc" 2>"$err"; then
    echo "a model above the chain's limit was uploaded"; exit 1
fi
grep -q "above this chain's limit of 1000 (tern.mlMaxModelBytes)" "$err" || { cat "$err"; exit 1; }
grep -q '^0 model(s)$' <<<"$("$tern" model list --rpc "$rpc")"
echo "tern model smoke test passed"
