#!/usr/bin/python3
"""Renders an HTML report in headless Firefox and prints what it shows, as one JSON object.

    firefox_page.py PAGE.html SCREENSHOT.png [WIDTH HEIGHT]

Firefox runs with a fresh temporary profile. Two independent looks:
  * `firefox-esr --headless --screenshot`: the PNG is decoded here (zlib, PNG filters) and the
    pixels of the ladder's colours are counted ("screenshot");
  * WebDriver BiDi (Firefox's own remote protocol, `--remote-debugging-port`; no geckodriver in
    Debian): the page is opened, and once its script marked the body rendered, the direction
    elements' data attributes, the graphs' counts and a screenshot of the viewport are read
    ("dom", "bidi_pixels"). Left out ("bidi_error") when the protocol is not available.
Exit status 0 when the --screenshot look worked, 1 otherwise (the message on stderr).
"""

import asyncio
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
# Generous: a loaded CI machine takes 20 s to start Firefox.
START_TIMEOUT = 180
PAGE_TIMEOUT = 120

# The viewer's colours (report_draw.js): segment shades of the ladder, message classes, the
# time-sequence graph's data bars and ACK line.
COLOURS = {
    "segments": [(0x90, 0xA4, 0xAE), (0xCF, 0xD8, 0xDC)],
    "messages": [(0x4C, 0xAF, 0x50), (0xFF, 0x98, 0x00), (0x21, 0x96, 0xF3), (0x9C, 0x27, 0xB0)],
    "data": [(0x0D, 0x47, 0xA1)],
    "acks": [(0x2E, 0x7D, 0x32)],
}


def decode_png(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError("unsupported PNG layout %r" % (header,))
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    at = 0
    for _ in range(height):
        kind = raw[at]
        line = bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    return width, height, channels, rows


def count_colours(png_bytes):
    width, height, channels, rows = decode_png(png_bytes)
    wanted = {}
    for name, colours in COLOURS.items():
        for colour in colours:
            wanted[colour] = name
    counts = {name: 0 for name in COLOURS}
    background = 0
    for line in rows:
        for x in range(width):
            pixel = (line[x * channels], line[x * channels + 1], line[x * channels + 2])
            name = wanted.get(pixel)
            if name:
                counts[name] += 1
            elif pixel in ((0xFA, 0xFA, 0xFA), (0xFF, 0xFF, 0xFF)):
                background += 1
    counts["background"] = background
    counts["width"] = width
    counts["height"] = height
    return counts


def firefox_command(profile, *arguments):
    return [FIREFOX, "--headless", "--no-remote", "-profile", profile] + list(arguments)


def screenshot(page, png, width, height):
    profile = tempfile.mkdtemp(prefix="sniff-firefox-")
    try:
        if os.path.exists(png):
            os.remove(png)
        subprocess.run(firefox_command(profile, "--window-size=%d,%d" % (width, height),
                                       "--screenshot", png, "file://" + page),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=START_TIMEOUT + PAGE_TIMEOUT, check=False)
        with open(png, "rb") as f:
            return count_colours(f.read())
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Read in the page once its script is done: what the tests compare.
READ_PAGE = """(() => {
  if (document.body.dataset.rendered !== "yes") return null;
  const cells = [...document.querySelectorAll("td.direction")].map((c) => Object.assign({}, c.dataset));
  const graphs = [...document.querySelectorAll("canvas.tsg")].map((c) => Object.assign({}, c.dataset));
  const ladders = [...document.querySelectorAll("canvas")].filter((c) => !c.classList.contains("tsg"));
  return JSON.stringify({ title: document.title, cells, graphs, canvases: ladders.length + graphs.length,
                          images: document.images.length, scripts: document.scripts.length });
})()"""


async def bidi(page, width, height):
    import websockets  # python3-websockets

    profile = tempfile.mkdtemp(prefix="sniff-firefox-bidi-")
    port = free_port()
    process = subprocess.Popen(
        firefox_command(profile, "--remote-debugging-port", str(port),
                        "--window-size=%d,%d" % (width, height)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        connection = None
        while connection is None:
            try:
                connection = await websockets.connect("ws://127.0.0.1:%d/session" % port,
                                                      max_size=64 << 20)
            except (OSError, websockets.exceptions.InvalidHandshake):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("Firefox's WebDriver BiDi endpoint did not come up")
                await asyncio.sleep(0.5)
        try:
            counter = 0

            async def call(method, params):
                nonlocal counter
                counter += 1
                await connection.send(json.dumps({"id": counter, "method": method,
                                                  "params": params}))
                while True:
                    message = json.loads(await asyncio.wait_for(connection.recv(), PAGE_TIMEOUT))
                    if message.get("id") != counter:
                        continue  # events
                    if message.get("type") == "error":
                        raise RuntimeError("%s: %s" % (method, message.get("message")))
                    return message["result"]

            await call("session.new", {"capabilities": {}})
            tree = await call("browsingContext.getTree", {})
            context = tree["contexts"][0]["context"]
            try:  # the window size of the --screenshot look (Firefox 124 and later)
                await call("browsingContext.setViewport", {
                    "context": context, "viewport": {"width": width, "height": height}})
            except RuntimeError:
                pass
            await call("browsingContext.navigate",
                       {"context": context, "url": "file://" + page, "wait": "complete"})
            result = None
            deadline = time.monotonic() + PAGE_TIMEOUT
            while result is None:
                evaluated = await call("script.evaluate", {
                    "expression": READ_PAGE, "target": {"context": context},
                    "awaitPromise": False})
                value = evaluated.get("result", {})
                if value.get("type") == "string":
                    result = json.loads(value["value"])
                elif time.monotonic() > deadline:
                    raise RuntimeError("the page never marked itself rendered: %r" % evaluated)
                else:
                    await asyncio.sleep(0.5)
            shot = await call("browsingContext.captureScreenshot", {"context": context})
            result["pixels"] = count_colours(base64.b64decode(shot["data"]))
            try:
                await call("session.end", {})
            except Exception:  # noqa: BLE001 - the browser may go before it answers
                pass
            return result
        finally:
            await connection.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    if len(sys.argv) not in (3, 5):
        print(__doc__, file=sys.stderr)
        return 2
    if FIREFOX is None:
        print("firefox-esr is not installed", file=sys.stderr)
        return 1
    page = os.path.abspath(sys.argv[1])
    png = sys.argv[2]
    width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) == 5 else (1280, 1400)
    out = {}
    try:
        out["screenshot"] = screenshot(page, png, width, height)
    except (OSError, ValueError, subprocess.TimeoutExpired) as failure:
        print("firefox --screenshot failed: %s" % failure, file=sys.stderr)
        return 1
    try:
        out["dom"] = asyncio.run(asyncio.wait_for(bidi(page, width, height),
                                                  START_TIMEOUT + 2 * PAGE_TIMEOUT))
    except Exception as failure:  # noqa: BLE001 - reported, the screenshot still stands
        out["bidi_error"] = "%s: %s" % (type(failure).__name__, failure)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
