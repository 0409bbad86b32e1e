// A collector's front door for bench:chat with tracing on (BENCH_TRACING=1): takes OTLP/HTTP exports,
// answers 200 and keeps nothing but counts, so the traced server pays for making and sending its spans
// and the sink costs next to nothing. Plain node: its CPU is its own.
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk) => (bytes += chunk.length));
  request.on('end', () => {
    exports += 1;
    if (request.url === '/_stats')
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ exports, bytes }));
    else response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  if (process.send) process.send({ type: 'ready', url });
  else console.log(`OTLP sink on ${url}`);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
