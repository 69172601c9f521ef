// The map: a base map from the settings' tile server, or a plain background
// with a graticule (no network needed); dataset footprints kept in sync with
// the result list; a box drawn with the mouse.
import * as maplibregl from 'maplibre-gl';
import type { GeoJSONSource, MapMouseEvent, StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
// maplibre-gl runs its tile work in a worker; bundled, it must be told where that file went.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { Bbox } from './units';
import { degrees } from './units';

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
    map.addSource('box', { type: 'geojson', data: EMPTY });
    map.addLayer({ id: 'box-line', type: 'line', source: 'box', paint: { 'line-color': '#c0392b', 'line-width': 2, 'line-dasharray': [2, 1] } });
    map.addLayer({ id: 'box-fill', type: 'fill', source: 'box', paint: { 'fill-color': '#c0392b', 'fill-opacity': 0.06 } });
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

/** Shows `items` (id and box) as footprints. */
export function showFootprints(items: { id: number; bbox: Bbox; title: string }[]): void {
  const features = items.map((d) => ({ type: 'Feature' as const, id: d.id, properties: { id: d.id, title: d.title }, geometry: boxPolygon(d.bbox) }));
  (map.getSource('footprints') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
}

export function highlight(id: number, on: boolean): void {
  map.setFeatureState({ source: 'footprints', id }, { hover: on });
}

/** Shows (or, with null, clears) the red box: a drawn box or a dataset's extent. */
export function showBox(bbox: Bbox | null): void {
  (map.getSource('box') as GeoJSONSource).setData(bbox ? { type: 'Feature', properties: {}, geometry: boxPolygon(bbox) } : EMPTY);
}

/**
 * Lets the user drag a box on the map (panning is off meanwhile); resolves
 * with it in degrees.
 */
export function drawBox(): Promise<Bbox> {
  map.dragPan.disable();
  map.getCanvas().style.cursor = 'crosshair';
  return new Promise((resolve) => {
    let start: maplibregl.LngLat | null = null;
    let box: Bbox | null = null;
    const down = (e: MapMouseEvent) => { start = e.lngLat; };
    const move = (e: MapMouseEvent) => {
      if (!start) return;
      box = [Math.min(start.lng, e.lngLat.lng), Math.min(start.lat, e.lngLat.lat), Math.max(start.lng, e.lngLat.lng), Math.max(start.lat, e.lngLat.lat)];
      showBox(box);
    };
    const up = () => {
      if (!start || !box) return;
      map.off('mousedown', down); map.off('mousemove', move); map.off('mouseup', up);
      map.dragPan.enable();
      map.getCanvas().style.cursor = '';
      resolve(box.map((v) => Math.round(v * 1e5) / 1e5) as Bbox);
    };
    map.on('mousedown', down); map.on('mousemove', move); map.on('mouseup', up);
  });
}
