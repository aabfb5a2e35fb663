// A psql session (simple queries, no timestamps) captured on lo and replayed against a fresh
// postgres: every answer equal except BackendKeyData (the new backend's pid and secret key),
// which the test finds, names and ignores.

#include "replay/support.hpp"

#include <pwd.h>
#include <unistd.h>

using namespace sniff;
using namespace sniff::replay_test;

namespace {

// The newest /usr/lib/postgresql/N/bin, or empty.
std::filesystem::path postgres_bin() {
    std::filesystem::path best;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error))
        if (std::filesystem::exists(entry.path() / "bin/postgres") &&
            (best.empty() || std::stoi(entry.path().filename().string()) >
                                 std::stoi(best.parent_path().filename().string())))
            best = entry.path() / "bin";
    return best;
}

// A postmaster on a free port over `data`, run as postgres, stopped (SIGINT: fast shutdown).
struct Postgres {
    Postgres(const std::filesystem::path& bin, const std::filesystem::path& home)
        : port(protocols::free_port()),
          process("setpriv --reuid=postgres --regid=postgres --init-groups -- " +
                      shell_quote((bin / "postgres").string()) + " -D " +
                      shell_quote((home / "data").string()) + " -p " + std::to_string(port) +
                      " -k " + shell_quote(home.string()) +
                      " -c listen_addresses=127.0.0.1 -c ssl=off -c fsync=off",
                  home / ("postgres-" + std::to_string(port) + ".log")) {
        REQUIRE(protocols::wait_for_port(port, 30000));
    }
    ~Postgres() { process.stop(SIGINT, 15000); }
    int port;
    Background process;
};

} // namespace

TEST_CASE("a psql session replays against a fresh postgres", "[replay][pgsql]") {
    if (skip_without({"psql", "setpriv", "runuser", "dumpcap"}))
        return;
    const auto bin = postgres_bin();
    const passwd* user = getpwnam("postgres");
    if (bin.empty() || user == nullptr) {
        WARN("PostgreSQL's server is not installed: skipped");
        return;
    }
    const auto dir = test::scratch_dir("replay-pgsql");
    const auto home = dir / "pg";
    std::filesystem::create_directories(home);
    REQUIRE(chown(home.c_str(), user->pw_uid, user->pw_gid) == 0);
    const auto init = test::run_command("timeout 120 runuser -u postgres -- " +
                                        shell_quote((bin / "initdb").string()) + " -D " +
                                        shell_quote((home / "data").string()) +
                                        " -A trust -U postgres --no-sync --no-locale -E UTF8");
    REQUIRE(init.exit_code == 0);
    const auto file = dir / "psql.pcapng";
    const std::string queries = " -c 'select 1' -c 'select generate_series(1, 50)'"
                                " -c \"select repeat('x', 20000)\" -c 'select no_such_column'";
    {
        Postgres server(bin, home);
        protocols::LoopbackCapture capture(file, server.port);
        REQUIRE(capture.started());
        test::run_command("env PGSSLMODE=disable PGGSSENCMODE=disable timeout 30 psql -X -h "
                          "127.0.0.1 -p " +
                          std::to_string(server.port) + " -U postgres -d postgres" + queries);
        capture.stop();
    }
    Postgres fresh(bin, home); // a new postmaster, its own backends
    const std::string common = shell_quote(file.string()) +
                               " --flow 1 --to 127.0.0.1:" + std::to_string(fresh.port) +
                               " --framing pgsql";
    const auto first = run_replay(common);
    INFO(first.out << first.err);
    CHECK(first.summary.value("answers_missing", -1) == 0);
    CHECK(first.summary.value("answers_extra", -1) == 0);
    // The startup message, four queries and the terminate message.
    CHECK(first.summary.value("requests", 0) == 6);
    std::vector<int> different;
    for (const auto& event : first.events)
        if (event["result"] == "different") {
            // BackendKeyData: 'K', length 12, then the backend's pid and secret key.
            CHECK(event["expected"].get<std::string>().starts_with("K\\0\\0\\0\\x0c"));
            different.push_back(event["message"].get<int>());
        }
    REQUIRE(different.size() == 1);
    const auto second = run_replay(common + " --ignore " + std::to_string(different.front()));
    INFO(second.out << second.err);
    CHECK(second.exit_code == 0);
    CHECK(second.summary.value("answers_different", -1) == 0);
    CHECK(second.summary.value("answers_ignored", 0) == 1);
    CHECK(second.summary.value("answers_equal", 0) >= 20);
}
