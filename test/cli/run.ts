/** Runs `ikets` in-process with captured output, for the command-line tests. */
import { readFile } from 'node:fs/promises';
import { runCli } from '../../src/cli/main.js';

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly bytes: Buffer;
}

export async function ikets(args: string[], stdin?: Buffer): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const chunks: Uint8Array[] = [];
  const status = await runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdoutBytes: (bytes) => {
      chunks.push(bytes);
    },
    stdoutIsTerminal: false,
    readInput: async (path) => {
      if (path !== '-') return readFile(path);
      if (stdin === undefined) throw new Error('no standard input in this test');
      return stdin;
    },
  });
  return { status, stdout, stderr, bytes: Buffer.concat(chunks) };
}
