#!/usr/bin/python3
"""STOMP 1.2 client for the capture test (python3-stomp): sends messages with and without
content-length (one holding NULs), receives them on a subscription, lets heart-beats flow.
usage: stomp_client.py PORT"""
import sys
import threading
import time

import stomp

port = int(sys.argv[1])
count = 12
done = threading.Event()
received = []


class Listener(stomp.ConnectionListener):
    def on_message(self, frame):
        received.append(frame.body)
        if len(received) == count:
            done.set()


connection = stomp.Connection12([("127.0.0.1", port)], heartbeats=(200, 200),
                                auto_content_length=False, vhost="/")
connection.set_listener("", Listener())
connection.connect("guest", "guest", wait=True)
connection.subscribe(destination="/queue/sniff-stomp", id=1, ack="auto")
for i in range(count - 2):
    connection.send(destination="/queue/sniff-stomp", body="message %d" % i)
connection.send(destination="/queue/sniff-stomp", body=b"with\x00nul", content_type="text/plain",
                headers={"content-length": "8"})
connection.send(destination="/queue/sniff-stomp", body="x" * 200000,
                headers={"content-length": "200000"})
if not done.wait(10):
    sys.exit("received %d of %d messages" % (len(received), count))
time.sleep(1.0)  # heart-beats both ways
connection.disconnect()
