// Runs the benchmarks beside their peers and prints Markdown tables, one per
// section of BENCHMARKS.md.
//   npm run bench                      all suites
//   npm run bench -- headers checksum  some suites
//   npm run bench -- --write           also refresh the tables in BENCHMARKS.md
//                                      (only the sections whose suites ran)
//   npm run bench -- tcp --profile     also profile the TCP cases (top functions by self time)
//                                      (with wire: the direct server in its UDP, TCP and iperf3 cases)
//   npm run bench -- wire              the real-wire suite (root: a TAP, network namespaces)
// From the repository root, through turbo: npm run bench -- -- tcp --write
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { headersSuite } from './headers.js';
import { checksumSuite } from './checksum.js';
import { udpSuite } from './udp.js';
import { tcpProfiles, tcpSuite } from './tcp.js';
import { wireSuite } from './wire.js';
import { markdown, type Row } from './table.js';

const suites: Record<string, () => Promise<Row[]>> = {
  headers: headersSuite,
  checksum: checksumSuite,
  udp: udpSuite,
  tcp: tcpSuite,
  wire: wireSuite,
};

/** Which suites fill which table: its rows go between `<!-- bench:<section>:start/end -->`. */
const sections: Record<string, readonly string[]> = {
  foundation: ['headers', 'checksum', 'udp'],
  tcp: ['tcp'],
  wire: ['wire'],
};

const args = process.argv.slice(2);
const write = args.includes('--write');
const profiling = args.includes('--profile');
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) {
  if (!(n in suites)) {
    console.error(`unknown suite "${n}"; the suites are: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
}
const chosen = names.length ? names : Object.keys(suites);
const load = loadavg()[0]!.toFixed(1);
const rows = new Map<string, Row[]>();
for (const name of chosen) {
  console.error(`running ${name}...`);
  try {
    rows.set(name, await suites[name]!());
  } catch (e) {
    // A suite that cannot run here (wire without root) says why; the others go on.
    console.error(`suite ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${load} at the start`;
const tables = new Map<string, string>();
for (const [section, members] of Object.entries(sections)) {
  const ran = members.filter((m) => rows.has(m));
  if (ran.length === 0) continue;
  if (ran.length < members.length) {
    console.error(`section ${section}: only ${ran.join(', ')} ran; its table in BENCHMARKS.md is left as it is`);
    console.log(markdown(ran.flatMap((m) => rows.get(m)!)));
    continue;
  }
  tables.set(section, `${markdown(members.flatMap((m) => rows.get(m)!))}\n\n_Measured on ${machine}; peer figures from the same run._`);
}
for (const table of tables.values()) console.log(`${table}\n`);

if (profiling && chosen.includes('tcp')) await tcpProfiles();

if (write) {
  const path = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));
  let doc = readFileSync(path, 'utf8');
  for (const [section, table] of tables) {
    const start = `<!-- bench:${section}:start -->`;
    const end = `<!-- bench:${section}:end -->`;
    const a = doc.indexOf(start);
    const b = doc.indexOf(end);
    if (a < 0 || b < 0) {
      console.error(`BENCHMARKS.md has no ${start} ... ${end} markers`);
      process.exit(1);
    }
    doc = `${doc.slice(0, a + start.length)}\n${table}\n${doc.slice(b)}`;
  }
  writeFileSync(path, doc);
  console.error(`BENCHMARKS.md updated: ${[...tables.keys()].join(', ') || 'nothing (no whole section ran)'}`);
}
