// `cmake --install` lays sniff out under a prefix, and the installed sniff works with the build
// folder out of sight: the build folder is hidden under an empty tmpfs in a private mount
// namespace (unshare), so other tests running from it at the same time are not disturbed.

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

using namespace sniff;
using test::run_command;

namespace {

const std::string k_build_dir = SNIFF_BUILD_DIR;

// Runs `command` with the build folder hidden; exit code and output as run_command's.
test::CommandResult without_build_folder(const std::string& command) {
    return run_command("unshare --mount sh -c 'mount -t tmpfs none \"" + k_build_dir + "\" && " +
                       command + "'");
}

} // namespace

TEST_CASE("cmake --install lays sniff out as a Debian tool and it runs without the build") {
    const auto prefix = test::scratch_dir("install-prefix");
    const auto install = run_command("cmake --install '" + k_build_dir + "' --prefix '" +
                                     prefix.string() + "' >/dev/null");
    REQUIRE(install.exit_code == 0);
    for (const char* file :
         {"bin/sniff", "lib/sniff/libsniff-preload.so", "share/man/man1/sniff.1.gz",
          "share/bash-completion/completions/sniff", "share/zsh/vendor-completions/_sniff",
          "share/doc/sniff/README.md", "share/doc/sniff/CHANGELOG.md"}) {
        INFO(file);
        CHECK(std::filesystem::is_regular_file(prefix / file));
    }
    CHECK(run_command("zcat '" + (prefix / "share/man/man1/sniff.1.gz").string() + "'").out ==
          run_command(std::string(SNIFF_BIN) + " --help-man").out);

    if (::geteuid() != 0 || without_build_folder("true").exit_code != 0) {
        WARN("not root or no unshare --mount here: the installed sniff was not run apart from "
             "the build folder");
        std::filesystem::remove_all(prefix);
        return;
    }
    const std::string sniff = (prefix / "bin/sniff").string();
    // The build folder is really gone for what runs there.
    CHECK(without_build_folder("test ! -e \"" + std::string(SNIFF_BIN) + "\"").exit_code == 0);
    const auto version = without_build_folder(sniff + " --version");
    CHECK(version.exit_code == 0);
    CHECK(version.out.starts_with("sniff "));
    const auto demo = without_build_folder(sniff + " demo </dev/null");
    CHECK(demo.exit_code == 0);
    CHECK(demo.out.find("every framed answer arrived intact") != std::string::npos);
    // exec finds the preload library in ../lib/sniff/ and reports the program's exit status.
    const auto exec = without_build_folder(sniff + " exec -- /bin/true");
    CHECK(exec.exit_code == 0);
    CHECK(exec.err.find("/bin/true exited with status 0") != std::string::npos);
    CHECK(exec.err.find("is missing") == std::string::npos);
    std::filesystem::remove_all(prefix);
}
