import { describe, expect, it } from 'vitest';
import { TcpState } from './state.js';
import { ACTIVE_HANDSHAKE, PASSIVE_HANDSHAKE, active, passive } from './fixtures.test-helper.js';

describe('three-way handshake (RFC 9293 §3.5)', () => {
  it('active open negotiates MSS, window scale, SACK and timestamps (RFC 7323, RFC 2018)', () => {
    const s = active().run(ACTIVE_HANDSHAKE).done();
    const info = s.conn!.info();
    expect(info.state).toBe(TcpState.ESTABLISHED);
    expect(info).toMatchObject({ mss: 1000 - 12, peerMss: 1000, sndWscale: 0, rcvWscale: 1, timestamps: true, sack: true, sndWnd: 65535, rcvWnd: 65536 });
    // Karn-timed SYN: 10 ms RTT → SRTT 10, RTTVAR 5, RTO = max(10 + 4·5, rtoMin 200).
    expect(info).toMatchObject({ srtt: 10, rttvar: 5, rto: 200 });
  });

  it('active open against a peer that offers no options: no scaling, no timestamps, MSS 536', () => {
    const s = active().run([
      [0, '>', 'S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 1>'],
      [5, '<', 'S. 0:0(0) ack 1 win 8192'],
      [5, '>', '. 1:1(0) ack 1 win 65535 <>'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ state: TcpState.ESTABLISHED, mss: 536, sndWscale: 0, rcvWscale: 0, timestamps: false, sack: false, sndWnd: 8192 });
  });

  it('passive open answers only what the SYN offered', () => {
    const s = passive().run(PASSIVE_HANDSHAKE).done();
    expect(s.conn!.state).toBe(TcpState.ESTABLISHED);
    expect(s.conn!.passive).toBe(true);

    const bare = passive().run([
      [0, '<', 'S 0:0(0) win 4096'],
      [0, '>', 'S. 0:0(0) ack 1 win 65535 <mss 1460>'],
      [1, '<', '. 1:1(0) ack 1 win 4096'],
    ]).done();
    expect(bare.conn!.info()).toMatchObject({ state: TcpState.ESTABLISHED, timestamps: false, sack: false, sndWscale: 0, rcvWscale: 0, sndWnd: 4096 });

    const tsOnly = passive().run([
      [0, '<', 'S 0:0(0) win 4096 <mss 1200,TS val 7 ecr 0>'],
      [0, '>', 'S. 0:0(0) ack 1 win 65535 <mss 1460,TS val 0 ecr 7>'],
    ]).done();
    expect(tsOnly.conn!.info()).toMatchObject({ state: TcpState.SYN_RECEIVED, timestamps: true, mss: 1188 });
  });

  it('options turned off in the config are neither offered nor accepted', () => {
    active({ windowScaling: false, timestamps: false, sack: false }).run([
      [0, '>', 'S 0:0(0) win 65535 <mss 1460>'],
      [3, '<', 'S. 0:0(0) ack 1 win 1000 <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 9>'],
      [3, '>', '. 1:1(0) ack 1 win 65535 <>'],
    ]).done();
    const s = passive({ windowScaling: false, mss: 1200 }).run([
      [0, '<', 'S 0:0(0) <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 9>'],
      [0, '>', 'S. 0:0(0) ack 1 <mss 1200,sackOK,TS val 0 ecr 1>'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ sndWscale: 0, rcvWscale: 0, mss: 1188 });
  });

  it('offers the smallest shift that covers the receive buffer (4 MiB: 7, as Linux)', () => {
    const s = active({ recvBufferSize: 4 << 20 }).run([
      [0, '>', 'S 0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7>'],
      [10, '<', 'S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 110 ecr 0,nop,wscale 0>'],
      [10, '>', '. 1:1(0) ack 1 win 32768 <TS val 10 ecr 110>'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ rcvWscale: 7, rcvWnd: 4 << 20 });
    active({ recvBufferSize: 65535 }).run([[0, '>', 'S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 0>']]).done();
    active({ recvBufferSize: 65536 }).run([[0, '>', 'S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 1>']]).done();
  });

  it('a window scale above 14 is taken as 14 (RFC 7323 §2.3)', () => {
    const s = active().run([
      [0, '>', 'S 0:0(0)'],
      [1, '<', 'S. 0:0(0) ack 1 win 100 <mss 1460,nop,wscale 15>'],
      [1, '>', '. 1:1(0) ack 1 win 32768'],
      [2, '<', '. 1:1(0) ack 1 win 2'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ sndWscale: 14, sndWnd: 2 * 16384 });
  });

  it('the SYN-ACK answers a retransmitted SYN (the peer missed ours)', () => {
    passive().run([
      [0, '<', 'S 0:0(0) win 65535 <mss 1000>'],
      [0, '>', 'S. 0:0(0) ack 1 <mss 1460>'],
      [500, '<', 'S 0:0(0) win 65535 <mss 1000>'],
      [500, '>', 'S. 0:0(0) ack 1 <mss 1460>'],
      [510, '<', '. 1:1(0) ack 1 win 65535'],
    ]).done();
  });

  it('a repeated SYN and the completing ACK in one batch: no stale SYN-ACK, nothing left to poll', () => {
    const s = passive().run([
      [0, '<', 'S 0:0(0) win 65535'],
      [0, '>', 'S. 0:0(0) ack 1 <mss 1460>'],
      [5, '<<', 'S 0:0(0) win 65535'],
      [5, '<', '. 1:1(0) ack 1 win 65535'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.ESTABLISHED);
    expect(s.conn!.nextDeadline()).toBe(Infinity);
  });

  it('SYN-RECEIVED answers an ACK of something never sent with RST (RFC 9293 §3.10.7.4)', () => {
    const s = passive().run([
      [0, '<', 'S 0:0(0) win 65535'],
      [0, '>', 'S. 0:0(0) ack 1'],
      [1, '<', '. 1:1(0) ack 5 win 65535'],
      [1, '>', 'R 5:5(0)'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.SYN_RECEIVED);
  });

  it('SYN-SENT answers an unacceptable ACK with RST and stays (RFC 9293 §3.10.7.3)', () => {
    const s = active().run([
      [0, '>', 'S 0:0(0)'],
      [1, '<', 'S. 0:0(0) ack 7 win 100'],
      [1, '>', 'R 7:7(0)'],
      [2, '<', '. 0:0(0) ack 0 win 100'],
      [2, '>', 'R 0:0(0)'],
      [3, '<', 'P 0:5(5) win 100'], // neither ACK, SYN nor RST: dropped
    ]).done();
    expect(s.conn!.state).toBe(TcpState.SYN_SENT);
  });

  it('simultaneous open (RFC 9293 Figure 8)', () => {
    const s = active().run([
      [0, '>', 'S 0:0(0) <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 1>'],
      [5, '<', 'S 0:0(0) win 65535 <mss 1460,sackOK,TS val 50 ecr 0,nop,wscale 2>'],
      [5, '>', 'S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 5 ecr 50,nop,wscale 1>'],
      [6, 'call', (c) => expect(c.state).toBe(TcpState.SYN_RECEIVED)],
      [10, '<', 'S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 55 ecr 0,nop,wscale 2>'],
      [11, 'call', (c) => expect(c.state).toBe(TcpState.ESTABLISHED)],
      [20, '<', 'P. 1:11(10) ack 1 win 100 <TS val 65 ecr 5>'],
      [20, '>', '. 1:1(0) ack 11 <TS val 20 ecr 65>'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ sndWscale: 2, sndWnd: 400, timestamps: true });
  });
});
