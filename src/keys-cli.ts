// `pyrelay keys create|list|revoke`: manages the API key file the server reads (and re-reads on change,
// so neither a new key nor a revocation needs a restart). A new key is printed once and never stored.
import { Command, Option } from 'commander';
import { loadConfig } from './config/load.js';
import { KEY_ROLES, createKey, readKeyFile, revokeKey, type KeyRole } from './auth/key-store.js';

interface Out {
  out(text: string): void;
  err(text: string): void;
}

function keysFileOf(opts: { config?: string; storagePath?: string; keysFile?: string }): string {
  const flags: Record<string, string | undefined> = {};
  if (opts.storagePath) flags['storage-path'] = opts.storagePath;
  if (opts.keysFile) flags['auth.keys-file'] = opts.keysFile;
  return loadConfig({ file: opts.config, env: process.env, flags }).config.auth.keysFile;
}

const common = (cmd: Command) =>
  cmd
    .addOption(new Option('--config <file>', 'server config file (finds storage-path and auth.keys-file)').env('PYROSCOPE_CONFIG'))
    .option('--storage-path <dir>', 'storage directory of the server (keys live in <dir>/auth/keys.json)')
    .option('--keys-file <file>', 'the key file itself');

export function keysCommand(io: Out = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): Command {
  const keys = new Command('keys').description('manage API keys (auth.ingestion / auth.query)');
  const fail = (e: unknown) => {
    io.err(`pyrelay keys: ${(e as Error).message}\n`);
    process.exitCode = 2;
  };

  common(keys.command('create').description('create a key and print it once'))
    .requiredOption('--name <name>', 'a name to recognise the key by (unique among active keys)')
    .addOption(new Option('--role <role>', 'what the key may do').choices([...KEY_ROLES]).makeOptionMandatory())
    .option('--tenant <id>', 'tenant every request with this key belongs to (multi-tenancy)')
    .action((o: { name: string; role: KeyRole; tenant?: string; config?: string; storagePath?: string; keysFile?: string }) => {
      try {
        const { record, key } = createKey(keysFileOf(o), { name: o.name, role: o.role, tenant: o.tenant, now: new Date() });
        io.err(`created ${record.role} key ${JSON.stringify(record.name)} (id ${record.id}${record.tenant ? `, tenant ${record.tenant}` : ''}); it is shown only now:\n`);
        io.out(`${key}\n`);
      } catch (e) {
        fail(e);
      }
    });

  common(keys.command('list').description('list keys (never the keys themselves)'))
    .option('--json', 'print JSON')
    .action((o: { json?: boolean; config?: string; storagePath?: string; keysFile?: string }) => {
      try {
        const rows = readKeyFile(keysFileOf(o)).map(({ hash: _hash, ...rest }) => rest);
        if (o.json) return io.out(JSON.stringify(rows, null, 2) + '\n');
        io.out(['ID            NAME                 ROLE    TENANT          CREATED                   REVOKED'].join('') + '\n');
        for (const r of rows) {
          io.out(`${r.id.padEnd(14)}${r.name.padEnd(21)}${r.role.padEnd(8)}${(r.tenant ?? '-').padEnd(16)}${r.createdAt.padEnd(26)}${r.revokedAt ?? '-'}\n`);
        }
      } catch (e) {
        fail(e);
      }
    });

  common(keys.command('revoke').description('revoke a key by id or name (the server stops accepting it without a restart)'))
    .argument('<id-or-name>')
    .action((idOrName: string, o: { config?: string; storagePath?: string; keysFile?: string }) => {
      try {
        const r = revokeKey(keysFileOf(o), idOrName, new Date());
        if (r === undefined) throw new Error(`no active key with id or name ${JSON.stringify(idOrName)}`);
        io.err(`revoked key ${JSON.stringify(r.name)} (id ${r.id})\n`);
      } catch (e) {
        fail(e);
      }
    });
  return keys;
}
