"""Small stdlib-only helpers for tests that run local servers (Jupyter, sshd) on 127.0.0.1."""
import os
import socket
import time
import urllib.error
import urllib.request


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """Local addresses (hex, as in /proc/net/tcp*) listening on `port`."""
    out = []
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f.read().splitlines()[1:]:
                cols = line.split()
                addr, hexport = cols[1].rsplit(":", 1)
                if cols[3] == "0A" and int(hexport, 16) == port:
                    out.append(addr)
    return out


def wait_for(pred, seconds=60):
    """Poll `pred` every 0.5 s until it is true (True) or `seconds` pass (False)."""
    end = time.time() + seconds
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.5)
    return False


def http_get(url, token=None):
    """(status, body) of a GET with Jupyter's token header; (None, b"") when nothing answers."""
    headers = {"Authorization": "token " + token} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except OSError:
        return None, b""


def unix_http_get(sock_path, path, token=None):
    """(status, body) of a GET over the Unix socket `sock_path` (Jupyter's), with its token
    header; (None, b"") when nothing answers there."""
    import http.client

    class Conn(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(10)
            self.sock.connect(sock_path)

    headers = {"Authorization": "token " + token} if token else {}
    conn = Conn("localhost", timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    except OSError:
        return None, b""
    finally:
        conn.close()


def tcp_listen_inodes():
    """Socket inodes of every listening TCP socket on this machine (IPv4 and IPv6)."""
    out = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(path):
            with open(path) as f:
                for line in f.read().splitlines()[1:]:
                    cols = line.split()
                    if cols[3] == "0A":
                        out.add(cols[9])
    return out


def socket_inodes(pid):
    """Socket inodes the process `pid` holds open."""
    out = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            link = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            out.add(link[len("socket:["):-1])
    return out
