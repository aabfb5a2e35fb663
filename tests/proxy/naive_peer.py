#!/usr/bin/env python3
"""Both ends of a length-prefixed conversation, for the re-chunking tests.

Each message is a 4-byte big-endian length followed by that many bytes; the server answers each
message it gets with the 2-byte message b"ok" (framed the same way).

  naive_peer.py server naive|correct CONNECTIONS   listens on 127.0.0.1, prints "port N", then
      serves CONNECTIONS connections one after another and prints one line per connection:
      "whole W broken B". The naive reader takes each recv() as one message (the bug under
      test): a recv() that is not exactly one message counts as broken. The correct reader
      reads the header, then the body, however the bytes are cut: broken only if a message is
      damaged.
  naive_peer.py client PORT CONNECTIONS MESSAGES [pipelined]   sends MESSAGES messages per
      connection, each after the previous answer, or (pipelined) all at once 5 ms apart, and
      reads every answer whole. Exits 1 if an answer is wrong.
"""
import socket
import struct
import sys
import time


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def body(connection, index):
    return ("message %d of connection %d " % (index, connection)).encode() * 2


def read_exactly(sock, size):
    data = b""
    while len(data) < size:
        more = sock.recv(size - len(data))
        if not more:
            return None
        data += more
    return data


def is_one_message(data):
    return len(data) >= 4 and struct.unpack(">I", data[:4])[0] == len(data) - 4


def serve_naive(conn):
    whole = broken = 0
    pending = b""
    while True:
        data = conn.recv(65536)  # one recv() = one message: what the naive reader assumes
        if not data:
            return whole, broken
        if is_one_message(data) and not pending:
            whole += 1
        else:
            broken += 1
        # Not the reader under test: keep the conversation going by answering every message
        # that is complete by now.
        pending += data
        while len(pending) >= 4 and len(pending) >= 4 + struct.unpack(">I", pending[:4])[0]:
            pending = pending[4 + struct.unpack(">I", pending[:4])[0]:]
            conn.sendall(frame(b"ok"))


def serve_correct(conn):
    whole = broken = 0
    while True:
        header = read_exactly(conn, 4)
        if header is None:
            return whole, broken
        payload = read_exactly(conn, struct.unpack(">I", header)[0])
        if payload is None or not payload.startswith(b"message "):
            broken += 1
            return whole, broken
        whole += 1
        conn.sendall(frame(b"ok"))


def server(reader, connections):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("port %d" % listener.getsockname()[1], flush=True)
    for _ in range(connections):
        conn, _ = listener.accept()
        conn.settimeout(10)
        whole, broken = (serve_naive if reader == "naive" else serve_correct)(conn)
        conn.close()
        print("whole %d broken %d" % (whole, broken), flush=True)


def client(port, connections, messages, pipelined):
    for c in range(connections):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(messages):
            sock.sendall(frame(body(c, i)))
            if pipelined:
                time.sleep(0.005)
            elif read_exactly(sock, 6) != frame(b"ok"):
                return 1
        if pipelined and read_exactly(sock, 6 * messages) != frame(b"ok") * messages:
            return 1
        sock.close()
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(client(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
                        len(sys.argv) > 5 and sys.argv[5] == "pipelined"))
