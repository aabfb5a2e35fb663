// sniff --version names the project version from CMakeLists.txt, the git revision it was built
// from and the libraries it runs with, each checked against an independent source.

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <regex>

using namespace sniff;
using test::run_command;

namespace {

// project(sniff VERSION x.y.z ...) as CMakeLists.txt spells it.
std::string project_version() {
    const auto cmake = test::read_file(std::string(SNIFF_SOURCE_DIR) + "/CMakeLists.txt");
    std::smatch match;
    REQUIRE(std::regex_search(cmake, match, std::regex(R"(project\(sniff VERSION ([0-9.]+))")));
    return match[1];
}

} // namespace

TEST_CASE("sniff --version names the project version, the git revision and the libraries") {
    const auto result = run_command(std::string(SNIFF_BIN) + " --version");
    REQUIRE(result.exit_code == 0);
    const auto& out = result.out;
    CHECK(out.starts_with("sniff " + project_version() + " (git "));
    CHECK(out.find("libpcap: libpcap version ") != std::string::npos);
    CHECK(out.find("Boost: 1.") != std::string::npos);
    CHECK(out.find("ncurses: ncurses ") != std::string::npos);
    // The revision is the source tree's HEAD when it is a git checkout.
    const auto head = run_command("git -C '" SNIFF_SOURCE_DIR "' rev-parse --short=12 HEAD");
    if (head.exit_code == 0 && head.out.size() > 1) {
        const auto revision = head.out.substr(0, head.out.size() - 1);
        CHECK(out.find("(git " + revision) != std::string::npos);
    }
}

TEST_CASE("sniff -V is sniff --version") {
    const auto longer = run_command(std::string(SNIFF_BIN) + " --version");
    const auto shorter = run_command(std::string(SNIFF_BIN) + " -V");
    REQUIRE(shorter.exit_code == 0);
    CHECK(shorter.out == longer.out);
}

TEST_CASE("sniff --version reports the libpcap dpkg says is installed") {
    const auto dpkg = run_command("dpkg-query -W -f '${Version}' libpcap0.8 2>/dev/null");
    if (dpkg.exit_code != 0 || dpkg.out.empty()) {
        WARN("libpcap0.8 is not a dpkg package here; skipped");
        return;
    }
    // "1.10.3-1" → "1.10.3": the upstream part is what pcap_lib_version() names.
    const auto upstream = dpkg.out.substr(0, dpkg.out.find('-'));
    const auto result = run_command(std::string(SNIFF_BIN) + " --version");
    CHECK(result.out.find("libpcap version " + upstream) != std::string::npos);
}

TEST_CASE("outside a git checkout the revision is 'unknown'") {
    const auto outside = test::scratch_dir("git-revision-outside");
    const auto header = outside / "git_revision.hpp";
    const auto result =
        run_command("cmake -DSOURCE_DIR='" + outside.string() + "' -DOUTPUT='" + header.string() +
                    "' -P '" SNIFF_SOURCE_DIR "/cmake/git_revision.cmake'");
    REQUIRE(result.exit_code == 0);
    CHECK(test::read_file(header).find("#define SNIFF_GIT_REVISION \"unknown\"") !=
          std::string::npos);
    std::filesystem::remove_all(outside);
}
