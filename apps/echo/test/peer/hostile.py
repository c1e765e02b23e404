"""Hand-built packets against @stack, for scapy.peer.test.ts.

Runs inside the test's network namespace and writes Ethernet frames on
tap0's kernel side (they reach our stack's fd as they are: no virtio
checksum flags, so our stack verifies every checksum itself), reading what
our stack sends back on the same interface. The kernel's own TCP must not
answer our stack's segments to the ports used here (20000-20999): the test
drops those in the namespace's nftables input hook; packet sockets see them
before that hook.

  hostile.py SCENARIO OUR_MAC [ARGS...]

Prints one JSON object on the last line of stdout. Exits non-zero (with a
message) when an expected reply does not come within the timeout: that is a
failure, never a measurement.
"""
import json
import random
import select
import sys
import time

from scapy.all import (  # noqa: F401  (scapy's star module)
    ICMP,
    IP,
    TCP,
    Ether,
    IPOption_NOP,
    IPOption_Router_Alert,
    Raw,
    conf,
    get_if_hwaddr,
)

conf.verb = 0
IFACE = "tap0"
PEER_IP = "10.77.0.1"
OUR_IP = "10.77.0.2"
TIMEOUT = 10.0


class Wire:
    """Frames to our stack and back, on tap0's kernel side."""

    def __init__(self, our_mac):
        self.sock = conf.L2socket(iface=IFACE)
        self.src_mac = get_if_hwaddr(IFACE)
        self.our_mac = our_mac
        self.ping_seq = 0
        self.seen = []

    def send(self, ip_packet):
        self.sock.send(Ether(src=self.src_mac, dst=self.our_mac) / ip_packet)

    def send_raw(self, payload, ethertype=0x0800):
        """An Ethernet header and then exactly `payload` (no padding, no fix-ups)."""
        frame = bytes(Ether(src=self.src_mac, dst=self.our_mac, type=ethertype)) + bytes(payload)
        self.sock.send(Raw(frame))

    def recv(self, match, what, timeout=TIMEOUT):
        """The first packet from our stack for which match(pkt) holds; every other one from us is kept in self.seen."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                sys.exit(f"hostile.py: no {what} within {timeout} s; from us meanwhile: {[p.summary() for p in self.seen]}")
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            p = self.sock.recv()
            if p is None or IP not in p or p[IP].src != OUR_IP:
                continue
            if match(p):
                return p
            self.seen.append(p)

    def sync(self):
        """A ping and its reply: our stack handles frames in order, so everything sent before was handled."""
        self.ping_seq += 1
        seq = self.ping_seq
        self.send(IP(src=PEER_IP, dst=OUR_IP) / ICMP(type=8, id=0x5151, seq=seq) / b"sync")
        self.recv(lambda p: ICMP in p and p[ICMP].type == 0 and p[ICMP].id == 0x5151 and p[ICMP].seq == seq, "echo reply to the sync ping")

    def tcp_from_us(self, sport, match=lambda p: True):
        return lambda p: TCP in p and p[TCP].dport == sport and match(p)


def tcp_options(pkt):
    """Our segment's options as a dict (scapy names)."""
    out = {}
    for name, value in pkt[TCP].options:
        if name in ("NOP", "EOL"):
            continue
        if name == "Timestamp":
            out[name] = list(value)
        elif name == "SAckOK":
            out[name] = True
        else:
            out[name] = value
    return out


def flags(pkt):
    return str(pkt[TCP].flags)


def data_of(pkt):
    """The TCP payload as IP's Total Length says: our frames are padded to Ethernet's 60 bytes, and scapy
    would take the padding after a pure ACK for payload."""
    ip = pkt[IP]
    t = bytes(ip)[ip.ihl * 4: ip.len]
    return t[pkt[TCP].dataofs * 4:]


