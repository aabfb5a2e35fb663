#pragma once
// What the preload knows about each descriptor: whether it is a socket sniff reports (TCP, UDP,
// Unix stream), its addresses and how the program got it (connect or accept). Keyed by descriptor
// number but validated by the socket's inode on every lookup (one fstat), so a number reused for
// another socket or a file never inherits the old socket's state, whoever closed it (the program,
// libc internally, a child).
//
// Lock-free: each slot is a small seqlock; a reader that races a writer identifies the socket
// again instead of waiting. No allocation: a fixed table of k_slots; higher descriptors are
// identified afresh at each call.

#include "exec/record_format.hpp"

#include <cstdint>

namespace sniff::preload {

struct SocketInfo {
    std::uint64_t inode = 0;
    exec::wire::Family family = exec::wire::Family::unknown; // unknown: not reported
    exec::wire::SockType type = exec::wire::SockType::unknown;
    exec::wire::Role role = exec::wire::Role::unknown;
    bool peer_known = false;
    std::uint8_t local[exec::wire::k_address_size]{};
    std::uint8_t peer[exec::wire::k_address_size]{};

    bool reported() const { return family != exec::wire::Family::unknown; }
    bool datagram() const { return type == exec::wire::SockType::datagram; }
};

// Fills `out` and returns true when fd is a socket sniff reports (never the report descriptor).
// Remembers fd as the calling thread's last reported socket.
bool lookup_socket(int fd, SocketInfo& out);
// The socket the calling thread last read or wrote through a hook (-1 when none): the one under
// a TLS session whose BIO is not a plain socket (curl's own BIO, for one).
int last_socket_of_thread();
// After connect() or accept(): identifies fd again with the role the call gave it.
void note_role(int fd, exec::wire::Role role);
// dup/dup2/dup3/F_DUPFD: the new number shares the old one's socket (and role).
void copy_slot(int from, int to);
void forget_slot(int fd);
// The socket fd held as far as the table knows (no system call): for close().
bool cached_socket(int fd, SocketInfo& out);

// Writes a socket address as the record's 18-byte form; false for a family sniff does not report.
bool encode_address(const void* address, unsigned length, std::uint8_t* out);

} // namespace sniff::preload
