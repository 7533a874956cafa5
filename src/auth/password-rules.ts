/** Longer passwords are refused at login (LoginDto), so they are refused everywhere else too. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** A password with fewer different characters than this is a repetition ("aaaa…", "abab…"). */
export const MIN_DISTINCT_PASSWORD_CHARACTERS = 5;

/**
 * What is wrong with a chosen password ("must be at least 12 characters"), or null when it is acceptable.
 * The one set of rules for accounts created with a password and for ADMIN_PASSWORD.
 */
export function passwordProblem(
  password: string,
  email: string,
): string | null {
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN_LENGTH)
    return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH)
    return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (new Set(password).size < MIN_DISTINCT_PASSWORD_CHARACTERS)
    return `must use at least ${MIN_DISTINCT_PASSWORD_CHARACTERS} different characters`;
  if (password.trim().toLowerCase() === email.trim().toLowerCase())
    return 'must not be the email';
  return null;
}
