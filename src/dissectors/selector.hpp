#pragma once
// Which framing each flow gets: a default spec plus per-server-port specs (`--framing SPEC`,
// `--framing PORT=SPEC`, repeatable; a later entry for the same port wins).
//
// TCP flows use the port's spec, else the default (raw when none is given). UDP flows use only a
// port's spec: a datagram is one message unless a framing is named for its port.

#include "dissectors/spec.hpp"
#include "model/flow.hpp"

#include <map>
#include <optional>

namespace sniff::dissect {

class FramingSelector {
public:
    FramingSelector() = default;
    explicit FramingSelector(FramingSpec default_spec) : m_default(std::move(default_spec)) {}

    // Adds "SPEC" (the default) or "PORT=SPEC"; returns an error pointing into `argument`.
    std::optional<SpecError> add(std::string_view argument);
    void set_default(FramingSpec spec) { m_default = std::move(spec); }
    void set_port(std::uint16_t port, FramingSpec spec) { m_ports[port] = std::move(spec); }

    // The spec for a flow (raw when nothing applies).
    FramingSpec spec_for(const model::Flow& flow) const;
    const FramingSpec& default_spec() const { return m_default; }
    const std::map<std::uint16_t, FramingSpec>& port_specs() const { return m_ports; }

private:
    FramingSpec m_default; // raw
    std::map<std::uint16_t, FramingSpec> m_ports;
};

} // namespace sniff::dissect
