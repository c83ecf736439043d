/**
 * Typed, validated configuration from environment variables (12-factor). Every problem is reported at once, at
 * start-up, so a misconfigured process refuses to start instead of failing on its first request.
 */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/** Reads one variable; throws a message (without the variable's name) when the value is unusable. */
export type Setting<T> = (raw: string | undefined) => T;
type Values<S> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

function required<T>(fallback: T | undefined, parse: (raw: string) => T): Setting<T> {
  return (raw) => {
    if (raw === undefined || raw.trim() === '') {
      if (fallback === undefined) throw new Error('is required');
      return fallback;
    }
    return parse(raw.trim());
  };
}

export const setting = {
  string: (fallback?: string): Setting<string> => required(fallback, (raw) => raw),
  optionalString: (): Setting<string | undefined> => (raw) => (raw?.trim() ? raw.trim() : undefined),
  integer: (fallback: number | undefined, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): Setting<number> =>
    required(fallback, (raw) => {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) throw new Error(`must be an integer from ${min} to ${max}, got '${raw}'`);
      return value;
    }),
  number: (fallback: number | undefined, { min = 0, max = Number.MAX_VALUE } = {}): Setting<number> =>
    required(fallback, (raw) => {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < min || value > max) throw new Error(`must be a number from ${min} to ${max}, got '${raw}'`);
      return value;
    }),
  boolean: (fallback?: boolean): Setting<boolean> =>
    required(fallback, (raw) => {
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      throw new Error(`must be true or false, got '${raw}'`);
    }),
  url: (fallback?: string): Setting<string> =>
    required(fallback, (raw) => {
      if (!URL.canParse(raw)) throw new Error(`must be a URL, got '${raw}'`);
      return raw.replace(/\/+$/, '');
    }),
  list: (fallback?: string[]): Setting<string[]> =>
    required(fallback, (raw) => {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      if (items.length === 0) throw new Error('must be a comma-separated list');
      return items;
    }),
  oneOf: <T extends string>(values: readonly T[], fallback?: T): Setting<T> =>
    required(fallback, (raw) => {
      if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(', ')}, got '${raw}'`);
      return raw as T;
    }),
};

/** Reads every setting of `spec` from `source`; throws one ConfigError naming every bad variable. */
export function loadConfig<S extends Record<string, Setting<unknown>>>(spec: S, source: NodeJS.ProcessEnv = process.env): Values<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, read] of Object.entries(spec)) {
    try {
      values[name] = read(source[name]);
    } catch (error) {
      problems.push(`${name} ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as Values<S>;
}
