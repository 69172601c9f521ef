// Names on the map without a tile server or font files: Beijing's sixteen
// districts (the sample data's city; their seats, WGS84) and the
// graticule's degrees along the map's edges, drawn as HTML labels (the
// offline style has no glyphs for map text).
import * as maplibregl from 'maplibre-gl';

const DISTRICTS: [string, number, number][] = [
  ['Dongcheng', 116.416, 39.928], ['Xicheng', 116.366, 39.912], ['Chaoyang', 116.486, 39.948], ['Haidian', 116.298, 39.959],
  ['Fengtai', 116.287, 39.858], ['Shijingshan', 116.223, 39.906], ['Mentougou', 116.102, 39.940], ['Fangshan', 116.143, 39.748],
  ['Tongzhou', 116.657, 39.910], ['Shunyi', 116.654, 40.130], ['Changping', 116.231, 40.221], ['Daxing', 116.341, 39.727],
  ['Huairou', 116.632, 40.316], ['Pinggu', 117.121, 40.141], ['Miyun', 116.843, 40.377], ['Yanqing', 115.975, 40.457],
];

function label(className: string, text: string): HTMLElement {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  el.setAttribute('aria-hidden', 'true');
  return el;
}

/** The graticule's step at a zoom (the lines the style draws there). */
const step = (zoom: number) => (zoom < 4 ? 10 : zoom < 8 ? 1 : 0.1);

/** Adds the district names (from zoom 8; the city's name below it) and the graticule's labels to `map`. */
export function addPlaces(map: maplibregl.Map): void {
  const city = new maplibregl.Marker({ element: label('place city', 'Beijing') }).setLngLat([116.40, 40.05]);
  const districts = DISTRICTS.map(([name, lon, lat]) => new maplibregl.Marker({ element: label('place', name) }).setLngLat([lon, lat]));
  let grid: maplibregl.Marker[] = [];
  const draw = () => {
    const zoom = map.getZoom();
    const near = zoom >= 8.5;
    districts.forEach((m) => (near ? m.addTo(map) : m.remove()));
    if (zoom >= 5 && !near) city.addTo(map);
    else city.remove();
    grid.forEach((m) => m.remove());
    const d = step(zoom);
    const b = map.getBounds();
    const lons: number[] = [];
    const lats: number[] = [];
    for (let x = Math.ceil(b.getWest() / d) * d; x <= b.getEast() && lons.length < 30; x += d) lons.push(x);
    for (let y = Math.ceil(b.getSouth() / d) * d; y <= b.getNorth() && lats.length < 30; y += d) lats.push(y);
    const tick = (v: number, hemi: string) => `${Math.abs(v).toFixed(d < 1 ? 1 : 0)}° ${hemi}`;
    grid = [
      ...lons.map((x) => new maplibregl.Marker({ element: label('grid-label lon', tick(x, x < 0 ? 'W' : 'E')), anchor: 'top' }).setLngLat([x, b.getNorth()])),
      ...lats.map((y) => new maplibregl.Marker({ element: label('grid-label lat', tick(y, y < 0 ? 'S' : 'N')), anchor: 'left' }).setLngLat([b.getWest(), y])),
    ];
    grid.forEach((m) => m.addTo(map));
  };
  map.on('moveend', draw);
  draw();
}
