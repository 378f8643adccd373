import { ConfigError, type SettingsValue } from './settings-parser.js';

/** Typed readers for swanctl.conf values; each error names file:line and what was expected. */
export class ValueReader {
  constructor(readonly file: string) {}

  error(line: number, reason: string): ConfigError {
    return new ConfigError(this.file, line, reason);
  }

  /** A comma-separated list, as swanctl.conf writes `local_addrs = 10.0.0.1, 10.0.0.2`. */
  list(v: SettingsValue): string[] {
    return v.value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }

  bool(v: SettingsValue): boolean {
    const value = v.value.toLowerCase();
    if (['yes', 'true', 'enabled', '1'].includes(value)) return true;
    if (['no', 'false', 'disabled', '0'].includes(value)) return false;
    throw this.error(v.line, `${v.key}: expected yes or no, found '${v.value}'`);
  }

  port(v: SettingsValue): number {
    const port = Number(v.value);
    if (!/^\d+$/.test(v.value) || port < 1 || port > 65535) {
      throw this.error(v.line, `${v.key}: expected a UDP port 1-65535, found '${v.value}'`);
    }
    return port;
  }

  /** strongSwan durations: a number with an optional unit s, m, h or d (seconds when none). */
  seconds(v: SettingsValue): number {
    const match = /^(\d+)([smhd]?)$/.exec(v.value);
    if (!match)
      throw this.error(
        v.line,
        `${v.key}: expected a duration such as 30s, 10m, 4h or 1d, found '${v.value}'`,
      );
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
    return Number(match[1]) * unit;
  }

  /** strongSwan byte and packet counts: a number with an optional k, m or g (binary multiples). */
  count(v: SettingsValue): bigint {
    const match = /^(\d+)([kKmMgG]?)$/.exec(v.value);
    if (!match)
      throw this.error(
        v.line,
        `${v.key}: expected a number such as 500000, 512k, 10m or 4g, found '${v.value}'`,
      );
    const shift = { '': 0n, k: 10n, m: 20n, g: 30n }[
      (match[2] as string).toLowerCase() as '' | 'k' | 'm' | 'g'
    ];
    return BigInt(match[1] as string) << shift;
  }

  oneOf<T extends string>(v: SettingsValue, allowed: readonly T[]): T {
    const value = v.value.toLowerCase();
    const found = allowed.find((a) => a === value);
    if (found === undefined)
      throw this.error(v.line, `${v.key}: expected one of ${allowed.join(', ')}, found '${v.value}'`);
    return found;
  }

  /**
   * A secret as swanctl.conf writes it: a plain string, `0x` followed by hex, or `0s` followed by base64.
   */
  secret(v: SettingsValue): Buffer {
    if (/^0x/i.test(v.value)) {
      const hex = v.value.slice(2);
      if (!/^([0-9a-f]{2})+$/i.test(hex))
        throw this.error(v.line, `${v.key}: 0x must be followed by an even number of hex digits`);
      return Buffer.from(hex, 'hex');
    }
    if (v.value.startsWith('0s')) {
      const b64 = v.value.slice(2);
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
        throw this.error(v.line, `${v.key}: 0s must be followed by base64`);
      return Buffer.from(b64, 'base64');
    }
    if (v.value.length === 0) throw this.error(v.line, `${v.key}: the secret is empty`);
    return Buffer.from(v.value, 'utf8');
  }
}
