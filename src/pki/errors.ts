// Errors of the certificate layer. A stable `code` (as Node's own errors) lets callers tell a
// malformed certificate from an unreadable key without matching on messages. Messages never contain
// key material.

export type PkiErrorCode =
  /** The bytes are not a certificate (DER or PEM) both parsers accept. */
  | 'ERR_PKI_CERTIFICATE'
  /** The bytes are not a CRL. */
  | 'ERR_PKI_CRL'
  /** The bytes are not a private key node:crypto can read (PEM or DER, PKCS#8 or traditional). */
  | 'ERR_PKI_PRIVATE_KEY'
  /** The bytes are not a raw public key (SubjectPublicKeyInfo, PEM or DER) for pubkey/. */
  | 'ERR_PKI_PUBLIC_KEY'
  /** A private key file may be read by others than its owner. */
  | 'ERR_PKI_KEY_PERMISSIONS'
  /** A credential file or folder could not be read. */
  | 'ERR_PKI_FILE';

export class PkiError extends Error {
  readonly code: PkiErrorCode;
  constructor(code: PkiErrorCode, message: string) {
    super(message);
    this.name = 'PkiError';
    this.code = code;
  }
}
