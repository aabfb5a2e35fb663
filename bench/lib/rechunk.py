#!/usr/bin/env python3
"""What re-chunking delivers and what pacing costs (stdlib only).

  rechunk.py sink PORT               accept one connection at a time on 127.0.0.1:PORT, read it to
                                     the end, print one JSON line per connection: bytes, recv()
                                     count, largest recv()
  rechunk.py send PORT BYTES PIECE   one connection: BYTES in writes of PIECE bytes back to back,
                                     then half-close and wait for the sink to close; prints JSON
                                     with the seconds taken and MB/s
"""
import json
import socket
import sys
import time


def sink(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(8)
    while True:
        conn, _ = listener.accept()
        total = reads = largest = 0
        while True:
            data = conn.recv(1 << 20)
            if not data:
                break
            total += len(data)
            reads += 1
            largest = max(largest, len(data))
        conn.close()
        print(json.dumps({"bytes": total, "reads": reads, "largest": largest}), flush=True)


def send(port, size, piece):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    block = b"x" * piece
    start = time.perf_counter()
    left = size
    while left > 0:
        sock.sendall(block[: min(piece, left)])
        left -= piece
    sock.shutdown(socket.SHUT_WR)
    sock.recv(1)  # the sink closes once it has read everything
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "mb_per_s": size / seconds / 1e6}))


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        sink(int(sys.argv[2]))
    else:
        send(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
