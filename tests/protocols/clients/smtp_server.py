#!/usr/bin/python3
"""SMTP server for the capture test (python3-aiosmtpd): accepts any mail and drops it, offers
STARTTLS with the given certificate, runs until SIGTERM.
usage: smtp_server.py PORT CERT KEY"""
import asyncio
import signal
import ssl
import sys

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK queued %d bytes" % len(envelope.content)


port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(Sink(), hostname="127.0.0.1", port=port, tls_context=context,
                        require_starttls=False)
controller.start()
stopped = asyncio.Event()
loop = asyncio.new_event_loop()
loop.add_signal_handler(signal.SIGTERM, stopped.set)
loop.run_until_complete(stopped.wait())
controller.stop()
