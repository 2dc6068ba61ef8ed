#!/usr/bin/env bash
# Smoke test of `tern node` on a 1-validator CometBFT chain: `tern chain init` writes it, `tern
# node --home` starts tern + cometbft, eth_sendTransaction (an unlocked dev account) gets a
# receipt once CometBFT commits, evm_mine is refused, kill -9 of tern takes cometbft down too
# (PR_SET_PDEATHSIG), a restart continues the chain (handshake with Info), and SIGTERM stops both
# and exits 0. node.toml's rpc_vhosts/rpc_cors apply, and cometbft does not inherit tern's RPC
# listening socket (close-on-exec). Skipped (exit 0 with a message) when no cometbft binary is installed.
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
"$tern" chain init --validators 1 --out "$dir/chain" --rpc-port "$rpc" --base-port "$base" >/dev/null
home=$dir/chain/node0

start_node() {
    "$tern" node --home "$home" >>"$dir/tern.log" 2>&1 &
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
# Sends 1 wei from dev account 0 and waits for its receipt; prints the block number (hex).
send_and_wait() {
    local r hash
    r=$(call eth_sendTransaction '[{"from":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"0x1"}]')
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

cat >>"$home/node.toml" <<'TOML'
rpc_vhosts = ["rpc.example", "localhost"]
rpc_cors = "http://app.example"
TOML
start_node
wait_rpc
b1=$(send_and_wait)

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

# cometbft (our child) holds no socket of tern's RPC server.
port_hex=$(printf '%04X' "$rpc")
inode=$(awk -v p=":$port_hex" '$2 ~ p"$" && $4 == "0A" { print $10; exit }' /proc/net/tcp /proc/net/tcp6)
[ -n "$inode" ] || { echo "no listening socket on $rpc"; exit 1; }
tern_fds=$(ls -l "/proc/$pid/fd" 2>/dev/null || true)
grep -q "socket:\[$inode\]" <<<"$tern_fds" || { echo "listening socket $inode not tern's"; exit 1; }
comet_fds=$(ls -l "/proc/$(comet_pids | tail -1)/fd" 2>/dev/null || true)
[ -n "$comet_fds" ] || { echo "cannot read cometbft's descriptors"; exit 1; }
if grep -q "socket:\[$inode\]" <<<"$comet_fds"; then
    echo "cometbft inherited tern's RPC listening socket"; exit 1
fi
r=$(call evm_mine '[]')
grep -q 'blocks are made by consensus' <<<"$r" || { echo "evm_mine not refused: $r"; exit 1; }
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

start_node
wait_rpc
b2=$(send_and_wait)
[ $((b2)) -gt $((b1)) ] || { echo "chain did not continue: $b1 then $b2"; exit 1; }

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || { echo "exit status $status after SIGTERM"; cat "$dir/tern.log"; exit 1; }
if comet_alive; then
    echo "cometbft still running after SIGTERM"; exit 1
fi
echo "tern node smoke test passed (blocks $((b1)) and $((b2)))"
