#include "abci/framing.hpp"

namespace tern::abci {

void append_uvarint(std::string& out, uint64_t value)
{
    while (value >= 0x80)
    {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

void append_frame(std::string& out, std::string_view body)
{
    append_uvarint(out, body.size());
    out.append(body);
}

bool append_message(std::string& out, const google::protobuf::MessageLite& message)
{
    const size_t size = message.ByteSizeLong();
    if (size > static_cast<size_t>(INT32_MAX))
        return false;
    const size_t start = out.size();
    append_uvarint(out, size);
    if (!message.AppendToString(&out))
    {
        out.resize(start);
        return false;
    }
    return true;
}

std::string_view to_string(FrameError error) noexcept
{
    switch (error)
    {
        case FrameError::MalformedLength:
            return "malformed message length (varint longer than 64 bits)";
        case FrameError::TooLarge:
            return "message exceeds max size";
    }
    return "unknown framing error";
}

FrameDecoder::FrameDecoder(size_t max_message_bytes) noexcept
    : max_message_bytes_(max_message_bytes)
{}

void FrameDecoder::feed(std::string_view bytes)
{
    if (pos_ != 0)
    {
        buffer_.erase(0, pos_);
        pos_ = 0;
    }
    // One allocation for a large frame whose length is already known.
    if (incomplete_frame_bytes_ > buffer_.capacity())
        buffer_.reserve(incomplete_frame_bytes_);
    buffer_.append(bytes);
}

Result<std::optional<std::string_view>, FrameError> FrameDecoder::next()
{
    if (error_)
        return *error_;
    // Go's binary.ReadUvarint: at most 10 bytes, the 10th may only carry the 64th bit.
    uint64_t length = 0;
    size_t i = 0;
    for (;; ++i)
    {
        if (i == kMaxVarintBytes)
            return *(error_ = FrameError::MalformedLength);
        if (pos_ + i == buffer_.size())
            return std::optional<std::string_view>{};
        const auto byte = static_cast<uint8_t>(buffer_[pos_ + i]);
        if (byte < 0x80)
        {
            if (i == kMaxVarintBytes - 1 && byte > 1)
                return *(error_ = FrameError::MalformedLength);
            length |= uint64_t{byte} << (7 * i);
            break;
        }
        length |= uint64_t{byte & 0x7fu} << (7 * i);
    }
    if (length > max_message_bytes_)
        return *(error_ = FrameError::TooLarge);
    const size_t body = pos_ + i + 1;
    if (buffer_.size() - body < length)
    {
        incomplete_frame_bytes_ = body + length - pos_;
        return std::optional<std::string_view>{};
    }
    pos_ = body + length;
    return std::optional<std::string_view>{std::string_view(buffer_).substr(body, length)};
}

}  // namespace tern::abci
