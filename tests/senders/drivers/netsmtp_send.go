// Sends one message with Go's net/smtp the way smtp.SendMail and most programs do: EHLO,
// STARTTLS when Extension("STARTTLS") says the server lists it, then the message. Unlike
// SendMail it trusts the test CA (tls.Config.RootCAs) for the server name it is given, and
// bounds the whole dialogue with a deadline (net/smtp sets none). Any error means the
// message was not sent (the program reports an error): exit status 1.
//
// usage: netsmtp_send HOST PORT CA_FILE SERVER_NAME
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"time"
)

const message = "From: sender@client.test\r\nTo: rcpt@partner.test\r\n" +
	"Subject: real sender test\r\n\r\nhello\r\n"

func send(host, port, caFile, serverName string) error {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("no certificate in %s", caFile)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 10*time.Second)
	if err != nil {
		return err
	}
	// The deadline carries over to the TLS connection StartTLS wraps around conn.
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	c, err := smtp.NewClient(conn, serverName)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: serverName, RootCAs: roots}); err != nil {
			return err
		}
	}
	if err := c.Mail("sender@client.test"); err != nil {
		return err
	}
	if err := c.Rcpt("rcpt@partner.test"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(message)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: netsmtp_send HOST PORT CA_FILE SERVER_NAME")
		os.Exit(2)
	}
	if err := send(os.Args[1], os.Args[2], os.Args[3], os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
