#pragma once
// How every view names a flow: "client -> server", and for a proxied flow both legs,
// "client -> listener -> upstream" with sniff's own end of the upstream connection beside it,
// since the client's connection and sniff's upstream connection have different ports.

#include "model/flow.hpp"

#include <string>

namespace sniff::model {

// "1.2.3.4:5 -> 6.7.8.9:10", or for a proxied flow "client -> listener -> upstream".
// arrow: the text between endpoints (" -> " in plain text, " → " in the inspector).
std::string flow_route(const Flow& flow, const char* arrow = " -> ");

// One direction's route: source -> destination, for a proxied flow through sniff's listener
// (the client's side of sniff; sniff relays both directions).
std::string direction_route(const Flow& flow, Direction direction, const char* arrow = " -> ");

// For a proxied flow whose upstream connection was made: "upstream leg from 127.0.0.1:40002"
// (sniff's local endpoint towards the upstream); empty otherwise.
std::string upstream_leg_text(const Flow& flow);

} // namespace sniff::model
