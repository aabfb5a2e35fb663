// The self-contained report page (see html_page.hpp).

#include "report/html_page.hpp"

#include "report/report_assets.hpp"
#include "report/report_json.hpp"

#include <openssl/evp.h>
#include <ostream>
#include <stdexcept>

namespace sniff::report {

std::string csp_hash(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    return "'sha256-" + base64(std::string_view(reinterpret_cast<const char*>(digest), length)) +
           "'";
}

void write_html_page(const ReportData& data, std::ostream& out) {
    // The viewer itself is ours; a "</" in it would end its element early.
    static_assert(assets::k_draw_js.find("</") == std::string_view::npos);
    static_assert(assets::k_page_js.find("</") == std::string_view::npos);
    static_assert(assets::k_report_css.find("</") == std::string_view::npos);
    // One script: the drawings first, then the page that uses them.
    const std::string script = std::string(assets::k_draw_js) + std::string(assets::k_page_js);
    const std::string policy = "default-src 'none'; script-src " + csp_hash(script) +
                               "; style-src " + csp_hash(assets::k_report_css) +
                               "; img-src data:; base-uri 'none'; form-action 'none'";
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        << "<meta http-equiv=\"Content-Security-Policy\" content=\"" << policy << "\">\n"
        << "<meta name=\"referrer\" content=\"no-referrer\">\n"
        << "<title>sniff report</title>\n<style>" << assets::k_report_css << "</style>\n"
        << "</head>\n<body>\n<div id=\"app\"><p id=\"loading\">sniff report: loading...</p></div>\n"
        << "<script type=\"application/json\" id=\"sniff-data\">" << report_json(data)
        << "</script>\n<script>" << script << "</script>\n</body>\n</html>\n";
}

} // namespace sniff::report
