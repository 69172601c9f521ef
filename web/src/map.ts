// The map: a base map from the settings' tile server, or a plain background
// with a graticule (no network needed); dataset footprints kept in sync with
// the result list; access contracts' extents (the regulator's page); a box
// or a polygon drawn with the mouse.
import * as maplibregl from 'maplibre-gl';
import type { GeoJSONSource, MapMouseEvent, MapTouchEvent, StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
// maplibre-gl runs its tile work in a worker; bundled, it must be told where that file went.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { Bbox } from './units';
import { degrees } from './units';
import { addPlaces } from './places';

export let map: maplibregl.Map;

function graticule(step: number): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = [];
  const line = (coordinates: [number, number][]) => features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates } });
  for (let x = -180; x <= 180 + 1e-9; x += step) line([[x, -85], [x, 85]]);
  for (let y = -80; y <= 80 + 1e-9; y += step) line([[-180, y], [180, y]]);
  return { type: 'FeatureCollection', features };
}

function style(tiles: string | null): StyleSpecification {
  const grids: [number, number, number][] = [[10, 0, 5], [1, 4, 9], [0.1, 8, 24]];
  return {
    version: 8,
    sources: {
      ...(tiles ? { base: { type: 'raster' as const, tiles: [tiles], tileSize: 256 } } : {}),
      ...Object.fromEntries(grids.map(([step]) => [`grid-${step}`, { type: 'geojson' as const, data: graticule(step) }])),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f2f4f1' } },
      ...(tiles ? [{ id: 'base', type: 'raster' as const, source: 'base' }] : []),
      ...grids.map(([step, minzoom, maxzoom]) => ({
        id: `grid-${step}`, type: 'line' as const, source: `grid-${step}`, minzoom, maxzoom,
        paint: { 'line-color': '#b9c3c9', 'line-width': 0.6 },
      })),
    ],
  };
}

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

/** A colour a fill layer's paint takes: a colour or an expression. */
type Colour = NonNullable<Extract<maplibregl.AddLayerObject, { type: 'fill' }>['paint']>['fill-color'];

/** An access's colour by its outcome (the page's table marks outcomes in the same colours, style.css). */
const OUTCOME_COLOUR: Colour = ['match', ['get', 'outcome'],
  'granted', '#1e7b4a', 'pending', '#c99a06', 'refused', '#b03a2e', 'revoked', '#8e44ad', '#5b6b75'];

