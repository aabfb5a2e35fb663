#include "store/message_codec.hpp"

namespace sniff::store {

namespace {

namespace flag {
inline constexpr std::uint8_t notes = 1u << 4, offset_moved = 1u << 5, new_segment = 1u << 6,
                              more = 1u << 7;
inline constexpr std::uint8_t index_moved = 1u << 0, spans = 1u << 1, header = 1u << 2;
} // namespace flag

// Unsigned wrap-around differences are exact modulo 2^64; zigzag folds the sign into bit 0 so
// small steps either way stay one byte.
std::uint64_t zigzag(std::uint64_t difference) {
    const auto value = static_cast<std::int64_t>(difference);
    return (difference << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

std::uint64_t unzigzag(std::uint64_t value) {
    return (value >> 1) ^ (~(value & 1) + 1);
}

std::uint8_t* put(std::uint8_t* out, std::uint64_t value) {
    while (value >= 0x80) {
        *out++ = static_cast<std::uint8_t>(value | 0x80);
        value >>= 7;
    }
    *out++ = static_cast<std::uint8_t>(value);
    return out;
}

std::uint64_t get(const std::uint8_t*& in) {
    std::uint64_t value = 0;
    for (unsigned shift = 0;; shift += 7) {
        const std::uint8_t byte = *in++;
        value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0)
            return value;
    }
}

std::uint64_t time_bits(model::Timestamp time) {
    return static_cast<std::uint64_t>(time);
}

model::Timestamp time_of(std::uint64_t bits) {
    return static_cast<model::Timestamp>(bits);
}

} // namespace

std::size_t encode_message(const StoredMessage& message, CodecState& state, std::uint8_t* out) {
    std::uint8_t flags = static_cast<std::uint8_t>(message.message_class) |
                         static_cast<std::uint8_t>(static_cast<unsigned>(message.status) << 2);
    std::uint8_t more = 0;
    if (message.has_notes)
        flags |= flag::notes;
    if (message.offset != state.expected_offset)
        flags |= flag::offset_moved;
    if (message.first_segment != state.last_segment || message.first_time != state.last_time)
        flags |= flag::new_segment;
    if (message.index != state.next_index)
        more |= flag::index_moved;
    if (message.last_segment != message.first_segment || message.last_time != message.first_time)
        more |= flag::spans;
    if (message.header_length != 0)
        more |= flag::header;
    if (more != 0)
        flags |= flag::more;

    std::uint8_t* at = out;
    *at++ = flags;
    if (more != 0)
        *at++ = more;
    if (more & flag::index_moved)
        at = put(at, zigzag(message.index - state.next_index));
    if (flags & flag::offset_moved)
        at = put(at, zigzag(message.offset - state.expected_offset));
    at = put(at, message.length);
    if (more & flag::header)
        at = put(at, message.header_length);
    if (flags & flag::new_segment) {
        at = put(at, zigzag(message.first_segment - state.last_segment));
        at = put(at, zigzag(time_bits(message.first_time) - time_bits(state.last_time)));
    }
    if (more & flag::spans) {
        at = put(at, zigzag(message.last_segment - message.first_segment));
        at = put(at, zigzag(time_bits(message.last_time) - time_bits(message.first_time)));
    }
    state = {message.index + 1, message.offset + message.length, message.last_segment,
             message.last_time};
    return static_cast<std::size_t>(at - out);
}

const std::uint8_t* decode_message(const std::uint8_t* in, CodecState& state,
                                   StoredMessage& message) {
    const std::uint8_t flags = *in++;
    const std::uint8_t more = (flags & flag::more) ? *in++ : 0;
    message.message_class = static_cast<dissect::MessageClass>(flags & 3u);
    message.status = static_cast<dissect::MessageStatus>((flags >> 2) & 3u);
    message.has_notes = (flags & flag::notes) != 0;
    message.index = state.next_index;
    if (more & flag::index_moved)
        message.index += unzigzag(get(in));
    message.offset = state.expected_offset;
    if (flags & flag::offset_moved)
        message.offset += unzigzag(get(in));
    message.length = get(in);
    message.header_length = (more & flag::header) ? static_cast<std::uint32_t>(get(in)) : 0;
    message.first_segment = state.last_segment;
    message.first_time = state.last_time;
    if (flags & flag::new_segment) {
        message.first_segment += unzigzag(get(in));
        message.first_time = time_of(time_bits(message.first_time) + unzigzag(get(in)));
    }
    message.last_segment = message.first_segment;
    message.last_time = message.first_time;
    if (more & flag::spans) {
        message.last_segment += unzigzag(get(in));
        message.last_time = time_of(time_bits(message.last_time) + unzigzag(get(in)));
    }
    state = {message.index + 1, message.offset + message.length, message.last_segment,
             message.last_time};
    return in;
}

} // namespace sniff::store
