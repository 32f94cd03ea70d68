/**
 * Versions. `NATS_COMPAT_VERSION` goes in INFO and /varz `version`: clients switch
 * features on by it, so it names the nats-server release whose behaviour tsnats really
 * implements and is raised only as features land. tsnats's own version travels in
 * `tsnats_version` and in the banner.
 */
export const VERSION = "0.1.0";
export const NATS_COMPAT_VERSION = "2.10.0";
/** Protocol version announced in INFO (nats-server PROTO_VERSION... ClientProtoInfo). */
export const PROTO_VERSION = 1;
