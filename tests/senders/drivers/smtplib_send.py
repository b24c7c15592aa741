"""Sends one message with Python's smtplib the way its documentation and most applications
do: EHLO, STARTTLS when the server lists it, EHLO again, then the message. Any exception
means the message was not sent (the application reports an error): exit status 1.

usage: smtplib_send.py HOST PORT
"""
import smtplib
import sys

MESSAGE = ("From: sender@client.test\r\nTo: rcpt@partner.test\r\n"
           "Subject: real sender test\r\n\r\nhello\r\n")


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    try:
        with smtplib.SMTP(host, port, local_hostname="client.test", timeout=10) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            smtp.sendmail("sender@client.test", ["rcpt@partner.test"], MESSAGE)
    except Exception as error:  # what the application sees: the message is not sent
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
