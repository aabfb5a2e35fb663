#!/usr/bin/env python3
"""Writes a large synthetic pcap of HTTP/1.1 or HTTP/2 traffic for the `web` bench part.

usage: web_capture.py http1|http2|grpc FILE MEGABYTES

One TCP connection per 64 MB of stream (client 127.0.0.1:4xxxx, server 127.0.0.1:8080), with the
handshake, data segments of at most 32 KiB (loopback-sized), a pure ACK per data segment of the
other side, and FINs. The bytes follow the protocols' layouts (RFC 9112, RFC 9113):
  http1: keep-alive GETs; responses mixing Content-Length bodies of 200 B..256 KB, chunked bodies
         of 4 KB chunks, 304s and HEAD answers; every 8th exchange a burst of 4 pipelined GETs.
  http2: the preface and SETTINGS, then per stream a HEADERS frame and DATA frames of up to 16 KB
         (responses of 1 KB..512 KB), WINDOW_UPDATEs from the client.
  grpc:  HTTP/2 carrying gRPC calls: per call a HEADERS frame, a request of one gRPC message
         (5-byte prefix + 20..2000 bytes), and a response of 1..20 messages of 20 B..1 MB whose
         bytes are cut into DATA frames of up to 16 KB (a message spans frames, a frame holds
         several), then trailers; two calls' responses at a time, their frames interleaved.
Random sizes come from a fixed seed, so the file is the same on every run.
"""
import random
import struct
import sys

SEGMENT = 32768
CONNECTION_BYTES = 64 << 20


