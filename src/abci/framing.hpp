#pragma once

#include "core/result.hpp"

#include <google/protobuf/message_lite.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::abci {

/// Longest unsigned varint (a 64-bit value in 7-bit groups), as Go's binary.MaxVarintLen64.
inline constexpr size_t kMaxVarintBytes = 10;

/// Default cap on one ABCI message body. FinalizeBlock carries a whole block (CometBFT's
/// block.max_bytes defaults to 21 MiB and is capped at 100 MiB); 64 MiB leaves room above the
/// default while refusing absurd lengths before allocating for them.
inline constexpr size_t kDefaultMaxMessageBytes = size_t{64} << 20;

/// Appends `value` as an unsigned varint (Go's binary.PutUvarint, used by CometBFT's protoio
/// delimited writer for the ABCI length prefix).
void append_uvarint(std::string& out, uint64_t value);

/// Appends one frame: the body's length as an unsigned varint, then the body.
void append_frame(std::string& out, std::string_view body);

/// Appends `message` serialized as one frame; false (and `out` unchanged) if protobuf cannot
/// serialize it (a message of 2 GiB or more).
[[nodiscard]] bool append_message(std::string& out, const google::protobuf::MessageLite& message);

/// Why a byte stream is not a valid sequence of frames; either way the connection is unusable.
enum class FrameError
{
    MalformedLength,  ///< the length prefix is not a varint of at most 64 bits
    TooLarge,         ///< the announced body is longer than the decoder's limit
};

/// Human-readable text for `error` (sent back in ResponseException).
std::string_view to_string(FrameError error) noexcept;

/// Incremental decoder for a stream of varint-length-prefixed frames, fed with whatever a read
/// returned: a frame may arrive in pieces (even the prefix), several may arrive at once. Errors
/// are sticky: after one, next() keeps returning it.
class FrameDecoder
{
public:
    /// A decoder refusing bodies longer than `max_message_bytes`.
    explicit FrameDecoder(size_t max_message_bytes = kDefaultMaxMessageBytes) noexcept;

    /// Appends received bytes. Invalidates views returned by next().
    void feed(std::string_view bytes);

    /// The next complete frame's body; std::nullopt when more bytes are needed. The view stays
    /// valid until the next feed(). A too-large length is reported as soon as the prefix is
    /// complete, before its body arrives.
    [[nodiscard]] Result<std::optional<std::string_view>, FrameError> next();

    /// Bytes received and not yet returned as part of a frame.
    size_t buffered() const noexcept { return buffer_.size() - pos_; }
    /// The body limit in force.
    size_t max_message_bytes() const noexcept { return max_message_bytes_; }

private:
    size_t max_message_bytes_;
    std::string buffer_;
    size_t pos_ = 0;                     ///< start of the first unreturned byte in buffer_
    size_t incomplete_frame_bytes_ = 0;  ///< size of the partial frame at pos_, once known
    std::optional<FrameError> error_;
};

}  // namespace tern::abci
