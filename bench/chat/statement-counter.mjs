// Loaded into the bench's Parley children (`node --import`): notes every statement the server sends its
// database at the driver — on PostgreSQL each `pg.Client#query` (one round trip), on embedded storage each
// request posted to the PGlite thread — with the machine's clock in ms, so bench:chat can count a turn's
// round trips before and after the model call (issue 63) rather than assume them. SIGUSR2 writes what was
// noted since the last signal to BENCH_STATEMENT_LOG as JSON. pg-boss's queue polls and the log readers'
// polls are the server's timers, not a turn's: left out. An array push per statement is all it costs.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pg from 'pg';

const logFile = process.env.BENCH_STATEMENT_LOG;
if (logFile) {
  let noted = [];
  const isTimer = (text) => /pgboss\.|log_cursors/.test(text);
  const note = (text) => {
    if (isTimer(text)) return;
    if (noted.length >= 100_000) noted = noted.slice(50_000);
    noted.push({ at: performance.timeOrigin + performance.now(), text: text.replace(/\s+/g, ' ').slice(0, 100) });
  };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, ...rest) {
    const text = typeof config === 'string' ? config : (config?.name ?? config?.text ?? '');
    note(String(text));
    return query.call(this, config, ...rest);
  };
  const postMessage = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (message?.kind === 'query' || message?.kind === 'exec') note(String(message.sql ?? ''));
    else if (message?.kind === 'begin' || message?.kind === 'end') note(message.kind);
    return postMessage.call(this, message, ...rest);
  };
  process.on('SIGUSR2', () => {
    writeFileSync(logFile, JSON.stringify(noted));
    noted = [];
  });
}
