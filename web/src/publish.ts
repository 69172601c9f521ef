// Publish: register a dataset from a file (hash and size computed in the
// browser), its extent from a GeoJSON file, the map view or a box drawn on
// the map; or publish a new version of one. The file is then stored at the
// department's gateway, which checks it against the record.
import { config } from './chain';
import * as stac from './stac';
import { storeAtGateway } from './accounts';
import { current, refusal } from './state';
import { send, eventId, failure } from './tx';
import { DEFAULT_HASH, HASHES, hashFile } from './crypto';
import { drawBox, map, showBox, viewBox } from './map';
import { h, field, note, select, show, webUrl } from './ui';
import { bboxText, geojsonBbox, parseDate, toChainBox, words, type Bbox } from './units';
import { u8aToHex } from '@polkadot/util';
import type { Dataset } from './dataset';

const FORMATS: Record<string, string> = {
  geojson: 'application/geo+json', json: 'application/geo+json', csv: 'text/csv', tif: 'image/tiff; application=geotiff',
  tiff: 'image/tiff; application=geotiff', gpkg: 'application/geopackage+sqlite3', parquet: 'application/vnd.apache.parquet',
  zip: 'application/zip', pdf: 'application/pdf',
};

/** The publish form; with `predecessor`, for a new version of that dataset. */
export async function openPublish(predecessor?: number): Promise<void> {
  const why = refusal('publisher');
  const title = predecessor === undefined ? 'Publish a dataset' : `Publish a new version of dataset ${predecessor}`;
  if (why) return void show(h('h2', {}, title), why);
  const [found, topics] = await Promise.all([predecessor === undefined ? null : stac.dataset(predecessor), stac.topics()]);
  const before: Dataset | null = found?.record ?? null;
  if (predecessor !== undefined && !before) return void show(h('h2', {}, title), h('p', {}, `There is no dataset ${predecessor} that you may see.`));
  let extent: Bbox | null = before?.bbox ?? null;
  let content: { digest: string; size: number; file: File } | null = null;

  const fileInput = h('input', { type: 'file', name: 'file', required: true });
  const hashInfo = h('small', { class: 'hash-info' }, 'choose the file: its hash and size are computed here');
  const progress = h('progress', { hidden: true, value: 0, max: 1 });
  const extentText = h('span', { class: 'extent' }, extent ? bboxText(extent) : 'not set');
  const setExtent = (b: Bbox | null, source: string) => {
    if (!b) return void note(form, 'error', `${source}: no coordinates found.`);
    extent = b;
    extentText.textContent = `${bboxText(b)} (${source})`;
    showBox(b);
  };
  const geojsonInput = h('input', { type: 'file', name: 'extentFile', accept: '.geojson,.json' });
  geojsonInput.addEventListener('change', async () => {
    const f = geojsonInput.files?.[0];
    if (f) {
      try { setExtent(geojsonBbox(JSON.parse(await f.text())), f.name); } catch { note(form, 'error', `${f.name} is not GeoJSON.`); }
    }
  });
  const v = (x: string | undefined | null) => x ?? '';
  const form = h('form', { class: 'publish' },
    h('h2', {}, title),
    field('File', fileInput), hashInfo, progress,
    field('Title', h('input', { name: 'title', required: true, maxlength: 128, value: v(before?.title) })),
    field('Description', h('textarea', { name: 'description', rows: 3, maxlength: 1024 }, v(before?.description))),
    h('div', { class: 'row' },
      field('Topic', select('topic', topics.map((t): [string, string] => [t, words(t)]), before?.topic ?? 'planningCadastre')),
      field('Keywords', h('input', { name: 'keywords', placeholder: 'comma-separated', value: before?.keywords.join(', ') ?? '' }))),
    h('fieldset', {}, h('legend', {}, 'Extent'), h('div', {}, extentText),
      h('div', { class: 'row' },
        h('button', { type: 'button', id: 'extent-view', onclick: () => setExtent(viewBox().map((x) => Math.round(x * 1e5) / 1e5) as Bbox, 'the map view') }, 'Use the map view'),
        h('button', { type: 'button', id: 'extent-draw', onclick: async () => setExtent(await drawBox(), 'drawn') }, 'Draw on the map')),
      field('or from a GeoJSON file', geojsonInput)),
    h('div', { class: 'row' },
      field('From', h('input', { type: 'date', name: 'start', required: true, value: before ? new Date(before.time.start).toISOString().slice(0, 10) : '' })),
      field('To (empty: ongoing)', h('input', { type: 'date', name: 'end', value: before?.time.end ? new Date(before.time.end).toISOString().slice(0, 10) : '' }))),
    h('div', { class: 'row' },
      field('Format', h('input', { name: 'format', required: true, value: v(before?.format) })),
      field('CRS (EPSG)', h('input', { type: 'number', name: 'crs', value: before?.crs ?? 4326, min: 1, required: true }))),
    field('Location (URI)', h('input', { name: 'uri', type: 'url', required: true, value: before?.uri || `${config.gateway}/data/` }), 'an http(s) URL'),
    h('div', { class: 'row' },
      field('Licence (SPDX or other)', h('input', { name: 'license', required: true, value: before?.license?.expression ?? 'CC-BY-4.0' })),
      field('Licence terms URL', h('input', { name: 'licenseUrl', type: 'url', value: v(before?.license?.url) }), 'an http(s) URL, or empty')),
    before ? null : h('div', { class: 'row' },
      field('Access policy', select('policy', [['Open', 'Open'], ['ApprovalRequired', 'Approval required'], ['Restricted', 'Restricted']], 'ApprovalRequired')),
      field('Sensitivity', select('sensitivity', [['Public', 'Public'], ['Internal', 'Internal'], ['Confidential', 'Confidential'], ['Secret', 'Secret']], 'Internal'))),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'store', checked: true }), 'store the file at this gateway for consumers'),
    h('button', { type: 'submit' }, predecessor === undefined ? 'Register' : 'Publish version'));

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    content = null;
    progress.hidden = false;
    progress.max = file.size || 1;
    const digest = u8aToHex(await hashFile(file, DEFAULT_HASH, (n) => { progress.value = n; }));
    content = { digest, size: file.size, file };
    hashInfo.textContent = `${HASHES[DEFAULT_HASH].name} ${digest} · ${file.size} bytes`;
    const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
    const format = form.querySelector<HTMLInputElement>('[name=format]')!;
    if (!format.value) format.value = FORMATS[ext] ?? (file.type || 'application/octet-stream');
    const t = form.querySelector<HTMLInputElement>('[name=title]')!;
    if (!t.value) t.value = file.name.replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ');
    if (!extent && (ext === 'geojson' || ext === 'json')) {
      try { setExtent(geojsonBbox(JSON.parse(await file.text())), file.name); } catch { /* not GeoJSON: the extent is set another way */ }
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    if (!content) return void note(form, 'error', 'Choose the file first (its hash is still being computed, or none is chosen).');
    if (!extent) return void note(form, 'error', 'Set the extent: from a GeoJSON file, the map view or a drawn box.');
    const start = parseDate(String(f.get('start')));
    if (start === null) return void note(form, 'error', 'Give the start of the data\'s time span.');
    // The chain takes only http(s) URLs (datasets.InvalidUri, datasets.InvalidLicenseUrl).
    if (!webUrl(String(f.get('uri')).trim())) return void note(form, 'error', 'The location must be an http(s) URL.');
    const licenseUrl = String(f.get('licenseUrl')).trim();
    if (licenseUrl && !webUrl(licenseUrl)) return void note(form, 'error', 'The licence terms URL must be an http(s) URL, or empty.');
    const description = {
      title: String(f.get('title')), description: String(f.get('description')), topic: String(f.get('topic')),
      keywords: String(f.get('keywords')).split(',').map((k) => k.trim()).filter(Boolean), uri: String(f.get('uri')).trim(),
      license: { expression: String(f.get('license')).trim(), url: licenseUrl || null },
    };
    const chainContent = {
      bbox: toChainBox(extent), crs: Number(f.get('crs')), time: { start, end: parseDate(String(f.get('end'))) },
      format: String(f.get('format')), hashCode: DEFAULT_HASH, digest: content.digest, size: content.size,
    };
    try {
      const result = before
        ? await send(`Publish version of dataset ${before.id}`, (api) => api.tx.datasets.publishVersion(before.id, chainContent, description), current.account!)
        : await send(`Register “${description.title}”`, (api) => api.tx.datasets.registerDataset(description, chainContent, String(f.get('policy')), String(f.get('sensitivity'))), current.account!);
      const id = before ? eventId(result, 'datasets', 'VersionPublished', 'dataset') : eventId(result, 'datasets', 'DatasetRegistered', 'dataset');
      if (f.get('store')) {
        await storeAtGateway(current.account!, config.gateway, `/data/${id}`, content.file)
          .catch((e: Error) => { throw new Error(`the gateway did not store the file: ${e.message}`); });
      }
      location.hash = `#/dataset/${id}`;
    } catch (err) {
      note(form, 'error', failure(err));
    }
  });
  show(form);
  if (extent) map.fitBounds([[extent[0], extent[1]], [extent[2], extent[3]]], { padding: 60, duration: 0 });
}
