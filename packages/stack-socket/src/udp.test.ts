import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import type { UdpDatagram, UdpSendError } from '@stack/interfaces';
import { misuseCode } from '@stack/testkit/conformance';
import { stacksClosedAfterEach, until } from './socket-pair.test-helper.js';
import type { UdpSendFailure } from './udp.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const LOOPBACK = 0x7f000001;

const stack = stacksClosedAfterEach();

describe('socket stack UDP', () => {
  it('bind(0) knows its ephemeral port at once, and datagrams carry plain bytes and both endpoints', async () => {
    const a = stack();
    const b = stack();
    const got: UdpDatagram[] = [];
    const sa = a.udp.bind(0, (d) => got.push({ ...d, data: d.data.slice() }));
    expect(sa.port).toBeGreaterThan(0);
    expect(sa.address).toBe(LOOPBACK);
    const sb = b.udp.bind(0, () => {});
    expect(sb.send(LOOPBACK, sa.port, text('hi'))).toBeNull();
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ data: text('hi'), src: LOOPBACK, srcPort: sb.port, dst: LOOPBACK, dstPort: sa.port, ttl: 0 });
    expect(Object.getPrototypeOf(got[0]!.data)).toBe(Uint8Array.prototype);
    expect(a.inspect().udp).toMatchObject({ sockets: [{ local: `127.0.0.1:${sa.port}`, port: sa.port, rx: 1, tx: 0 }], stats: { rx: 1 } });
    expect(b.inspect().udp.stats.tx).toBe(1);
  });

  it('send copies the bytes: changing them after send does not change the datagram', async () => {
    const a = stack();
    const got: string[] = [];
    const sa = a.udp.bind(0, (d) => got.push(new TextDecoder().decode(d.data)));
    const buf = text('original');
    expect(a.udp.send('127.0.0.1', sa.port, buf)).toBeNull();
    buf.set(text('CHANGED!'));
    await until(() => got.length === 1);
    expect(got).toEqual(['original']);
  });

  it('a port another stack holds throws ERR_PORT_IN_USE at once (the kernel answers synchronously)', () => {
    const a = stack();
    const b = stack();
    const sa = a.udp.bind(0, () => {});
    expect(() => b.udp.bind(sa.port, () => {})).toThrow(expect.objectContaining({ code: 'ERR_PORT_IN_USE' }));
    expect(b.inspect().udp.sockets).toEqual([]);
  });

  it('receives from a plain dgram socket, and answers it', async () => {
    const s = stack();
    const sock = s.udp.bind(0, (d) => sock.send(d.src, d.srcPort, d.data));
    const peer = createSocket('udp4');
    try {
      const answer = new Promise<string>((resolve) => peer.once('message', (m) => resolve(m.toString())));
      peer.send('ping me', sock.port, '127.0.0.1');
      expect(await answer).toBe('ping me');
    } finally {
      await new Promise<void>((r) => peer.close(() => r()));
    }
  });

  it('kernel send errors come after send returned: counted, and handed to onSendError', async () => {
    const s = stack();
    const failures: [UdpSendError, UdpSendFailure][] = [];
    // Without SO_BROADCAST, the kernel refuses a datagram to 255.255.255.255 (EACCES), or finds no route to it.
    const sock = s.udp.bind(0, () => {}, { broadcast: false, onSendError: (e, f) => failures.push([e, f]) });
    expect(sock.send(0xffffffff, 9, text('nobody'))).toBeNull();
    await until(() => failures.length === 1);
    expect(failures[0]![0]).toBe('no-route');
    expect(failures[0]![1]).toMatchObject({ dst: 0xffffffff, dstPort: 9 });
    expect(['EACCES', 'ENETUNREACH', 'EPERM']).toContain(failures[0]![1].errno);
    expect(s.inspect().udp.stats.sendErrors).toEqual({ 'no-route': 1 });
  });

  it('misuse: bad ports, bad addresses, sends on closed sockets; too-big is a value', async () => {
    const s = stack();
    const sock = s.udp.bind(0, () => {});
    expect(await misuseCode(() => s.udp.bind(65_536, () => {}))).toBe('ERR_INVALID_ARGUMENT');
    expect(await misuseCode(() => s.udp.bind(0, 'x' as unknown as () => void))).toBe('ERR_INVALID_ARGUMENT');
    expect(await misuseCode(() => s.udp.bind(0, () => {}, { address: 0x0a000001 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await misuseCode(() => sock.send(-1, 9, text('x')))).toBe('ERR_INVALID_ARGUMENT');
    expect(await misuseCode(() => sock.write(LOOPBACK, 9, -1, () => {}))).toBe('ERR_INVALID_ARGUMENT');
    expect(await misuseCode(() => s.udp.send('localhost', 9, text('x')))).toBe('ERR_INVALID_ARGUMENT');
    expect(sock.write(LOOPBACK, 9, 65_508, () => {})).toBe('too-big');
    expect(s.udp.send(LOOPBACK, 9, new Uint8Array(65_508))).toBe('too-big');
    sock.close();
    expect(await misuseCode(() => sock.write(LOOPBACK, 9, 1, () => {}))).toBe('ERR_CLOSED');
    // An address of the host that is not the stack's: the kernel refuses (EADDRNOTAVAIL) on a stack bound to every address.
    const any = stack({ address: '0.0.0.0' });
    expect(await misuseCode(() => any.udp.bind(0, () => {}, { address: 0xc0000201 }))).toBe('ERR_INVALID_ARGUMENT');
  });
});
