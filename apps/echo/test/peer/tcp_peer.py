"""Linux's end of the half-close tests in linux.peer.test.ts (runs inside the namespace).

  tcp_peer.py serve ADDR PORT REPLY_FILE
      Listens; prints "ready". Reads one connection to EOF (our shutdown),
      prints "eof <bytes> <sha256>", only THEN sends REPLY_FILE and closes:
      the reply can only reach us if our half-closed connection still reads.

  tcp_peer.py client ADDR PORT DATA_FILE
      Connects, sends DATA_FILE, half-closes (SHUT_WR), prints "shut <bytes>",
      then reads to EOF and prints "got <bytes> <sha256>": what we wrote
      after our read saw the EOF.
"""
import hashlib
import socket
import sys


def drain(c):
    h = hashlib.sha256()
    n = 0
    while True:
        d = c.recv(1 << 20)
        if not d:
            return n, h.hexdigest()
        h.update(d)
        n += len(d)


def main():
    mode, addr, port, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    data = open(path, "rb").read()
    if mode == "serve":
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(1)
        print("ready", flush=True)
        c, _ = s.accept()
        n, digest = drain(c)
        print("eof", n, digest, flush=True)
        c.sendall(data)
        c.close()
    elif mode == "client":
        c = socket.create_connection((addr, port), timeout=120)
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        print("shut", len(data), flush=True)
        n, digest = drain(c)
        print("got", n, digest, flush=True)
        c.close()
    else:
        raise SystemExit("mode must be serve or client")


main()
