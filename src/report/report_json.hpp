#pragma once
// The report's data as JSON text, safe to place inside an HTML <script type="application/json">
// element: '<', '>' and '&' appear only as \u escapes, so no payload byte, header field or
// anomaly text can close the element or start markup. Payload bytes travel as base64.
//
// Layout (times in nanoseconds since ReportData::first_time; arrays for rows, to stay small):
//   {title, limits, omitted, flows: [{id, proto, client, server, origin, reuse, syn, first,
//    last, closed, close, anomalies, dirs: [{name, src, dst, stats, framing, summary,
//    segs: [[time, offset, length, flags, frame, ack_offset or -1, window]], segs_seen,
//    msgs: [[offset, length, header_length, class, status, first_seg, last_seg, first_time,
//            last_time, first_frame, last_frame, reason, header_json]], msgs_seen,
//    gaps: [[offset, length, reason, frame]], gaps_seen, bytes, bytes_complete,
//    hist: {sizes, segs_per_msg, msgs_per_seg}}]}],
//    anomalies: [[flow_id, kind, frame, offset, detail]]}

#include "report/report_data.hpp"

#include <string>

namespace sniff::report {

std::string report_json(const ReportData& data);

// Standard base64 (RFC 4648), padded.
std::string base64(std::string_view bytes);

} // namespace sniff::report
