// Runs the benchmarks beside their peers and prints one Markdown table.
//   pnpm bench                      all suites
//   pnpm bench -- headers checksum  some suites
//   pnpm bench -- --write           also refresh the table in BENCHMARKS.md
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { headersSuite } from './headers.js';
import { checksumSuite } from './checksum.js';
import { udpSuite } from './udp.js';
import { markdown, type Row } from './table.js';

const suites: Record<string, () => Promise<Row[]>> = {
  headers: headersSuite,
  checksum: checksumSuite,
  udp: udpSuite,
};

const args = process.argv.slice(2);
const write = args.includes('--write');
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) {
  if (!(n in suites)) {
    console.error(`unknown suite "${n}"; the suites are: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
}
const chosen = names.length ? names : Object.keys(suites);
const rows: Row[] = [];
for (const name of chosen) {
  console.error(`running ${name}...`);
  rows.push(...(await suites[name]!()));
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
const table = `${markdown(rows)}\n\n_Measured on ${machine}; peer figures from the same run._`;
console.log(table);

if (write) {
  const path = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));
  const start = '<!-- bench:foundation:start -->';
  const end = '<!-- bench:foundation:end -->';
  const doc = readFileSync(path, 'utf8');
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < 0) {
    console.error(`BENCHMARKS.md has no ${start} ... ${end} markers`);
    process.exit(1);
  }
  writeFileSync(path, `${doc.slice(0, a + start.length)}\n${table}\n${doc.slice(b)}`);
  console.error('BENCHMARKS.md updated');
}
