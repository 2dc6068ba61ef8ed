// libFuzzer harness: the ABCI frame decoder and Request parsing over arbitrary bytes must never
// crash, and every decoded frame must be within the limit. The first input byte picks how the
// rest is split into reads.
#include "abci/application.hpp"
#include "abci/framing.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    const size_t chunk = size_t{data[0]} + 1;
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    tern::abci::FrameDecoder decoder(4096);
    for (size_t at = 0; at < input.size(); at += chunk)
    {
        decoder.feed(input.substr(at, chunk));
        for (;;)
        {
            auto frame = decoder.next();
            if (!frame || !*frame)
                break;
            if ((*frame)->size() > decoder.max_message_bytes())
                __builtin_trap();
            tern::abci::Request request;
            if (request.ParseFromArray((*frame)->data(), static_cast<int>((*frame)->size())))
            {
                std::string out;
                if (!tern::abci::append_message(out, request))
                    __builtin_trap();
            }
        }
        if (!decoder.next())
            return 0;
    }
    return 0;
}
