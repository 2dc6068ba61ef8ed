#!/usr/bin/env bash
# Smoke test of the `tern` command: `tern dev --port 0` starts, prints the dev accounts and
# "Listening on", answers eth_chainId over HTTP, applies a limit flag (--rpc-max-batch 2: a
# batch of three gets geth's "batch too large") and --rpc-api (the namespaces served, as
# `tern node --rpc-api`), and exits 0 on SIGTERM. `tern dev --help`
# shows the limits' defaults. On a non-loopback --host it warns on stderr (what is exposed), and
# it refuses to unlock the accounts of a non-public --mnemonic there without
# --allow-insecure-unlock.
set -euo pipefail
# shellcheck source=smoke_lib.sh
source "$(dirname "$0")/smoke_lib.sh"
tern=$1
out=$(mktemp)
help=$("$tern" dev --help)
for flag in --rpc-max-body-bytes --rpc-max-batch --max-tx-bytes --txpool-max \
    --txpool-max-per-sender --rpc-max-connections; do
    grep -q -- "$flag" <<<"$help" || { echo "tern dev --help lacks $flag"; exit 1; }
done
grep -q -- '--rpc-max-batch UINT=1000 ' <<<"$help" || { echo "no default shown: $help"; exit 1; }

"$tern" dev --port 0 --rpc-max-batch 2 --rpc-api eth,net,debug >"$out" 2>&1 &
pid=$!
trap 'kill -9 "$pid" 2>/dev/null || true; rm -f "$out"' EXIT

port=$(wait_for_port "$out")
grep -q '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' "$out"
grep -q '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' "$out"

# POSTs $1 to the node; prints the response.
post() {
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "${#1}" "$1" >&3
    cat <&3
    exec 3<&-
}
call='{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
response=$(post "$call")
grep -q '"result":"0x7a69"' <<<"$response" || { echo "unexpected response: $response"; exit 1; }
response=$(post "[$call,$call]")
grep -q '"result":"0x7a69"}]' <<<"$response" || { echo "batch of 2 refused: $response"; exit 1; }
response=$(post "[$call,$call,$call]")
grep -q '\[{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"batch too large"}}\]' <<<"$response" ||
    { echo "batch of 3 not refused: $response"; exit 1; }
# --rpc-api eth,net,debug: those (and rpc) are served, web3_ and evm_ are not.
response=$(post '{"jsonrpc":"2.0","id":1,"method":"rpc_modules","params":[]}')
grep -q '"result":{"debug":"1.0","eth":"1.0","net":"1.0","rpc":"1.0"}' <<<"$response" ||
    { echo "--rpc-api not applied: $response"; exit 1; }
response=$(post '{"jsonrpc":"2.0","id":1,"method":"evm_mine","params":[]}')
grep -q '"code":-32601' <<<"$response" || { echo "evm_mine served: $response"; exit 1; }

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 0 ] || { echo "exit status $status after SIGTERM"; cat "$out"; exit 1; }
grep -q 'Shutting down' "$out"

# --host 0.0.0.0: a warning on stderr naming the namespaces and the unlocked accounts.
err=$(mktemp)
trap 'kill -9 "$pid" 2>/dev/null || true; rm -f "$out" "$err"' EXIT
# Starts `tern dev --port 0 --host $1`, waits until it listens, stops it (stdout $out, stderr $err).
run_briefly() {
    "$tern" dev --port 0 --host "$1" >"$out" 2>"$err" &
    pid=$!
    for _ in $(seq 200); do
        grep -q '^Listening on ' "$out" && break
        sleep 0.05
    done
    kill -TERM "$pid"
    wait "$pid" || true
}
run_briefly 0.0.0.0
grep -q 'WARNING: JSON-RPC listens on 0.0.0.0:' "$err" || { echo "no warning:"; cat "$err"; exit 1; }
grep -q 'debug, eth, evm, net, personal, rpc,' "$err" || { echo "no namespaces:"; cat "$err"; exit 1; }
grep -q '10 unlocked accounts' "$err" || { echo "no account warning:"; cat "$err"; exit 1; }
# Loopback: no warning.
run_briefly 127.0.0.1
! grep -q WARNING "$err" || { echo "warning on loopback:"; cat "$err"; exit 1; }
# A secret mnemonic on a reachable port: refused.
mnemonic="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
status=0
"$tern" dev --port 0 --host 0.0.0.0 --mnemonic "$mnemonic" >"$out" 2>"$err" || status=$?
[ "$status" -eq 1 ] && grep -q 'refusing to unlock the accounts of --mnemonic' "$err" ||
    { echo "secret mnemonic on 0.0.0.0 not refused ($status):"; cat "$err"; exit 1; }
echo "tern dev smoke test passed (port $port)"
