// Shared by the peer tests and bench/throughput.ts (which runs outside vitest,
// so this file imports nothing).

/** Linux's side of the TAP and ours. */
export const KERNEL_IP = '10.77.0.1';
export const OUR_IP = '10.77.0.2';

/** A Python TCP receiver for the namespace: prints "ready", then "<bytes> <sha256>" when the peer closes. */
export const PY_SINK = `
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
print("ready", flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(1 << 20)
    if not d: break
    h.update(d); n += len(d)
print(n, h.hexdigest(), flush=True)
c.close()
`;

/** A Python TCP sender for the namespace: connects, sends the file, half-closes, waits for our close. */
export const PY_SOURCE = `
import socket, sys
data = open(sys.argv[3], "rb").read()
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
c.sendall(data); c.shutdown(socket.SHUT_WR)
while c.recv(65536): pass
print("sent", len(data), flush=True)
`;

/**
 * A Python UDP receiver for the namespace: binds ADDR PORT, prints "ready",
 * takes COUNT datagrams (or stops after 30 s without one), then prints one
 * JSON line: how many came, and the SHA-256 of each one's 2-byte big-endian
 * length followed by its bytes, in arrival order.
 */
export const PY_UDP_SINK = `
import hashlib, json, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((sys.argv[1], int(sys.argv[2]))); s.settimeout(30)
print("ready", flush=True)
want = int(sys.argv[3]); h = hashlib.sha256(); n = 0
try:
    while n < want:
        d = s.recv(65535)
        h.update(struct.pack("!H", len(d)) + d); n += 1
except socket.timeout:
    pass
print(json.dumps({"count": n, "sha256": h.hexdigest()}), flush=True)
`;
