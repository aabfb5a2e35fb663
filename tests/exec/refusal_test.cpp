// sniff exec refuses programs the preload library cannot see: a static binary (gcc -static, built
// here) and a set-user-ID program of another user; it accepts a dynamic one and a script.

#include "exec/program_check.hpp"
#include "exec/support.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace {

std::string compile(const std::string& name, const std::string& flags) {
    const auto dir = sniff::test::scratch_dir("exec-refusal-" + name);
    const auto source = dir / "hello.c";
    std::ofstream(source) << "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n";
    const std::string out = (dir / name).string();
    const auto built =
        sniff::test::run_command("gcc " + flags + " -o '" + out + "' '" + source.string() + "'");
    return built.exit_code == 0 ? out : std::string();
}

} // namespace

TEST_CASE("exec refuses a static binary and names --proxy and -i", "[exec]") {
    const std::string program = compile("static_hello", "-static");
    REQUIRE_FALSE(program.empty());
    const auto check = sniff::exec::check_program(program);
    CHECK_FALSE(check.ok);
    CHECK(check.message.find("statically linked") != std::string::npos);
    CHECK(check.message.find("--proxy") != std::string::npos);
    CHECK(check.message.find("-i") != std::string::npos);
    // And start() refuses it before running anything.
    sniff::test::RecordingSink sink;
    const auto run = sniff::test::run_exec({program}, sink);
    CHECK(run.error == check.message);
}

TEST_CASE("exec accepts dynamic programs and scripts, and finds them on PATH", "[exec]") {
    const std::string program = compile("dynamic_hello", "");
    REQUIRE_FALSE(program.empty());
    CHECK(sniff::exec::check_program(program).ok);
    CHECK(sniff::exec::check_program("sh").ok);
    CHECK(sniff::exec::check_program("sh").path.find('/') != std::string::npos);
    const auto dir = sniff::test::scratch_dir("exec-script");
    const auto script = dir / "script.sh";
    std::ofstream(script) << "#!/bin/sh\necho hi\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    CHECK(sniff::exec::check_program(script.string()).ok);
    const auto missing = sniff::exec::check_program("no-such-program-sniff-17");
    CHECK_FALSE(missing.ok);
    CHECK(missing.message.find("not found") != std::string::npos);
}

TEST_CASE("exec refuses a set-user-ID program of another user", "[exec]") {
    const std::string program = compile("setuid_hello", "");
    REQUIRE_FALSE(program.empty());
    // Owned by nobody, setuid: the loader would run it as nobody and ignore LD_PRELOAD.
    if (::geteuid() != 0 || ::chown(program.c_str(), 65534, 65534) != 0) {
        WARN("needs root to give the program to another user: not checked");
        return;
    }
    REQUIRE(::chmod(program.c_str(), 04755) == 0);
    const auto check = sniff::exec::check_program(program);
    CHECK_FALSE(check.ok);
    CHECK(check.message.find("set-user-ID") != std::string::npos);
}

TEST_CASE("exec gives the program's exit status, a signal's as 128 + N", "[exec]") {
    sniff::test::RecordingSink sink;
    CHECK(sniff::test::run_exec({"sh", "-c", "exit 7"}, sink).status == 7);
    CHECK(sniff::test::run_exec({"sh", "-c", "kill -TERM $$"}, sink).status == 128 + 15);
}
