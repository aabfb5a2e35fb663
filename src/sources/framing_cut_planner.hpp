#pragma once
// --rechunk adversarial with --framing: cuts each forwarded read where framing code breaks, using
// the same framing sniff dissects with. Message k (counting per direction) is cut by turns:
//   k % 3 == 0  inside its length field (1 byte after its start) and between header and body;
//   k % 3 == 1  one byte before and one byte after its start;
//   k % 3 == 2  not at all, so it leaves in one write with its neighbours (sticky).
// When the framing cannot say where the next message starts (a malformed header, a delimiter
// framing still scanning, auto), the read is cut generically instead.

#include "dissectors/spec.hpp"
#include "proxy/rechunk.hpp"

namespace sniff::sources {

proxy::CutPlannerFactory framing_cut_planner(const dissect::FramingSpec& spec);

} // namespace sniff::sources
