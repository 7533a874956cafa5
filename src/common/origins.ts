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
