import { run } from './process.js';

/** One problem tshark found in one frame. */
export interface TsharkIssue {
  /** Frame number in the capture, from 1. */
  frame: number;
  /** Protocol the issue is about ('ip', 'udp', 'tcp', 'icmp', ...), or the frame's top protocol. */
  protocol: string;
  /** tshark's expert message (e.g. "Bad checksum [should be 0xc2ec]"). */
  message: string;
  /** Expert severity: 'chat' | 'note' | 'warning' | 'error' (or a number if tshark adds one). */
  severity: string;
}

/** What `tsharkCheck` found. A clean capture has packets > 0 and all three lists empty. */
export interface TsharkReport {
  /** Frames tshark read. */
  packets: number;
  /** Frames tshark could not dissect (`_ws.malformed`) or flagged in the Malformed expert group. */
  malformed: TsharkIssue[];
  /** Checksums tshark verified and found wrong (IPv4 header, UDP, TCP, ICMP, ICMPv6). */
  badChecksums: TsharkIssue[];
  /** Other expert items of severity warning or error (e.g. "Bad length value"); a test decides whether they matter. */
  warnings: TsharkIssue[];
}

/** Options of `tsharkCheck`. */
export interface TsharkOptions {
  /** Extra preferences, as for `-o name:value`. */
  prefs?: Record<string, string>;
  /** Decode-as rules, as for `-d` (e.g. 'udp.port==5353,dns'). */
  decodeAs?: readonly string[];
  /** Kill tshark after this many ms (default 60,000). */
  timeoutMs?: number;
  /** The tshark binary (default 'tshark' on PATH). */
  tshark?: string;
}

/** Preferences that make tshark 4.0 verify checksums it skips by default. */
export const CHECKSUM_PREFS: Readonly<Record<string, string>> = Object.freeze({
  'ip.check_checksum': 'TRUE',
  'udp.check_checksum': 'TRUE',
  'tcp.check_checksum': 'TRUE',
});

/** Fields asked of tshark, in column order; parseTsharkFields reads them back by position. */
export const TSHARK_FIELDS = [
  'frame.number',
  'frame.protocols',
  '_ws.malformed',
  '_ws.expert.severity',
  '_ws.expert.group',
  '_ws.expert.message',
  'ip.checksum.status',
  'udp.checksum.status',
  'tcp.checksum.status',
  'icmp.checksum.status',
  'icmpv6.checksum.status',
] as const;

const CHECKSUM_COLUMNS: readonly [number, string][] = [
  [6, 'ip'],
  [7, 'udp'],
  [8, 'tcp'],
  [9, 'icmp'],
  [10, 'icmpv6'],
];

/** Separates several occurrences of one field (unit separator: never in a message). */
const AGGREGATOR = '\x1f';

// epan/proto.h: PI_SEVERITY_MASK and PI_GROUP_MASK values
const SEVERITY: Record<number, string> = { 0x00100000: 'comment', 0x00200000: 'chat', 0x00400000: 'note', 0x00600000: 'warning', 0x00800000: 'error' };
const PI_WARN = 0x00600000;
const PI_CHECKSUM = 0x01000000;
const PI_MALFORMED = 0x07000000;
/** proto_checksum_enum_e: 0 = bad, 1 = good, 2 = unverified, 3 = not present, 4 = illegal. */
const CHECKSUM_BAD = '0';

/** The tshark command line `tsharkCheck` runs (exported for the record in test output). */
export function tsharkArgs(pcapPath: string, options: TsharkOptions = {}): string[] {
  const args = ['-n', '-r', pcapPath];
  for (const [k, v] of Object.entries({ ...CHECKSUM_PREFS, ...options.prefs })) args.push('-o', `${k}:${v}`);
  for (const d of options.decodeAs ?? []) args.push('-d', d);
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', `aggregator=${AGGREGATOR}`, '-E', 'header=n');
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  return args;
}

/**
 * Dissects a pcap/pcapng with tshark, checksum verification on
 * (`-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE`),
 * and reports malformed frames, bad checksums and expert warnings.
 * Rejects if tshark fails (missing file, unreadable capture).
 *
 * ```ts
 * const r = await tsharkCheck('/tmp/run.pcap');
 * expect(r.packets).toBeGreaterThan(0);
 * expect(r.malformed).toEqual([]);
 * expect(r.badChecksums).toEqual([]);
 * ```
 */
export async function tsharkCheck(pcapPath: string, options: TsharkOptions = {}): Promise<TsharkReport> {
  const result = await run(options.tshark ?? 'tshark', tsharkArgs(pcapPath, options), {
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  return parseTsharkFields(result.stdout);
}

/** Parses the `-T fields` output of `tsharkArgs` into a report. Pure: unit-testable without tshark. */
export function parseTsharkFields(text: string): TsharkReport {
  const report: TsharkReport = { packets: 0, malformed: [], badChecksums: [], warnings: [] };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const col = line.split('\t');
    const frame = Number(col[0]);
    if (!Number.isInteger(frame)) continue;
    report.packets++;
    const protocols = (col[1] ?? '').split(':');
    const top = protocols[protocols.length - 1] ?? '';
    const severities = split(col[3]).map(Number);
    const groups = split(col[4]).map(Number);
    const messages = split(col[5]);
    const experts = messages.map((message, i) => ({ message, severity: severities[i] ?? 0, group: groups[i] ?? 0 }));

    const malformedFlag = (col[2] ?? '') !== '';
    const malformedExperts = experts.filter((e) => e.group === PI_MALFORMED);
    if (malformedFlag || malformedExperts.length > 0) {
      report.malformed.push({
        frame,
        protocol: top,
        message: (malformedExperts.length > 0 ? malformedExperts : experts).map((e) => e.message).join('; ') || 'Malformed Packet',
        severity: 'error',
      });
    }
    const checksumExperts = experts.filter((e) => e.group === PI_CHECKSUM);
    for (const [index, protocol] of CHECKSUM_COLUMNS) {
      if (!split(col[index]).includes(CHECKSUM_BAD)) continue;
      // tshark emits the expert items in dissection order; match by protocol order as best we can
      const expert = checksumExperts.shift();
      report.badChecksums.push({
        frame,
        protocol,
        message: expert?.message ?? 'Bad checksum',
        severity: severityName(expert?.severity ?? 0x00800000),
      });
    }
    for (const e of experts) {
      if (e.severity >= PI_WARN && e.group !== PI_CHECKSUM && e.group !== PI_MALFORMED) {
        report.warnings.push({ frame, protocol: top, message: e.message, severity: severityName(e.severity) });
      }
    }
  }
  return report;
}

function split(field: string | undefined): string[] {
  return field === undefined || field === '' ? [] : field.split(AGGREGATOR);
}

function severityName(s: number): string {
  return SEVERITY[s] ?? String(s);
}
