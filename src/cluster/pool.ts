/**
 * Route pooling (nats-server 2.10+ route.go): a pair of servers keeps `pool_size`
 * connections, and each account's traffic takes the one at its pool index, the same on
 * every server of the cluster. Pure: no sockets, no server.
 */

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/**
 * route.go computeRoutePoolIdx: FNV-1a (32 bits) of the account name modulo the pool size,
 * or 0 for a pool of one (or none). Every server computes the same index for a name.
 */
export function computeRoutePoolIdx(poolSize: number, account: string): number {
  if (poolSize <= 1) return 0;
  let h = FNV32_OFFSET;
  // Go hashes []byte(name): the UTF-8 bytes. Called once per account (callers cache it).
  for (const b of Buffer.from(account, "utf8")) h = Math.imul(h ^ b, FNV32_PRIME) >>> 0;
  return h % poolSize;
}

/**
 * What a peer's first INFO means for the pool (route.go addRoute's checks), or the error
 * nats-server closes the route with. `ourPoolSize` is 0 when pooling is off (`pool_size: -1`).
 * As nats-server 2.11.2+ does for rolling updates, a peer with another pool size is taken:
 * both keep `poolSize` (the larger of the two) connections, and each side sends an
 * account's traffic and interest on the one at its own index for it.
 */
export type PoolDecision = { error: string; noReconnect: boolean } | { error: null; noPool: boolean; poolSize: number };

export function decidePool(
  ourPoolSize: number,
  remotePoolSize: number,
  remoteIdx: number,
  solicited: boolean,
  accountName: string,
): PoolDecision {
  if (remotePoolSize <= 0 || ourPoolSize <= 0) {
    if (accountName !== "") {
      return { error: `Not possible to have a dedicated route for account "${accountName}" between those servers`, noReconnect: true };
    }
    return { error: null, noPool: true, poolSize: 1 };
  }
  const poolSize = Math.max(ourPoolSize, remotePoolSize);
  if (solicited) {
    if (remoteIdx !== 0) return { error: `Route pool index should not be set but is set to ${remoteIdx}`, noReconnect: false };
  } else if (remoteIdx < 0 || remoteIdx >= poolSize) {
    return { error: `Invalid route pool index: ${remoteIdx} - pool size is ${remotePoolSize}`, noReconnect: false };
  }
  return { error: null, noPool: false, poolSize };
}
