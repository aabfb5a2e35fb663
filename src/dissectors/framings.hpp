#pragma once
// The framing table: one factory per family, each in its own framing_<family>.cpp.

#include "dissectors/framing.hpp"
#include "dissectors/spec.hpp"

#include <memory>

namespace sniff::dissect {

std::unique_ptr<Framing> make_len_framing(const FramingSpec& spec);
std::unique_ptr<Framing> make_json_framing(const FramingSpec& spec);
std::unique_ptr<Framing> make_delim_framing(const FramingSpec& spec);
std::unique_ptr<Framing> make_ascii_len_framing(const FramingSpec& spec);
std::unique_ptr<Framing> make_pgsql_framing(const FramingSpec& spec);
std::unique_ptr<Framing> make_http_framing(const FramingSpec& spec);
std::unique_ptr<Framing> make_websocket_framing(const FramingSpec& spec);
std::unique_ptr<Framing> make_http2_framing(const FramingSpec& spec);

// A new framing instance (one per flow) for spec; null for raw and auto, which are not framings.
std::unique_ptr<Framing> make_framing(const FramingSpec& spec);

} // namespace sniff::dissect

namespace sniff::dissect {

// The length-prefix decision shared by len:, pgsql and auto: the answer for a message whose first
// bytes are `head` under spec (family len). Pure; see framing_len.cpp.
FrameResult frame_length_prefix(const FramingSpec& spec, util::Bytes head);

} // namespace sniff::dissect
