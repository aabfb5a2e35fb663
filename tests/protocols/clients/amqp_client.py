#!/usr/bin/python3
"""AMQP 0-9-1 client for the capture test (python3-pika): publishes messages, one of 1 MB (split
into body frames by the negotiated frame_max), on a second connection consumes them all.
usage: amqp_client.py PORT"""
import sys

import pika

port = int(sys.argv[1])
params = pika.ConnectionParameters(host="127.0.0.1", port=port, heartbeat=0)
bodies = [b"message %d" % i for i in range(20)] + [b"\x00\xce" * 10, b"", bytes(1 << 20)]

publisher = pika.BlockingConnection(params)
channel = publisher.channel()
channel.queue_declare(queue="sniff-test")
for body in bodies:
    channel.basic_publish(exchange="", routing_key="sniff-test", body=body,
                          properties=pika.BasicProperties(content_type="text/plain"))
publisher.close()

consumer = pika.BlockingConnection(params)
channel = consumer.channel()
received = []
for method, properties, body in channel.consume("sniff-test", auto_ack=True,
                                                inactivity_timeout=10):
    if method is None:
        break
    received.append(body)
    if len(received) == len(bodies):
        break
channel.cancel()
consumer.close()
if received != bodies:
    sys.exit("received %d of %d messages" % (len(received), len(bodies)))
