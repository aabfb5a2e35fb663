// Argument parsing for `sniff serve` and `sniff client`.
#include "cli/peer_args.hpp"

#include <catch2/catch.hpp>

using namespace sniff::commands;
using namespace sniff::cli;

TEST_CASE("serve arguments fill the options", "[commands]") {
    ServeOptions options;
    bool quiet = false;
    const auto error = parse_serve_args({"--listen", "127.0.0.1:9000", "--framing", "struct",
                                         "--shell", "--timeout", "500", "--max-output", "1024",
                                         "--upload-dir", "/tmp", "--quiet"},
                                        options, quiet);
    REQUIRE_FALSE(error);
    CHECK(options.listen == "127.0.0.1:9000");
    CHECK(options.framing == Framing::struct_len);
    CHECK(options.shell);
    CHECK(options.command_timeout_ms == 500);
    CHECK(options.max_output == 1024);
    CHECK(options.upload_dir == "/tmp");
    CHECK(quiet);
}

TEST_CASE("serve arguments report what is wrong", "[commands]") {
    ServeOptions options;
    bool quiet = false;
    CHECK_THAT(*parse_serve_args({"--framing", "xml"}, options, quiet),
               Catch::Contains("none|ascii-len|struct|json-header"));
    CHECK_THAT(*parse_serve_args({"--timeout", "-5"}, options, quiet),
               Catch::Contains("--timeout"));
    CHECK_THAT(*parse_serve_args({"--listen"}, options, quiet), Catch::Contains("needs a value"));
    CHECK_THAT(*parse_serve_args({"--bogus"}, options, quiet), Catch::Contains("unknown option"));
}

TEST_CASE("client arguments collect repeated -e in order", "[commands]") {
    ClientOptions options;
    const auto error = parse_client_args(
        {"127.0.0.1:8080", "-e", "echo a", "--recv-size", "1", "-e", "bytes 9", "--udp"}, options);
    REQUIRE_FALSE(error);
    CHECK(options.target == "127.0.0.1:8080");
    CHECK(options.commands == std::vector<std::string>{"echo a", "bytes 9"});
    CHECK(options.recv_size == 1);
    CHECK(options.udp);
    ClientOptions missing;
    CHECK_THAT(*parse_client_args({"-e", "x"}, missing), Catch::Contains("HOST:PORT"));
    ClientOptions zero;
    CHECK(parse_client_args({"h:1", "--recv-size", "0"}, zero));
}
