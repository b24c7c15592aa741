// Sends one message with Jakarta Mail the way its documentation and most applications do:
// Transport.send() with mail.smtp.starttls.enable=true, so STARTTLS is used when the server
// lists it, and nothing else about TLS set. The test CA reaches Jakarta Mail as the JVM's
// default trust store (SSLContext.setDefault, the in-process equivalent of
// -Djavax.net.ssl.trustStore): Jakarta Mail then uses the default SSL socket factory as it
// does in a deployment whose CA is in cacerts. Neither mail.smtp.ssl.trust (which trusts a
// host whatever its certificate) nor a socket factory of our own would test that path. The
// host name is resolved by the JVM (run it with -Djdk.net.hosts.file), so the session runs to
// the name the certificate is for. An exception means the message was not sent (the
// application reports an error): exit status 1.
//
// usage: java -Djdk.net.hosts.file=HOSTS -cp DIR:jakarta-mail.jar:jakarta-activation.jar
//             JakartaMailSend SERVER_NAME PORT CA_FILE
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class JakartaMailSend {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: JakartaMailSend SERVER_NAME PORT CA_FILE");
      System.exit(2);
    }
    trustOnly(args[2]);

    Properties props = new Properties();
    props.put("mail.smtp.host", args[0]);
    props.put("mail.smtp.port", args[1]);
    props.put("mail.smtp.localhost", "client.test");
    props.put("mail.smtp.starttls.enable", "true");
    props.put("mail.smtp.connectiontimeout", "10000");
    props.put("mail.smtp.timeout", "10000");
    props.put("mail.smtp.writetimeout", "10000");
    Session session = Session.getInstance(props);
    // The dialogue on stderr, for a failing test's message.
    session.setDebugOut(System.err);
    session.setDebug(true);

    MimeMessage message = new MimeMessage(session);
    message.setFrom(new InternetAddress("sender@client.test"));
    message.setRecipient(Message.RecipientType.TO, new InternetAddress("rcpt@partner.test"));
    message.setSubject("real sender test");
    message.setText("hello\r\n");
    try {
      Transport.send(message);
    } catch (MessagingException error) {
      System.err.println("MessagingException: " + error);
      System.exit(1);
    }
  }

  // The JVM's default SSL context trusts the CA in `caFile` and nothing else.
  private static void trustOnly(String caFile) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = new FileInputStream(caFile)) {
      X509Certificate ca =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      store.setCertificateEntry("test-ca", ca);
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    SSLContext.setDefault(context);
  }
}
