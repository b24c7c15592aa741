# Sends one message with Perl's Net::SMTP the way most programs do: EHLO (in new()),
# starttls() when defined(supports('STARTTLS')), then the message. supports() returns the
# text after the keyword, "" for a bare "STARTTLS" line, so programs test it with defined(),
# as Net::SMTP does for its own keywords (etrn(), auth()); a plain truth test would never
# start TLS on a bare STARTTLS line. starttls() returns false when the server refuses
# STARTTLS or the handshake fails; a program that checks it (as this one does) gives up: it
# exits non-zero and the message is not sent.
#
# IO::Socket::SSL verifies the certificate by default (SSL_verify_mode SSL_VERIFY_PEER, the
# "smtp" name scheme): the test CA is its trust store, and mx.test the name it checks (Net::SMTP
# would otherwise check the address it connected to).
#
# usage: perl net_smtp_send.pl HOST PORT CA_FILE
use strict;
use warnings;
use Net::SMTP;

my ($host, $port, $ca_file) = @ARGV;
die "usage: $0 HOST PORT CA_FILE\n" unless defined $ca_file;

my $message = "From: sender\@client.test\r\nTo: rcpt\@partner.test\r\n"
            . "Subject: real sender test\r\n\r\nhello\r\n";

my $smtp = Net::SMTP->new($host, Port => $port, Hello => 'client.test', Timeout => 10,
                          SSL_ca_file => $ca_file, SSL_verifycn_name => 'mx.test')
  or die "connect: $@\n";
if (defined $smtp->supports('STARTTLS')) {
  $smtp->starttls()
    or die "starttls: " . ($smtp->code // '') . " " . ($smtp->message // '') . " "
         . (IO::Socket::SSL::errstr() // '') . "\n";
}
$smtp->mail('sender@client.test') or die "MAIL: " . $smtp->message;
$smtp->to('rcpt@partner.test') or die "RCPT: " . $smtp->message;
$smtp->data($message) or die "DATA: " . $smtp->message;
$smtp->quit;
exit 0;
