// Child-process script: the floor and the fake remote-write target. A minimal node:http server that reads the
// whole body and answers 200 with an empty body; `GET /__count` returns how many requests with a body it read.
// Plain JS so it starts fast. Usage: node bench/lib/sink-server.mjs [port]   (prints {"msg":"sink up","port":N})
import { createServer } from 'node:http';

let count = 0;
let bytes = 0;
const server = createServer((req, res) => {
  if (req.url === '/__count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count, bytes }));
    return;
  }
  req.on('data', (c) => (bytes += c.length));
  req.on('end', () => {
    count++;
    res.writeHead(200, { 'content-length': 0 });
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ msg: 'sink up', port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