class Writer:
    def __init__(self, out):
        self.out = out
        self.time = 1_700_000_000.0
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))

    def packet(self, src_port, dst_port, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", src_port, dst_port, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0)
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
        frame = b"\x00" * 12 + b"\x08\x00" + ip + tcp + payload
        self.time += 0.000001
        sec = int(self.time)
        self.out.write(struct.pack("<IIII", sec, int((self.time - sec) * 1e6), len(frame),
                                   len(frame)))
        self.out.write(frame)


class Connection:
    def __init__(self, writer, client_port):
        self.w = writer
        self.ports = (client_port, 8080)
        self.seq = [1000, 5000]  # next sequence number per side (0 client, 1 server)
        w = writer
        w.packet(client_port, 8080, 999, 0, 0x02)
        w.packet(8080, client_port, 4999, 1000, 0x12)
        w.packet(client_port, 8080, 1000, 5000, 0x10)

    def send(self, side, data):
        src, dst = (self.ports[0], self.ports[1]) if side == 0 else (self.ports[1], self.ports[0])
        for at in range(0, len(data), SEGMENT):
            piece = data[at:at + SEGMENT]
            self.w.packet(src, dst, self.seq[side], self.seq[1 - side], 0x18, piece)
            self.seq[side] += len(piece)
            self.w.packet(dst, src, self.seq[1 - side], self.seq[side], 0x10)

    def close(self):
        c, s = self.ports
        self.w.packet(c, s, self.seq[0], self.seq[1], 0x11)
        self.w.packet(s, c, self.seq[1], self.seq[0] + 1, 0x11)
        self.w.packet(c, s, self.seq[0] + 1, self.seq[1] + 1, 0x10)


def http1_exchanges(rng):
    body = b"b" * (256 << 10)
    while True:
        n = rng.randrange(8)
        if n == 0:
            reqs = b"".join(b"GET /p%d HTTP/1.1\r\nHost: bench\r\n\r\n" % i for i in range(4))
            resp = b"".join(b"HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" + body[:300]
                            for _ in range(4))
            yield reqs, resp
            continue
        size = rng.choice([200, 2000, 20000, 120000, 256 << 10])
        req = b"GET /f%d HTTP/1.1\r\nHost: bench\r\nAccept: */*\r\nUser-Agent: bench\r\n\r\n" % size
        if n == 1:
            yield b"HEAD" + req[3:], b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size
        elif n == 2:
            yield req, b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"
        elif n == 3:
            chunks = b"".join(b"1000\r\n" + body[:4096] + b"\r\n" for _ in range(size // 4096))
            yield req, (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks +
                        b"0\r\n\r\n")
        else:
            yield req, (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                        b"Content-Length: %d\r\n\r\n" % size + body[:size])


def h2_frame(kind, flags, stream, payload):
    return struct.pack("!I", len(payload))[1:] + bytes([kind, flags]) + struct.pack("!I", stream) \
        + payload


def http2_exchanges(rng):
    yield (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0, b"\0" * 12),
           h2_frame(4, 0, 0, b"\0" * 18) + h2_frame(4, 1, 0, b""))
    data = b"d" * 16384
    stream = 1
    while True:
        size = rng.choice([1024, 8000, 16384, 100000, 512 << 10])
        req = h2_frame(1, 5, stream, b"h" * 40)
        resp = h2_frame(1, 4, stream, b"h" * 60)
        left = size
        while left > 0:
            piece = min(left, 16384)
            left -= piece
            resp += h2_frame(0, 1 if left == 0 else 0, stream, data[:piece])
        yield req + h2_frame(8, 0, 0, struct.pack("!I", size)), resp
        stream += 2


def hpack(fields):
    """Header fields as HPACK literals without indexing, new names (RFC 7541 6.2.2)."""
    out = b""
    for name, value in fields:
        out += b"\0" + bytes([len(name)]) + name + bytes([len(value)]) + value
    return out


GRPC_REQUEST = hpack([(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/b.Bench/Call"),
                      (b":authority", b"bench"), (b"content-type", b"application/grpc"),
                      (b"te", b"trailers")])
GRPC_RESPONSE = hpack([(b":status", b"200"), (b"content-type", b"application/grpc")])
GRPC_TRAILERS = hpack([(b"grpc-status", b"0")])


def grpc_message(size):
    return b"\0" + struct.pack("!I", size) + b"g" * size


def grpc_data_frames(stream, payload):
    frames = []
    for at in range(0, len(payload), 16384):
        frames.append(h2_frame(0, 0, stream, payload[at:at + 16384]))
    return frames


def grpc_exchanges(rng):
    yield (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0, b"\0" * 12),
           h2_frame(4, 0, 0, b"\0" * 18) + h2_frame(4, 1, 0, b""))
    stream = 1
    while True:
        requests, responses = b"", []
        for call in (stream, stream + 2):
            requests += h2_frame(1, 4, call, GRPC_REQUEST) + h2_frame(
                0, 1, call, grpc_message(rng.choice([20, 200, 2000])))
            sizes = [rng.choice([20, 300, 5000, 40000, 200000, 1 << 20])
                     for _ in range(rng.choice([1, 1, 2, 5, 20]))]
            frames = [h2_frame(1, 4, call, GRPC_RESPONSE)]
            frames += grpc_data_frames(call, b"".join(grpc_message(size) for size in sizes))
            frames.append(h2_frame(1, 5, call, GRPC_TRAILERS))
            responses.append(frames)
        first, second = responses
        merged = []
        for at in range(max(len(first), len(second))):
            merged += first[at:at + 1] + second[at:at + 1]
        yield requests + h2_frame(8, 0, 0, struct.pack("!I", 1 << 20)), b"".join(merged)
        stream += 4


def main():
    kind, path, megabytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(15)
    target = megabytes << 20
    written = 0
    port = 40000
    with open(path, "wb") as out:
        w = Writer(out)
        while written < target:
            conn = Connection(w, port)
            port += 1
            in_conn = 0
            source = {"http1": http1_exchanges, "http2": http2_exchanges,
                      "grpc": grpc_exchanges}[kind](rng)
            for request, response in source:
                conn.send(0, request)
                conn.send(1, response)
                in_conn += len(request) + len(response)
                if in_conn >= CONNECTION_BYTES or written + in_conn >= target:
                    break
            conn.close()
            written += in_conn


if __name__ == "__main__":
    main()
