"""Stand-in for ansible-test's pip bootstrap script (get-pip.py), for machines that reach PyPI
but not ansible-test's own download host.

ansible-test runs ``get_pip_<version>.py <pip install options> pip==X setuptools wheel`` inside an
empty virtual environment. This script does the same job with the standard library's ensurepip
followed by a normal ``pip install`` of the requested packages from the package index.
`make sanity` copies it to ~/.ansible/test/cache/get_pip_<version>.py when that file is missing.
"""

import ensurepip
import os
import subprocess
import sys

CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


def find_ca_bundle():
    cert = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    if cert and os.path.exists(cert):
        return cert
    return next((path for path in CA_BUNDLES if os.path.exists(path)), None)


def write_venv_pip_conf(cert):
    """Carry the machine's CA bundle into the new venv's own pip.conf (ansible-test may not pass
    the caller's environment through, and a TLS-inspecting proxy needs the system CA bundle)."""
    if cert:
        with open(os.path.join(sys.prefix, "pip.conf"), "w") as conf:
            conf.write("[global]\ncert = %s\n" % cert)


def main(argv):
    cert = find_ca_bundle()
    write_venv_pip_conf(cert)
    ensurepip.bootstrap(upgrade=True)
    args = [arg for arg in argv if arg not in ("--no-setuptools", "--no-wheel")]
    if cert:
        args = ["--cert", cert] + args
    return subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade"] + args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
