#pragma once

#include "abci/abci.pb.h"

namespace tern::abci {

/// The generated ABCI messages live in tern::abci (package tern.abci); `pb::RequestInfo` names
/// them explicitly where plain `RequestInfo` would be ambiguous to a reader.
namespace pb = ::tern::abci;

/// An ABCI 2.0 application; called from the connection threads (consensus, mempool, query,
/// snapshot run concurrently: the implementation synchronizes). A call that throws is answered
/// with ResponseException and its connection is closed (CometBFT then stops).
class Application
{
public:
    virtual ~Application() = default;

    /// Info (query connection; handshake): last committed height and app hash.
    virtual pb::ResponseInfo info(const pb::RequestInfo&) = 0;
    /// InitChain (consensus connection): genesis, once, before height initial_height.
    virtual pb::ResponseInitChain init_chain(const pb::RequestInitChain&) = 0;
    /// CheckTx (mempool connection): admission of a new tx, or a recheck after a commit.
    virtual pb::ResponseCheckTx check_tx(const pb::RequestCheckTx&) = 0;
    /// PrepareProposal (consensus): the proposer picks the block's txs within max_tx_bytes.
    virtual pb::ResponsePrepareProposal prepare_proposal(const pb::RequestPrepareProposal&) = 0;
    /// ProcessProposal (consensus): accept or reject another validator's proposal.
    virtual pb::ResponseProcessProposal process_proposal(const pb::RequestProcessProposal&) = 0;
    /// FinalizeBlock (consensus): execute a decided block; returns tx results and app hash.
    virtual pb::ResponseFinalizeBlock finalize_block(const pb::RequestFinalizeBlock&) = 0;
    /// Commit (consensus): persist the finalized block; retain_height allows pruning.
    virtual pb::ResponseCommit commit(const pb::RequestCommit&) = 0;
    /// Query (query connection): read-only lookups.
    virtual pb::ResponseQuery query(const pb::RequestQuery&) = 0;

    /// ListSnapshots (snapshot connection); default: none offered.
    virtual pb::ResponseListSnapshots list_snapshots(const pb::RequestListSnapshots&);
    /// OfferSnapshot (snapshot connection); default: REJECT (state sync not supported).
    virtual pb::ResponseOfferSnapshot offer_snapshot(const pb::RequestOfferSnapshot&);
    /// LoadSnapshotChunk (snapshot connection); default: empty chunk.
    virtual pb::ResponseLoadSnapshotChunk load_snapshot_chunk(const pb::RequestLoadSnapshotChunk&);
    /// ApplySnapshotChunk (snapshot connection); default: ABORT.
    virtual pb::ResponseApplySnapshotChunk apply_snapshot_chunk(
        const pb::RequestApplySnapshotChunk&);
    /// ExtendVote (consensus); default: empty extension.
    virtual pb::ResponseExtendVote extend_vote(const pb::RequestExtendVote&);
    /// VerifyVoteExtension (consensus); default: ACCEPT.
    virtual pb::ResponseVerifyVoteExtension verify_vote_extension(
        const pb::RequestVerifyVoteExtension&);
};

}  // namespace tern::abci
