#!/usr/bin/env bash
# Smoke test of `tern fs`: against a fresh `tern dev` (FileStorage on, dev account 0 its admin),
# dev account 0 grants itself ALLOCATOR_ROLE and reserves space; a file of 3 MiB + 5 random
# bytes goes up in 4 chunks, `ls` (text and --json) shows it completed, `download` and the
# node's /fs/ HTTP route give back the same bytes, `quota` counts it; mkdir/rmdir and rm work;
# failures exit non-zero with the contract's reason: downloading a missing file ("Invalid
# path"), uploading from an account with no reservation ("Not enough reserved space"), a file
# over 100 MiB (refused before anything is sent), a non-empty rmdir.
set -euo pipefail
# shellcheck source=smoke_lib.sh
source "$(dirname "$0")/smoke_lib.sh"
tern=$1
dir=$(mktemp -d)
out=$dir/node.log
err=$dir/err
"$tern" dev --port 0 >"$out" 2>&1 &
pid=$!
trap 'kill -9 "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

port=$(wait_for_port "$out")
rpc="http://127.0.0.1:$port"
me=0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266  # dev account 0, the default --key
owner=${me#0x}
# dev account 1, which has no reservation
other_key=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d

# fails CMD...: CMD must exit non-zero; its stderr is in $err.
fails() {
    if "$@" 2>"$err"; then
        echo "succeeded but should have failed: $*"
        exit 1
    fi
    cat "$err"
    [ "$(wc -l <"$err")" -eq 1 ] || { echo "not one line of error"; exit 1; }
    grep -q '^error: ' "$err" || { echo "no 'error: ' line"; exit 1; }
}

fails "$tern" fs upload "$0" --rpc "$rpc"
grep -q 'Not enough reserved space' "$err"
"$tern" fs grant-allocator "$me" --rpc "$rpc"
"$tern" fs reserve "$me" 16777216 --rpc "$rpc"

file=$dir/data.bin
head -c $((3 * 1024 * 1024 + 5)) /dev/urandom >"$file"
up=$("$tern" fs upload "$file" data.bin --rpc "$rpc")
echo "$up"
grep -q '^uploaded .* (3145733 bytes, 4 chunks) in .* MiB/s$' <<<"$up"
[ "$(tail -n1 <<<"$up")" = "$owner/data.bin" ] || { echo "storage path not printed last"; exit 1; }
fails "$tern" fs upload "$file" data.bin --rpc "$rpc"
grep -q 'File or directory exists' "$err"

ls=$("$tern" fs ls --rpc "$rpc")
echo "$ls"
grep -Eq '^f +3145733 completed +100% data\.bin$' <<<"$ls"
json=$("$tern" fs ls --json --rpc "$rpc")
grep -q '"storagePath": "'"$owner"'/data.bin"' <<<"$json"
grep -q '"uploadingProgress": 100' <<<"$json"

down=$("$tern" fs download data.bin "$dir/copy.bin" --rpc "$rpc")
echo "$down"
cmp "$file" "$dir/copy.bin"
# a storage path, written to stdout, read with another --owner set
"$tern" fs download "$owner/data.bin" - --rpc "$rpc" \
    --owner 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 2>/dev/null | cmp - "$file"
curl -sf "$rpc/fs/$owner/data.bin" | cmp - "$file"

quota=$("$tern" fs quota --rpc "$rpc")
echo "$quota"
grep -Eq '^reserved +16777216 ' <<<"$quota"
grep -Eq '^occupied +3149824 ' <<<"$quota"  # 769 blocks of 4096 bytes
grep -Eq '^total space +10000000000 ' <<<"$quota"
grep -Eq '^total reserved +16777216 ' <<<"$quota"

"$tern" fs mkdir docs --rpc "$rpc"
"$tern" fs upload "$0" docs/ --rpc "$rpc" >/dev/null
"$tern" fs ls docs --rpc "$rpc" | grep -q " $(basename "$0")\$"
fails "$tern" fs rmdir docs --rpc "$rpc"
grep -q 'Directory is not empty' "$err"
"$tern" fs rm "docs/$(basename "$0")" --rpc "$rpc"
"$tern" fs rmdir docs --rpc "$rpc"
"$tern" fs rm data.bin --rpc "$rpc"
[ -z "$("$tern" fs ls --rpc "$rpc")" ] || { echo "files left after rm"; exit 1; }
"$tern" fs quota --rpc "$rpc" | grep -Eq '^occupied +0 '

fails "$tern" fs download data.bin "$dir/missing.bin" --rpc "$rpc"
grep -q 'Invalid path' "$err"
[ ! -e "$dir/missing.bin" ] || { echo "a failed download left a file"; exit 1; }
fails "$tern" fs upload "$file" --rpc "$rpc" --key "$other_key"
grep -q 'Not enough reserved space' "$err"
truncate -s $((100 * 1024 * 1024 + 1)) "$dir/huge.bin"
fails "$tern" fs upload "$dir/huge.bin" --rpc http://127.0.0.1:1
grep -q 'at most 104857600' "$err"
echo "tern fs smoke test passed"
