import { readFile } from 'node:fs/promises';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Writes bytes to standard output (the encoded messages of `ikets encode`). */
  readonly stdoutBytes: (bytes: Uint8Array) => void;
  /** True when standard output is a terminal, where binary output does not belong. */
  readonly stdoutIsTerminal: boolean;
  /** True when standard error is a terminal (where `ikets load` rewrites its progress line). */
  readonly stderrIsTerminal?: boolean;
  /** Reads a file, or standard input for `-`. */
  readonly readInput: (path: string) => Promise<Buffer>;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutBytes: (bytes) => process.stdout.write(bytes),
  stdoutIsTerminal: process.stdout.isTTY === true,
  stderrIsTerminal: process.stderr.isTTY === true,
  readInput: (path) => (path === '-' ? readStdin() : readFile(path)),
};
