// Port -> framing lookup for flows.

#include "dissectors/selector.hpp"

#include <charconv>

namespace sniff::dissect {

std::optional<SpecError> FramingSelector::add(std::string_view argument) {
    const auto eq = argument.find('=');
    const auto colon = argument.find(':');
    // "PORT=SPEC" when the text before the first '=' is all digits and comes before any ':'.
    if (eq != std::string_view::npos && eq > 0 && (colon == std::string_view::npos || eq < colon) &&
        argument.substr(0, eq).find_first_not_of("0123456789") == std::string_view::npos) {
        unsigned port = 0;
        const auto [ptr, ec] = std::from_chars(argument.data(), argument.data() + eq, port);
        if (ec != std::errc{} || ptr != argument.data() + eq || port == 0 || port > 65535)
            return SpecError{
                "port must be 1..65535 in '" + std::string(argument) + "' at position 0", 0};
        SpecResult result = parse_spec(argument.substr(eq + 1));
        if (auto* error = std::get_if<SpecError>(&result)) {
            error->position += eq + 1;
            error->message += " (in '" + std::string(argument) + "')";
            return *error;
        }
        m_ports[static_cast<std::uint16_t>(port)] = std::get<FramingSpec>(result);
        return std::nullopt;
    }
    SpecResult result = parse_spec(argument);
    if (auto* error = std::get_if<SpecError>(&result))
        return *error;
    m_default = std::get<FramingSpec>(result);
    return std::nullopt;
}

FramingSpec FramingSelector::spec_for(const model::Flow& flow) const {
    const auto it = m_ports.find(flow.server.port);
    if (it != m_ports.end())
        return it->second;
    if (flow.protocol == model::Protocol::udp)
        return FramingSpec{};
    return m_default;
}

} // namespace sniff::dissect
