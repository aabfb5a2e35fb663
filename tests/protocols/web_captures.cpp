#include "protocols/web_captures.hpp"

#include "protocols/capture_steps.hpp"
#include "protocols/harness.hpp"
#include "support/process.hpp"

#include <csignal>
#include <fstream>
#include <stdexcept>

namespace sniff::protocols {

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string nginx_config(const std::filesystem::path& dir, int port) {
    const std::string root = (dir / "www").string();
    return "daemon off;\nworker_processes 1;\npid " + (dir / "nginx.pid").string() +
           ";\nerror_log " + (dir / "error.log").string() +
           ";\nevents { worker_connections 64; }\n"
           "http {\n  access_log off;\n  client_body_temp_path " +
           (dir / "body").string() + ";\n  if_modified_since before;\n" +
           "  gzip on; gzip_types text/plain; gzip_min_length 1;\n"
           "  default_type text/plain;\n  server {\n    listen 127.0.0.1:" +
           std::to_string(port) + ";\n    root " + root +
           ";\n    location = /empty { return 204; }\n"
           "    location = /post { return 200 \"posted\\n\"; }\n  }\n}\n";
}

// An echo server and a client (python3-websockets, asyncio API), without permessage-deflate so
// tshark sees the payloads: small, 126-byte (16-bit length), 70 KB (64-bit length), a message
// in three fragments, a ping, then the close handshake.
// Debian's interpreter, which has Debian's python3-websockets (a python3 earlier in PATH may not).
constexpr const char* k_python = "/usr/bin/python3";

constexpr const char* k_websocket_script = R"(
import asyncio, sys, websockets

async def echo(ws, path=None):
    async for message in ws:
        await ws.send(message)

async def client(port):
    async with websockets.connect("ws://127.0.0.1:%d/echo" % port, compression=None,
                                  max_size=None) as ws:
        for message in ["hi", "x" * 126, b"y" * 70000]:
            await ws.send(message)
            await ws.recv()
        await ws.send(["frag", "ment", "ed"])
        await ws.recv()
        await (await ws.ping(b"ping?"))

async def serve(port):
    async with websockets.serve(echo, "127.0.0.1", port, compression=None, max_size=None):
        await asyncio.Future()

port = int(sys.argv[2])
asyncio.run(serve(port) if sys.argv[1] == "serve" else client(port))
)";

// A gRPC echo service over raw bytes (python3-grpcio generic handlers, no generated code), both
// peers with 16 KB stream windows and no BDP probing, so that DATA frames stay at HTTP/2's
// default 16 KB (grpcio otherwise sends a 1 MB message in one frame): a
// unary call, a 1 MB unary call, a bidirectional stream of 50 small messages, and 6 concurrent
// unary calls of ~100 KB on the one connection (their streams' DATA frames interleave).
constexpr const char* k_grpc_script = R"(
import sys, grpc
from concurrent import futures
def unary(req, ctx): return req
def stream(it, ctx):
    for m in it: yield m
def serve(port):
    s = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=[("grpc.max_receive_message_length", 4 << 20), ("grpc.max_send_message_length", 4 << 20), ("grpc.http2.max_frame_size", 16384), ("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 16384)])
    s.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("t.Echo", {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "Stream": grpc.stream_stream_rpc_method_handler(stream)}),))
    s.add_insecure_port("127.0.0.1:%d" % port); s.start(); s.wait_for_termination()
def client(port):
    opts = [("grpc.max_receive_message_length", 4 << 20), ("grpc.max_send_message_length", 4 << 20), ("grpc.http2.max_frame_size", 16384), ("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 16384)]
    with grpc.insecure_channel("127.0.0.1:%d" % port, options=opts) as ch:
        unary_call = ch.unary_unary("/t.Echo/Unary")
        assert unary_call(b"hello") == b"hello"
        assert len(unary_call(b"M" * (1 << 20))) == 1 << 20
        got = list(ch.stream_stream("/t.Echo/Stream")(iter([b"s%d" % i for i in range(50)])))
        assert len(got) == 50
        calls = [unary_call.future(bytes([65 + i]) * (100000 + i)) for i in range(6)]
        assert [len(call.result()) for call in calls] == [100000 + i for i in range(6)]
port = int(sys.argv[2])
serve(port) if sys.argv[1] == "serve" else client(port)
)";

} // namespace