class Conn:
    """A TCP connection scapy drives by hand: no window scaling, no timestamps, no SACK (so no PAWS)."""

    def __init__(self, wire, dport, sport=None):
        self.w = wire
        self.dport = dport
        self.sport = sport if sport is not None else random.randint(20000, 20999)
        self.iss = random.randint(0, 2**32 - 1)
        self.snd_nxt = (self.iss + 1) % 2**32
        self.rcv_nxt = None
        self.window = None

    def seg(self, flags, seq=None, ack=None, payload=b"", window=65535):
        t = TCP(sport=self.sport, dport=self.dport, flags=flags, seq=self.snd_nxt if seq is None else seq, window=window)
        if "A" in flags:
            t.ack = self.rcv_nxt if ack is None else ack
        return IP(src=PEER_IP, dst=OUR_IP) / t / payload if payload else IP(src=PEER_IP, dst=OUR_IP) / t

    def connect(self):
        self.w.send(IP(src=PEER_IP, dst=OUR_IP) / TCP(sport=self.sport, dport=self.dport, flags="S", seq=self.iss, window=65535, options=[("MSS", 1460)]))
        sa = self.w.recv(self.w.tcp_from_us(self.sport, lambda p: flags(p) == "SA"), "SYN-ACK")
        assert sa[TCP].ack == self.snd_nxt, f"SYN-ACK acknowledges {sa[TCP].ack}, not {self.snd_nxt}"
        self.rcv_nxt = (sa[TCP].seq + 1) % 2**32
        self.window = sa[TCP].window
        self.w.send(self.seg("A"))
        return sa

    def send_data(self, data):
        self.w.send(self.seg("PA", payload=data))
        self.snd_nxt = (self.snd_nxt + len(data)) % 2**32

    def expect_data(self, n, what):
        """Reads n bytes of in-order data from us, acknowledging each segment; returns them."""
        got = b""
        while len(got) < n:
            p = self.w.recv(self.w.tcp_from_us(self.sport, lambda p: len(data_of(p)) > 0 and p[TCP].seq == self.rcv_nxt), what)
            data = data_of(p)
            got += data
            self.rcv_nxt = (self.rcv_nxt + len(data)) % 2**32
            self.w.send(self.seg("A"))
        return got

    def reset(self):
        """An RST exactly at our RCV.NXT: ends the connection on our side."""
        self.w.send(self.seg("R"))


def scenario_synack(w, args):
    """SYN with every option offered: what does our SYN-ACK carry?"""
    dport = int(args[0])
    c = Conn(w, dport)
    tsval = 123456789
    w.send(IP(src=PEER_IP, dst=OUR_IP) / TCP(
        sport=c.sport, dport=dport, flags="S", seq=c.iss, window=65535,
        options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (tsval, 0)), ("WScale", 7)],
    ))
    sa = w.recv(w.tcp_from_us(c.sport, lambda p: "S" in flags(p)), "SYN-ACK")
    w.send(IP(src=PEER_IP, dst=OUR_IP) / TCP(sport=c.sport, dport=dport, flags="R", seq=c.snd_nxt))
    w.sync()
    return {"flags": flags(sa), "ack": sa[TCP].ack, "expectedAck": c.snd_nxt, "window": sa[TCP].window,
            "options": tcp_options(sa), "sentTsval": tsval}


def scenario_closed(w, args):
    """SYN to a port nobody listens on."""
    dport = int(args[0])
    c = Conn(w, dport)
    w.send(IP(src=PEER_IP, dst=OUR_IP) / TCP(sport=c.sport, dport=dport, flags="S", seq=c.iss, window=65535))
    r = w.recv(w.tcp_from_us(c.sport), "reply to a SYN to a closed port")
    return {"flags": flags(r), "seq": r[TCP].seq, "ack": r[TCP].ack, "expectedAck": c.snd_nxt}


def scenario_rst(w, args):
    """RFC 5961 §3: blind RSTs against an established echo connection (left open at the end for the test to inspect)."""
    port = int(args[0])
    out = {}
    c = Conn(w, port)
    c.connect()
    c.send_data(b"one\n")
    out["echo1"] = c.expect_data(4, "echo of one").decode()

    w.sync()  # whatever we sent so far is read: the next pure ACK is an answer to what follows
    # In the window but not at RCV.NXT: a challenge ACK (SEQ=SND.NXT, ACK=RCV.NXT), and the connection lives.
    c.w.send(c.seg("R", seq=(c.snd_nxt + 1) % 2**32))
    ch = w.recv(w.tcp_from_us(c.sport, lambda p: flags(p) == "A" and len(data_of(p)) == 0), "challenge ACK to an in-window RST")
    out["inWindow"] = {"flags": flags(ch), "ack": ch[TCP].ack, "expectedAck": c.snd_nxt, "seq": ch[TCP].seq, "expectedSeq": c.rcv_nxt}

    # Outside the window (RFC 5961 §3.2 step 1: silently dropped). Then data: every segment
    # from us up to the echo of that data is looked at; a challenge ACK would come first (ACK = the old RCV.NXT).
    w.sync()
    old = c.snd_nxt
    c.w.send(c.seg("R", seq=(c.snd_nxt + c.window + 100000) % 2**32))
    w.seen = []
    c.send_data(b"two\n")
    out["echo2"] = c.expect_data(4, "echo of two").decode()
    out["outOfWindow"] = {"pureAcksOfOldRcvNxt": sum(1 for p in w.seen if TCP in p and p[TCP].dport == c.sport and len(data_of(p)) == 0 and p[TCP].ack == old and flags(p) == "A"),
                          "segmentsBeforeEcho": [p.summary() for p in w.seen]}

    # The connection still works.
    c.send_data(b"three\n")
    out["echo3"] = c.expect_data(6, "echo of three").decode()

    # A second connection: an RST exactly at RCV.NXT resets it; data after it draws an RST (no connection).
    d = Conn(w, port, sport=20000 + (c.sport - 20000 + 1) % 1000)  # another 4-tuple for sure
    d.connect()
    d.send_data(b"four\n")
    out["echo4"] = d.expect_data(5, "echo of four").decode()
    d.reset()
    w.sync()
    d.send_data(b"late\n")
    r = w.recv(w.tcp_from_us(d.sport, lambda p: "R" in flags(p)), "RST for data after the reset")
    out["afterExactRst"] = {"flags": flags(r)}
    out["sport"] = c.sport
    w.sync()
    return out


