// What a file given to `coroscope report` holds, found from its first bytes,
// and a stream of its JSON Lines: gzip is decompressed (node:zlib), a UTF-8
// byte order mark skipped (it would hide the header), UTF-16 (with a BOM, or
// recognisably without) decoded; archives and other binary data are named
// and refused rather than reported as thousands of "not JSON" lines.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { CliError } from './errors';

export type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'gzip';

/** The first bytes of a file (up to `n`). */
export function head(path: string, n = 64 * 1024): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

const REFUSED: [number[], string][] = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd-compressed'],
  [[0x42, 0x5a, 0x68], 'bzip2-compressed'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz-compressed'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'a 7-Zip archive'],
];

/** The encoding of a trace from its first bytes; throws a CliError naming what it is when it cannot be a trace. */
export function sniff(path: string, b: Uint8Array): Encoding {
  const starts = (sig: number[]) => sig.every((x, i) => b[i] === x);
  if (starts([0x1f, 0x8b])) return 'gzip';
  if (starts([0xef, 0xbb, 0xbf])) return 'utf-8-bom';
  if (starts([0xff, 0xfe])) return 'utf-16le';
  if (starts([0xfe, 0xff])) return 'utf-16be';
  for (const [sig, what] of REFUSED) {
    if (starts(sig)) throw new CliError(`${path} is ${what}, not a JSON Lines trace; unpack it first (coroscope reads plain or gzip-compressed JSON Lines)`);
  }
  // UTF-16 without a byte order mark: ASCII text with every other byte zero.
  if (b.length >= 4 && b[0] !== 0 && b[1] === 0 && b[2] !== 0 && b[3] === 0) return 'utf-16le';
  if (b.length >= 4 && b[0] === 0 && b[1] !== 0 && b[2] === 0 && b[3] !== 0) return 'utf-16be';
  if (b.includes(0)) throw new CliError(`${path} holds binary data (NUL bytes), not a JSON Lines trace`);
  return 'utf-8';
}

/** The trace's JSON Lines: UTF-8 bytes, or text for UTF-16 input. */
export async function* traceChunks(path: string, enc: Encoding, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array | string> {
  const file = createReadStream(path, { highWaterMark: chunkBytes, start: enc === 'utf-8-bom' ? 3 : 0 });
  if (enc === 'utf-8' || enc === 'utf-8-bom') {
    yield* file as AsyncIterable<Buffer>;
    return;
  }
  if (enc === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    file.on('error', (e) => gunzip.destroy(e));
    file.pipe(gunzip);
    let first = true;
    try {
      for await (const c of gunzip as AsyncIterable<Buffer>) {
        // A UTF-8 BOM inside the gzip is skipped too.
        if (first && c[0] === 0xef && c[1] === 0xbb && c[2] === 0xbf) yield c.subarray(3);
        else yield c;
        first = false;
      }
    } catch (e) {
      throw new CliError(`${path}: the gzip data is damaged (${(e as Error).message})`);
    }
    return;
  }
  const dec = new TextDecoder(enc, { ignoreBOM: false });
  for await (const c of file as AsyncIterable<Buffer>) yield dec.decode(c, { stream: true });
  const rest = dec.decode();
  if (rest) yield rest;
}

/** The first line of a trace (from its first bytes, decoded), for a look at its header before reading it all. */
export function firstLine(b: Uint8Array, enc: Encoding): string | undefined {
  if (enc === 'gzip') return undefined;
  const text =
    enc === 'utf-16le' || enc === 'utf-16be' ? new TextDecoder(enc).decode(b) : new TextDecoder('utf-8').decode(enc === 'utf-8-bom' ? b.subarray(3) : b);
  const nl = text.indexOf('\n');
  return nl < 0 ? undefined : text.slice(0, nl);
}
