#pragma once
// The framing factory, which dispatches through the family registry, and the length-prefix
// decision that several families share.

#include "dissectors/family_registry.hpp"

#include <memory>

namespace sniff::dissect {

// A new framing instance (one per flow) for spec; null for raw and auto, which are not framings.
std::unique_ptr<Framing> make_framing(const FramingSpec& spec);

// The length-prefix decision shared by len:, pgsql and auto: the answer for a message whose first
// bytes are `head` under spec (family len). Pure; see framing_len.cpp.
FrameResult frame_length_prefix(const FramingSpec& spec, util::Bytes head);

} // namespace sniff::dissect
