#pragma once
// The report page: one self-contained HTML file holding the data (report_json) in a
// <script type="application/json"> element and the viewer's script and style inline (embedded
// at build time from src/report/assets/). A Content-Security-Policy of default-src 'none' lets
// only that script (by its SHA-256) and that style run, so the page can make no request.

#include "report/report_data.hpp"

#include <iosfwd>
#include <string>

namespace sniff::report {

void write_html_page(const ReportData& data, std::ostream& out);

// 'sha256-...' source expression of text, as a CSP hash allowance.
std::string csp_hash(std::string_view text);

} // namespace sniff::report
