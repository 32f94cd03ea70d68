/**
 * Maps a line of compiled JavaScript back to its source (a TypeScript project analysed
 * through its `dist/`): evidence then points at `src/server/server.ts:131`, the line a
 * reviewer reads, not at the generated file. Reads the `.map` file a
 * `//# sourceMappingURL=` comment names (source map v3, only the first mapped segment
 * of each generated line is needed); files without one are shown as they are.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** The values of one base64 VLQ segment (`AAgBC` → [0, 0, 16, 1]). */
export function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const d = DIGIT.get(c);
    if (d === undefined) return out;
    value += (d & 31) << shift;
    if (d & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** Per generated line (index 0 = line 1): the source index and 0-based source line of its first mapping. */
export function firstMappings(mappings: string): ({ source: number; line: number } | null)[] {
  const out: ({ source: number; line: number } | null)[] = [];
  let source = 0;
  let line = 0;
  for (const genLine of mappings.split(";")) {
    let first: { source: number; line: number } | null = null;
    for (const seg of genLine.split(",")) {
      if (seg === "") continue;
      const v = decodeVlq(seg);
      if (v.length < 4) continue;
      source += v[1] as number;
      line += v[2] as number;
      first ??= { source, line };
    }
    out.push(first);
  }
  return out;
}

interface LoadedMap {
  sources: string[];
  lines: ({ source: number; line: number } | null)[];
}

/** Source maps of a project's files, loaded once each; paths relative to `rootDir`. */
export class SourceMaps {
  private readonly maps = new Map<string, LoadedMap | null>();

  constructor(private readonly rootDir: string) {}

  private load(file: string): LoadedMap | null {
    const hit = this.maps.get(file);
    if (hit !== undefined) return hit;
    let map: LoadedMap | null = null;
    try {
      const tail = readFileSync(file, "utf8").slice(-500);
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(tail)?.[1];
      const mapFile = url && !url.startsWith("data:") ? join(dirname(file), url) : null;
      if (mapFile && existsSync(mapFile)) {
        const m = JSON.parse(readFileSync(mapFile, "utf8")) as { sources?: string[]; sourceRoot?: string; mappings?: string };
        const base = join(dirname(mapFile), m.sourceRoot ?? "");
        const sources = (m.sources ?? []).map((s) => relative(this.rootDir, join(base, s)).split(sep).join("/"));
        map = { sources, lines: firstMappings(m.mappings ?? "") };
      }
    } catch {
      map = null;
    }
    this.maps.set(file, map);
    return map;
  }

  /** `file:line` for a line of `file` (absolute), mapped when a source map says where it comes from; null otherwise. */
  locate(file: string, line: number): string | null {
    const map = this.load(file);
    const hit = map?.lines[Math.max(line, 1) - 1];
    if (!map || !hit) return null;
    const src = map.sources[hit.source];
    if (src === undefined) return null;
    return line > 0 ? `${src}:${hit.line + 1}` : src;
  }
}
