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

/** The deepest nesting accepted: swanctl.conf needs 5 (connections, conn, children, child, ...). */
export const MAX_DEPTH = 32;
/** The largest configuration accepted, so a huge file fails fast instead of exhausting memory. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * Tokens one at a time, on demand: a syntax error is reported as soon as it is met, after work
 * proportional to the text before it, and no token array of the whole file is ever built.
 */
class Lexer {
  #i = 0;
  #line = 1;
  #peeked: Token | undefined;
  #done = false;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  peek(): Token {
    this.#peeked ??= this.#read();
    return this.#peeked;
  }

  next(): Token {
    const token = this.peek();
    this.#peeked = undefined;
    return token;
  }

  /** True once the final newline (end of text) has been handed out. */
  get done(): boolean {
    return this.#done && this.#peeked === undefined;
  }

  #read(): Token {
    const text = this.text;
    for (;;) {
      if (this.#i >= text.length) {
        this.#done = true;
        return { type: 'newline', text: '', line: this.#line };
      }
      const c = text[this.#i] as string;
      if (c === '\n') {
        this.#i++;
        return { type: 'newline', text: c, line: this.#line++ };
      }
      if (c === ' ' || c === '\t' || c === '\r') {
        this.#i++;
      } else if (c === '#') {
        while (this.#i < text.length && text[this.#i] !== '\n') this.#i++;
      } else if (c === '{' || c === '}' || c === '=') {
        this.#i++;
        return { type: c, text: c, line: this.#line };
      } else if (c === '"') {
        return this.#quoted();
      } else {
        const begin = this.#i;
        while (this.#i < text.length && !' \t\r\n{}="#'.includes(text[this.#i] as string)) this.#i++;
        return { type: 'word', text: text.slice(begin, this.#i), line: this.#line };
      }
    }
  }

  #quoted(): Token {
    const text = this.text;
    const start = this.#line;
    let value = '';
    this.#i++;
    for (;;) {
      if (this.#i >= text.length) throw new ConfigError(this.file, start, 'unterminated quoted string');
      const q = text[this.#i] as string;
      if (q === '"') break;
      if (q === '\\' && this.#i + 1 < text.length) {
        const next = text[this.#i + 1] as string;
        value += ESCAPES[next] ?? `\\${next}`;
        this.#i += 2;
        continue;
      }
      if (q === '\n') this.#line++;
      value += q;
      this.#i++;
    }
    this.#i++;
    return { type: 'string', text: value, line: start };
  }
}

/** Parses settings text into a tree. Throws ConfigError naming file:line on a syntax error. */
export function parseSettings(text: string, file = '<config>'): SettingsSection {
  if (text.length > MAX_CONFIG_BYTES)
    throw new ConfigError(file, 1, `the configuration is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB`);
  const lexer = new Lexer(text, file);

  function parseEntries(depth: number, openLine: number): SettingsEntry[] {
    const entries: SettingsEntry[] = [];
    for (;;) {
      const token = lexer.peek();
      if (token.type === 'newline') {
        lexer.next();
        if (lexer.done) {
          if (depth > 0) throw new ConfigError(file, openLine, "section opened here is not closed with '}'");
          return entries;
        }
        continue;
      }
      if (token.type === '}') {
        if (depth === 0) throw new ConfigError(file, token.line, "unexpected '}'");
        lexer.next();
        return entries;
      }
      if (token.type !== 'word')
        throw new ConfigError(file, token.line, `expected a key or section name, found '${token.text}'`);
      lexer.next();
      const after = lexer.peek();
      if (after.type === '{') {
        if (depth + 1 > MAX_DEPTH)
          throw new ConfigError(file, token.line, `sections nested deeper than ${MAX_DEPTH} levels`);
        lexer.next();
        entries.push({
          kind: 'section',
          name: token.text,
          line: token.line,
          entries: parseEntries(depth + 1, token.line),
        });
      } else if (after.type === '=') {
        lexer.next();
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
      const token = lexer.peek();
      if (token.type === 'word' || token.type === 'string') {
        parts.push(token.text);
        lexer.next();
      } else if (token.type === '=' && parts.length > 0) {
        parts.push('=');
        lexer.next();
      } else {
        return parts.join(' ');
      }
    }
  }

  return { kind: 'section', name: '', line: 1, entries: parseEntries(0, 1) };
}
