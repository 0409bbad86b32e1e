// Prints the slowest test files of a Vitest JSON report, so CI's log says where the test step's time went.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [reportPath, count = '15'] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch {
  console.log(`(no test timing: ${reportPath} is missing or unreadable)`);
  process.exit(0);
}
const files = report.testResults
  .map((file) => ({
    name: path.relative(process.cwd(), file.name),
    seconds: (file.endTime - file.startTime) / 1000,
    tests: file.assertionResults.length,
  }))
  .sort((a, b) => b.seconds - a.seconds);
const total = files.reduce((sum, file) => sum + file.seconds, 0);
console.log(`slowest test files (of ${files.length}, ${Math.round(total)} s summed over workers):`);
for (const file of files.slice(0, Number(count))) {
  console.log(`  ${file.seconds.toFixed(0).padStart(5)} s  ${String(file.tests).padStart(3)} tests  ${file.name}`);
}
