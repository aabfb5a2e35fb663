"""A program of sniff exec's tests: the article's naive client against a length-prefixed server,
both in this process (the server in a thread), over loopback.

The server answers each request with two 3000-byte answers (4-byte big-endian length + body),
sent in one sendall. The naive client then reads with recv(1024) and believes each read is an
answer: its third read returns the last bytes of answer 1 and the first of answer 2. The other
socket APIs the test wants seen are used too: recv_into, makefile, sendall."""
import socket
import struct
import sys
import threading

ANSWER = 3000


def answer(tag):
    body = (tag * ANSWER)[:ANSWER]
    return struct.pack("!I", len(body)) + body


def serve(listener):
    connection, _ = listener.accept()
    with connection:
        request = connection.recv(64)
        assert request == b"GET two\n", request
        connection.sendall(answer(b"A") + answer(b"B"))
        # A second exchange read through recv_into and a file object.
        stream = connection.makefile("rb")
        line = stream.readline()
        assert line == b"line please\n", line
        connection.sendall(b"a line back\n")
        stream.close()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    server = threading.Thread(target=serve, args=(listener,))
    server.start()

    client = socket.create_connection(listener.getsockname())
    client.sendall(b"GET two\n")
    wanted = 2 * (4 + ANSWER)
    received = b""
    reads = 0
    while len(received) < wanted:
        chunk = client.recv(1024)  # the naive client: one read, one answer
        assert chunk
        received += chunk
        reads += 1
    client.sendall(b"line please\n")
    buffer = bytearray(64)
    got = client.recv_into(buffer)
    reply = bytes(buffer[:got])
    while not reply.endswith(b"\n"):
        got = client.recv_into(buffer)
        reply += bytes(buffer[:got])
    assert reply == b"a line back\n", reply
    client.close()
    server.join()
    listener.close()
    print("reads", reads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