ProtocolCapture capture_websocket(const std::filesystem::path& dir) {
    auto result = prepare_capture("WebSocket (python3-websockets echo)", dir, "http", {k_python});
    if (!result.skip.empty())
        return result;
    if (test::run_command(std::string(k_python) + " -c 'import websockets'").exit_code != 0) {
        result.skip = "python3-websockets is not installed (./run test installs it)";
        return result;
    }
    const auto script = dir / "ws.py";
    write_file(script, k_websocket_script);
    const std::string port = std::to_string(result.port);
    Background server(std::string(k_python) + " " + shell_quote(script.string()) + " serve " + port,
                      dir / "server.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    if (!capture.started())
        throw std::runtime_error("dumpcap did not start:\n" + capture.log());
    run_checked(std::string(k_python) + " " + shell_quote(script.string()) + " client " + port, 30,
                dir / "client.log");
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

ProtocolCapture capture_nginx(const std::filesystem::path& dir) {
    auto result =
        prepare_capture("HTTP/1.1 (nginx, curl, nc)", dir, "http", {"nginx", "curl", "nc"});
    if (!result.skip.empty())
        return result;
    std::filesystem::create_directories(dir / "www");
    std::filesystem::create_directories(dir / "body");
    write_file(dir / "www/small.txt", "small file\n");
    write_file(dir / "www/big.bin", std::string(1 << 20, 'B'));
    std::string text;
    for (int i = 0; i < 2000; ++i)
        text += "line " + std::to_string(i) + " of a text that gzip compresses\n";
    write_file(dir / "www/text.txt", text);
    write_file(dir / "upload.bin", std::string(30000, 'u'));
    write_file(dir / "nginx.conf", nginx_config(dir, result.port));
    Background server("nginx -e " + shell_quote((dir / "error.log").string()) + " -c " +
                          shell_quote((dir / "nginx.conf").string()),
                      dir / "nginx.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    if (!capture.started())
        throw std::runtime_error("dumpcap did not start:\n" + capture.log());
    const std::string base = "http://127.0.0.1:" + std::to_string(result.port);
    const auto log = dir / "clients.log";
    // One keep-alive connection (--next keeps it): a file, HEAD, 204, 304, 1 MB, gzip (chunked).
    const std::string next = " --next -s -o /dev/null ";
    run_checked("curl -s -o /dev/null " + base + "/small.txt" + next + "-I " + base + "/small.txt" +
                    next + base + "/empty" + next +
                    "-H 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT' " + base + "/small.txt" +
                    next + base + "/big.bin" + next + "--compressed " + base + "/text.txt",
                30, log);
    // Request bodies: Content-Length, chunked, and a 100 Continue before a large one.
    const std::string upload = shell_quote("@" + (dir / "upload.bin").string());
    run_checked("curl -s -o /dev/null --data-binary " + upload + " " + base + "/post", 30, log);
    run_checked("curl -s -o /dev/null -H 'Transfer-Encoding: chunked' --data-binary " + upload +
                    " " + base + "/post",
                30, log);
    run_checked("curl -s -o /dev/null -H 'Expect: 100-continue' --data-binary " + upload + " " +
                    base + "/post",
                30, log);
    // A pipelined burst in one write: GET, HEAD, 204, and a last GET that closes.
    const std::string burst =
        "GET /small.txt HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
        "HEAD /text.txt HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
        "GET /empty HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
        "GET /small.txt HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n";
    run_checked("sh -c " + shell_quote("printf '" + burst + "' | nc -q 5 127.0.0.1 " +
                                       std::to_string(result.port) + " > /dev/null"),
                30, log);
    // A chunked request body of three chunks, one with an extension, and a trailer field.
    const std::string chunked =
        "POST /post HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n"
        "Connection: close\\r\\n\\r\\n4;ext=1\\r\\nabcd\\r\\na\\r\\n0123456789\\r\\n"
        "3\\r\\nxyz\\r\\n0\\r\\nX-Trailer: t\\r\\n\\r\\n";
    run_checked("sh -c " + shell_quote("printf '" + chunked + "' | nc -q 5 127.0.0.1 " +
                                       std::to_string(result.port) + " > /dev/null"),
                30, log);
    capture.stop();
    server.stop(SIGQUIT);
    return result;
}

} // namespace sniff::protocols

namespace sniff::protocols {

ProtocolCapture capture_http2(const std::filesystem::path& dir) {
    auto result = prepare_capture("HTTP/2 cleartext (nghttpd, nghttp, h2load)", dir, "http",
                                  {"nghttpd", "nghttp", "h2load"});
    if (!result.skip.empty())
        return result;
    std::filesystem::create_directories(dir / "www");
    write_file(dir / "www/small.txt", "small file\n");
    write_file(dir / "www/big.bin", std::string(300000, 'B'));
    const std::string port = std::to_string(result.port);
    Background server("nghttpd --no-tls -d " + shell_quote((dir / "www").string()) + " " + port,
                      dir / "nghttpd.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    if (!capture.started())
        throw std::runtime_error("dumpcap did not start:\n" + capture.log());
    const std::string base = "http://127.0.0.1:" + port;
    const auto log = dir / "clients.log";
    // Prior knowledge: two files on one connection, the 300 KB one over many DATA frames.
    run_checked("nghttp -n " + base + "/small.txt " + base + "/big.bin", 30, log);
    // h2load: 2 connections, 40 requests, 10 streams at a time.
    run_checked("h2load -n 40 -c 2 -m 10 " + base + "/small.txt", 30, log);
    capture.stop();
    server.stop(SIGTERM);
    return result;
}

ProtocolCapture capture_h2c_upgrade(const std::filesystem::path& dir) {
    auto result = prepare_capture("HTTP/1.1 upgraded to h2c (nghttpx, nghttp -u, curl --http2)",
                                  dir, "http", {"nghttpx", "nghttpd", "nghttp", "curl"});
    if (!result.skip.empty())
        return result;
    std::filesystem::create_directories(dir / "www");
    write_file(dir / "www/small.txt", "small file\n");
    write_file(dir / "www/big.bin", std::string(300000, 'B'));
    // nghttpd speaks HTTP/2 with prior knowledge only: nghttpx in front of it answers the
    // Upgrade: h2c of HTTP/1.1 with 101 and goes on in HTTP/2. Only its port is captured.
    const int backend_port = free_port();
    const std::string backend = std::to_string(backend_port);
    Background backend_server("nghttpd --no-tls -d " + shell_quote((dir / "www").string()) + " " +
                                  backend,
                              dir / "nghttpd.log");
    require_listening(backend_port, backend_server);
    const std::string port = std::to_string(result.port);
    Background proxy(
        "nghttpx --conf=/dev/null --workers=1 --frontend=" +
            shell_quote("127.0.0.1," + port + ";no-tls") +
            " --backend=" + shell_quote("127.0.0.1," + backend + ";;proto=h2") +
            " --accesslog-file=/dev/null --pid-file=" + shell_quote((dir / "nghttpx.pid").string()),
        dir / "nghttpx.log");
    require_listening(result.port, proxy);
    LoopbackCapture capture(result.file, result.port);
    if (!capture.started())
        throw std::runtime_error("dumpcap did not start:\n" + capture.log());
    const std::string base = "http://127.0.0.1:" + port;
    const auto log = dir / "clients.log";
    // Each client asks with Upgrade: h2c; after the 101 the answer comes on HTTP/2 stream 1.
    run_checked("nghttp -nu " + base + "/small.txt " + base + "/big.bin", 30, log);
    run_checked("curl -s --http2 -o /dev/null " + base + "/small.txt", 30, log);
    capture.stop();
    proxy.stop(SIGTERM);
    backend_server.stop(SIGTERM);
    return result;
}

} // namespace sniff::protocols

namespace sniff::protocols {

ProtocolCapture capture_grpc(const std::filesystem::path& dir) {
    auto result = prepare_capture("gRPC (python3-grpcio)", dir, "grpc", {k_python});
    if (!result.skip.empty())
        return result;
    if (test::run_command(std::string(k_python) + " -c 'import grpc'").exit_code != 0) {
        result.skip = "python3-grpcio is not installed (./run test installs it)";
        return result;
    }
    const auto script = dir / "grpc_echo.py";
    write_file(script, k_grpc_script);
    const std::string run = std::string(k_python) + " " + shell_quote(script.string());
    const std::string port = std::to_string(result.port);
    Background server(run + " serve " + port, dir / "server.log");
    require_listening(result.port, server);
    LoopbackCapture capture(result.file, result.port);
    if (!capture.started())
        throw std::runtime_error("dumpcap did not start:\n" + capture.log());
    run_checked(run + " client " + port, 60, dir / "client.log");
    capture.stop();
    result.dropped = capture.dropped();
    server.stop(SIGTERM);
    return result;
}

} // namespace sniff::protocols
