#include "commands/framing.hpp"

#include <algorithm>
#include <charconv>

namespace sniff::commands {

const char* sniff_framing_spec(Framing framing) {
    switch (framing) {
    case Framing::none:
        return "raw";
    case Framing::ascii_len:
        return "ascii-len";
    case Framing::struct_len:
        return "struct";
    case Framing::json_header:
        return "json-header";
    }
    return "raw";
}

const char* framing_name(Framing framing) {
    for (const auto& info : k_framings)
        if (info.value == framing)
            return info.name;
    return "?";
}

std::optional<Framing> parse_framing(std::string_view name) {
    for (const auto& info : k_framings)
        if (name == info.name)
            return info.value;
    return std::nullopt;
}

std::string framing_names() {
    std::string out;
    for (const auto& info : k_framings)
        out += (out.empty() ? "" : "|") + std::string(info.name);
    return out;
}

std::string encode_le32(std::uint32_t value) {
    std::string out(4, '\0');
    for (std::size_t i = 0; i < 4; ++i)
        out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    return out;
}

std::string length_line(std::size_t length) {
    return std::to_string(length) + "\n";
}

namespace {

std::string json_frame(const nlohmann::json& header, std::string_view body) {
    const std::string text = header.dump();
    std::string out = encode_le32(static_cast<std::uint32_t>(text.size()));
    out += text;
    out += body;
    return out;
}

} // namespace

std::string frame_request(Framing framing, std::string_view command) {
    switch (framing) {
    case Framing::none:
    case Framing::ascii_len:
        return std::string(command) + "\n";
    case Framing::struct_len:
        return encode_le32(static_cast<std::uint32_t>(command.size())) + std::string(command);
    case Framing::json_header:
        return json_frame({{"data_size", command.size()}}, command);
    }
    return {};
}

std::string frame_answer(Framing framing, std::string_view body, bool error,
                         const nlohmann::json& extra) {
    switch (framing) {
    case Framing::none:
    case Framing::ascii_len:
        return std::string(body);
    case Framing::struct_len:
        return encode_le32(static_cast<std::uint32_t>(body.size())) + std::string(body);
    case Framing::json_header: {
        nlohmann::json header = extra;
        header["data_size"] = body.size();
        header["status"] = error ? "error" : "ok";
        return json_frame(header, body);
    }
    }
    return {};
}

std::optional<std::size_t> parse_decimal(std::string_view text, std::size_t max) {
    std::size_t value = 0;
    if (text.empty() || text.size() > 20)
        return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value > max)
        return std::nullopt;
    return value;
}

Decoded decode_line(util::Bytes bytes, std::size_t max_length) {
    Decoded out;
    // Only look at max_length + 1 bytes: a longer line is malformed whatever follows.
    const std::size_t window = std::min(bytes.size(), max_length + 1);
    const auto window_bytes = bytes.first(window);
    const auto newline = std::find(window_bytes.begin(), window_bytes.end(), std::byte{'\n'});
    if (newline == window_bytes.end()) {
        if (window > max_length) {
            out.state = DecodeState::malformed;
            out.reason = "line longer than " + std::to_string(max_length) + " bytes";
        }
        return out;
    }
    std::size_t length = static_cast<std::size_t>(newline - window_bytes.begin());
    out.frame_length = length + 1;
    if (length > 0 && bytes[length - 1] == std::byte{'\r'})
        --length;
    out.body_length = length;
    out.state = DecodeState::complete;
    return out;
}

namespace {

Decoded malformed(std::string reason) {
    Decoded out;
    out.state = DecodeState::malformed;
    out.reason = std::move(reason);
    return out;
}

// Body length from a JSON header: data_size (commands, answers) or file_size (uploads).
std::optional<std::size_t> json_body_size(const nlohmann::json& header, std::string& reason) {
    const char* key = header.contains("data_size") ? "data_size" : "file_size";
    const auto it = header.find(key);
    if (it == header.end()) {
        reason = "JSON header has neither data_size nor file_size";
        return std::nullopt;
    }
    if (!it->is_number_unsigned()) {
        reason = std::string(key) + " is not a non-negative integer";
        return std::nullopt;
    }
    return it->get<std::size_t>();
}

} // namespace

Decoded decode_frame(Framing framing, util::Bytes bytes, std::size_t max_body) {
    if (framing == Framing::none || framing == Framing::ascii_len)
        return decode_line(bytes, max_body);
    util::ByteReader reader(bytes);
    Decoded out;
    if (!reader.has(4))
        return out;
    const auto declared = reader.read_le32();
    if (framing == Framing::struct_len) {
        // struct 'i' is signed: the high bit set means a negative length.
        if (declared > k_struct_max)
            return malformed("negative length " +
                             std::to_string(static_cast<std::int32_t>(declared)));
        if (declared > max_body)
            return malformed("length " + std::to_string(declared) + " exceeds limit " +
                             std::to_string(max_body));
        out.header_length = 4;
        out.body_length = declared;
    } else {
        if (declared > k_max_json_header)
            return malformed("JSON header length " + std::to_string(declared) + " exceeds limit");
        if (!reader.has(declared))
            return out;
        const auto text = reader.take(declared);
        const auto* first = reinterpret_cast<const char*>(text.data());
        out.header = nlohmann::json::parse(first, first + text.size(), nullptr, false);
        if (out.header.is_discarded() || !out.header.is_object())
            return malformed("JSON header is not a JSON object");
        std::string reason;
        const auto body = json_body_size(out.header, reason);
        if (!body)
            return malformed(reason);
        if (*body > max_body)
            return malformed("body size " + std::to_string(*body) + " exceeds limit " +
                             std::to_string(max_body));
        out.header_length = 4 + declared;
        out.body_length = *body;
    }
    // Both terms are capped above (max_body, k_max_json_header), so the sum cannot overflow.
    out.frame_length = out.header_length + out.body_length;
    if (bytes.size() >= out.frame_length)
        out.state = DecodeState::complete;
    return out;
}

} // namespace sniff::commands
