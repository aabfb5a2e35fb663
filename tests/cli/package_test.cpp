// The .deb CPack makes (`./run package`): Debian's own tools read its control data and contents,
// Depends comes from dpkg-shlibdeps, and apt installs it, runs it from PATH and removes it
// without a trace. Needs root (apt) and dpkg-dev (dpkg-shlibdeps); skipped with a message else.

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <unistd.h>

using namespace sniff;
using test::run_command;

namespace {

const std::string k_build_dir = SNIFF_BUILD_DIR;

std::string project_version() {
    const auto cmake = test::read_file(std::string(SNIFF_SOURCE_DIR) + "/CMakeLists.txt");
    std::smatch match;
    REQUIRE(std::regex_search(cmake, match, std::regex(R"(project\(sniff VERSION ([0-9.]+))")));
    return match[1];
}

// Builds the .deb into `dir` from the build folder's CPack configuration; its path.
std::filesystem::path make_package(const std::filesystem::path& dir) {
    const auto result =
        run_command("cd '" + dir.string() + "' && cpack -G DEB --config '" + k_build_dir +
                    "/CPackConfig.cmake' -B '" + dir.string() + "' >/dev/null");
    REQUIRE(result.exit_code == 0);
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == ".deb")
            return entry.path();
    FAIL("cpack made no .deb");
    return {};
}

std::string field(const std::string& deb, const std::string& name) {
    return run_command("dpkg-deb -f '" + deb + "' " + name).out;
}

bool can_package() {
    if (::geteuid() != 0) {
        WARN("not root: the .deb is neither built nor installed here");
        return false;
    }
    if (!test::have_program("dpkg-shlibdeps")) {
        WARN("dpkg-shlibdeps is missing (dpkg-dev): the .deb's Depends cannot be computed");
        return false;
    }
    return true;
}

} // namespace

TEST_CASE("the .deb has section net, the project version, computed Depends and the layout",
          "[package]") {
    if (!can_package())
        return;
    const auto dir = test::scratch_dir("package-contents");
    const auto deb = make_package(dir).string();
    CHECK(field(deb, "Package") == "sniff\n");
    CHECK(field(deb, "Version") == project_version() + "\n");
    CHECK(field(deb, "Section") == "net\n");
    CHECK(field(deb, "Description").find("whole, coalesced or split") != std::string::npos);
    // The libraries the binary links, as dpkg-shlibdeps names them (not written by hand).
    const auto depends = field(deb, "Depends");
    for (const char* package : {"libc6", "libpcap0.8", "libncursesw6", "libstdc++6"}) {
        INFO(package);
        CHECK(depends.find(package) != std::string::npos);
    }
    const auto contents = run_command("dpkg-deb -c '" + deb + "'").out;
    for (const char* file :
         {"./usr/bin/sniff", "./usr/lib/sniff/libsniff-preload.so",
          "./usr/share/man/man1/sniff.1.gz", "./usr/share/bash-completion/completions/sniff",
          "./usr/share/zsh/vendor-completions/_sniff", "./usr/share/doc/sniff/README.md",
          "./usr/share/doc/sniff/CHANGELOG.md"}) {
        INFO(file);
        CHECK(contents.find(std::string(file) + "\n") != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("apt installs the .deb, sniff runs from PATH, and removing it leaves nothing",
          "[package]") {
    if (!can_package())
        return;
    // Never touch a sniff installed on purpose on this machine.
    if (run_command("dpkg-query -W sniff >/dev/null 2>&1").exit_code == 0 ||
        std::filesystem::exists("/usr/bin/sniff")) {
        WARN("a sniff is already installed here: the install test leaves it alone");
        return;
    }
    const auto dir = test::scratch_dir("package-install");
    const auto deb = make_package(dir).string();
    const std::string apt = "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -y";
    REQUIRE(run_command(apt + " install '" + deb + "' >/dev/null").exit_code == 0);
    const auto files = run_command("dpkg -L sniff").out;

    const auto version = run_command("cd / && env PATH=/usr/bin:/bin sniff --version");
    CHECK(version.exit_code == 0);
    CHECK(version.out.starts_with("sniff " + project_version() + " "));
    const auto demo = run_command("cd / && env PATH=/usr/bin:/bin sniff demo </dev/null");
    CHECK(demo.exit_code == 0);
    const auto exec = run_command("cd / && env PATH=/usr/bin:/bin sniff exec -- /bin/true");
    CHECK(exec.exit_code == 0);
    CHECK(run_command("man -w sniff").out == "/usr/share/man/man1/sniff.1.gz\n");

    REQUIRE(run_command(apt + " purge sniff >/dev/null").exit_code == 0);
    CHECK(run_command("dpkg-query -W sniff >/dev/null 2>&1").exit_code != 0);
    std::istringstream lines(files);
    for (std::string path; std::getline(lines, path);) {
        // Shared folders (/usr, /usr/share/man/man1) stay; what the package brought goes.
        if (path.find("sniff") == std::string::npos)
            continue;
        INFO(path);
        CHECK(!std::filesystem::exists(path));
    }
    std::filesystem::remove_all(dir);
}