def scenario_window(w, args):
    """Data past the right edge of our receive window: not accepted, an ACK with the old RCV.NXT comes back."""
    port = int(args[0])
    c = Conn(w, port)
    sa = c.connect()
    out = {"window": sa[TCP].window, "rcvNxt": c.snd_nxt}
    right = (c.snd_nxt + c.window) % 2**32
    replies = []
    for seq, data in ((right, b"EVIL-AT-EDGE"), ((right + 100000) % 2**32, b"EVIL-FAR")):
        c.w.send(c.seg("PA", seq=seq, payload=data))
        a = w.recv(w.tcp_from_us(c.sport, lambda p: "A" in flags(p) and len(data_of(p)) == 0), f"ACK to data at {seq}")
        replies.append({"flags": flags(a), "ack": a[TCP].ack})
    out["beyond"] = replies
    # In-window data is still taken, then our FIN after theirs.
    c.send_data(b"good")
    a = w.recv(w.tcp_from_us(c.sport, lambda p: p[TCP].ack == c.snd_nxt), "ACK of the in-window data")
    out["goodAck"] = a[TCP].ack
    c.w.send(c.seg("FA"))
    c.snd_nxt = (c.snd_nxt + 1) % 2**32
    fin = w.recv(w.tcp_from_us(c.sport, lambda p: "F" in flags(p)), "our FIN")
    c.rcv_nxt = (fin[TCP].seq + len(data_of(fin)) + 1) % 2**32
    c.w.send(c.seg("A"))
    w.sync()
    return out


def tcp_bytes(sport, dport, flags, seq=1000, options=None):
    """A TCP header with a correct checksum (for the pseudo-header of PEER_IP → OUR_IP), as bytes."""
    pkt = IP(src=PEER_IP, dst=OUR_IP) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, window=65535, options=options or [])
    return bytes(IP(bytes(pkt))[TCP])


