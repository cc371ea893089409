"""The test cluster's LWS webhook plumbing: the certificates it makes serve TLS on 127.0.0.1 to a
client that trusts only their CA (as the apiserver does through caBundle), and the webhook
configurations hand that CA to the apiserver."""

import base64
import os
import socket
import ssl
import threading

from tools.testbed import lws_webhook


def _handshake(cert_dir, server_hostname):
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(os.path.join(cert_dir, "tls.crt"), os.path.join(cert_dir, "tls.key"))
    client_ctx = ssl.create_default_context(cafile=os.path.join(cert_dir, "ca.crt"))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve():
            conn = listener.accept()[0]
            try:
                with server_ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                with client_ctx.wrap_socket(sock, server_hostname=server_hostname):
                    return True
        except ssl.SSLCertVerificationError:
            return False
        finally:
            thread.join(5)


def test_serving_certificate_verifies_for_127_0_0_1(tmp_path):
    ca_pem = lws_webhook.certificates(str(tmp_path))
    assert (tmp_path / "ca.crt").read_bytes() == ca_pem
    assert oct((tmp_path / "tls.key").stat().st_mode & 0o777) == "0o600"
    assert _handshake(str(tmp_path), "127.0.0.1")
    assert not _handshake(str(tmp_path), "webhook.example.com")  # the name is checked


def test_webhooks_point_at_the_local_controller_with_its_ca():
    configurations = lws_webhook.webhook_configurations(9443, b"CA PEM")
    assert sorted(c["kind"] for c in configurations) == [
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ]
    for configuration in configurations:
        for hook in configuration["webhooks"]:
            assert hook["clientConfig"]["url"].startswith("https://127.0.0.1:9443/")
            assert base64.b64decode(hook["clientConfig"]["caBundle"]) == b"CA PEM"
            assert hook["failurePolicy"] == "Fail"
