#!/usr/bin/env bash
# Smoke test of `tern node` on a 1-validator CometBFT chain: `tern chain init --dev-accounts`
# writes it, `tern node --home` starts tern + cometbft with a validator's defaults (no unlocked
# account: eth_accounts [] and eth_sendTransaction "unknown account"; only eth/net/web3 served:
# debug_ and evm_ "method not found"; cometbft holds none of tern's sockets), a locally signed
# transaction gets a receipt once CometBFT commits, kill -9 of tern takes cometbft down too
# (PR_SET_PDEATHSIG), a restart with unlock_dev_accounts = 1 and the evm namespace warns and
# continues the chain (handshake with Info; eth_sendTransaction signs, evm_mine is refused), and
# SIGTERM stops both and exits 0; a restart with --rpc-api eth,net,web3,debug serves debug_
# over node.toml's rpc_api (the flag `tern dev` has). node.toml's rpc_vhosts/rpc_cors apply. Skipped (exit 0 with a
# message) when no cometbft is installed.
set -euo pipefail
tern=$1
cometbft=${TERN_COMETBFT:-$(command -v cometbft || true)}
[ -n "$cometbft" ] || cometbft="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/cometbft"
[ -x "$cometbft" ] || { echo "SKIP: cometbft not installed (scripts/setup)"; exit 0; }
export TERN_COMETBFT=$cometbft

dir=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    for c in $(comet_pids); do kill -9 "$c" 2>/dev/null || true; done
    rm -rf "$dir"
}
# Pids of the cometbft children tern reported ("CometBFT ... (pid N, log ...)").
comet_pids() { sed -n 's/^CometBFT .*(pid \([0-9]*\),.*/\1/p' "$dir/tern.log" 2>/dev/null || true; }
# True if the cometbft child of the latest start is alive.
comet_alive() {
    local c
    c=$(comet_pids | tail -1)
    [ -n "$c" ] && kill -0 "$c" 2>/dev/null
}
trap cleanup EXIT

# Ports from a random block (tests may run in parallel with other chains on this machine).
base=$((30000 + (RANDOM % 2500) * 10))
rpc=$((base + 5))
"$tern" chain init --validators 1 --out "$dir/chain" --rpc-port "$rpc" --base-port "$base" \
    --dev-accounts >/dev/null 2>&1
home=$dir/chain/node0

start_node() {
    "$tern" node --home "$home" "$@" >>"$dir/tern.log" 2>&1 &
    pid=$!
}

