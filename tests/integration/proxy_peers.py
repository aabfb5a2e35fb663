#!/usr/bin/env python3
"""Traffic for the sniff --proxy command-line tests.

  proxy_peers.py echo PORT
      An asyncio echo server on 127.0.0.1:PORT (runs until killed).
  proxy_peers.py burst PORT CONNECTIONS BYTES
      Opens CONNECTIONS connections at once, sends BYTES on each and reads the echo back, keeps
      them all open until every echo is complete, then closes them all. Prints "ok" when every
      byte came back, exits 1 otherwise.
  proxy_peers.py stream PORT SECONDS LOG
      One connection: a line "line NNNNNN\\n" every 10 ms for SECONDS, the echo read back as it
      comes; appends "NNNNNN TIME" to LOG (flushed) as each line is sent.
"""
import asyncio
import socket
import sys
import time


async def echo(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    writer.close()


async def serve(port):
    server = await asyncio.start_server(echo, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


async def one_connection(port, size, done, connections, release):
    ok = False
    writer = None
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"x" * size)
        await writer.drain()
        got = 0
        while got < size:
            data = await reader.read(65536)
            if not data:
                break
            got += len(data)
        ok = got == size
    except OSError:
        pass
    done.append(ok)
    if len(done) == connections:
        release.set()
    # All connections stay open until every echo is back, so the proxy holds them all at once.
    await release.wait()
    await asyncio.sleep(0.5)
    if writer is not None:
        writer.close()
    return ok


async def burst(port, connections, size):
    release = asyncio.Event()
    done = []
    return all(await asyncio.gather(*[one_connection(port, size, done, connections, release)
                                      for _ in range(connections)]))


def stream(port, seconds, log_path):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    end = time.time() + seconds
    index = 0
    with open(log_path, "a") as log:
        while time.time() < end:
            sock.sendall(b"line %06d\n" % index)
            log.write("%06d %.6f\n" % (index, time.time()))
            log.flush()
            index += 1
            time.sleep(0.01)
            try:
                sock.recv(65536)
            except BlockingIOError:
                pass


if __name__ == "__main__":
    verb = sys.argv[1]
    if verb == "echo":
        asyncio.run(serve(int(sys.argv[2])))
    elif verb == "burst":
        ok = asyncio.run(burst(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
        print("ok" if ok else "failed", flush=True)
        sys.exit(0 if ok else 1)
    else:
        stream(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
