# Shared by the `tern` smoke tests (sourced).

# wait_for_port LOG: the port of the "Listening on 127.0.0.1:PORT" line `tern dev` writes to LOG,
# waiting up to 10 s; fails, printing the log, if it does not come.
wait_for_port() {
    local log=$1 port
    for _ in $(seq 200); do
        grep -q '^Listening on ' "$log" && break
        sleep 0.05
    done
    port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
    [ -n "$port" ] || { echo "no 'Listening on' line:" >&2; cat "$log" >&2; return 1; }
    echo "$port"
}
