// Download and verify: the file from the provider's gateway with a request
// signed by the account, decrypted in the browser with the department's
// encryption key file if it is delivered encrypted, its hash checked against
// the record, saved, and the receipt reported on chain.
import { call, config } from './chain';
import { authorization } from './accounts';
import { current } from './state';
import { send, failure } from './tx';
import { Decryptor, HASHES, openEnvelope, readKeyFile } from './crypto';
import { h, note } from './ui';
import { bytes } from './units';
import { u8aToHex } from '@polkadot/util';
import type { Contract, Dataset } from '@citychain/api/rpc';

const EXTENSIONS: [RegExp, string][] = [
  [/geo\+json/, 'geojson'], [/csv/, 'csv'], [/tiff/, 'tif'], [/geopackage/, 'gpkg'], [/parquet/, 'parquet'],
  [/zip/, 'zip'], [/pdf/, 'pdf'], [/json/, 'json'],
];

/** What to save a dataset's file as: the name in its URI, else its title with the format's extension. */
function fileName(d: Dataset): string {
  let last = '';
  try {
    last = decodeURIComponent(new URL(d.uri).pathname.split('/').pop() ?? '');
  } catch {
    // No URL (an older record's empty location): the title below.
  }
  if (/^[\w.-]+\.\w+$/.test(last)) return last;
  const stem = d.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || `dataset-${d.id}`;
  const ext = EXTENSIONS.find(([re]) => re.test(d.format))?.[1];
  return ext ? `${stem}.${ext}` : stem;
}

/**
 * The panel for a dataset the account may read, under `contract` or as owner
 * or open data; `confirmed` gets the contract as it is once the receipt is
 * on chain.
 */
export async function downloadPanel(d: Dataset, contract: number | null, confirmed: (c: Contract) => void = () => {}): Promise<HTMLElement> {
  const sealed = contract !== null && (await call('access_get', contract))!.envelope !== null;
  const keyFile = h('input', { type: 'file', name: 'key' });
  const keyField = h('label', { class: 'field', hidden: !sealed }, h('span', {}, 'Your department\'s encryption key file'), keyFile,
    h('small', {}, 'read in this browser only, never sent'));
  const report = h('input', { type: 'checkbox', name: 'report', checked: contract !== null });
  const progress = h('progress', { max: d.size, value: 0, hidden: true });
  const panel = h('section', { class: 'download' }, h('h3', {}, 'Download and verify'),
    contract !== null ? h('p', {}, 'Under ', h('a', { href: `#/contract/${contract}` }, `contract ${contract}`)) : null,
    keyField,
    contract !== null ? h('label', { class: 'check' }, report, 'report the result on chain (confirm the receipt)') : null,
    h('button', { id: 'download', onclick: () => void run() }, 'Download'), progress);

  async function run(): Promise<void> {
    panel.querySelectorAll('.note, a.save').forEach((n) => n.remove());
    try {
      const c = contract !== null ? await call('access_get', contract) : null;
      let decryptor: Decryptor | null = null;
      if (c?.envelope) {
        const file = keyFile.files?.[0];
        if (!file) throw new Error('This delivery is encrypted: choose your department\'s encryption key file.');
        decryptor = new Decryptor(openEnvelope(c.envelope, await readKeyFile(file, 'the encryption key file')));
      }
      const url = `${config.gateway}/data/${d.id}`;
      const r = await fetch(url, { headers: { authorization: await authorization(current.account!, 'GET', url, config.gateway) } });
      if (!r.ok) throw new Error(`The gateway refused: ${(await r.json().catch(() => ({ description: r.statusText }))).description}`);
      if ((r.headers.get('x-citychain-encrypted') === 'true') !== (decryptor !== null)) {
        throw new Error('The gateway\'s delivery does not match the contract (encrypted or not).');
      }
      progress.hidden = false;
      const hasher = HASHES[d.contentHash.code].create();
      const parts: Uint8Array<ArrayBuffer>[] = [];
      let plain = 0;
      const take = (chunks: Uint8Array[]) => {
        for (const p of chunks) {
          hasher.update(p);
          parts.push(p as Uint8Array<ArrayBuffer>);
          plain += p.length;
        }
        progress.value = plain;
      };
      const reader = r.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        take(decryptor ? decryptor.push(value) : [value]);
      }
      if (decryptor) take([decryptor.finish()]);
      const digest = hasher.digest();
      const matched = u8aToHex(digest) === d.contentHash.digest;
      note(panel, matched ? 'ok' : 'error', matched
        ? `Verified: ${bytes(plain)}, ${d.contentHash.function} ${d.contentHash.digest} as on chain.`
        : `Mismatch: the file's ${d.contentHash.function} is ${u8aToHex(digest)}, the record's ${d.contentHash.digest}. Do not use it.`);
      const name = fileName(d);
      const save = h('a', { class: 'save button', href: URL.createObjectURL(new Blob(parts)), download: matched ? name : `${name}.mismatch` }, matched ? `Save ${name}` : 'Save the mismatching file');
      panel.append(save);
      if (c && report.checked) {
        await send(matched ? `Confirm receipt of contract ${c.id}` : `Report a mismatch on contract ${c.id}`,
          (api) => api.tx.access.confirmReceipt(c.id, d.contentHash.code, u8aToHex(digest)), current.account!);
        // The page's receipt and this note change together.
        confirmed((await call('access_get', c.id))!);
        note(panel, 'info', matched ? 'The receipt is confirmed on chain.' : 'The mismatch is reported on chain: the regulator sees it as a dispute.');
      }
    } catch (err) {
      note(panel, 'error', failure(err));
    }
  }
  return panel;
}
