// The command server and client over real sockets on 127.0.0.1 (each test bounded by timeouts).
#include "commands/client.hpp"
#include "commands/server.hpp"
#include "commands/socket_io.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

using namespace sniff::commands;

namespace {

std::unique_ptr<Server> start(Framing framing, ServeOptions options = {}) {
    options.framing = framing;
    std::string error;
    auto server = start_loopback_server(options, error);
    INFO(error);
    REQUIRE(server);
    return server;
}

ScriptOptions script_for(const Server& server, Framing framing) {
    ScriptOptions options;
    options.port = server.port();
    options.framing = framing;
    options.timeout_ms = 5'000;
    options.none_wait_ms = 500;
    return options;
}

Fd connect_raw(const Server& server) {
    std::string error;
    Fd fd = open_client_socket(HostPort{"127.0.0.1", server.port()}, SocketKind::tcp, error);
    REQUIRE(fd.valid());
    return fd;
}

// Everything the server sends until it closes (or 3 s pass).
std::string read_until_close(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
        const auto got = recv_some(fd, buffer, sizeof buffer, 3'000);
        if (got.status != RecvStatus::data)
            return out;
        out.append(buffer, got.size);
    }
}

} // namespace

TEST_CASE("every framing carries 0-byte, small and >1 MB answers intact", "[commands]") {
    const Framing framing = GENERATE(Framing::ascii_len, Framing::struct_len, Framing::json_header);
    const bool pipeline = GENERATE(false, true);
    auto server = start(framing);
    ScriptOptions options = script_for(*server, framing);
    options.pipeline = pipeline;
    options.recv_size = 1024;
    const auto run = run_script(options, {"bytes 0", "echo hi", "bytes 1500000", "help", "nope"});
    INFO(framing_name(framing) << " pipeline " << pipeline << " " << run.error);
    REQUIRE(run.error.empty());
    REQUIRE(run.answers.size() == 5);
    CHECK(run.answers[0].received.empty());
    CHECK(run.answers[1].received == "hi\n");
    CHECK(run.answers[2].received.size() == 1'500'000);
    CHECK(run.answers[2].received == bytes_pattern(0, 1'500'000));
    CHECK_THAT(run.answers[4].received, Catch::StartsWith("error: unknown command"));
    for (const auto& answer : run.answers)
        CHECK(answer.check == AnswerCheck::intact);
    CHECK(run.answers[4].server_error == (framing == Framing::json_header));
    for (const auto& recv : run.recvs)
        CHECK(recv.size <= 1024);
}

TEST_CASE("none framing makes a long answer bleed into the next command's recv", "[commands]") {
    auto server = start(Framing::none);
    ScriptOptions options = script_for(*server, Framing::none);
    options.recv_delay_ms = 100; // let each answer arrive completely before the recv
    const auto run = run_script(options, {"echo first", "bytes 3000", "echo after"});
    REQUIRE(run.error.empty());
    REQUIRE(run.answers.size() == 3);
    CHECK(run.answers[0].check == AnswerCheck::intact);
    // recv(1024) takes only the first 1024 of 3000 bytes...
    CHECK(run.answers[1].received == bytes_pattern(0, 1024));
    CHECK(run.answers[1].check == AnswerCheck::corrupt);
    // ...so "echo after" gets the next 1024 bytes of answer 2 instead of "after\n".
    CHECK(run.answers[2].received == bytes_pattern(1024, 1024));
    CHECK(run.answers[2].check == AnswerCheck::corrupt);
    CHECK_FALSE(run.all_intact());
    // True boundaries come from the predictions: answer 3 starts at 6 + 3000.
    CHECK(run.answers[2].offset == 3006);
    const std::string third = describe_recv(run, 2);
    CHECK_THAT(third, Catch::Contains("middle of answer 2 (1024 of 3000)"));
    // The drain holds the end of answer 2 and all of answer 3.
    std::string tail;
    for (std::size_t i = 3; i < run.recvs.size(); ++i) {
        CHECK(run.recvs[i].drain);
        tail += run.recvs[i].bytes;
    }
    CHECK(tail == bytes_pattern(2048, 952) + "after\n");
    CHECK_THAT(describe_recv(run, 3), Catch::Contains("end of answer 2 (952 of 3000)"));
    CHECK_THAT(describe_recv(run, 3), Catch::Contains("all of answer 3 (6 bytes)"));
}

