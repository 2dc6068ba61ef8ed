#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "transaction/error.hpp"
#include "transaction/transaction.hpp"

namespace tern {

/// Decoding options. Blob transactions (type 3) are off by default: the node does not yet
/// accept them from the wire; the canonical (block) form can be enabled for tooling/tests.
struct TxDecodeOptions
{
    bool allow_blob = false;  ///< accept EIP-4844 type-3 transactions (canonical form, no sidecar)
};

/// Decodes a transaction in its canonical "raw" form: an RLP list for legacy transactions, or
/// `type || rlp(payload)` for EIP-2718 typed ones. The whole input must be consumed. Checks
/// RLP canonicality, field sizes (to/addresses 20 bytes, storage keys 32, integers without
/// leading zeros and within range) and the v/chain id encoding. Does not check the signature.
Result<Transaction, TxError> decode_transaction(BytesView in, const TxDecodeOptions& opts = {});

/// Decodes a transaction as it appears inside a block body list (legacy: an RLP list; typed: an
/// RLP string wrapping `type || payload`) at the front of `in`, advancing past it.
Result<Transaction, TxError> decode_transaction_in_block(BytesView& in,
                                                         const TxDecodeOptions& opts = {});

/// Canonical raw encoding (inverse of decode_transaction; what the transaction hash covers).
Bytes encode_transaction(const Transaction& tx);

/// Appends the block-body form: legacy as its list, typed as an RLP string of the raw form.
void encode_transaction_in_block(Bytes& out, const Transaction& tx);

/// Transaction hash: keccak256 of the raw encoding.
Hash256 transaction_hash(const Transaction& tx);

/// The hash the sender signs: legacy without chain id rlp([nonce, gasPrice, gas, to, value,
/// data]); legacy EIP-155 appends [chainId, 0, 0]; typed is keccak(type || rlp(fields without
/// the signature)).
Hash256 signing_hash(const Transaction& tx);

}  // namespace tern
