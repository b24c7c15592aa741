# Sends one message with Ruby's net-smtp the way its documentation and most programs do:
# Net::SMTP.start with enable_starttls_auto (the library's default, starttls: :auto):
# STARTTLS when the EHLO reply lists it, else in clear. A refused STARTTLS or a failed
# handshake raises, so the message is not sent: exit status 1.
#
# tls_verify is on by default (VERIFY_PEER and the host name checked): the test CA is its
# trust store, and mx.test the name it checks (else the address it connected to).
#
# usage: ruby net_smtp_send.rb HOST PORT CA_FILE
require 'net/smtp'

host, port, ca_file = ARGV
abort "usage: #{$0} HOST PORT CA_FILE" unless ca_file

MESSAGE = "From: sender@client.test\r\nTo: rcpt@partner.test\r\n" \
          "Subject: real sender test\r\n\r\nhello\r\n"

begin
  smtp = Net::SMTP.new(host, Integer(port), tls_hostname: 'mx.test',
                                            ssl_context_params: { ca_file: ca_file })
  smtp.enable_starttls_auto
  smtp.open_timeout = 10
  smtp.read_timeout = 10
  smtp.start(helo: 'client.test') do |session|
    session.send_message(MESSAGE, 'sender@client.test', 'rcpt@partner.test')
  end
rescue StandardError, Timeout::Error => e
  warn "#{e.class}: #{e.message}"
  exit 1
end
