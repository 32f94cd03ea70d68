/** Address helpers shared by the client and monitoring listeners. */
import { networkInterfaces } from "node:os";

/** `host:port`, bracketing IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The URLs a listener can be reached at. For a wildcard host, every local address,
 * IPv4 first and loopback before the rest (as nats-server's ports file lists them).
 */
export function listenURLs(scheme: string, host: string, port: number): string[] {
  if (host !== "0.0.0.0" && host !== "::" && host !== "") return [`${scheme}://${hostPort(host, port)}`];
  const out: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(networkInterfacesSafe())) {
    for (const a of list ?? []) {
      if (a.family === "IPv4") out.push(`${scheme}://${hostPort(a.address, port)}`);
      else if (host === "::") v6.push(`${scheme}://${hostPort(a.address, port)}`);
    }
  }
  out.sort((a, b) => Number(!a.includes("127.0.0.1")) - Number(!b.includes("127.0.0.1")));
  return out.length + v6.length > 0 ? [...out, ...v6] : [`${scheme}://${hostPort("127.0.0.1", port)}`];
}

function networkInterfacesSafe(): ReturnType<typeof networkInterfaces> {
  try {
    return networkInterfaces();
  } catch {
    return {};
  }
}
