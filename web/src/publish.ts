// Publish: register a dataset from a file (hash and size computed in the
// browser), its extent from a GeoJSON file, the map view or a box drawn on
// the map; or publish a new version of one. Every field is checked with the
// chain's own rules (rules.ts) before anything is signed. The file is then
// stored at the department's gateway, which checks it against the record,
// at the location the record names by default: this gateway's URL for the
// new dataset's id.
import { chainApi, config } from './chain';
import * as stac from './stac';
import { uploadInParts, uploadView } from './upload';
import { current, refusal } from './state';
import { send, eventId, failure } from './tx';
import { DEFAULT_HASH, HASHES, hashFile } from './crypto';
import { drawBox, map, showBox, viewBox } from './map';
import { h, dateInput, field, flash, mark, note, select, show } from './ui';
import { bboxText, bytes, date, geojsonBbox, parseDate, toChainBox, words, type Bbox } from './units';
import {
  LIMITS, CRS_RANGE, crsProblem, descriptionProblem, formatProblem, keywordsProblem, licenseProblem, timeProblem,
  titleProblem, uriProblem,
} from './rules';
import { u8aToHex } from '@polkadot/util';
import type { Dataset } from '@citychain/api/rpc';
import mediaTypes from '@citychain/api/media-types.json';

/** Media types by file extension: the one table the CLI shares. */
const FORMATS: Record<string, string> = mediaTypes;

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
  const upload = uploadView();
  const extentText = h('span', { class: 'extent' }, extent ? bboxText(extent) : 'not set');
  const setExtent = (b: Bbox | null, source: string) => {
    if (!b) return void note(form, 'error', `${source}: no coordinates found.`);
    extent = b;
    extentText.textContent = `${bboxText(b)} (${source})`;
    showBox(b);
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, maxZoom: 14, duration: 0 });
  };
  const geojsonInput = h('input', { type: 'file', name: 'extentFile', accept: '.geojson,.json' });
  geojsonInput.addEventListener('change', async () => {
    const f = geojsonInput.files?.[0];
    if (f) {
      try { setExtent(geojsonBbox(JSON.parse(await f.text())), f.name); } catch { note(form, 'error', `${f.name} is not GeoJSON.`); }
    }
  });
  const v = (x: string | undefined | null) => x ?? '';
  // The location this gateway gives the new dataset's file: its public URL
  // and the id the chain will give the dataset (read again when it is signed).
  const gatewayUri = (id: number) => `${config.gateway}/data/${id}`;
  const nextId = async () => ((await (await chainApi()).query.datasets.nextDatasetId()) as unknown as { toNumber(): number }).toNumber();
  let autoUri: string | null = null;
  const uriInput = h('input', { name: 'uri', type: 'url', value: before && before.uri !== gatewayUri(before.id) ? before.uri : '' });
  const fillUri = async () => {
    const id = await nextId();
    if (uriInput.value === '' || uriInput.value === autoUri) {
      autoUri = gatewayUri(id);
      uriInput.value = autoUri;
    }
    return id;
  };
  const input = (name: string, attrs: Record<string, string | number | boolean | null>) => h('input', { name, ...attrs });
  const licenseInput = input('license', { value: before?.license?.expression ?? 'CC-BY-4.0', maxlength: LIMITS.license });
  const licenseUrlInput = input('licenseUrl', { type: 'url', value: v(before?.license?.url) });
  const checkLicense = () => mark(licenseInput, licenseProblem(licenseInput.value.trim(), licenseUrlInput.value.trim()));
  licenseInput.addEventListener('input', checkLicense);
  licenseUrlInput.addEventListener('input', checkLicense);
  const form = h('form', { class: 'publish', novalidate: true },
    h('h2', {}, title),
    field('File', fileInput), hashInfo, progress,
    field('Title', input('title', { maxlength: LIMITS.title, value: v(before?.title) })),
    field('Description', h('textarea', { name: 'description', rows: 3, maxlength: LIMITS.description }, v(before?.description))),
    h('div', { class: 'row' },
      field('Topic', select('topic', topics.map((t): [string, string] => [t, words(t)]), before?.topic ?? 'planningCadastre')),
      field('Keywords', input('keywords', { placeholder: 'comma-separated', value: before?.keywords.join(', ') ?? '' }), `at most ${LIMITS.keywords}`)),
    h('fieldset', {}, h('legend', {}, 'Extent'), h('div', {}, extentText),
      h('div', { class: 'row' },
        h('button', { type: 'button', id: 'extent-view', onclick: () => setExtent(viewBox().map((x) => Math.round(x * 1e5) / 1e5) as Bbox, 'the map view') }, 'Use the map view'),
        h('button', { type: 'button', id: 'extent-draw', onclick: async () => { const b = await drawBox(); if (b) setExtent(b, 'drawn'); } }, 'Draw on the map')),
      field('or from a GeoJSON file', geojsonInput)),
    h('div', { class: 'row' },
      field('From (YYYY-MM-DD)', dateInput('start', date(before ? before.time.start : Date.now()))),
      field('To (YYYY-MM-DD; empty: ongoing)', dateInput('end', before?.time.end ? date(before.time.end) : ''))),
    h('div', { class: 'row' },
      field('Format (media type)', input('format', { value: v(before?.format), maxlength: LIMITS.format, placeholder: 'filled from the file' })),
      field('CRS (EPSG)', input('crs', { type: 'number', value: before?.crs ?? 4326, min: CRS_RANGE[0], max: CRS_RANGE[1] }))),
    field('Location (URI)', uriInput, `an http(s) URL; by default this gateway's URL for the new dataset (${config.gateway}/data/<id>)`),
    h('div', { class: 'row' },
      field('Licence (SPDX expression, or other)', licenseInput, 'e.g. CC-BY-4.0, MIT OR Apache-2.0, LicenseRef-City-Terms, other'),
      field('Licence terms URL', licenseUrlInput, 'an http(s) URL; needed for other and LicenseRef-')),
    before ? null : h('div', { class: 'row' },
      field('Access policy', select('policy', [['Open', 'Open'], ['ApprovalRequired', 'Approval required'], ['Restricted', 'Restricted']], 'ApprovalRequired')),
      field('Sensitivity', select('sensitivity', [['Public', 'Public'], ['Internal', 'Internal'], ['Confidential', 'Confidential'], ['Secret', 'Secret']], 'Internal'))),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'store', checked: true }), 'store the file at this gateway for consumers'),
    h('button', { type: 'submit' }, predecessor === undefined ? 'Register' : 'Publish version'), upload.element);
  const named = <T extends HTMLElement = HTMLInputElement>(name: string) => form.querySelector<T>(`[name=${name}]`)!;

  /** Checks every field with the chain's rules, marking each that fails; whether all pass. */
  const check = (f: FormData): boolean => {
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const keywords = text('keywords').split(',').map((k) => k.trim()).filter(Boolean);
    const uri = text('uri');
    const storedHere = uri === autoUri;
    const results = [
      mark(fileInput, content ? null : 'Choose the file: its hash and size are computed here (or wait until they are).'),
      mark(named('title'), titleProblem(text('title'))),
      mark(named('description'), descriptionProblem(text('description'))),
      mark(named('keywords'), keywordsProblem(keywords)),
      mark(geojsonInput, extent ? null : 'Set the extent: from a GeoJSON file, the map view or a drawn box.'),
      mark(named('start'), timeProblem(parseDate(text('start')), parseDate(text('end')))),
      mark(named('format'), formatProblem(text('format'))),
      mark(named('crs'), crsProblem(Number(text('crs')))),
      mark(uriInput, uriProblem(uri) ?? (storedHere && !f.get('store')
        ? 'This is this gateway\'s URL for the file, but the file is not to be stored here: store it, or give where it is.' : null)),
      checkLicense(),
    ];
    return results.every(Boolean);
  };
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
    form.querySelector(':scope > .note.error')?.remove();
    const f = new FormData(form);
    if (!check(f)) {
      note(form, 'error', 'Some fields would be refused by the chain: see the messages under them. Nothing was signed.');
      return void form.querySelector<HTMLElement>('[aria-invalid=true]')?.focus();
    }
    const file = content!;
    const predicted = await fillUri();
    const uri = String(f.get('uri')).trim();
    const licenseUrl = String(f.get('licenseUrl')).trim();
    const description = {
      title: String(f.get('title')).trim(), description: String(f.get('description')), topic: String(f.get('topic')),
      keywords: String(f.get('keywords')).split(',').map((k) => k.trim()).filter(Boolean), uri: uriInput.value.trim(),
      license: { expression: String(f.get('license')).trim(), url: licenseUrl || null },
    };
    const chainContent = {
      bbox: toChainBox(extent!), crs: Number(f.get('crs')), time: { start: parseDate(String(f.get('start'))), end: parseDate(String(f.get('end'))) },
      format: String(f.get('format')).trim(), hashCode: DEFAULT_HASH, digest: file.digest, size: file.size,
    };
    try {
      const result = before
        ? await send(`Publish version of dataset ${before.id}`, (api) => api.tx.datasets.publishVersion(before.id, chainContent, description), current.account!)
        : await send(`Register “${description.title}”`, (api) => api.tx.datasets.registerDataset(description, chainContent, String(f.get('policy')), String(f.get('sensitivity'))), current.account!);
      const id = before ? eventId(result, 'datasets', 'VersionPublished', 'dataset') : eventId(result, 'datasets', 'DatasetRegistered', 'dataset');
      // Another dataset took the id meanwhile: the location names this one's.
      if (uri === autoUri && id !== predicted) {
        await send(`Set the location of dataset ${id}`, (api) => api.tx.datasets.updateMetadata(id, { uri: gatewayUri(id) }), current.account!);
      }
      const stored = f.get('store');
      if (stored) {
        await uploadInParts(current.account!, config.gateway, id, false, file.file, upload)
          .catch((e: Error) => { throw new Error(`Dataset ${id} is on chain, but the gateway did not store the file: ${e.message}`); });
      }
      flash('ok', `${before ? `Published version ${before.version + 1} of “${description.title}”` : `Registered “${description.title}”`} as dataset ${id}. `
        + (stored
          ? `Its file ${file.file.name} (${bytes(file.size)}, ${HASHES[DEFAULT_HASH].name} ${file.digest}) is stored at ${config.gateway}/data/${id}, where consumers download it.`
          : `Its file was not stored at this gateway: the record names ${uri === autoUri ? gatewayUri(id) : uri} as its location.`));
      location.hash = `#/dataset/${id}`;
    } catch (err) {
      note(form, 'error', failure(err));
    }
  });
  void fillUri();
  show(form);
  if (extent) map.fitBounds([[extent[0], extent[1]], [extent[2], extent[3]]], { padding: 60, duration: 0 });
}
