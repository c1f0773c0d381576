"""Test certificates, and a TLS front to an HTTP server (moto, the fault server) on loopback, as a TLS-inspecting
company proxy or a real endpoint would present it: a test CA that no system store holds, and
listeners that present
  good        a certificate for 127.0.0.1 and localhost, signed by the test CA,
  expired     the same, expired yesterday,
  wrong_host  a valid certificate for another host name (sts.example.invalid),
and one plain-TCP listener
  refusing_proxy  an HTTP proxy that answers every CONNECT with 403 Forbidden.
The TLS listeners forward each connection's bytes to the upstream URL's host and port.

Usage: tls_front.py UPSTREAM_URL DIR. Writes DIR/ca.pem (the test CA), DIR/other-ca.pem (a CA
that signed nothing here) and DIR/good.pem (the good certificate and its key, for a server of
its own such as `moto_server --ssl-cert`), then prints one JSON line {"ca": PATH, "other_ca":
PATH, "good_pem": PATH, "good": PORT, "expired": PORT, "wrong_host": PORT, "refusing_proxy":
PORT} and serves until killed."""
import datetime
import ipaddress
import json
import os
import socket
import ssl
import sys
import threading
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

upstream = urllib.parse.urlsplit(sys.argv[1])
directory = sys.argv[2]
now = datetime.datetime.now(datetime.timezone.utc)
day = datetime.timedelta(days=1)


def name(common):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca(common):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name(common)).issuer_name(name(common))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - 7 * day).not_valid_after(now + 7 * day)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


ca_key, ca = make_ca("stsenv test CA")
_, other_ca = make_ca("another CA")
ca_path = os.path.join(directory, "ca.pem")
with open(ca_path, "wb") as f:
    f.write(pem(ca))
other_ca_path = os.path.join(directory, "other-ca.pem")
with open(other_ca_path, "wb") as f:
    f.write(pem(other_ca))


def leaf(label, names, not_before, not_after):
    key = ec.generate_private_key(ec.SECP256R1())
    alt = [x509.IPAddress(ipaddress.ip_address(n)) if n[0].isdigit() else x509.DNSName(n) for n in names]
    cert = (x509.CertificateBuilder().subject_name(name(names[0])).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    chain = os.path.join(directory, label + ".pem")
    with open(chain, "wb") as f:
        f.write(pem(cert))
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return context


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def forward(client, context):
    try:
        tls = context.wrap_socket(client, server_side=True)
    except (OSError, ssl.SSLError):
        client.close()
        return
    try:
        back = socket.create_connection((upstream.hostname, upstream.port))
    except OSError:
        tls.close()
        return
    back.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=pump, args=(back, tls), daemon=True).start()
    pump(tls, back)


def refuse(client):
    try:
        client.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(4096)
            if not chunk:
                break
            data += chunk
        client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    finally:
        client.close()


def listen(handler, *args):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)

    def accept():
        while True:
            client, _ = server.accept()
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=handler, args=(client, *args), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1]


ports = {
    "good": listen(forward, leaf("good", ["127.0.0.1", "localhost"], now - day, now + 7 * day)),
    "expired": listen(forward, leaf("expired", ["127.0.0.1", "localhost"], now - 3 * day, now - day)),
    "wrong_host": listen(forward, leaf("wrong_host", ["sts.example.invalid"], now - day, now + 7 * day)),
    "refusing_proxy": listen(refuse),
}
print(json.dumps({"ca": ca_path, "other_ca": other_ca_path, "good_pem": os.path.join(directory, "good.pem"),
                  **ports}), flush=True)
threading.Event().wait()
