#!/usr/bin/env python3
"""Small loopback helpers for bench/run (stdlib only).

  net.py free-port                      print a free TCP port on 127.0.0.1
  net.py wait-listen PORT SECONDS       exit 0 once 127.0.0.1:PORT accepts, 1 on timeout
  net.py echo-server PORT               echo every byte back (one thread, many connections)
  net.py pingpong PORT COUNT SIZE       COUNT round trips of SIZE bytes; JSON p50/p99 in µs
  net.py idle PORT COUNT PID            open COUNT connections through PORT, hold them, and
                                        print JSON with VmRSS of PID before and after (KiB)
"""
import json
import os
import resource
import selectors
import socket
import sys
import time

LOOPBACK = "127.0.0.1"


def raise_fd_limit():
    # 1,000 proxied connections need more descriptors than the usual soft limit of 1024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def listening(port):
    # Read the kernel's socket table instead of connecting: a probe connection through a
    # proxy would reach the target (iperf3's server treats it as a broken test).
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[1].endswith(wanted) and fields[3] == "0A":
                        return True
        except OSError:
            continue
    return False


def wait_listen(port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if listening(port):
            return True
        time.sleep(0.05)
    return False


def echo_server(port):
    raise_fd_limit()
    sel = selectors.DefaultSelector()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK, port))
    listener.listen(4096)
    listener.setblocking(False)
    sel.register(listener, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if sock is listener:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                # Echo replies are tiny; a blocking sendall on a readable socket is fine here.
                sel.register(conn, selectors.EVENT_READ)
                continue
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(sock)
                sock.close()
                continue
            try:
                sock.sendall(data)
            except OSError:
                sel.unregister(sock)
                sock.close()


def recv_exact(sock, size):
    got = 0
    while got < size:
        chunk = sock.recv(size - got)
        if not chunk:
            raise ConnectionError("peer closed during ping-pong")
        got += len(chunk)


def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def pingpong(port, count, size):
    payload = b"p" * size
    with socket.create_connection((LOOPBACK, port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Warm-up: first round trips pay for connection set-up and cold caches.
        for _ in range(min(1000, count)):
            sock.sendall(payload)
            recv_exact(sock, size)
        samples = []
        clock = time.perf_counter_ns
        for _ in range(count):
            start = clock()
            sock.sendall(payload)
            recv_exact(sock, size)
            samples.append(clock() - start)
    samples.sort()
    print(json.dumps({"count": count, "size": size,
                      "p50_us": percentile(samples, 0.50) / 1000.0,
                      "p99_us": percentile(samples, 0.99) / 1000.0}))


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def idle(port, count, pid):
    raise_fd_limit()
    time.sleep(0.5)
    before = vm_rss_kib(pid)
    conns = []
    failed = 0
    for _ in range(count):
        try:
            sock = socket.create_connection((LOOPBACK, port), timeout=5)
            # One byte each way proves the upstream leg exists too, not only the accept.
            sock.sendall(b"x")
            recv_exact(sock, 1)
            conns.append(sock)
        except OSError:
            failed += 1
    time.sleep(1.0)
    after = vm_rss_kib(pid)
    for sock in conns:
        sock.close()
    time.sleep(1.0)
    closed = vm_rss_kib(pid)
    print(json.dumps({"open": len(conns), "failed": failed, "rss_before_kib": before,
                      "rss_after_kib": after, "rss_closed_kib": closed}))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "free-port":
        print(free_port())
    elif command == "wait-listen":
        sys.exit(0 if wait_listen(int(args[0]), float(args[1])) else 1)
    elif command == "echo-server":
        echo_server(int(args[0]))
    elif command == "pingpong":
        pingpong(int(args[0]), int(args[1]), int(args[2]))
    elif command == "idle":
        idle(int(args[0]), int(args[1]), int(args[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except KeyboardInterrupt:
        sys.exit(130)
