// What the chain stores, as people read it: degrees, dates, sizes, names.

/** Fixed-point units of a coordinate on chain: 1e-7 degrees. */
const DEG = 10_000_000;
/** Blocks per day at one block every 3 s. */
export const BLOCKS_PER_DAY = 28_800;

export type Bbox = [number, number, number, number];

/** A box in degrees → the chain's `{ west, south, east, north }` in 1e-7°. */
export function toChainBox([w, s, e, n]: Bbox) {
  return { west: Math.round(w * DEG), south: Math.round(s * DEG), east: Math.round(e * DEG), north: Math.round(n * DEG) };
}

export function degrees(v: number, axis: 'lon' | 'lat'): string {
  const hemi = axis === 'lon' ? (v < 0 ? 'W' : 'E') : v < 0 ? 'S' : 'N';
  return `${Math.abs(v).toFixed(4)}° ${hemi}`;
}

export function bboxText([w, s, e, n]: Bbox): string {
  return `${degrees(w, 'lon')} – ${degrees(e, 'lon')}, ${degrees(s, 'lat')} – ${degrees(n, 'lat')}`;
}

/** Why a typed box was not taken. */
export const NOT_A_BOX = 'not a box: four numbers, west < east from -180 to 180, south < north from -90 to 90';

/** A box typed as `west, south, east, north` (commas or spaces), or null if it is not one. */
export function parseBox(text: string): Bbox | null {
  const v = text.split(/[\s,]+/).filter(Boolean).map(Number);
  const ok = v.length === 4 && v.every(Number.isFinite) && v[0] < v[2] && v[1] < v[3] && v[0] >= -180 && v[2] <= 180 && v[1] >= -90 && v[3] <= 90;
  return ok ? v as Bbox : null;
}

/** ms since the epoch → `2024-03-01`. */
export function date(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? 'ongoing' : new Date(ms).toISOString().slice(0, 10);
}

export function dateTime(ms: number | string): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** `2024-03-01` → ms at 00:00 UTC; null for an empty input. */
export function parseDate(text: string): number | null {
  if (!text) return null;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) ? null : ms;
}

export function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[i]}`;
}

/** `approvalRequired` → `Approval required`; `PlanningCadastre` → `Planning cadastre`. */
export function words(name: string): string {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function short(address: string): string {
  return address.length > 16 ? `${address.slice(0, 6)}…${address.slice(-6)}` : address;
}

/** The box around every position of a GeoJSON object; null without any. */
export function geojsonBbox(geojson: unknown): Bbox | null {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (v: unknown): void => {
    if (Array.isArray(v) && v.length >= 2 && typeof v[0] === 'number' && typeof v[1] === 'number') {
      w = Math.min(w, v[0]); e = Math.max(e, v[0]); s = Math.min(s, v[1]); n = Math.max(n, v[1]);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'FeatureCollection') visit(o.features);
      else if (o.type === 'Feature') visit(o.geometry);
      else if (o.type === 'GeometryCollection') visit(o.geometries);
      else visit(o.coordinates);
    }
  };
  visit(geojson);
  return w === Infinity ? null : [w, s, e, n];
}
