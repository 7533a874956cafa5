/** Headers of a request that a trusted proxy (TRUST_PROXY=1) forwarded for `address`. */
export const forwardedFor = (address: string) => ({
  'X-Forwarded-For': address,
});
