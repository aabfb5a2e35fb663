#include "cli/option_table.hpp"
#include "cli/options_parser.hpp"

#include <array>

namespace sniff::cli {

namespace {

constexpr const char* k_synopsis =
    R"(sniff — see where TCP segments and recv() chunks fall against your messages

usage:
  sniff demo                              the sticky-packet story on this machine, no set-up
  sniff -r FILE [options] [FILTER]        analyse a pcap or pcapng file (- = standard input)
  sniff -i IFACE [options] [FILTER]       analyse a live capture
  sniff --proxy [tcp:|udp:][ADDR:]PORT:HOST:PORT [options]
                                          proxy and watch a connection live
  sniff -i IFACE --proxy SPEC [options] [FILTER]
                                          both at once: captured and proxied flows side by side
  sniff exec [options] [--] CMD [ARGS...] run CMD and watch its own socket calls (recv, send, ...)
                                          against the messages; -i IFACE beside it shows the wire
  sniff replay FILE --to HOST:PORT [options] [FILTER]
                                          send a captured conversation to a live server,
                                          re-chunked, and compare its answers
  sniff serve | client ...                the article's command server and client (see --help)
)";

constexpr const char* k_closing = R"(
An option that none of the chosen sources uses (-c with --proxy alone, --rechunk with -r) is a
usage error, never silently ignored.

exit status: 0 success, 1 runtime error (bad file, ...), 2 usage error
)";

constexpr std::array<std::pair<OptionGroup, const char*>, 6> k_groups{{
    {OptionGroup::sources, "sources"},
    {OptionGroup::proxy, "proxy"},
    {OptionGroup::replay, "replay"},
    {OptionGroup::analysis, "analysis"},
    {OptionGroup::output, "output"},
    {OptionGroup::general, ""},
}};

// Help lines start in this column; a longer "names value" puts the help on the next line.
constexpr std::size_t k_help_column = 24;

} // namespace

std::string help_line(std::string_view names, std::string_view value, std::string_view help) {
    std::string head = "  " + std::string(names);
    if (!value.empty())
        head += " " + std::string(value);
    std::string text = head;
    bool first = true;
    for (;;) {
        const auto end = help.find('\n');
        const std::size_t column = first ? head.size() : 0;
        text += column + 1 < k_help_column ? std::string(k_help_column - column, ' ')
                                           : "\n" + std::string(k_help_column, ' ');
        text += std::string(help.substr(0, end)) + "\n";
        first = false;
        if (end == std::string_view::npos)
            return text;
        help.remove_prefix(end + 1);
    }
}

std::string usage_text() {
    std::string text = k_synopsis;
    for (const auto& [group, title] : k_groups) {
        text += *title != '\0' ? "\n" + std::string(title) + ":\n" : "\n";
        for (const auto& row : option_rows())
            if (row.group == group)
                text += help_line(row.names, row.value, row.help);
    }
    return text + k_closing;
}

} // namespace sniff::cli
