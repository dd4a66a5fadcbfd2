// The process's last line of defence: a promise rejected with nobody listening (a library's stray internal
// promise, e.g. lmdb's commitError after a failed commit on a full disk) is logged and counted instead of ending
// the process, which Node does by default. Installed by the CLI, which owns the process; the metric is API.
import { Counter, type Registry } from 'prom-client';

export interface GuardLogger {
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Installs the handler on `proc`; returns the function that removes it. */
export function guardUnhandledRejections(proc: NodeJS.Process, deps: { logger: GuardLogger; registry: Registry }): () => void {
  const counter = new Counter({
    name: 'pyrelay_unhandled_rejections_total',
    help: 'Promise rejections nobody handled; logged and counted instead of ending the process',
    registers: [deps.registry],
  });
  const onRejection = (reason: unknown) => {
    counter.inc();
    const err = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    deps.logger.error({ err }, 'unhandled promise rejection (the process keeps running)');
  };
  proc.on('unhandledRejection', onRejection);
  return () => void proc.off('unhandledRejection', onRejection);
}
