import type { Settings } from '../config/settings';

export const REDACTED = '[REDACTED]';

/** Shorter configured values are left alone: masking "test" in every line would hide more than it protects. */
const MIN_SECRET_LENGTH = 4;

/**
 * Shapes of secrets whatever their value: a password in a URL (`scheme://user:password@`), the credentials
 * of an Authorization header, a JWT (an access token), an OpenAI-style API key.
 */
const SECRET_SHAPES: [RegExp, string][] = [
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]+@/gi, `$1:${REDACTED}@`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
];

/**
 * Masks secrets in log output: every configured secret by value (raw, URL-encoded and as JSON escapes it),
 * and the shapes above whatever their value. Applied to whole lines, so nothing a message, a stack trace or
 * a framework line carries gets past it.
 */
export class SecretRedactor {
  private readonly known: RegExp | undefined;

  constructor(secrets: Iterable<string>) {
    const variants = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      variants.add(secret);
      variants.add(encodeURIComponent(secret));
      variants.add(JSON.stringify(secret).slice(1, -1));
    }
    // Longest first, so that a secret containing another is masked whole.
    const alternatives = [...variants]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp);
    this.known = alternatives.length
      ? new RegExp(alternatives.join('|'), 'g')
      : undefined;
  }

  static fromSettings(
    settings: Pick<
      Settings,
      | 'jwtSecret'
      | 'adminPassword'
      | 'aiApiKeys'
      | 'databaseUrl'
      | 'redisUrl'
      | 'metricsToken'
    >,
  ): SecretRedactor {
    return new SecretRedactor(
      [
        settings.jwtSecret,
        settings.adminPassword,
        settings.metricsToken,
        ...settings.aiApiKeys,
        ...urlSecrets(settings.databaseUrl),
        ...urlSecrets(settings.redisUrl),
      ].filter((secret): secret is string => secret !== undefined),
    );
  }

  redact(text: string): string {
    let redacted = this.known ? text.replace(this.known, REDACTED) : text;
    for (const [shape, replacement] of SECRET_SHAPES) {
      redacted = redacted.replace(shape, replacement);
    }
    return redacted;
  }
}

/** The URL's password, as written in it and decoded; the whole value when it cannot be parsed. */
function urlSecrets(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const { password } = new URL(url);
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [url];
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
