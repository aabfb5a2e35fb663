#!/usr/bin/env python3
"""A deliberately naive server for sniff replay's tests: it takes each recv() for one whole
message of the length-prefix framing (4-byte big-endian length, then the body) and answers
"got " + body, length-prefixed. A recv() that returns less than a header is answered "ERR short".
Whole messages in whole reads: correct answers. Split or glued ones: wrong answers."""
import socket
import struct
import sys


def answer(payload):
    return struct.pack(">I", len(payload)) + payload


def serve(connection):
    while True:
        data = connection.recv(65536)  # the bug: one recv() taken for one message
        if not data:
            return
        if len(data) < 4:
            connection.sendall(answer(b"ERR short"))
            continue
        (length,) = struct.unpack(">I", data[:4])
        connection.sendall(answer(b"got " + data[4 : 4 + length]))


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen()
    while True:
        connection, _ = listener.accept()
        with connection:
            serve(connection)


def client(port, count):
    """The well-behaved client whose session the test captures: one message, one answer."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        for i in range(count):
            body = b"message %d " % i + b"." * (10 + i * 7)
            connection.sendall(answer(body))
            header = connection.recv(4, socket.MSG_WAITALL)
            (length,) = struct.unpack(">I", header)
            reply = connection.recv(length, socket.MSG_WAITALL)
            assert reply == b"got " + body, reply


if __name__ == "__main__":
    if sys.argv[2:3] == ["client"]:
        client(int(sys.argv[1]), int(sys.argv[3]))
    else:
        main()
