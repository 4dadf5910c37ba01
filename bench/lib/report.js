// Prints benchmark rows as an aligned table with each row's ratio to the baseline.
import os from 'node:os';

/** Describes the machine and Node version, for the results page. */
export function machineLine() {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus.length} × ${model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

/** Prints rows `{name, rps, p50, p99, errors, non2xx}` with the ratio of each rate to `baseline.rps`. */
export function printTable(title, baseline, rows) {
  const lines = [
    `\n${title}`,
    `${'phase'.padEnd(44)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'× base'.padStart(9)}${'errors'.padStart(8)}`,
  ];
  for (const row of rows) {
    const ratio = baseline === undefined ? '' : (row.rps / baseline.rps).toFixed(2);
    const errors = row.errors + row.non2xx;
    lines.push(
      `${row.name.padEnd(44)}${row.rps.toFixed(0).padStart(10)}${String(row.p50).padStart(9)}${String(row.p99).padStart(9)}${ratio.padStart(9)}${String(errors).padStart(8)}`,
    );
  }
  console.log(lines.join('\n'));
}

/** Prints a target check line: `PASS` or `MISS` with the measured and required value. */
export function checkTarget(label, measured, required, higherIsBetter = true) {
  const pass = higherIsBetter ? measured >= required : measured <= required;
  const sign = higherIsBetter ? '≥' : '≤';
  console.log(`${pass ? 'PASS' : 'MISS'}  ${label}: ${measured.toFixed(2)} (target ${sign} ${required})`);
  return pass;
}
