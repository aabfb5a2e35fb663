#!/usr/bin/python3
"""SMTP client for the capture test (Python's smtplib): EHLO, STARTTLS (the test's self-signed
certificate is not verified), EHLO again, one mail inside TLS.
usage: smtp_starttls_client.py PORT"""
import smtplib
import ssl
import sys

context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.example") as client:
    client.ehlo()
    client.starttls(context=context)
    client.ehlo()
    client.sendmail("a@example.org", ["b@example.org"], "Subject: inside TLS\r\n\r\nsecret\r\n")
