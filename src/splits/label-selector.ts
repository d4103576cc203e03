// Kubernetes label selectors (`app=web,tier!=db,env in (prod,staging),!legacy`), the syntax
// kubectl's -l takes, so users can paste what they already use. Set-based and equality-based
// requirements, all of which must hold. Semantics follow apimachinery: `!=` and `notin` also
// match objects that lack the label.

export type RequirementOperator = 'exists' | 'does-not-exist' | 'equals' | 'not-equals' | 'in' | 'not-in';

export interface Requirement {
  readonly key: string;
  readonly operator: RequirementOperator;
  /** One value for equals/not-equals, one or more for in/not-in, none otherwise. */
  readonly values: readonly string[];
}

export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  matches(labels: Readonly<Record<string, string>>): boolean;
}

export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
}

/** Parses a selector; the empty (or blank) selector matches everything. Throws LabelSelectorError. */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = new Parser(tokenize(text)).parse();
  return {
    requirements,
    matches: (labels) => requirements.every((requirement) => matchesRequirement(requirement, labels)),
  };
}

function matchesRequirement({ key, operator, values }: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, key);
  const value = labels[key];
  switch (operator) {
    case 'exists':
      return has;
    case 'does-not-exist':
      return !has;
    case 'equals':
    case 'in':
      return has && values.includes(value as string);
    case 'not-equals':
    case 'not-in':
      return !has || !values.includes(value as string);
  }
}

type TokenKind = 'identifier' | '(' | ')' | ',' | '=' | '==' | '!=' | '!' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 0-based offset in the selector, for error messages. */
  readonly at: number;
}

const SYMBOLS: readonly TokenKind[] = ['==', '!=', '(', ')', ',', '=', '!'];
/** Characters that end an identifier: whitespace and the symbols above (and < >, which apimachinery reserves). */
const IDENTIFIER = /[^\s(),=!<>]+/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at] as string;
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, at));
    if (symbol !== undefined) {
      tokens.push({ kind: symbol, text: symbol, at });
      at += symbol.length;
      continue;
    }
    if (char === '<' || char === '>') {
      throw new LabelSelectorError(`"${char}" at position ${at + 1} is not supported: use =, ==, !=, in, notin, key or !key`);
    }
    IDENTIFIER.lastIndex = at;
    const identifier = IDENTIFIER.exec(text)?.[0] ?? char;
    tokens.push({ kind: 'identifier', text: identifier, at });
    at += identifier.length;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

class Parser {
  readonly #tokens: readonly Token[];
  #next = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    if (this.#peek().kind === 'end') return requirements;
    for (;;) {
      requirements.push(this.#requirement());
      const token = this.#take();
      if (token.kind === 'end') return requirements;
      if (token.kind !== ',') throw unexpected(token, '"," or the end');
    }
  }

  #requirement(): Requirement {
    if (this.#peek().kind === '!') {
      this.#take();
      return { key: this.#key(), operator: 'does-not-exist', values: [] };
    }
    const key = this.#key();
    const token = this.#peek();
    switch (token.kind) {
      case ',':
      case 'end':
        return { key, operator: 'exists', values: [] };
      case '=':
      case '==':
        this.#take();
        return { key, operator: 'equals', values: [this.#value()] };
      case '!=':
        this.#take();
        return { key, operator: 'not-equals', values: [this.#value()] };
      case 'identifier':
        if (token.text === 'in' || token.text === 'notin') {
          this.#take();
          return { key, operator: token.text === 'in' ? 'in' : 'not-in', values: this.#valueSet(token.text) };
        }
        throw unexpected(token, 'an operator (=, ==, !=, in, notin), "," or the end');
      default:
        throw unexpected(token, 'an operator (=, ==, !=, in, notin), "," or the end');
    }
  }

  #key(): string {
    const token = this.#take();
    if (token.kind !== 'identifier') throw unexpected(token, 'a label key');
    checkKey(token.text);
    return token.text;
  }

  /** The value after = or !=; it may be empty (`tier=` matches an empty label). */
  #value(): string {
    const token = this.#peek();
    if (token.kind === ',' || token.kind === 'end') return '';
    this.#take();
    if (token.kind !== 'identifier') throw unexpected(token, 'a label value');
    checkValue(token.text);
    return token.text;
  }

  /** `(a, b)`; like apimachinery, an empty entry (`(a,)`) stands for the empty value. */
  #valueSet(operator: string): string[] {
    const open = this.#take();
    if (open.kind !== '(') throw unexpected(open, `"(" after ${operator}`);
    if (this.#peek().kind === ')') throw new LabelSelectorError(`"${operator}" needs at least one value at position ${open.at + 1}`);
    const values: string[] = [];
    for (;;) {
      const token = this.#peek();
      if (token.kind === 'identifier') {
        this.#take();
        checkValue(token.text);
        values.push(token.text);
      } else {
        values.push('');
      }
      const separator = this.#take();
      if (separator.kind === ')') return values;
      if (separator.kind !== ',') throw unexpected(separator, '"," or ")"');
    }
  }

  #peek(): Token {
    return this.#tokens[this.#next] as Token;
  }

  #take(): Token {
    const token = this.#peek();
    if (token.kind !== 'end') this.#next++;
    return token;
  }
}

function unexpected(token: Token, expected: string): LabelSelectorError {
  const found = token.kind === 'end' ? 'the end' : `"${token.text}" at position ${token.at + 1}`;
  return new LabelSelectorError(`expected ${expected}, found ${found}`);
}

// Kubernetes' own limits (apimachinery validation.IsQualifiedName / IsValidLabelValue): checking
// them here turns a typo into an error instead of a selector that silently matches nothing.
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): void {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new LabelSelectorError(`label key "${key}": the prefix must be a lower-case DNS subdomain (e.g. example.com)`);
  }
  if (name.length > 63 || !NAME.test(name)) {
    throw new LabelSelectorError(
      `label key "${key}": the name must be 1-63 characters of letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
    );
  }
}

function checkValue(value: string): void {
  if (value.length > 63 || !NAME.test(value)) {
    throw new LabelSelectorError(
      `label value "${value}" must be at most 63 characters of letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
    );
  }
}
