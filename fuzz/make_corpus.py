#!/usr/bin/env python3
"""Writes libFuzzer seed corpora from the Ethereum fixtures (not committed).

usage: fuzz/make_corpus.py [FIXTURES_DIR] [OUT_DIR]
  defaults: ../shared/fixtures next to the repo, build/fuzz/corpus
Creates OUT_DIR/rlp (RLPTests `out` + all transaction bytes) and OUT_DIR/transaction
(TransactionTests `txbytes` + up to 400 `txbytes` from GeneralStateTests, which include typed
and blob transactions).
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
print(f"rlp seeds: {len(list(rlp_dir.iterdir()))}, transaction seeds: {len(list(tx_dir.iterdir()))}")