/** Creates the map in `#map`; resolves once it has loaded. */
export function createMap(tiles: string | null): Promise<maplibregl.Map> {
  maplibregl.setWorkerUrl(workerUrl);
  map = new maplibregl.Map({
    container: 'map', style: style(tiles), center: [116.4, 39.95], zoom: 7.5,
    attributionControl: false, dragRotate: false, pitchWithRotate: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({}), 'bottom-left');
  const coords = document.getElementById('coords')!;
  // The view in degrees, for the page's tests and scripts.
  map.on('moveend', () => { map.getContainer().dataset.view = viewBox().map((v) => v.toFixed(5)).join(','); });
  map.on('mousemove', (e: MapMouseEvent) => {
    coords.textContent = `${degrees(e.lngLat.lat, 'lat')}, ${degrees(e.lngLat.lng, 'lon')}`;
  });
  return new Promise((resolve) => map.on('load', () => {
    map.addSource('footprints', { type: 'geojson', data: EMPTY, promoteId: 'id' });
    map.addLayer({
      id: 'footprints-fill', type: 'fill', source: 'footprints',
      paint: { 'fill-color': '#2a6f97', 'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.35, 0.08] },
    });
    map.addLayer({
      id: 'footprints-line', type: 'line', source: 'footprints',
      paint: { 'line-color': '#2a6f97', 'line-width': ['case', ['boolean', ['feature-state', 'hover'], false], 3, 1.2] },
    });
    map.addSource('accesses', { type: 'geojson', data: EMPTY, promoteId: 'contract' });
    map.addLayer({
      id: 'accesses-fill', type: 'fill', source: 'accesses',
      paint: { 'fill-color': OUTCOME_COLOUR, 'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.4, 0.1] },
    });
    map.addLayer({
      id: 'accesses-line', type: 'line', source: 'accesses',
      paint: { 'line-color': OUTCOME_COLOUR, 'line-width': ['case', ['boolean', ['feature-state', 'hover'], false], 3, 1.4] },
    });
    map.addSource('box', { type: 'geojson', data: EMPTY });
    map.addLayer({ id: 'box-line', type: 'line', source: 'box', paint: { 'line-color': '#c0392b', 'line-width': 2, 'line-dasharray': [2, 1] } });
    map.addLayer({ id: 'box-fill', type: 'fill', source: 'box', paint: { 'fill-color': '#c0392b', 'fill-opacity': 0.06 } });
    map.addSource('areas', { type: 'geojson', data: EMPTY });
    map.addLayer({ id: 'areas-fill', type: 'fill', source: 'areas', paint: { 'fill-color': '#1e7b4a', 'fill-opacity': 0.08 } });
    map.addLayer({ id: 'areas-line', type: 'line', source: 'areas', paint: { 'line-color': '#1e7b4a', 'line-width': 2 } });
    // A tile server's map has its own names; the plain background gets the city's and a labelled grid.
    if (!tiles) addPlaces(map);
    resolve(map);
  }));
}

/** The visible part of the map as a box in degrees, within ±180°, ±90°. */
export function viewBox(): Bbox {
  const b = map.getBounds();
  const clamp = (v: number, m: number) => Math.max(-m, Math.min(m, v));
  const west = b.getWest();
  const east = b.getEast();
  // Wider than the world: all longitudes.
  if (east - west >= 360) return [-180, clamp(b.getSouth(), 90), 180, clamp(b.getNorth(), 90)];
  return [clamp(west, 180), clamp(b.getSouth(), 90), clamp(east, 180), clamp(b.getNorth(), 90)];
}

function boxPolygon([w, s, e, n]: Bbox): GeoJSON.Polygon {
  return { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
}

/**
 * Count markers for `items` that share one extent (they draw as one
 * rectangle): a count at its centre says how many `noun` it stands for.
 */
function stackCounts(items: { bbox: Bbox; title: string }[], noun: string): maplibregl.Marker[] {
  const stacks = new Map<string, { bbox: Bbox; titles: string[] }>();
  for (const d of items) {
    const key = d.bbox.join();
    const stack = stacks.get(key) ?? { bbox: d.bbox, titles: [] };
    stack.titles.push(d.title);
    stacks.set(key, stack);
  }
  return [...stacks.values()].filter((st) => st.titles.length > 1).map(({ bbox, titles }) => {
    const el = document.createElement('span');
    el.className = 'stack-count';
    el.textContent = String(titles.length);
    el.title = `${titles.length} ${noun} with this extent: ${titles.join('; ')}`;
    return new maplibregl.Marker({ element: el }).setLngLat([(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2]).addTo(map);
  });
}

let stackMarkers: maplibregl.Marker[] = [];

/**
 * Shows `items` (id and box) as footprints; where several share one extent
 * (they draw as one rectangle), a count at its centre says how many.
 */
export function showFootprints(items: { id: number; bbox: Bbox; title: string }[]): void {
  const features = items.map((d) => ({ type: 'Feature' as const, id: d.id, properties: { id: d.id, title: d.title }, geometry: boxPolygon(d.bbox) }));
  (map.getSource('footprints') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
  stackMarkers.forEach((m) => m.remove());
  stackMarkers = stackCounts(items, 'datasets');
}

let accessMarkers: maplibregl.Marker[] = [];

/**
 * Shows access contracts' extents (with none, clears them), coloured by
 * outcome, with counts where several share one extent; the map's element
 * names the contracts (`data-accesses`) for the page's tests.
 */
export function showAccesses(items: { contract: number; bbox: Bbox; outcome: string; title: string }[]): void {
  const features = items.map((a) => ({ type: 'Feature' as const, properties: { contract: a.contract, outcome: a.outcome }, geometry: boxPolygon(a.bbox) }));
  (map.getSource('accesses') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
  map.getContainer().dataset.accesses = items.map((a) => a.contract).join(',');
  accessMarkers.forEach((m) => m.remove());
  accessMarkers = stackCounts(items, 'accesses');
}

export function highlightAccess(contract: number, on: boolean): void {
  map.setFeatureState({ source: 'accesses', id: contract }, { hover: on });
}

export function highlight(id: number, on: boolean): void {
  map.setFeatureState({ source: 'footprints', id }, { hover: on });
}

/** Shows (or, with null, clears) the red box: a drawn box or a dataset's extent. */
export function showBox(bbox: Bbox | null): void {
  showShape(bbox ? boxPolygon(bbox) : null);
}

/** Shows (or, with null, clears) a drawn area in red: a box, a polygon, or one being drawn (a line). */
export function showShape(geometry: GeoJSON.Polygon | GeoJSON.LineString | null): void {
  (map.getSource('box') as GeoJSONSource).setData(geometry ? { type: 'Feature', properties: {}, geometry } : EMPTY);
}

/**
 * Shows (or, with none, clears) named areas' boundaries, a policy's
 * jurisdictions, and with `fit` moves the map to them; the map's element
 * names their ids (`data-areas`) for the page's tests.
 */
export function showAreas(areas: { id: number; label: string; geometry: GeoJSON.Polygon }[], fit = false): void {
  const features = areas.map((a) => ({ type: 'Feature' as const, properties: { label: a.label }, geometry: a.geometry }));
  (map.getSource('areas') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
  map.getContainer().dataset.areas = areas.map((a) => a.id).join(',');
  const ring = areas.flatMap((a) => a.geometry.coordinates[0] ?? []);
  if (!fit || ring.length === 0) return;
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], { padding: 60, duration: 0 });
}

/**
 * Enters a drawing mode: panning and double-click zoom off, a crosshair,
 * `hint` on the map (read out); the function returned leaves it.
 */
function drawingMode(hint: string): () => void {
  map.dragPan.disable();
  map.doubleClickZoom.disable();
  const canvas = map.getCanvas();
  canvas.style.cursor = 'crosshair';
  const said = document.createElement('p');
  said.className = 'draw-hint';
  said.setAttribute('role', 'status');
  said.textContent = hint;
  map.getContainer().append(said);
  return () => {
    map.dragPan.enable();
    map.doubleClickZoom.enable();
    canvas.style.cursor = '';
    said.remove();
  };
}

/** Degrees to five decimals (about a metre), as drawn shapes keep them. */
const metre = (v: number) => Math.round(v * 1e5) / 1e5;

/**
 * Lets the user drag a box on the map (panning is off meanwhile, a hint on
 * the map says how, Escape cancels); resolves with it in degrees, or null if
 * cancelled.
 */
export function drawBox(): Promise<Bbox | null> {
  const leave = drawingMode('Drag a box on the map · Escape cancels · or type the box\'s corners in the form');
  return new Promise((resolve) => {
    let start: maplibregl.LngLat | null = null;
    let box: Bbox | null = null;
    const down = (e: MapMouseEvent | MapTouchEvent) => { start = e.lngLat; };
    const move = (e: MapMouseEvent | MapTouchEvent) => {
      if (!start) return;
      box = [Math.min(start.lng, e.lngLat.lng), Math.min(start.lat, e.lngLat.lat), Math.max(start.lng, e.lngLat.lng), Math.max(start.lat, e.lngLat.lat)];
      showBox(box);
    };
    const end = (result: Bbox | null) => {
      map.off('mousedown', down); map.off('mousemove', move); map.off('mouseup', up);
      map.off('touchstart', down); map.off('touchmove', move); map.off('touchend', up);
      document.removeEventListener('keydown', key, true);
      leave();
      resolve(result ? result.map(metre) as Bbox : null);
    };
    // A click without a drag draws nothing: the mode goes on.
    const up = () => { if (start && box) end(box); else start = null; };
    const key = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      showBox(null);
      end(null);
    };
    map.on('mousedown', down); map.on('mousemove', move); map.on('mouseup', up);
    map.on('touchstart', down); map.on('touchmove', move); map.on('touchend', up);
    document.addEventListener('keydown', key, true);
  });
}

/**
 * Lets the user click a polygon's corners on the map (a tap on a phone):
 * Enter or a double click closes it once it has three, Backspace takes the
 * last corner back, Escape cancels; resolves with it in degrees, or null if
 * cancelled.
 */
export function drawPolygon(): Promise<GeoJSON.Polygon | null> {
  const leave = drawingMode('Click the corners on the map · Enter or a double click closes the polygon · Backspace takes a corner back · Escape cancels');
  return new Promise((resolve) => {
    const corners: [number, number][] = [];
    let pointer: [number, number] | null = null;
    const drawn = () => {
      const ring = pointer ? [...corners, pointer] : corners;
      showShape(ring.length < 2 ? null : { type: 'LineString', coordinates: ring.length < 3 ? ring : [...ring, ring[0]] });
    };
    const click = (e: MapMouseEvent) => {
      const corner: [number, number] = [metre(e.lngLat.lng), metre(e.lngLat.lat)];
      const last = corners[corners.length - 1];
      // A double click's second click is the same corner again.
      if (!last || last[0] !== corner[0] || last[1] !== corner[1]) corners.push(corner);
      drawn();
    };
    const move = (e: MapMouseEvent) => { pointer = [e.lngLat.lng, e.lngLat.lat]; drawn(); };
    const end = (result: GeoJSON.Polygon | null) => {
      map.off('click', click); map.off('mousemove', move); map.off('dblclick', close);
      document.removeEventListener('keydown', key, true);
      leave();
      showShape(result);
      resolve(result);
    };
    const close = () => { if (corners.length >= 3) end({ type: 'Polygon', coordinates: [[...corners, corners[0]]] }); };
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') end(null);
      else if (e.key === 'Enter') close();
      else if (e.key === 'Backspace') { corners.pop(); drawn(); }
      else return;
      e.preventDefault();
    };
    map.on('click', click); map.on('mousemove', move); map.on('dblclick', close);
    document.addEventListener('keydown', key, true);
  });
}
