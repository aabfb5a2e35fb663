#pragma once
// The one line per flow of the text summary (like `tshark -q -z conv,tcp`, with the reassembly
// anomalies counted), shared by the summary without a framing and the summary with one (which
// adds the message counts of each direction to the same line).

#include "dissectors/engine.hpp"
#include "reassembly/stream_sink.hpp"

#include <string>

namespace sniff::output {

// The column header; with_messages adds the message counts' column.
std::string flow_line_header(bool with_messages);
// The flow's columns: endpoints, packets and bytes each way, segments, gaps, retransmissions,
// out-of-order segments, anomalies, duration, how it ended (and "via proxy" for the proxy's).
std::string flow_line(const model::Flow& flow, reassembly::CloseReason reason,
                      std::uint64_t anomalies);
// "c2s 12 messages: 10 whole 1 coalesced 1 split 0 both" (", 2 bad" when some are malformed or
// truncated); "c2s no messages" without a summary; with its framing when it was guessed.
std::string direction_messages_text(model::Direction direction,
                                    const dissect::DirectionSummary* summary);

} // namespace sniff::output
