/**
 * PEM (RFC 7468): the base64 blocks of a file and their labels. Files in the swanctl folders may be
 * PEM or DER; DER is returned as one block with no label.
 */

export interface PemBlock {
  /** The label after BEGIN (`CERTIFICATE`, `X509 CRL`, `PRIVATE KEY`, ...); '' for DER input. */
  readonly label: string;
  readonly der: Uint8Array;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The data looks like PEM text (starts, after whitespace, with a BEGIN line). */
export function isPem(data: Uint8Array): boolean {
  const head = Buffer.from(data.subarray(0, 64)).toString('latin1');
  return /^\s*-----BEGIN /.test(head);
}

/** The blocks of PEM text (RFC 7468 section 2; headers of the legacy form are skipped), or DER as is. */
export function pemBlocks(data: Uint8Array): PemBlock[] {
  if (!isPem(data)) return [{ label: '', der: data }];
  const text = Buffer.from(data).toString('latin1');
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = (m[2] ?? '')
      .split(/\r?\n/)
      .filter((line) => !line.includes(':'))
      .join('');
    out.push({ label: m[1] ?? '', der: new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64')) });
  }
  return out;
}
