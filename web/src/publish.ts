// Publish: register a dataset from a file (hash and size computed in the
// browser), its extent from a GeoJSON file, the map view or a box drawn on
// the map, its access rules written with the policy editor's rule list
// (terms.ts); or publish a new version of one. Every field and rule is
// checked with the chain's own rules (rules.ts) before anything is signed.
// Rules other than one unconditional rule are set by a second transaction
// once the chain has given the dataset its id; until then it is Restricted.
// The file is then stored at the department's gateway, which checks it
// against the record, at the location the record names by default: this
// gateway's URL for the new dataset's id.
import { chainApi, config } from './chain';
import * as stac from './stac';
import { uploadInParts, uploadView } from './upload';
import { current, refusal } from './state';
import { send, eventId, failure } from './tx';
import { DEFAULT_HASH, HASHES, hashFile } from './crypto';
import { drawBox, map, showBox, viewBox } from './map';
import { h, dateInput, field, flash, mark, note, select, show } from './ui';
import { fixedPolicy, ruleList, sensitivitySelect, termNames, toChain } from './terms';
import { bboxText, bytes, date, geojsonBbox, parseDate, toChainBox, words, type Bbox } from './units';
import {
  LIMITS, CRS_RANGE, crsProblem, descriptionProblem, formatProblem, keywordsProblem, licenseProblem, policyProblem, timeProblem,
  titleProblem, uriProblem,
} from './rules';
import { u8aToHex } from '@polkadot/util';
import type { Dataset, Rule } from '@citychain/api/rpc';
import mediaTypes from '@citychain/api/media-types.json';

/** Media types by file extension: the one table the CLI shares. */
const FORMATS: Record<string, string> = mediaTypes;

/**
 * Says that dataset `id` (`title`) is on chain but its access rules are not
 * (`why`: the chain's error), that it is Restricted until they are, and
 * where to set them.
 */
function rulesNotSet(id: number, title: string, why: string): HTMLElement {
  return h('div', { class: 'note bad rules-unset', role: 'alert' },
    h('p', {}, `“${title}” is registered as dataset ${id}, but its access rules were not set: ${why}`),
    h('p', {}, 'Until they are, it is Restricted: every request needs the provider\'s and the regulator\'s approval, and nobody gets it at once.'),
    h('p', {}, 'Set its rules on ', h('a', { href: `#/dataset/${id}` }, `the page of dataset ${id}`),
      ', under Change the access policy. Do not register it again: it is on chain.'));
}

/** The publish form; with `predecessor`, for a new version of that dataset. */
export async function openPublish(predecessor?: number): Promise<void> {
  const why = refusal('publisher');
  const title = predecessor === undefined ? 'Publish a dataset' : `Publish a new version of dataset ${predecessor}`;
  if (why) return void show(h('h2', {}, title), why);
  const [found, topics, names] = await Promise.all([
    predecessor === undefined ? null : stac.dataset(predecessor), stac.topics(), predecessor === undefined ? termNames() : null,
  ]);
  const before: Dataset | null = found?.record ?? null;
  if (predecessor !== undefined && !before) return void show(h('h2', {}, title), h('p', {}, `There is no dataset ${predecessor} that you may see.`));
  let extent: Bbox | null = before?.bbox ?? null;
  let content: { digest: string; size: number; file: File } | null = null;
  // A new dataset's rules; by default what the policy ApprovalRequired says. A new version keeps its policy.
  const editor = names && ruleList([{ outcome: 'provider' }], current.membership!.department.id, names);

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
  const submit = h('button', { type: 'submit' }, predecessor === undefined ? 'Register' : 'Publish version');
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
    editor && h('fieldset', { class: 'access' }, h('legend', {}, 'Access'),
      field('Sensitivity', sensitivitySelect('Internal'), 'who sees the record: Public, anyone; Internal and Confidential, members; Secret, your department, the regulator and contract holders'),
      h('p', {}, 'Access rules: who obtains the data, and how; by default every request waits for your department\'s approval. '
        + 'One rule without conditions is registered with the dataset. Other rules take a second transaction (with a wallet, a second signature) '
        + 'once the dataset is registered; until then it is Restricted: nobody obtains it at once.'),
      editor.element),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'store', checked: true }), 'store the file at this gateway for consumers'),
    submit, upload.element);
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
  /**
   * The access rules written (none for a new version: it keeps its
   * policy), or why the chain would refuse them (a rule's problems are
   * marked under its fields).
   */
  const checkRules = (f: FormData): Rule[] | string => {
    if (!editor) return [];
    const rules = editor.read();
    if (!rules) return 'Some rules would be refused by the chain: see the messages under them.';
    return policyProblem(rules.map((r) => r.outcome), String(f.get('sensitivity')).toLowerCase()) ?? rules;
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
    const fine = check(f);
    const rules = checkRules(f);
    if (!fine || typeof rules === 'string') {
      const problems = [fine ? null : 'Some fields would be refused by the chain: see the messages under them.', typeof rules === 'string' ? rules : null];
      note(form, 'error', `${problems.filter(Boolean).join(' ')} Nothing was signed.`);
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
    const sensitivity = String(f.get('sensitivity'));
    // Rules no fixed policy says: registered Restricted (nobody has it at once meanwhile), then set on the id the chain gave.
    const fixed = fixedPolicy(rules);
    try {
      const result = before
        ? await send(`Publish version of dataset ${before.id}`, (api) => api.tx.datasets.publishVersion(before.id, chainContent, description), current.account!)
        : await send(`Register “${description.title}”`, (api) => api.tx.datasets.registerDataset(description, chainContent, fixed ?? 'Restricted', sensitivity), current.account!);
      const id = before ? eventId(result, 'datasets', 'VersionPublished', 'dataset') : eventId(result, 'datasets', 'DatasetRegistered', 'dataset');
      const unset = before || fixed ? null
        : await send(`Set the access rules of dataset ${id}`, (api) => api.tx.datasets.setAccessPolicy(id, rules.map(toChain), sensitivity), current.account!)
          .then(() => null, failure);
      if (unset !== null) {
        submit.disabled = true;
        form.append(rulesNotSet(id, description.title, unset));
      }
      // Another dataset took the id meanwhile: the location names this one's.
      if (uri === autoUri && id !== predicted) {
        await send(`Set the location of dataset ${id}`, (api) => api.tx.datasets.updateMetadata(id, { uri: gatewayUri(id) }), current.account!);
      }
      const stored = f.get('store');
      if (stored) {
        await uploadInParts(current.account!, config.gateway, id, false, file.file, upload)
          .catch((e: Error) => { throw new Error(`Dataset ${id} is on chain, but the gateway did not store the file: ${e.message}`); });
      }
      // The file is stored all the same; the form stays, saying where to set the rules.
      if (unset !== null) return;
      const ruled = before || fixed ? '' : rules.length === 1 ? ' with its access rule' : ` with its ${rules.length} access rules`;
      flash('ok', `${before ? `Published version ${before.version + 1} of “${description.title}”` : `Registered “${description.title}”`} as dataset ${id}${ruled}. `
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
