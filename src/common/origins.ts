/**
 * The contract's origin rule for HTTP and both socket namespaces: no Origin header (servers, scripts,
 * apps) is accepted, a same-origin page is accepted, anything else must be listed in CORS_ORIGINS
 * (`*` accepts all, only when set explicitly).
 */
export function isOriginAllowed(
  origin: string | undefined,
  allowedOrigins: readonly string[],
  host: string | undefined,
): boolean {
  if (!origin) return true;
  if (allowedOrigins.includes('*') || allowedOrigins.includes(origin))
    return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** The CORS answer for HTTP and the Socket.IO engine alike. */
export interface CorsAnswer {
  origin: string | string[];
  credentials: boolean;
}

/**
 * `*` answers every origin with `Access-Control-Allow-Origin: *` and no credentials: reflecting any
 * origin with credentials allowed would let any site make credentialed requests. Nothing here needs
 * credentials (tokens travel in a header or the handshake, never in cookies), so the widget works on any
 * site. A list reflects the listed origins, with credentials as before.
 */
export function corsAnswer(allowedOrigins: readonly string[]): CorsAnswer {
  return allowedOrigins.includes('*')
    ? { origin: '*', credentials: false }
    : { origin: [...allowedOrigins], credentials: true };
}
