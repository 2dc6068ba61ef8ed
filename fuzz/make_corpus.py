#!/usr/bin/env python3
"""Writes libFuzzer seed corpora from the Ethereum fixtures (not committed).

usage: fuzz/make_corpus.py [FIXTURES_DIR] [OUT_DIR]
  defaults: ../shared/fixtures next to the repo, build/fuzz/corpus
Creates OUT_DIR/rlp (RLPTests `out` + all transaction bytes) and OUT_DIR/transaction
(TransactionTests `txbytes` + up to 400 `txbytes` from GeneralStateTests, which include typed
and blob transactions), and OUT_DIR/typed_data (EIP-712 documents for fuzz_typed_data: the
EIP-712 example, self-referencing types, arrays of arrays; each is tried as the object and as
a JSON string of it).
"""
import hashlib
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
fixtures = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared" / "fixtures"
out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else root / "build" / "fuzz" / "corpus"


def unhex(s):
    s = s[2:] if s.startswith("0x") else s
    try:
        return bytes.fromhex(s if len(s) % 2 == 0 else "0" + s)
    except ValueError:
        return None


def write(d, data):
    if data is None:
        return
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


rlp_dir, tx_dir = out / "rlp", out / "transaction"
for f in sorted((fixtures / "RLPTests").rglob("*.json")):
    for case in json.loads(f.read_text()).values():
        write(rlp_dir, unhex(case["out"]))
for f in sorted((fixtures / "TransactionTests").rglob("*.json")):
    for case in json.loads(f.read_text()).values():
        data = unhex(case["txbytes"])
        write(tx_dir, data)
        write(rlp_dir, data)
count = 0
for f in sorted((fixtures / "GeneralStateTests").rglob("*.json")):
    if count >= 400:
        break
    try:
        doc = json.loads(f.read_text())
    except (OSError, ValueError):
        continue
    for case in doc.values():
        for entry in case.get("post", {}).get("Cancun", [])[:2]:
            if "txbytes" in entry:
                write(tx_dir, unhex(entry["txbytes"]))
                count += 1
typed_dir = out / "typed_data"
mail = {
    "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                         {"name": "verifyingContract", "type": "address"}],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person[]"},
                 {"name": "contents", "type": "string"}, {"name": "tag", "type": "bytes4"},
                 {"name": "n", "type": "int8[][2]"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "chainId": 1,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {"from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": [{"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"}],
                "contents": "Hello", "tag": "0x01020304", "n": [[-1, "0x7f"], ["-128"]]},
}
self_ref = {"types": {"EIP712Domain": [], "T": [{"name": "a", "type": "T"}, {"name": "b", "type": "T[]"}]},
            "primaryType": "T", "domain": {}, "message": {"a": {"a": {}}, "b": [{"b": []}]}}
for doc in (mail, self_ref):
    text = json.dumps(doc).encode()
    write(typed_dir, text)
    write(typed_dir, json.dumps(text.decode()).encode())
deep = '{"types":{"EIP712Domain":[],"T":[{"name":"a","type":"T"}]},"primaryType":"T","message":'
deep += '{"a":' * 150 + "{}" + "}" * 151  # past the 128-level limit
write(typed_dir, deep.encode())
write(typed_dir, json.dumps(deep).encode())


def count(d):
    return len(list(d.iterdir())) if d.exists() else 0


print(f"typed data seeds: {count(typed_dir)}")
print(f"rlp seeds: {count(rlp_dir)}, transaction seeds: {count(tx_dir)}")
