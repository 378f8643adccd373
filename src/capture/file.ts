/** The capture reader's only I/O: read a file, then parse it with the pure functions. */
import { readFile } from 'node:fs/promises';
import { type CaptureReadResult, type ReadOptions, readCapture } from './reader.js';

export async function readCaptureFile(path: string, options: ReadOptions = {}): Promise<CaptureReadResult> {
  return readCapture(await readFile(path), options);
}