def scenario_frames(w, args):
    """One kind of malformed or unusual frame; a sync ping afterwards, so the test reads final counters."""
    kind, port = args[0], int(args[1])
    sport = random.randint(20000, 20999)
    out = {"kind": kind}
    ip = IP(src=PEER_IP, dst=OUR_IP)
    syn = TCP(sport=sport, dport=port, flags="S", seq=4242, window=65535)
    synack = lambda p: TCP in p and p[TCP].dport == sport and flags(p) == "SA"  # noqa: E731
    if kind == "vlan-truncated":
        # A frame that ends inside its 802.1Q tag (16 bytes: the header, the TPID and half a TCI).
        w.send_raw(b"\x00\x05", ethertype=0x8100)
    elif kind == "ethernet-only":
        # An Ethernet header (type IPv4) and nothing after it.
        w.send_raw(b"")
    elif kind == "ip-truncated":
        # An IPv4 header cut at 12 bytes; and a whole header whose Total Length (200) runs past the frame.
        w.send_raw(bytes(ip / syn)[:12])
        p = IP(bytes(ip / syn))
        p.len = 200
        del p.chksum
        w.send_raw(bytes(IP(bytes(p)))[:40])
    elif kind == "tcp-truncated":
        # A valid IPv4 header (protocol 6) carrying 12 bytes: less than a TCP header.
        w.send(IP(src=PEER_IP, dst=OUR_IP, proto=6) / Raw(bytes(syn)[:12]))
    elif kind == "ip-checksum":
        p = IP(bytes(ip / syn))
        p.chksum = p.chksum ^ 0x5a5a
        w.send_raw(bytes(p))
    elif kind == "tcp-checksum":
        p = IP(bytes(ip / syn))
        p[TCP].chksum = p[TCP].chksum ^ 0x5a5a
        w.send_raw(bytes(p))
    elif kind == "ip-options":
        # NOP, Router Alert (RFC 2113), NOP... a header of 28 bytes: accepted or not?
        w.send(IP(src=PEER_IP, dst=OUR_IP, options=[IPOption_NOP(), IPOption_NOP(), IPOption_Router_Alert(), IPOption_NOP(), IPOption_NOP()]) / syn)
        w.recv(synack, "SYN-ACK to a SYN with IP options")
        out["synAck"] = True
        w.send(IP(src=PEER_IP, dst=OUR_IP) / TCP(sport=sport, dport=port, flags="R", seq=4243))
    elif kind == "ip-options-malformed":
        # IHL 6: one option word, a Record Route claiming 39 bytes: runs past the header.
        p = IP(bytes(ip / syn))
        raw = bytearray(bytes(p))
        hdr = bytearray(raw[:20]) + bytearray([7, 39, 4, 0])
        hdr[0] = 0x46
        total = len(hdr) + len(raw) - 20
        hdr[2:4] = total.to_bytes(2, "big")
        hdr[10:12] = b"\x00\x00"
        csum = ip_checksum(bytes(hdr))
        hdr[10:12] = csum.to_bytes(2, "big")
        w.send_raw(bytes(hdr) + raw[20:])
    elif kind == "tiny-fragments":
        # RFC 1858 §3.1: the first fragment holds 8 bytes of TCP header (ports and sequence number, no flags); the rest follows.
        t = tcp_bytes(sport, port, "S", seq=4242, options=[("MSS", 1460)])
        w.send(IP(src=PEER_IP, dst=OUR_IP, proto=6, id=0x7171, flags="MF", frag=0) / Raw(t[:8]))
        w.send(IP(src=PEER_IP, dst=OUR_IP, proto=6, id=0x7171, flags=0, frag=1) / Raw(t[8:]))
        w.recv(synack, "SYN-ACK to a SYN in tiny fragments")
        out["synAck"] = True
        w.send(IP(src=PEER_IP, dst=OUR_IP) / TCP(sport=sport, dport=port, flags="R", seq=4243))
    elif kind == "tiny-fragment-alone":
        t = tcp_bytes(sport, port, "S", seq=4242)
        w.send(IP(src=PEER_IP, dst=OUR_IP, proto=6, id=0x7272, flags="MF", frag=0) / Raw(t[:8]))
    elif kind == "overlap":
        # RFC 1858 §4 / RFC 5722: fragment 1 is a harmless ACK (24 bytes, MF); fragment 2 starts at
        # offset 8 (FO=1) and rewrites bytes 8..23 (sequence, ack, flags) into a SYN.
        # Both 24 bytes (an MSS option), each with its own correct checksum: a reassembler that let
        # the later fragment win would hand up a valid SYN.
        harmless = tcp_bytes(sport, port, "A", seq=4242, options=[("MSS", 1460)])
        evil = tcp_bytes(sport, port, "S", seq=4242, options=[("MSS", 1460)])
        assert len(harmless) == len(evil) == 24 and harmless[:8] == evil[:8]
        w.send(IP(src=PEER_IP, dst=OUR_IP, proto=6, id=0x7373, flags="MF", frag=0) / Raw(harmless))
        w.send(IP(src=PEER_IP, dst=OUR_IP, proto=6, id=0x7373, flags=0, frag=1) / Raw(evil[8:]))
    else:
        sys.exit(f"hostile.py: unknown frame kind {kind}")
    w.sync()
    out["fromUs"] = [p.summary() for p in w.seen]
    out["synAckSeen"] = out.get("synAck", False) or any(synack(p) for p in w.seen)
    out["rstSeen"] = any(TCP in p and p[TCP].dport == sport and "R" in flags(p) for p in w.seen)
    return out


def ip_checksum(b):
    s = 0
    for i in range(0, len(b), 2):
        s += (b[i] << 8) | b[i + 1]
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


SCENARIOS = {
    "synack": scenario_synack,
    "closed": scenario_closed,
    "rst": scenario_rst,
    "window": scenario_window,
    "frames": scenario_frames,
}


def main():
    name, our_mac, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    w = Wire(our_mac)
    result = SCENARIOS[name](w, args)
    print(json.dumps(result), flush=True)


main()
