#include "replay/settings.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

namespace sniff::replay {

namespace {

bool parse_number(std::string_view text, std::uint64_t& value) {
    const auto* end = text.data() + text.size();
    const auto parsed = std::from_chars(text.data(), end, value);
    return !text.empty() && parsed.ec == std::errc{} && parsed.ptr == end;
}

// Pauses longer than a day are typos.
constexpr std::uint64_t k_max_ms = 24ull * 3600 * 1000;

} // namespace

bool FlowSelection::wants(std::uint64_t id) const {
    return all || std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool parse_flow(const std::string& text, FlowSelection& selection, std::string& error) {
    if (text == "all") {
        selection.all = true;
        selection.ids.clear();
        return true;
    }
    std::uint64_t id = 0;
    if (!parse_number(text, id) || id == 0) {
        error = "--flow: expected a flow number (as sniff -r FILE numbers them) or all, got \"" +
                text + "\"";
        return false;
    }
    if (selection.all && selection.ids.empty())
        selection.all = false;
    if (!selection.all)
        selection.ids.push_back(id);
    return true;
}

bool parse_await(const std::string& text, AwaitSpec& spec, std::string& error) {
    std::uint64_t ms = 0;
    if (text == "answer") {
        spec = AwaitSpec{};
    } else if (text == "none") {
        spec = AwaitSpec{AwaitMode::none, 0};
    } else if (text.starts_with("idle:") && parse_number(std::string_view(text).substr(5), ms) &&
               ms >= 1 && ms <= k_max_ms) {
        spec = AwaitSpec{AwaitMode::idle, ms};
    } else {
        error = "--await: expected answer, idle:MS (MS >= 1) or none, got \"" + text + "\"";
        return false;
    }
    return true;
}

std::int64_t TimingSpec::pause_ns(std::int64_t captured_gap) const {
    if (mode == TimingMode::none || captured_gap <= 0)
        return 0;
    if (max_gap_ms)
        captured_gap = std::min<std::int64_t>(captured_gap,
                                              static_cast<std::int64_t>(*max_gap_ms) * 1'000'000);
    return static_cast<std::int64_t>(static_cast<double>(captured_gap) * factor);
}

bool parse_timing(const std::string& text, TimingSpec& spec, std::string& error) {
    if (text == "none" || text == "original") {
        spec.mode = text == "none" ? TimingMode::none : TimingMode::original;
        spec.factor = 1.0;
        return true;
    }
    if (text.starts_with("scale:")) {
        const std::string number = text.substr(6);
        double factor = 0;
        const auto parsed = std::from_chars(number.data(), number.data() + number.size(), factor);
        if (!number.empty() && parsed.ec == std::errc{} &&
            parsed.ptr == number.data() + number.size() && std::isfinite(factor) && factor > 0 &&
            factor <= 1000) {
            spec.mode = TimingMode::scale;
            spec.factor = factor;
            return true;
        }
    }
    error = "--timing: expected none, original or scale:X (0 < X <= 1000), got \"" + text + "\"";
    return false;
}

bool parse_side(const std::string& text, Side& side, std::string& error) {
    if (text == "client" || text == "server") {
        side = text == "client" ? Side::client : Side::server;
        return true;
    }
    error = "--side: expected client or server, got \"" + text + "\"";
    return false;
}

bool parse_target(const std::string& text, Target& target, std::string& error) {
    const auto colon = text.rfind(':');
    std::uint64_t port = 0;
    std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (colon == std::string::npos || host.empty() ||
        !parse_number(std::string_view(text).substr(colon + 1), port) || port == 0 ||
        port > 65535) {
        error = "--to: expected HOST:PORT, got \"" + text + "\"";
        return false;
    }
    target = Target{host, static_cast<std::uint16_t>(port)};
    return true;
}

} // namespace sniff::replay