TEST_CASE("malformed requests close only that connection", "[commands]") {
    const Framing framing = GENERATE(Framing::struct_len, Framing::json_header, Framing::none);
    auto server = start(framing);
    Fd good = connect_raw(*server);
    Fd bad = connect_raw(*server);
    std::string garbage;
    if (framing == Framing::struct_len)
        garbage = std::string("\xff\xff\xff\xff", 4); // negative length
    else if (framing == Framing::json_header)
        garbage = encode_le32(9) + "not json!";
    else
        garbage = std::string(k_max_request + 10, 'x'); // a line without end
    REQUIRE(send_all(bad.get(), garbage));
    const std::string reply = read_until_close(bad.get());
    CHECK_THAT(reply, Catch::Contains("malformed request"));
    CHECK(server->stats().malformed == 1);

    ScriptOptions options = script_for(*server, framing);
    REQUIRE(send_all(good.get(), frame_request(framing, "echo still here")));
    char buffer[256];
    std::string answer;
    while (answer.find("still here") == std::string::npos) {
        const auto got = recv_some(good.get(), buffer, sizeof buffer, 3'000);
        REQUIRE(got.status == RecvStatus::data);
        answer.append(buffer, got.size);
    }
    CHECK_THAT(answer, Catch::EndsWith("still here\n"));
}

TEST_CASE("ascii-len closes when the client does not answer ready", "[commands]") {
    auto server = start(Framing::ascii_len);
    Fd fd = connect_raw(*server);
    REQUIRE(send_all(fd.get(), std::string("echo x\nnot-ready\n")));
    CHECK(read_until_close(fd.get()) == "2\n"); // the length, never the body
}

TEST_CASE("a client leaving mid-message does not disturb another", "[commands]") {
    auto server = start(Framing::struct_len);
    {
        Fd leaver = connect_raw(*server);
        // Declares 100 bytes, sends 3 of them, then disappears.
        REQUIRE(send_all(leaver.get(), encode_le32(100) + "abc"));
    }
    const auto run = run_script(script_for(*server, Framing::struct_len), {"bytes 70000"});
    REQUIRE(run.error.empty());
    CHECK(run.answers.at(0).check == AnswerCheck::intact);
}

TEST_CASE("100 clients at once all get their own answers", "[commands]") {
    auto server = start(Framing::json_header);
    std::atomic<int> intact{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 100; ++i)
        clients.emplace_back([&, i] {
            const auto run = run_script(script_for(*server, Framing::json_header),
                                        {"echo client " + std::to_string(i), "bytes 20000"});
            if (run.all_intact() && run.answers.size() == 2 &&
                run.answers[0].received == "client " + std::to_string(i) + "\n")
                ++intact;
        });
    for (auto& client : clients)
        client.join();
    CHECK(intact == 100);
    CHECK(server->stats().connections == 100);
}

TEST_CASE("the shell option is refused on a non-loopback listen address", "[commands]") {
    ServeOptions options;
    options.shell = true;
    options.listen = "0.0.0.0:0";
    const auto problem = validate_serve_options(options);
    REQUIRE(problem);
    CHECK_THAT(*problem, Catch::Contains("loopback"));
    std::ostringstream out, err;
    CHECK(run_serve(options, out, err) == 2);
    CHECK_THAT(err.str(), Catch::Contains("--shell"));
    options.listen = "127.0.0.1:0";
    CHECK_FALSE(validate_serve_options(options));
}

TEST_CASE("the shell option on loopback runs real commands", "[commands]") {
    ServeOptions options;
    options.shell = true;
    auto server = start(Framing::struct_len, options);
    ScriptOptions script = script_for(*server, Framing::struct_len);
    script.predict = false;
    const auto run = run_script(script, {"printf 'a%sb' x; echo e >&2"});
    REQUIRE(run.error.empty());
    CHECK(run.answers.at(0).received == "axbe\n");
}

TEST_CASE("recv-size prints every recv, none larger than N", "[commands]") {
    auto server = start(Framing::struct_len);
    ClientOptions options;
    options.target = "127.0.0.1:" + std::to_string(server->port());
    options.framing = Framing::struct_len;
    options.commands = {"bytes 5000"};
    options.recv_size = 700;
    std::istringstream in;
    std::ostringstream out, err;
    CHECK(run_client(options, in, out, err) == 0);
    std::istringstream lines(out.str());
    std::string line;
    std::size_t total = 0;
    int recvs = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("  recv(700) -> ", 0) != 0)
            continue;
        const std::size_t size = std::stoul(line.substr(15));
        CHECK(size <= 700);
        total += size;
        ++recvs;
    }
    CHECK(total == 5004); // 4-byte header + body
    CHECK(recvs >= 8);
    CHECK_THAT(out.str(), Catch::Contains("-- 5000 bytes, intact"));
}

TEST_CASE("interactive client reads commands until quit", "[commands]") {
    auto server = start(Framing::json_header);
    ClientOptions options;
    options.target = "127.0.0.1:" + std::to_string(server->port());
    std::istringstream in("echo one\n\nbytes 3\nquit\necho never\n");
    std::ostringstream out, err;
    CHECK(run_client(options, in, out, err) == 0);
    CHECK_THAT(out.str(), Catch::Contains(">> one\n"));
    CHECK_THAT(out.str(), Catch::Contains("000\n-- 3 bytes, intact"));
    CHECK_THAT(out.str(), !Catch::Contains("never"));
}

TEST_CASE("UDP answers one datagram per command and cuts what does not fit", "[commands]") {
    ServeOptions options;
    options.udp = true;
    auto server = start(Framing::none, options);
    ClientOptions client;
    client.target = "127.0.0.1:" + std::to_string(server->port());
    client.udp = true;
    client.commands = {"echo over udp", "bytes 3000"};
    client.recv_size = 1024;
    std::istringstream in;
    std::ostringstream out, err;
    CHECK(run_client(client, in, out, err) == 0);
    CHECK_THAT(out.str(), Catch::Contains("over udp\n-- datagram of 9 bytes\n"));
    CHECK_THAT(out.str(), Catch::Contains("datagram of 3000 bytes, cut to 1024"));
}
