#pragma once
// The report records libsniff-preload.so sends to `sniff exec`: one record per socket call of the
// traced program (and its children), or per close of a socket. Shared by the preload library (which
// writes them with plain stores, no allocation) and by the collector (which parses them as
// untrusted bytes through util::ByteReader: the program under test can write anything to the report
// socket).
//
// Transport: each record is one slot of the shared-memory ring (exec/ring_format.hpp), or, for a
// process that could not map the ring, one message of the AF_UNIX SOCK_SEQPACKET socket pair made
// by sniff before it starts the program (its end sits at a high descriptor number named by
// SNIFF_EXEC_FD=<fd>:<inode>). Either way records of several threads and processes never
// interleave inside a record. A call's bytes larger than a fragment go as several records of the
// same (pid, sequence), with fragment offsets 0, F, 2F, ...; the last one has flag_last_fragment.
// The sender cuts fragments to fit an eighth of the ring, or half its socket's send buffer, at
// most k_max_fragment.
//
// All integers are little-endian. Layout (offsets in bytes):
//
//   0       2    3    4    5    6    7    8    9   10      12        16
//   +-------+----+----+----+----+----+----+----+----+-------+---------+
//   | magic |ver |kind|call|dir |fam |type|role|flg | rsvd  |   pid   |
//   | "SX"  | 1  |    |    |    |    |    |    |    |       |  (u32)  |
//   +-------+----+----+----+----+----+----+----+----+-------+---------+
//  16 time_ns (u64, CLOCK_REALTIME)     24 socket inode (u64)
//  32 call sequence (u64, per process)  40 size asked (u64)
//  48 result (i64: bytes, or -errno)    56 datagram length (u64: real size of a datagram, else 0)
//  64 fragment offset (u64)             72 fragment length (u32)   76 reserved (u32)
//  80 local address (18)                98 peer address (18)
//  116 fragment bytes (fragment length of them)
//
//   address: port (u16) | 16 address bytes (IPv4 in the first 4; a Unix socket's path bytes, cut)
//
// A close record (kind_close) has the same header with call = close, result 0 and no bytes.
// flags: 0x01 MSG_PEEK, 0x02 datagram truncated, 0x04 a count without bytes, 0x08 last fragment,
// 0x10 TLS plaintext (SSL_read/SSL_write).

#include <cstddef>
#include <cstdint>

namespace sniff::exec::wire {

inline constexpr std::uint8_t k_magic0 = 'S', k_magic1 = 'X';
inline constexpr std::uint8_t k_version = 1;
inline constexpr std::size_t k_header_size = 116;
inline constexpr std::size_t k_address_size = 18;
// The sender cuts fragments to fit its socket's send buffer (at most half of it), never larger.
inline constexpr std::size_t k_max_fragment = 256 * 1024;
inline constexpr std::size_t k_max_record = k_header_size + k_max_fragment;

namespace offset {
inline constexpr std::size_t magic = 0, version = 2, kind = 3, call = 4, direction = 5, family = 6,
                             type = 7, role = 8, flags = 9, pid = 12, time = 16, inode = 24,
                             sequence = 32, asked = 40, result = 48, datagram = 56,
                             fragment_offset = 64, fragment_length = 72, local = 80, peer = 98;
}

enum class Kind : std::uint8_t { data = 1, close = 2 };
enum class Dir : std::uint8_t { in = 0, out = 1 }; // in: the program read; out: it wrote
enum class Family : std::uint8_t { unknown = 0, unix_socket = 1, ipv4 = 2, ipv6 = 3 };
enum class SockType : std::uint8_t { unknown = 0, stream = 1, datagram = 2 };
// How the program got the socket: connect() makes it the client, accept() the server.
enum class Role : std::uint8_t { unknown = 0, connected = 1, accepted = 2 };

inline constexpr std::uint8_t flag_peek = 0x01;      // MSG_PEEK: the stream did not advance
inline constexpr std::uint8_t flag_truncated = 0x02; // datagram longer than the buffer
inline constexpr std::uint8_t flag_no_bytes = 0x04;  // sendfile/splice: a count, no bytes
inline constexpr std::uint8_t flag_last_fragment = 0x08;
// OpenSSL's SSL_read/SSL_write: the plaintext over this socket, a flow of its own beside the
// socket's encrypted bytes.
inline constexpr std::uint8_t flag_tls = 0x10;

// The calls, in the order of k_call_names.
enum class Call : std::uint8_t {
    read,
    readv,
    recv,
    recvfrom,
    recvmsg,
    recvmmsg,
    read_chk,
    recv_chk,
    recvfrom_chk,
    write,
    writev,
    send,
    sendto,
    sendmsg,
    sendmmsg,
    sendfile,
    splice,
    close,
    ssl_read,
    ssl_write,
    ssl_read_ex,
    ssl_write_ex,
    count_ // not a call
};
inline constexpr const char* k_call_names[] = {
    "read",       "readv",      "recv",           "recvfrom",    "recvmsg", "recvmmsg",
    "__read_chk", "__recv_chk", "__recvfrom_chk", "write",       "writev",  "send",
    "sendto",     "sendmsg",    "sendmmsg",       "sendfile",    "splice",  "close",
    "SSL_read",   "SSL_write",  "SSL_read_ex",    "SSL_write_ex"};
static_assert(sizeof k_call_names / sizeof k_call_names[0] ==
              static_cast<std::size_t>(Call::count_));

inline const char* call_name(Call call) {
    const auto index = static_cast<std::size_t>(call);
    return index < static_cast<std::size_t>(Call::count_) ? k_call_names[index] : "?";
}

// Environment variable that names the report descriptor: "<fd>:<inode>".
inline constexpr const char* k_fd_variable = "SNIFF_EXEC_FD";

} // namespace sniff::exec::wire
