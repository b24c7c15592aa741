<?php
// Sends one message with PHPMailer the way its examples and most applications do: SMTP,
// SMTPAutoTLS left on (STARTTLS when the server lists it), SMTPSecure unset, exceptions on.
// The certificate is checked against the test CA for the server name given (SMTPOptions:
// cafile, peer_name; verify_peer is PHP's default). An exception means the message was not
// sent (the application reports an error): exit status 1.
//
// usage: php phpmailer_send.php HOST PORT CA_FILE SERVER_NAME

// Debian's copy of PHPMailer (libphp-phpmailer), not one from an application's vendor/.
require '/usr/share/php/libphp-phpmailer/autoload.php';

use PHPMailer\PHPMailer\PHPMailer;
use PHPMailer\PHPMailer\Exception;

[, $host, $port, $ca_file, $server_name] = $argv + [null, null, null, null, null];
if ($server_name === null) {
    fwrite(STDERR, "usage: php phpmailer_send.php HOST PORT CA_FILE SERVER_NAME\n");
    exit(2);
}

$mail = new PHPMailer(true);
try {
    $mail->isSMTP();
    $mail->Host = $host;
    $mail->Port = (int) $port;
    $mail->Helo = 'client.test';
    $mail->Timeout = 10;
    $mail->SMTPOptions = ['ssl' => ['cafile' => $ca_file, 'peer_name' => $server_name]];
    // What the server said, on stderr, for a failing test's message.
    $mail->SMTPDebug = 2;
    $mail->Debugoutput = function ($line) {
        fwrite(STDERR, rtrim($line) . "\n");
    };
    $mail->setFrom('sender@client.test');
    $mail->addAddress('rcpt@partner.test');
    $mail->Subject = 'real sender test';
    $mail->Body = "hello\r\n";
    $mail->send();
} catch (Exception $error) {
    fwrite(STDERR, 'Exception: ' . $error->getMessage() . "\n");
    exit(1);
}
exit(0);
