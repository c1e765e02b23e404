#!/usr/bin/env node
// The @stack demo: `npm run demo -- --seed 7 --pcap out.pcap`. See --help.
import { writeFileSync } from 'node:fs';
import { parseDemoArgs } from './cli.js';
import { runDemo } from './scenario.js';

const options = parseDemoArgs(process.argv.slice(2));
const result = await runDemo(options, (line) => console.log(line));
if (options.pcap !== undefined && result.pcap) {
  writeFileSync(options.pcap, result.pcap);
  console.log(`wrote ${result.pcap.length} bytes of pcapng to ${options.pcap}`);
}
process.exitCode = result.ok ? 0 : 1;
