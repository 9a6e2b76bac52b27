/**
 * Envelope throughput: one op = seal (fresh random IV, AES-256-GCM, binary type 2 envelope) + open
 * (parse, verify tag, decrypt) of the same body. Compares our sealMessage/openMessage on both AEAD
 * backends with two bare loops: WebCrypto with a pre-imported CryptoKey (the baseline our WebCrypto
 * path should reach ≥ 0.8× of) and node:crypto createCipheriv (the native limit). Every loop draws a
 * random 12-byte IV per message, because the protocol requires it (spec §4).
 *
 * Run: `npx tsx test/bench/envelope.bench.ts` (about 8 s; best of 10 interleaved rounds per variant), or import and call `run()`.
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { nobleAead, webCryptoAead, type Aead } from '../../src/protocol/aead';
import { openMessage, sealMessage } from '../../src/protocol/message';

const SIZES = [64, 1024, 64 * 1024] as const;
/** Interleaved rounds, best round kept: on a shared, noisy machine the maximum is the stable statistic. */
const ROUNDS = 10;
const ROUND_MS = 50;
const WARMUP_MS = 150;

type Op = () => unknown;

interface Sample {
  /** Wall-clock ops/s. */
  opsPerSec: number;
  /** Process CPU time per op (all threads, so WebCrypto's worker threads count): robust to other load. */
  cpuUsPerOp: number;
}

async function measure(op: Op, budgetMs: number): Promise<Sample> {
  const end = performance.now() + budgetMs;
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Batches of 16 keep the clock reads out of the measurement for small bodies.
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    n += 16;
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { opsPerSec: (n * 1000) / wall, cpuUsPerOp: (cpu.user + cpu.system) / n };
}

/** Best of each op over ROUNDS interleaved rounds, so load spikes hit all variants alike. */
async function benchAll(ops: Op[]): Promise<Sample[]> {
  for (const op of ops) await measure(op, WARMUP_MS);
  const best: Sample[] = ops.map(() => ({ opsPerSec: 0, cpuUsPerOp: Infinity }));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < ops.length; i++) {
      const s = await measure(ops[i], ROUND_MS);
      best[i] = { opsPerSec: Math.max(best[i].opsPerSec, s.opsPerSec), cpuUsPerOp: Math.min(best[i].cpuUsPerOp, s.cpuUsPerOp) };
    }
  }
  return best;
}

function oursOp(aead: Aead, key: Uint8Array, pt: Uint8Array): Op {
  return async () => {
    const env = await sealMessage(pt, { key, form: 'binary', aead });
    const m = await openMessage(env, key, { aead });
    if (m.plaintext.length !== pt.length) throw new Error('bench: round trip failed');
  };
}

function bareWebCryptoOp(ck: CryptoKey, pt: Uint8Array<ArrayBuffer>): Op {
  const subtle = globalThis.crypto.subtle;
  return async () => {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, ck, pt);
    const out = await subtle.decrypt({ name: 'AES-GCM', iv }, ck, ct);
    if (out.byteLength !== pt.length) throw new Error('bench: round trip failed');
  };
}

function nodeOp(key: Uint8Array, pt: Uint8Array): Op {
  const iv = Buffer.alloc(12);
  return () => {
    randomFillSync(iv);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([c.update(pt), c.final()]);
    const tag = c.getAuthTag();
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAuthTag(tag);
    const out = Buffer.concat([d.update(ct), d.final()]);
    if (out.length !== pt.length) throw new Error('bench: round trip failed');
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);

export async function run(): Promise<void> {
  const key = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const ck = await globalThis.crypto.subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const started = performance.now();
  console.log('envelope seal+open throughput (ops/s; one op = seal + open)');
  console.log(`${'size'.padEnd(8)}${'node:crypto'.padStart(12)}${'bare-webcr'.padStart(12)}${'ours-webcr'.padStart(12)}${'ours-noble'.padStart(12)}  ratio ours/bare webcrypto (wall; cpu)`);
  for (const size of SIZES) {
    const pt = globalThis.crypto.getRandomValues(new Uint8Array(size));
    const [node, bare, oursWeb, oursNoble] = await benchAll([
      nodeOp(key, pt),
      bareWebCryptoOp(ck, pt),
      oursOp(webCryptoAead, key, pt),
      oursOp(nobleAead, key, pt),
    ]);
    const ratio = oursWeb.opsPerSec / bare.opsPerSec;
    const cpuRatio = bare.cpuUsPerOp / oursWeb.cpuUsPerOp;
    const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
    const ok = Math.max(ratio, cpuRatio) >= 0.8 ? 'ok ≥ 0.8' : 'BELOW 0.8 target';
    console.log(
      `${label.padEnd(8)}  ${fmt(node.opsPerSec)}  ${fmt(bare.opsPerSec)}  ${fmt(oursWeb.opsPerSec)}  ${fmt(oursNoble.opsPerSec)}  ${ratio.toFixed(2)}; ${cpuRatio.toFixed(2)} (${ok})`,
    );
  }
  console.log(`cpu ratio = bare CPU µs/op ÷ ours CPU µs/op (steadier than wall time on a busy machine). total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
