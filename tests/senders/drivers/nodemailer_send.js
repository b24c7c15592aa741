// Sends one message with nodemailer the way its documentation and most applications do: an
// SMTP transport with secure: false and neither requireTLS nor ignoreTLS, so STARTTLS is
// used when nodemailer sees it offered. The certificate is checked against the test CA for
// the server name given (tls.ca, tls.servername; rejectUnauthorized is Node's default). An
// error means the message was not sent (the application reports it): exit status 1.
//
// usage: node nodemailer_send.js HOST PORT CA_FILE SERVER_NAME
'use strict';

const fs = require('fs');
const util = require('util');
// Debian's copy of nodemailer (node-nodemailer), not one from an application's node_modules.
const nodemailer = require('/usr/share/nodejs/nodemailer');

async function main() {
    const [host, port, caFile, serverName] = process.argv.slice(2);
    if (!serverName) {
        console.error('usage: node nodemailer_send.js HOST PORT CA_FILE SERVER_NAME');
        return 2;
    }
    const transport = nodemailer.createTransport({
        host,
        port: Number(port),
        secure: false,
        name: 'client.test',
        tls: { ca: [fs.readFileSync(caFile)], servername: serverName },
        connectionTimeout: 10000,
        greetingTimeout: 10000,
        socketTimeout: 10000,
        // The dialogue on stderr, for a failing test's message.
        logger: { level: () => {}, trace: () => {}, debug: log, info: log, warn: log, error: log, fatal: log },
        debug: true
    });
    try {
        await transport.sendMail({
            from: 'sender@client.test',
            to: 'rcpt@partner.test',
            subject: 'real sender test',
            text: 'hello\r\n'
        });
    } catch (error) {
        console.error(`${error.code || 'Error'}: ${error.message}`);
        return 1;
    }
    return 0;
}

// nodemailer's logger interface: an object of fields, then a format string and its values.
function log(fields, ...message) {
    process.stderr.write(util.format(...message) + '\n');
}

main().then(status => process.exit(status));
