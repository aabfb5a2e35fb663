#include "cli/completion_words.hpp"

#include "cli/option_table.hpp"
#include "cli/peer_args.hpp"

namespace sniff::cli {

namespace {

// "-h, --help" with no value → "-h -\n--help -\n".
std::string lines_of(std::string_view names, std::string_view value) {
    const std::string tail = " " + std::string(value.empty() ? "-" : value) + "\n";
    std::string text;
    for (;;) {
        const auto comma = names.find(", ");
        text += std::string(names.substr(0, comma)) + tail;
        if (comma == std::string_view::npos)
            return text;
        names.remove_prefix(comma + 2);
    }
}

std::string doc_lines(const std::vector<OptionDoc>& docs) {
    std::string text;
    for (const auto& doc : docs)
        text += lines_of(doc.names, doc.value);
    return text + lines_of("-h, --help", "");
}

} // namespace

std::string completion_words(std::string_view command) {
    if (command == "serve")
        return doc_lines(serve_option_docs());
    if (command == "client")
        return doc_lines(client_option_docs());
    if (!command.empty())
        return {};
    std::string text;
    for (const auto& row : option_rows())
        text += lines_of(row.names, row.value);
    return text;
}

} // namespace sniff::cli
