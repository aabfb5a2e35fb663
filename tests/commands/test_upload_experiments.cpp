// Uploads and the article's experiments replayed for `sniff demo`, over real loopback sockets.
#include "commands/experiments.hpp"
#include "commands/md5.hpp"
#include "commands/server.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace sniff::commands;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed at scope end.
struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() /
               ("sniff-commands-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    static int& counter() {
        static int value = 0;
        return value;
    }
};

std::string write_file(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct UploadFixture {
    TempDir store;
    TempDir source;
    std::unique_ptr<Server> server;
    UploadFixture() {
        ServeOptions options;
        options.framing = Framing::json_header;
        options.upload_dir = store.path.string();
        std::string error;
        server = start_loopback_server(options, error);
        REQUIRE(server);
    }
    ScriptOptions script() const {
        ScriptOptions options;
        options.port = server->port();
        options.timeout_ms = 5'000;
        return options;
    }
};

} // namespace

TEST_CASE("md5 matches the RFC 1321 test vectors", "[commands]") {
    CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST_CASE("upload stores the file under the upload directory", "[commands]") {
    UploadFixture fixture;
    const std::string content = bytes_pattern(0, 300'000);
    const auto path = write_file(fixture.source.path / "data.bin", content);
    const auto run = run_upload(fixture.script(), UploadSpec{path, {}, {}});
    INFO(run.error);
    REQUIRE(run.error.empty());
    REQUIRE(run.answers.size() == 1);
    CHECK_FALSE(run.answers[0].server_error);
    CHECK_THAT(run.answers[0].received, Catch::StartsWith("stored data.bin (300000 bytes"));
    CHECK(read_file(fixture.store.path / "data.bin") == content);
    CHECK(fixture.server->stats().uploads_ok == 1);
}

TEST_CASE("upload reduces a traversing name to its base name", "[commands]") {
    UploadFixture fixture;
    const auto path = write_file(fixture.source.path / "payload", "secret\n");
    const auto run = run_upload(fixture.script(), UploadSpec{path, "../../etc/x", {}});
    REQUIRE(run.error.empty());
    CHECK_FALSE(run.answers.at(0).server_error);
    CHECK(read_file(fixture.store.path / "x") == "secret\n");
    CHECK_FALSE(fs::exists(fixture.store.path.parent_path().parent_path() / "etc" / "x"));
    // Only the stored file is left in the directory (no temporary remains).
    CHECK(std::distance(fs::directory_iterator(fixture.store.path), fs::directory_iterator{}) == 1);
}

TEST_CASE("upload refuses names with no safe base name", "[commands]") {
    UploadFixture fixture;
    const auto path = write_file(fixture.source.path / "payload", "x");
    const auto run = run_upload(fixture.script(), UploadSpec{path, "../..", {}});
    REQUIRE(run.answers.size() == 1);
    CHECK(run.answers[0].server_error);
    CHECK_THAT(run.answers[0].received, Catch::Contains("unsafe file name"));
    CHECK(fs::is_empty(fixture.store.path));
}

TEST_CASE("upload reports an md5 mismatch and stores nothing", "[commands]") {
    UploadFixture fixture;
    const auto path = write_file(fixture.source.path / "doc.txt", "hello upload\n");
    const auto run =
        run_upload(fixture.script(), UploadSpec{path, {}, "00000000000000000000000000000000"});
    REQUIRE(run.error.empty());
    REQUIRE(run.answers.size() == 1);
    CHECK(run.answers[0].server_error);
    CHECK_THAT(run.answers[0].received, Catch::Contains("md5 mismatch"));
    CHECK_THAT(run.answers[0].received, Catch::Contains(md5_hex("hello upload\n")));
    CHECK(fs::is_empty(fixture.store.path));
    CHECK(fixture.server->stats().uploads_failed == 1);
}

TEST_CASE("upload is refused when the server has no upload directory", "[commands]") {
    std::string error;
    auto server = start_loopback_server(ServeOptions{}, error);
    REQUIRE(server);
    TempDir source;
    const auto path = write_file(source.path / "f", "data");
    ScriptOptions options;
    options.port = server->port();
    const auto run = run_upload(options, UploadSpec{path, {}, {}});
    REQUIRE(run.answers.size() == 1);
    CHECK_THAT(run.answers[0].received, Catch::Contains("uploads are disabled"));
}

TEST_CASE("three small sends wait in the buffer and come out as one read", "[commands]") {
    const auto result = run_read_experiment(merge_experiment());
    REQUIRE(result.error.empty());
    REQUIRE(result.reads.size() == 1);
    CHECK(result.reads[0].bytes == "helloworldegon");
}

TEST_CASE("a short recv leaves leftovers for the next recv", "[commands]") {
    const auto result = run_read_experiment(leftover_experiment());
    REQUIRE(result.error.empty());
    REQUIRE(result.reads.size() == 3);
    CHECK(result.reads[0].bytes == "h");
    CHECK(result.reads[1].bytes == "ellow");
    CHECK(result.reads[2].bytes == "orldegon");
    CHECK(result.reads[2].offset == 6);
}

TEST_CASE("the front hook lets another hop sit before the receiver", "[commands]") {
    std::uint16_t seen = 0;
    const auto result = run_read_experiment(merge_experiment(), [&](std::uint16_t port) {
        seen = port;
        return port; // a real demo returns its proxy's port here
    });
    CHECK(seen != 0);
    CHECK(result.error.empty());
}

TEST_CASE("UDP keeps datagrams apart and cuts one larger than the buffer", "[commands]") {
    ServeOptions options;
    options.udp = true;
    std::string error;
    auto server = start_loopback_server(options, error);
    REQUIRE(server);
    const auto result =
        run_udp_exchange(server->port(), {"echo hello", "echo world", "bytes 3000", ""}, 1024);
    REQUIRE(result.error.empty());
    REQUIRE(result.datagrams.size() == 4);
    CHECK(result.datagrams[0].received == "hello\n");
    CHECK(result.datagrams[1].received == "world\n");
    CHECK(result.datagrams[2].size == 3000);
    CHECK(result.datagrams[2].cut);
    CHECK(result.datagrams[2].received == bytes_pattern(0, 1024));
    // An empty datagram is still a datagram: the server answers it (with an error).
    CHECK_THAT(result.datagrams[3].received, Catch::StartsWith("error: empty command"));
}

TEST_CASE("UDP answers over 65507 bytes are cut to the largest payload", "[commands]") {
    ServeOptions options;
    options.udp = true;
    std::string error;
    auto server = start_loopback_server(options, error);
    REQUIRE(server);
    const auto result = run_udp_exchange(server->port(), {"bytes 70000"}, 70'000);
    REQUIRE(result.error.empty());
    CHECK(result.datagrams.at(0).size == k_max_udp_payload);
    CHECK(result.datagrams[0].received == bytes_pattern(0, k_max_udp_payload));
    CHECK(server->stats().udp_cut == 1);
}
