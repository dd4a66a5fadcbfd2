/* global setInterval, clearInterval */
// Runs N pyrelay servers behind one listening port with node:cluster (the primary hands each accepted connection
// to a worker process), each with its own config file (own storage path, so its own write-ahead log). A bench
// experiment for "more than one core on the accept path", not a supported way to run pyrelay.
// Usage: node cluster-pyrelay.mjs <config-1.yml> [<config-2.yml> ...]
import cluster from 'node:cluster';

const cli = new URL('../../dist/cli.js', import.meta.url);

if (cluster.isPrimary) {
  const configs = process.argv.slice(2);
  let address;
  const listening = new Set();
  for (const config of configs) {
    cluster.fork({ PYRELAY_CLUSTER_CONFIG: config });
  }
  cluster.on('listening', (w, a) => {
    listening.add(w.id);
    address = `http://${a.address}:${a.port}`;
    if (listening.size === configs.length) console.log(JSON.stringify({ msg: 'pyrelay started', address, processes: configs.length }));
  });
  cluster.on('exit', (w, code, signal) => {
    if (!stopping) {
      console.error(JSON.stringify({ msg: 'a cluster worker exited', code, signal }));
      process.exit(1);
    }
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    const left = () => Object.keys(cluster.workers ?? {}).length;
    const poll = setInterval(() => {
      if (left() === 0) {
        clearInterval(poll);
        process.exit(0);
      }
    }, 50);
  });
} else {
  process.argv = [process.argv[0], cli.pathname, 'server', '--config', process.env.PYRELAY_CLUSTER_CONFIG];
  await import(cli.href);
}
