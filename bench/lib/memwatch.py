#!/usr/bin/env python3
"""Run a command and sample its memory, splitting what /usr/bin/time's peak RSS lumps together.

  memwatch.py CMD...    prints JSON: peak RssAnon and RssFile (KiB, sampled every 5 ms), VmHWM

A tool that memory-maps its input counts every touched page of the file in its RSS; those pages
are page cache, shared and reclaimable, not memory the tool allocated. RssAnon is the part that
grows with what the tool keeps (heap, buffers), which is what a memory cap is about.
"""
import json
import subprocess
import sys
import time


def sample(pid):
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("RssAnon", "RssFile", "RssShmem", "VmHWM"):
                    values[key] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return values


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    process = subprocess.Popen(argv[1:], stdout=subprocess.DEVNULL)
    peaks = {"RssAnon": 0, "RssFile": 0, "VmHWM": 0}
    while process.poll() is None:
        for key, value in sample(process.pid).items():
            if key in peaks:
                peaks[key] = max(peaks[key], value)
        time.sleep(0.005)
    print(json.dumps({"exit": process.returncode, "anon_kib": peaks["RssAnon"],
                      "file_kib": peaks["RssFile"], "hwm_kib": peaks["VmHWM"]}))


if __name__ == "__main__":
    main(sys.argv)
