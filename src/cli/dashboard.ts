import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import { UsageError } from '../errors.js';

export interface DashboardOptions {
  host: string;
  port: number;
  /** No retry, clean or remove buttons. */
  readOnly: boolean;
  /** Basic-auth password (user `vnpipe`); required to bind beyond this machine. */
  password: string | undefined;
}

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|localhost)$/;

/**
 * Bull Board for the documents queue. Bull Board has no authentication of its own, so
 * it listens on loopback unless a password is set, and then every request needs it.
 */
export async function startDashboard(queue: Queue, options: DashboardOptions): Promise<Server> {
  if (!LOOPBACK.test(options.host) && !options.password) {
    throw new UsageError(`the dashboard has no login of its own: set VNPIPE_DASHBOARD_PASSWORD to listen on ${options.host}`);
  }
  const board = new ExpressAdapter();
  board.setBasePath('/');
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: options.readOnly, displayName: 'documents' })],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'vnpipe' } },
  });
  const app = express();
  if (options.password) app.use(basicAuth(options.password));
  app.use('/', board.getRouter());
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, options.host, () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UsageError(`port ${options.port} on ${options.host} is in use`) : err),
    );
  });
}

function basicAuth(password: string) {
  const expected = Buffer.from(`vnpipe:${password}`);
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64') : Buffer.alloc(0);
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Basic realm="vnpipe", charset="UTF-8"').status(401).send('password required\n');
  };
}