# POSTs $1 to the node's JSON-RPC; prints the response.
post() {
    exec 3<>"/dev/tcp/127.0.0.1/$rpc"
    printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "${#1}" "$1" >&3
    cat <&3
    exec 3<&-
}
call() { post "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"; }
# Waits for tern's RPC and CometBFT's (base + 1: where transactions are broadcast).
wait_rpc() {
    for _ in $(seq 400); do
        if call eth_chainId '[]' 2>/dev/null | grep -q '"result":"0x1e61"' &&
            (exec 4<>"/dev/tcp/127.0.0.1/$((base + 1))") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "node did not come up:"; cat "$dir/tern.log"; exit 1
}
dev0='{"from":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"0x1"}'
# Dev account 0's transfer of 1 wei at nonce 0, gas price 0, chain 7777, signed offline (viem).
raw0=0xf86180808252089470997970c51812dc3a010c7d01b50e0d17dc79c80180823ce6a009a289ae7daba73c8c6356c6794157dd7696457cc8902dd81d8a1b670080f3a6a044853e9121f6dff11d32b16db389add0341bb6628a9f7f41ec52d21d67b7a8b2
# Sends $1 with method $2 (default eth_sendTransaction) and waits for its receipt; prints the
# block number (hex).
send_and_wait() {
    local r hash
    r=$(call "${2:-eth_sendTransaction}" "[$1]")
    hash=$(sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p' <<<"$r")
    [ -n "$hash" ] || { echo "send failed: $r" >&2; exit 1; }
    for _ in $(seq 300); do
        r=$(call eth_getTransactionReceipt "[\"$hash\"]")
        if grep -q '"blockNumber"' <<<"$r"; then
            grep -q '"status":"0x1"' <<<"$r" || { echo "failed receipt: $r" >&2; exit 1; }
            sed -n 's/.*"blockNumber":"\(0x[0-9a-f]*\)".*/\1/p' <<<"$r"
            return 0
        fi
        sleep 0.05
    done
    echo "no receipt for $hash" >&2; cat "$home/logs/cometbft.log" | tail -20 >&2; exit 1
}

# Expects the response of $1 $2 to contain $3.
expect() {
    local r
    r=$(call "$1" "$2")
    grep -qF -- "$3" <<<"$r" || { echo "$1 $2: expected $3, got: $r"; exit 1; }
}
# Socket inodes ("socket:[N]") among the descriptors of pid $1, sorted.
sockets_of() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*-> \(socket:\[[0-9]*\]\)$/\1/p' | sort -u; }

cat >>"$home/node.toml" <<'TOML'
rpc_vhosts = ["rpc.example", "localhost"]
rpc_cors = "http://app.example"
TOML
start_node
wait_rpc
# A validator's defaults: it signs nothing and serves eth, net, web3 only.
expect eth_accounts '[]' '"result":[]'
expect eth_sendTransaction "[$dev0]" '"message":"unknown account"'
expect rpc_modules '[]' '"result":{"eth":"1.0","net":"1.0","rpc":"1.0","web3":"1.0"}'
expect evm_mine '[]' '"code":-32601'
expect debug_traceCall "[$dev0]" '"code":-32601'
# The cometbft child holds none of tern's sockets (RPC, ABCI listeners and connections).
comet=$(comet_pids | tail -1)
shared=$(comm -12 <(sockets_of "$pid") <(sockets_of "$comet"))
[ -n "$(sockets_of "$pid")" ] || { echo "no sockets seen in /proc/$pid/fd"; exit 1; }
[ -z "$shared" ] || { echo "cometbft (pid $comet) inherited tern's sockets: $shared"; exit 1; }
b1=$(send_and_wait "\"$raw0\"" eth_sendRawTransaction)

# Browser access from node.toml: Host names (vhosts) and CORS.
post_as() { # $1: extra header lines; $2: body
    exec 3<>"/dev/tcp/127.0.0.1/$rpc"
    printf 'POST / HTTP/1.1\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "$1" "${#2}" "$2" >&3
    cat <&3
    exec 3<&-
}
body='{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
r=$(post_as $'Host: rpc.example:443\r\nOrigin: http://app.example\r\n' "$body")
grep -q '^HTTP/1.1 200' <<<"$r" || { echo "rpc.example refused: $r"; exit 1; }
grep -qi '^Access-Control-Allow-Origin: http://app.example' <<<"$r" || { echo "no CORS: $r"; exit 1; }
r=$(post_as $'Host: evil.example\r\n' "$body")
grep -q '^HTTP/1.1 403' <<<"$r" || { echo "evil.example not refused: $r"; exit 1; }
r=$(post_as $'Host: 127.0.0.1\r\nOrigin: http://evil.example\r\n' "$body")
if grep -qi '^Access-Control-Allow-Origin' <<<"$r"; then echo "CORS for evil.example: $r"; exit 1; fi

[ -f "$home/tern.pid" ] || { echo "no tern.pid"; exit 1; }

kill -9 "$pid"
wait "$pid" 2>/dev/null || true
for _ in $(seq 100); do
    comet_alive || break
    sleep 0.05
done
if comet_alive; then
    echo "cometbft survived kill -9 of tern"; exit 1
fi

# Opt in: one unlocked account and the evm namespace (a warning says so).
printf 'unlock_dev_accounts = 1\nrpc_api = ["eth", "net", "web3", "evm"]\n' >>"$home/node.toml"
sed -i '/^rpc_api = \["eth", "net", "web3"\]$/d' "$home/node.toml"
start_node
wait_rpc
grep -q 'WARNING: node.toml unlock_dev_accounts = 1' "$dir/tern.log" ||
    { echo "no unlock warning:"; cat "$dir/tern.log"; exit 1; }
expect eth_accounts '[]' '"result":["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"]'
expect evm_mine '[]' 'blocks are made by consensus'
b2=$(send_and_wait "$dev0")
[ $((b2)) -gt $((b1)) ] || { echo "chain did not continue: $b1 then $b2"; exit 1; }

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || { echo "exit status $status after SIGTERM"; cat "$dir/tern.log"; exit 1; }
if comet_alive; then
    echo "cometbft still running after SIGTERM"; exit 1
fi
# --rpc-api overrides node.toml's rpc_api (eth, net, web3, evm there).
start_node --rpc-api eth,net,web3,debug
wait_rpc
expect rpc_modules '[]' '"result":{"debug":"1.0","eth":"1.0","net":"1.0","rpc":"1.0","web3":"1.0"}'
expect debug_traceCall "[$dev0]" '"structLogs":[]'
expect evm_mine '[]' '"code":-32601'
kill -TERM "$pid"
wait "$pid" || { echo "exit status $? after SIGTERM"; exit 1; }
pid=

echo "tern node smoke test passed (blocks $((b1)) and $((b2)))"
