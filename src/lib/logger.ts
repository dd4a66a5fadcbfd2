// Structured JSON logs (pino). Secrets never reach a log line: auth headers and credential fields are redacted.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', 'headers.Authorization', '*.authToken', '*.basicAuthPassword', 'authToken', 'basicAuthPassword'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
