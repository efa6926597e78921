"""Maps every *.localhost name to 127.0.0.1 in this process (the machine's resolver may not know them), so S3
virtual-host style (bucket.localhost) reaches Eddy. Importing it installs the mapping."""
import socket

_real = socket.getaddrinfo


def _local(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _real(host, *args, **kwargs)


socket.getaddrinfo = _local
