"""Sends one long TCP stream to itself on 127.0.0.1 for bench/lib/tui.sh: messages of SIZE bytes
with the article's 4-byte little-endian length header, TOTAL bytes in all, paced so that a
tcpdump on lo keeps up (a capture with drops would have gaps).

usage: stream_sender.py PORT TOTAL SIZE
"""
import socket
import struct
import sys
import threading
import time


def drain(server):
    conn, _ = server.accept()
    while conn.recv(1 << 20):
        pass
    conn.close()


def main():
    port, total, size = (int(arg) for arg in sys.argv[1:4])
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(1)
    reader = threading.Thread(target=drain, args=(server,))
    reader.start()
    body = bytes(i % 256 for i in range(size))
    message = struct.pack("<i", len(body)) + body
    client = socket.create_connection(("127.0.0.1", port))
    sent = 0
    while sent < total:
        client.sendall(message)
        sent += len(message)
        if (sent // len(message)) % 64 == 0:
            time.sleep(0.02)  # ~4 MB per pause: tcpdump writes it out meanwhile
    client.close()
    reader.join()


if __name__ == "__main__":
    main()
