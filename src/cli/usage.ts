/**
 * `tsnats-server --help` text. Same sections, flags, aliases and order as
 * `nats-server --help` (v2.9.10), so people and scripts that know one know the other;
 * descriptions are our own words. test/cli/flags.test.ts checks that every flag the
 * parser accepts is listed here, and that every flag the live nats-server lists is too.
 */
import { SERVER_PROGRAM_NAME, TSNATS_EXTENSION_FLAGS, UNSUPPORTED_FLAGS } from "./flags.js";

/** Program name printed in usage and messages. */
export { SERVER_PROGRAM_NAME };

/** Lists flags as `--a, --b`; used for the "not supported yet" note. */
function flagList(names: Iterable<string>): string {
  return [...names].map((n) => (n.length <= 2 ? `-${n}` : `--${n}`)).join(", ");
}

/** Wraps a comma-separated list to an indented block of lines at most `width` wide. */
function wrap(text: string, indent: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(indent + line);
  return lines.join("\n");
}

/** The full `--help` text, starting and ending with a newline like nats-server's. */
export const SERVER_USAGE = `
Usage: ${SERVER_PROGRAM_NAME} [options]

Server Options:
    -a, --addr, --net <host>         Address to listen on for clients (default: 0.0.0.0)
    -p, --port <port>                Client port (default: 4222, -1 picks a free port)
    -n, --name
        --server_name <server_name>  Name of this server (default: generated)
    -P, --pid <file>                 Write the process id to this file
    -m, --http_port <port>           Port for the HTTP monitoring endpoints
    -ms,--https_port <port>          Port for the HTTPS monitoring endpoints
    -c, --config <file>              Read options from this configuration file
    -t                               Check the configuration file, then exit
    -sl,--signal <signal>[=<pid>]    Signal a running ${SERVER_PROGRAM_NAME} (ldm, stop, quit, term, reopen, reload)
                                     <pid> is a process id (e.g. 1) or a pid file (e.g. /var/run/${SERVER_PROGRAM_NAME}.pid)
        --client_advertise <string>  Client URL given to clients instead of the listen address
        --ports_file_dir <dir>       Write the listening ports to <dir>/<executable_name>_<pid>.ports

Logging Options:
    -l, --log <file>                 Write the log to this file instead of stderr
    -T, --logtime                    Put a timestamp on each log line (default: true)
    -s, --syslog                     Log to syslog (or the Windows event log)
    -r, --remote_syslog <addr>       Log to a remote syslog server (udp://localhost:514)
    -D, --debug                      Log debug messages
    -V, --trace                      Log every protocol line
    -VV                              Like -V, including the system account
    -DV                              Same as -D -V
    -DVV                             Same as -D -VV
        --log_size_limit <limit>     Rotate the log file at this size in bytes (default: no limit)
        --max_traced_msg_len <len>   Cut traced messages to this length (default: no limit)

JetStream Options:
    -js, --jetstream                 Turn on JetStream
    -sd, --store_dir <dir>           Directory for JetStream storage

Authorization Options:
        --user <user>                User name clients must give
        --pass <password>            Password clients must give
        --auth <token>               Token clients must give
        --no_auth_user <user>        User for clients that give no credentials (tsnats only)

TLS Options:
        --tls                        Turn on TLS without client certificate checks (default: false)
        --tlscert <file>             Server certificate
        --tlskey <file>              Private key of the server certificate
        --tlsverify                  Turn on TLS and require client certificates
        --tlscacert <file>           CA certificate to check client certificates with

Cluster Options:
        --routes <rurl-1, rurl-2>    Route URLs to connect to
        --cluster <cluster-url>      URL to listen on for routes
        --cluster_name <string>      Cluster name (default: generated)
        --no_advertise <bool>        Do not tell clients about other cluster members
        --cluster_advertise <string> Cluster URL given to other servers instead of the listen address
        --connect_retries <number>   Connect attempts for routes learned from other servers
        --cluster_listen <url>       Same as --cluster

Profiling Options:
        --profile <port>             HTTP port for profiling

Common Options:
    -h, --help                       Print this text
    -v, --version                    Print the version
        --help_tls                   Print help on TLS settings

Not supported by tsnats yet (accepted with a warning, then ignored):
${wrap(flagList(UNSUPPORTED_FLAGS), "    ", 96)}
Only in tsnats: ${flagList(TSNATS_EXTENSION_FLAGS)}
`;

/** `--help_tls` text: where TLS is configured, and that tsnats does not do it yet. */
export const TLS_USAGE = `
TLS is set in the tls block of the configuration file, e.g.

    tls {
        cert_file: "./certs/server-cert.pem"
        key_file:  "./certs/server-key.pem"
        ca_file:   "./certs/ca.pem"
        verify:    true
    }

TLS is not supported by tsnats yet.
`;
