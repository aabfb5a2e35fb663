// sniff(1) comes from the option tables --help uses: it names every option of every command and
// every framing preset, and groff renders it without a warning. Each subcommand answers --help.

#include "cli/option_table.hpp"
#include "cli/peer_args.hpp"
#include "dissectors/spec.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using test::run_command;

namespace {

const std::string k_sniff = SNIFF_BIN;

// The page as man renders it to plain text (no hyphenation, wide lines: names stay whole).
std::string rendered_page(const std::filesystem::path& page) {
    const auto result =
        run_command("MANWIDTH=200 MAN_KEEP_FORMATTING=0 man -l '" + page.string() + "' | col -b");
    REQUIRE(result.exit_code == 0);
    return result.out;
}

// "-h, --help" → {"-h", "--help"}.
std::vector<std::string> names_of(std::string_view names) {
    std::vector<std::string> list;
    for (;;) {
        const auto comma = names.find(", ");
        list.emplace_back(names.substr(0, comma));
        if (comma == std::string_view::npos)
            return list;
        names.remove_prefix(comma + 2);
    }
}

} // namespace

TEST_CASE("the man page renders with groff -ww without a warning") {
    if (!test::have_program("groff")) {
        WARN("groff is not installed (groff-base); skipped");
        return;
    }
    const auto dir = test::scratch_dir("man-groff");
    REQUIRE(run_command(k_sniff + " --help-man > '" + (dir / "sniff.1").string() + "'").exit_code ==
            0);
    const auto result = run_command("groff -ww -man -Tutf8 '" + (dir / "sniff.1").string() + "'");
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(result.out.find("SNIFF(1)") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("mandoc -Tlint finds nothing at warning level in the man page") {
    if (!test::have_program("mandoc")) {
        WARN("mandoc is not installed; skipped");
        return;
    }
    const auto dir = test::scratch_dir("man-mandoc");
    REQUIRE(run_command(k_sniff + " --help-man > '" + (dir / "sniff.1").string() + "'").exit_code ==
            0);
    // Style remarks (lines over 80 bytes in the source) are not warnings.
    const auto lint = run_command("mandoc -Tlint -W warning '" + (dir / "sniff.1").string() + "'");
    CHECK(lint.exit_code == 0);
    CHECK(lint.out.empty());
    std::filesystem::remove_all(dir);
}

TEST_CASE("the man page names every option, subcommand, preset and exit status") {
    if (!test::have_program("man") || !test::have_program("col")) {
        WARN("man or col is not installed (man-db, bsdextrautils); skipped");
        return;
    }
    const auto dir = test::scratch_dir("man-names");
    REQUIRE(run_command(k_sniff + " --help-man > '" + (dir / "sniff.1").string() + "'").exit_code ==
            0);
    const auto page = rendered_page(dir / "sniff.1");
    for (const auto& row : cli::option_rows())
        for (const auto& name : names_of(row.names)) {
            INFO(name);
            CHECK(page.find(name) != std::string::npos);
        }
    for (const auto& docs : {cli::serve_option_docs(), cli::client_option_docs()})
        for (const auto& doc : docs)
            for (const auto& name : names_of(doc.names)) {
                INFO(name);
                CHECK(page.find(name) != std::string::npos);
            }
    for (const auto& preset : dissect::preset_list()) {
        INFO(preset.name);
        CHECK(page.find(std::string(preset.expansion)) != std::string::npos);
    }
    for (const char* word : {"sniff demo", "sniff exec", "sniff serve", "sniff client",
                             "EXIT STATUS", "EXAMPLES", "FRAMING SPECS", "len:off=N"}) {
        INFO(word);
        CHECK(page.find(word) != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("the build wrote the man page beside the binary, equal to --help-man") {
    const auto built = std::filesystem::path(SNIFF_BIN).parent_path() / "sniff.1";
    REQUIRE(std::filesystem::exists(built));
    CHECK(test::read_file(built) == run_command(k_sniff + " --help-man").out);
}

TEST_CASE("every subcommand answers --help with its usage and exit status 0") {
    const auto main_usage = run_command(k_sniff + " --help");
    REQUIRE(main_usage.exit_code == 0);
    const auto exec = run_command(k_sniff + " exec --help");
    CHECK(exec.exit_code == 0);
    CHECK(exec.out == main_usage.out); // exec's options are the main command's
    CHECK(exec.out.find("sniff exec [options]") != std::string::npos);
    for (const std::string command : {"serve", "client", "demo"}) {
        INFO(command);
        const auto result = run_command(k_sniff + " " + command + " --help </dev/null");
        CHECK(result.exit_code == 0);
        CHECK(result.out.starts_with("usage: sniff " + command));
    }
}
