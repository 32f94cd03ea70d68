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

/**
 * The host and port INFO tells clients: `client_advertise` ("host", "host:port" or
 * "[v6]:port") when set, the port defaulting to the listen port (nats-server setInfoHostPort).
 */
export function advertiseAddress(advertise: string | undefined, host: string, port: number): { host: string; port: number } {
  if (advertise === undefined || advertise === "") return { host, port };
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(advertise) ?? /^([^:]+)(?::(\d+))?$/.exec(advertise);
  if (m === null) return { host: advertise, port };
  return { host: m[1]!, port: m[2] !== undefined ? Number(m[2]) : port };
}
