// Two sans-IO TCP engines wired back to back in virtual time: a handshake,
// "hello" each way, and a close, with every segment printed as tcpdump
// would. No sockets, no timers: time is a number we move. Run from the repo
// root:
//   node --conditions=@stack/source --import tsx packages/tcp/examples/engine.ts
import {
  SegmentIn, TcpConnection, TcpState, emitTcp, formatTcpSegment, listenerInput, resolveTcpConfig, tcpBufferLen, tcpHeaderLen, tcpIsn,
  type SegmentOut, type TcpOutput,
} from '@stack/tcp';
import { ipv4 } from '@stack/wire';

const client = ipv4('10.77.60.1');
const server = ipv4('10.77.60.2');
const secret = { k0: 0x1234_5678, k1: 0x9abc_def0 }; // a stack draws this once from its Random
const config = resolveTcpConfig({ timeWait: 2_000 });
let now = 1_000;

// The wire: each side's segments are encoded (checksum and all) and queued for the other, 5 ms later.
const inFlight: { at: number; toServer: boolean; bytes: Uint8Array }[] = [];
function link(toServer: boolean): TcpOutput {
  return {
    emit(seg: SegmentOut): boolean {
      const bytes = new Uint8Array(tcpBufferLen(seg));
      seg.copyPayload(bytes.subarray(tcpHeaderLen(seg))); // the payload straight from the send buffer
      emitTcp(seg, bytes, 0, { src: toServer ? client : server, dst: toServer ? server : client });
      console.log(`${String(now).padStart(5)} ms ${toServer ? 'C > S' : 'S > C'} ${formatTcpSegment(seg)}`);
      inFlight.push({ at: now + 5, toServer, bytes });
      return true;
    },
  };
}
const toServer = link(true);
const toClient = link(false);

const c = TcpConnection.connect({ localPort: 40000, remotePort: 7, iss: tcpIsn(secret, client, 40000, server, 7, now), config });
let s: TcpConnection | null = null;
const seg = new SegmentIn(); // one reusable view for every received segment
const text = new TextDecoder();
const buf = new Uint8Array(100);

c.send(new TextEncoder().encode('hello')); // queued until the handshake completes
c.shutdown(); // and the FIN after it
c.poll(now, toServer);

while (c.state !== TcpState.CLOSED || s?.state !== TcpState.CLOSED) {
  // Advance virtual time to the next packet or timer.
  now = Math.max(now, Math.min(inFlight[0]?.at ?? Infinity, c.nextDeadline(), s?.nextDeadline() ?? Infinity));
  while (inFlight.length > 0 && inFlight[0]!.at <= now) {
    const pkt = inFlight.shift()!;
    seg.readFrom(pkt.bytes);
    if (!pkt.toServer) c.input(seg, now);
    else if (s !== null) s.input(seg, now);
    else if (listenerInput(seg) === 'accept') {
      s = TcpConnection.accept(seg, { localPort: 7, remotePort: 40000, iss: tcpIsn(secret, server, 7, client, 40000, now), config });
    }
  }
  if (s !== null) {
    const n = s.recv(buf);
    if (n > 0) {
      console.log(`          server read "${text.decode(buf.subarray(0, n))}", echoes it`);
      s.send(buf.subarray(0, n));
    }
    if (s.eof && s.state === TcpState.CLOSE_WAIT) s.shutdown();
    s.poll(now, toClient);
  }
  const n = c.recv(buf);
  if (n > 0) console.log(`          client read "${text.decode(buf.subarray(0, n))}"`);
  c.poll(now, toServer);
}
console.log(`both CLOSED at ${now} ms (the client after TIME-WAIT); client srtt ${c.info().srtt} ms, rto ${c.info().rto} ms`);
