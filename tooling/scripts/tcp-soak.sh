#!/usr/bin/env bash
# Soak run of the TCP transfer matrix (packages/stack-direct/test/tcp-matrix.sim.test.ts):
# many more seeds than CI, spread evenly over every cell (condition × mode).
#   bash tooling/scripts/tcp-soak.sh             # 2000 seeds (the default)
#   bash tooling/scripts/tcp-soak.sh 10000       # or any number
#   bash tooling/scripts/tcp-soak.sh 10000 5000  # fresh seeds: skip the first 5000 of each cell
#   pnpm soak 5000
# A failure names its seed and cell; replay just that run with
#   SOAK_SEEDS=<seeds> SOAK_FROM=<from> TCP_SEED=<seed> npx vitest run --project sim packages/stack-direct/test/tcp-matrix.sim.test.ts
# Exit status is vitest's. Each cell keeps its one 10 MiB run; the rest move 0 B..1 MiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds=${1:-${SOAK_SEEDS:-2000}}
from=${2:-${SOAK_FROM:-0}}
if ! [[ $seeds =~ ^[1-9][0-9]*$ && $from =~ ^[0-9]+$ ]]; then
  echo "usage: tcp-soak.sh [SEEDS [FROM]]  (SEEDS > 0, default 2000; FROM >= 0, default 0; got '$seeds' '$from')" >&2
  exit 2
fi
echo "tcp soak: ${seeds} seeds over the matrix, from ${from}"
started=$SECONDS
# Unlimited test time: a soak of thousands of runs is one long file.
SOAK_SEEDS=$seeds SOAK_FROM=$from node_modules/.bin/vitest run --project sim --testTimeout 0 --reporter dot \
  packages/stack-direct/test/tcp-matrix.sim.test.ts
echo "tcp soak: ${seeds} seeds passed in $((SECONDS - started)) s"
