#!/usr/bin/env bash
# Smoke test of the `tern` command: `tern dev --port 0` starts, prints the dev accounts and
# "Listening on", answers eth_chainId over HTTP, and exits 0 on SIGTERM.
set -euo pipefail
tern=$1
out=$(mktemp)
"$tern" dev --port 0 >"$out" 2>&1 &
pid=$!
trap 'kill -9 "$pid" 2>/dev/null || true; rm -f "$out"' EXIT

for _ in $(seq 200); do
    grep -q '^Listening on ' "$out" && break
    sleep 0.05
done
port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
[ -n "$port" ] || { echo "no 'Listening on' line:"; cat "$out"; exit 1; }
grep -q '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' "$out"
grep -q '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' "$out"

body='{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "${#body}" "$body" >&3
response=$(cat <&3)
exec 3<&-
grep -q '"result":"0x7a69"' <<<"$response" || { echo "unexpected response: $response"; exit 1; }

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 0 ] || { echo "exit status $status after SIGTERM"; cat "$out"; exit 1; }
grep -q 'Shutting down' "$out"
echo "tern dev smoke test passed (port $port)"
