/**
 * The reference gateway in a child process, for benches that time round trips through it: in the bench's
 * own process its answers would wait on whatever Playwright's driver is doing on the same event loop.
 * Talks to the parent over IPC: { issue: clientHash, id } → { id, pair }; { close: true } → exits.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createGateway } from '../../src/gateway/index';

export interface GatewayProcess {
  url: string;
  issueTokens(clientHash: string): Promise<{ accessToken: string; refreshToken: string }>;
  close(): Promise<void>;
}

type Reply = { url: string } | { id: number; pair: { accessToken: string; refreshToken: string } };

export async function startGatewayProcess(): Promise<GatewayProcess> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, (pair: { accessToken: string; refreshToken: string }) => void>();
  let next = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: Reply) => ('url' in m ? resolve(m.url) : waiting.get(m.id)?.(m.pair)));
  });
  return {
    url,
    issueTokens: (clientHash) =>
      new Promise((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        child.send({ issue: clientHash, id });
      }),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send({ close: true });
      }),
  };
}

if (process.argv.includes('--child')) {
  const gw = await createGateway({ port: 0, log: false, rateLimits: false });
  process.on('message', (m: { issue?: string; id?: number; close?: boolean }) => {
    if (m.close) void gw.close().then(() => process.exit(0));
    else if (m.issue !== undefined) process.send!({ id: m.id, pair: gw.issueTokens(m.issue) });
  });
  process.send!({ url: gw.url });
}
