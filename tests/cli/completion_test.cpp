// completions/sniff.bash, sourced into a real bash and driven as bash drives it (COMP_WORDS,
// COMP_CWORD, then the function `complete -p sniff` names): subcommands, options of each command
// from the binary's own tables, framing presets, interfaces and files.

#include "cli/option_table.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace sniff;
using test::run_command;

namespace {

const std::string k_script = std::string(SNIFF_SOURCE_DIR) + "/completions/sniff.bash";

std::string quoted(const std::string& word) {
    std::string text = "'";
    for (const char c : word)
        text += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return text + "'";
}

// The candidates bash offers for `words` (the last is the word being completed), one a line;
// run in `directory` so file completion sees known files.
std::string complete(const std::vector<std::string>& words, const std::string& directory = "/") {
    std::string array;
    for (const auto& word : words)
        array += " " + quoted(word);
    const std::string bin_dir = std::filesystem::path(SNIFF_BIN).parent_path().string();
    const std::string script =
        "cd " + quoted(directory) + " && PATH=" + quoted(bin_dir) + ":$PATH && source " +
        quoted(k_script) + " && function=$(complete -p sniff | sed -E 's/.*-F ([^ ]+).*/\\1/')" +
        " && COMP_WORDS=(" + array + ") && COMP_CWORD=" + std::to_string(words.size() - 1) +
        " && \"$function\" && for word in \"${COMPREPLY[@]}\"; do printf '%s\\n' \"$word\"; done | "
        "sort";
    const auto result = run_command("bash -c " + quoted(script));
    REQUIRE(result.exit_code == 0);
    return result.out;
}

} // namespace

TEST_CASE("bash completion registers a function for sniff") {
    const auto result =
        run_command("bash -c " + quoted("source " + quoted(k_script) + " && complete -p sniff"));
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.find("-F _sniff sniff") != std::string::npos);
}

TEST_CASE("bash completion offers the subcommands first") {
    CHECK(complete({"sniff", ""}) == "client\ndemo\nexec\nreplay\nserve\n");
    CHECK(complete({"sniff", "se"}) == "serve\n");
}

TEST_CASE("bash completion offers every option of the table, and only matching ones") {
    const auto all = complete({"sniff", "-"});
    for (const auto& row : cli::option_rows()) {
        const std::string first(row.names.substr(0, row.names.find(',')));
        INFO(first);
        CHECK(all.find(first + "\n") != std::string::npos);
    }
    CHECK(complete({"sniff", "--list-f"}) == "--list-framings\n");
    CHECK(complete({"sniff", "exec", "--fra"}) == "--framing\n");
}

TEST_CASE("bash completion offers serve's and client's own options after them") {
    CHECK(complete({"sniff", "serve", "--lis"}) == "--listen\n");
    CHECK(complete({"sniff", "client", "127.0.0.1:9000", "--up"}) == "--upload\n");
    CHECK(complete({"sniff", "serve", "-r"}).empty()); // -r is the main command's
}

TEST_CASE("bash completion offers framing presets, also after PORT=") {
    const auto presets = complete({"sniff", "--framing", ""});
    for (const char* preset : {"struct\n", "json-header\n", "dns-tcp\n", "raw\n", "auto\n"}) {
        INFO(preset);
        CHECK(presets.find(preset) != std::string::npos);
    }
    CHECK(complete({"sniff", "-r", "x.pcap", "--framing", "9000=dns"}) == "9000=dns-tcp\n");
}

TEST_CASE("bash completion offers interfaces after -i and files after -r and -w") {
    const auto interfaces = complete({"sniff", "-i", ""});
    CHECK(interfaces.find("lo\n") != std::string::npos);
    CHECK(interfaces.find("any\n") != std::string::npos);
    const auto dir = test::scratch_dir("completion-files");
    std::ofstream(dir / "capture-one.pcap").put('x');
    std::ofstream(dir / "capture-two.pcapng").put('x');
    CHECK(complete({"sniff", "-r", "capture-"}, dir.string()) ==
          "capture-one.pcap\ncapture-two.pcapng\n");
    CHECK(complete({"sniff", "-i", "lo", "-w", "capture-o"}, dir.string()) == "capture-one.pcap\n");
    std::filesystem::remove_all(dir);
}

TEST_CASE("zsh completion is valid zsh") {
    if (!test::have_program("zsh")) {
        WARN("zsh is not installed; skipped");
        return;
    }
    CHECK(run_command("zsh -n '" SNIFF_SOURCE_DIR "/completions/_sniff'").exit_code == 0);
}

namespace {

// The candidates completions/_sniff adds in a real interactive zsh for `words` then Tab; with
// what the terminal showed attached to the next assertion when there are none.
std::string zsh_complete(const std::string& words) {
    const auto dir = test::scratch_dir("zsh-completion");
    const auto out = dir / "candidates";
    const std::string bin_dir = std::filesystem::path(SNIFF_BIN).parent_path().string();
    run_command("timeout 150 zsh -f '" SNIFF_SOURCE_DIR "/tests/cli/zsh_complete.zsh' " +
                quoted(bin_dir) + " '" SNIFF_SOURCE_DIR "/completions' " + quoted(out.string()) +
                " " + quoted(words) + " </dev/null");
    auto candidates = run_command("sort -u " + quoted(out.string()) + " 2>/dev/null").out;
    if (candidates.empty())
        UNSCOPED_INFO("zsh showed for '"
                      << words << "': "
                      << run_command("cat -v " + quoted(out.string() + ".screen") + " 2>&1").out);
    std::filesystem::remove_all(dir);
    return candidates;
}

} // namespace

TEST_CASE("zsh completion offers options, serve's options and framing presets") {
    if (!test::have_program("zsh")) {
        WARN("zsh is not installed; skipped");
        return;
    }
    CHECK(zsh_complete("sniff --list-f") == "--list-framings\n");
    CHECK(zsh_complete("sniff serve --lis") == "--listen\n");
    const auto presets = zsh_complete("sniff --framing ");
    INFO("zsh offered: " << presets);
    for (const char* preset : {"struct\n", "json-header\n", "dns-tcp\n", "auto\n"}) {
        INFO(preset);
        CHECK(presets.find(preset) != std::string::npos);
    }
    CHECK(zsh_complete("sniff -i ").find("lo\n") != std::string::npos);
    CHECK(zsh_complete("sniff se") == "serve\n");
}
