/**
 * strongSwan's settings syntax (swanctl.conf, strongswan.conf): nested `name { ... }` sections and
 * `key = value` lines, `#` comments, values quoted with "..." when they hold special characters.
 * This parser keeps the line of every key so that configuration errors can name file:line.
 */

export interface SettingsValue {
  readonly kind: 'value';
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export interface SettingsSection {
  readonly kind: 'section';
  readonly name: string;
  readonly line: number;
  readonly entries: readonly SettingsEntry[];
}

export type SettingsEntry = SettingsValue | SettingsSection;

export class ConfigError extends Error {
  readonly code = 'ERR_IKETS_CONFIG';
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'ConfigError';
    this.file = file;
    this.line = line;
  }
}

interface Token {
  readonly type: 'word' | 'string' | '{' | '}' | '=' | 'newline';
  readonly text: string;
  readonly line: number;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      tokens.push({ type: 'newline', text: c, line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === '=') {
      tokens.push({ type: c, text: c, line });
      i++;
    } else if (c === '"') {
      const start = line;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ConfigError(file, start, 'unterminated quoted string');
        const q = text[i] as string;
        if (q === '"') break;
        if (q === '\\' && i + 1 < text.length) {
          const next = text[i + 1] as string;
          value += ESCAPES[next] ?? `\\${next}`;
          i += 2;
          continue;
        }
        if (q === '\n') line++;
        value += q;
        i++;
      }
      i++;
      tokens.push({ type: 'string', text: value, line: start });
    } else {
      const begin = i;
      while (i < text.length && !' \t\r\n{}="#'.includes(text[i] as string)) i++;
      tokens.push({ type: 'word', text: text.slice(begin, i), line });
    }
  }
  tokens.push({ type: 'newline', text: '', line });
  return tokens;
}

/** Parses settings text into a tree. Throws ConfigError naming file:line on a syntax error. */
export function parseSettings(text: string, file = '<config>'): SettingsSection {
  const tokens = tokenize(text, file);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;

  function parseEntries(depth: number, openLine: number): SettingsEntry[] {
    const entries: SettingsEntry[] = [];
    for (;;) {
      const token = peek();
      if (token.type === 'newline') {
        pos++;
        if (pos >= tokens.length) {
          if (depth > 0) throw new ConfigError(file, openLine, "section opened here is not closed with '}'");
          return entries;
        }
        continue;
      }
      if (token.type === '}') {
        if (depth === 0) throw new ConfigError(file, token.line, "unexpected '}'");
        pos++;
        return entries;
      }
      if (token.type !== 'word')
        throw new ConfigError(file, token.line, `expected a key or section name, found '${token.text}'`);
      pos++;
      const after = peek();
      if (after.type === '{') {
        pos++;
        entries.push({
          kind: 'section',
          name: token.text,
          line: token.line,
          entries: parseEntries(depth + 1, token.line),
        });
      } else if (after.type === '=') {
        pos++;
        entries.push({ kind: 'value', key: token.text, value: readValue(), line: token.line });
      } else {
        throw new ConfigError(file, token.line, `expected '=' or '{' after '${token.text}'`);
      }
    }
  }

  /** A value runs to the end of the line; words keep the single spaces between them. */
  function readValue(): string {
    const parts: string[] = [];
    for (;;) {
      const token = peek();
      if (token.type === 'word' || token.type === 'string') {
        parts.push(token.text);
        pos++;
      } else if (token.type === '=' && parts.length > 0) {
        parts.push('=');
        pos++;
      } else {
        return parts.join(' ');
      }
    }
  }

  return { kind: 'section', name: '', line: 1, entries: parseEntries(0, 1) };
}
