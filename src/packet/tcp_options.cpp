// TCP option list walk (RFC 9293 section 3.2): kind 0 ends the list, kind 1 is one byte of
// padding, every other kind is kind(1) length(1) data(length - 2). Window scale (RFC 7323):
//
//   kind=3(1) length=3(1) shift.cnt(1)

#include "packet/tcp_options.hpp"

namespace sniff::packet {
namespace {

constexpr std::uint8_t k_end_of_list = 0, k_no_operation = 1, k_window_scale = 3;
constexpr std::uint8_t k_window_scale_length = 3;

} // namespace

std::optional<std::uint8_t> find_window_scale(util::Bytes options) {
    util::ByteReader reader(options);
    while (reader.remaining() > 0) {
        const std::uint8_t kind = reader.read_u8();
        if (kind == k_end_of_list)
            return std::nullopt;
        if (kind == k_no_operation)
            continue;
        const std::uint8_t length = reader.read_u8();
        // The length counts kind and length bytes: below 2 the walk could not advance (0) or
        // would step back into the option (1), so the rest of the list cannot be trusted.
        if (!reader.ok() || length < 2 || !reader.has(length - 2u))
            return std::nullopt;
        if (kind == k_window_scale && length == k_window_scale_length)
            return reader.read_u8();
        // A window scale option of another length is malformed: skipped, as tshark marks it.
        reader.skip(length - 2u);
    }
    return std::nullopt;
}

} // namespace sniff::packet
