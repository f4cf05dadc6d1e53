/** Addresses in the places they reach: URLs, Prometheus targets, listen flags, SSH names. Pure. */

/** `host:port`, with an IPv6 address in brackets as URLs, Prometheus targets and listen flags expect. */
export function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
