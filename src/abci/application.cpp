#include "abci/application.hpp"

namespace tern::abci {

pb::ResponseListSnapshots Application::list_snapshots(const pb::RequestListSnapshots&)
{
    return {};
}

pb::ResponseOfferSnapshot Application::offer_snapshot(const pb::RequestOfferSnapshot&)
{
    pb::ResponseOfferSnapshot response;
    response.set_result(pb::ResponseOfferSnapshot::REJECT);
    return response;
}

pb::ResponseLoadSnapshotChunk Application::load_snapshot_chunk(const pb::RequestLoadSnapshotChunk&)
{
    return {};
}

pb::ResponseApplySnapshotChunk Application::apply_snapshot_chunk(
    const pb::RequestApplySnapshotChunk&)
{
    pb::ResponseApplySnapshotChunk response;
    response.set_result(pb::ResponseApplySnapshotChunk::ABORT);
    return response;
}

pb::ResponseExtendVote Application::extend_vote(const pb::RequestExtendVote&)
{
    return {};
}

pb::ResponseVerifyVoteExtension Application::verify_vote_extension(
    const pb::RequestVerifyVoteExtension&)
{
    pb::ResponseVerifyVoteExtension response;
    response.set_status(pb::ResponseVerifyVoteExtension::ACCEPT);
    return response;
}

}  // namespace tern::abci
