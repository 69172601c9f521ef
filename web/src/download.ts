// Download and verify: the file from the provider's gateway with a request
// signed by the account, decrypted in the browser with the department's
// encryption key file if it is delivered encrypted (under a contract whose
// approval carried a key envelope, or to the owner's officers when their
// department keeps only the encryption: the gateway then sends the data key
// sealed to the department in `x-citychain-envelope`), its hash checked against
// the record, and the receipt reported on chain. The file is written to disk
// as it arrives (src/save.ts) and hashed (and decrypted) piece by piece, so
// the page's memory stays the same for any size; a broken connection is
// resumed with a range request from where it broke, and a mismatch or a
// decryption failure discards the file.
import { call, config } from './chain';
import { authorization } from './accounts';
import { current } from './state';
import { send, failure } from './tx';
import { Decryptor, HASHES, openEnvelope, readKeyFile } from './crypto';
import { canChooseFile, chooseFile, downloads, fileSink, type Sink } from './save';
import { h, note } from './ui';
import { bytes } from './units';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { VerifyError, verifiedGroups } from '@citychain/api/bao.mjs';
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

/** Tries in a row without a byte received before a broken download is given up; the waits double from 1 s. */
const RETRIES = 5;

/** Resolves after `ms`, or fails as `signal` is aborted. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/**
 * The bytes of a delivery as they arrive, from `first` (the response to the
 * first request) on. When the connection breaks, `request(from)` asks again
 * from the offset `resumeAt(received)` gives; `lost` is told where and how
 * long until then. Gives up after RETRIES tries that received nothing.
 */
async function* resumable(first: Response, request: (from: number) => Promise<Response>, resumeAt: (received: number) => number,
  lost: (at: number, wait: number) => void, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const total = Number(first.headers.get('content-length') ?? NaN);
  let reader = first.body!.getReader();
  let received = 0;
  let tries = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (err) {
      // A network failure is a TypeError; a cancel or a refusal is not retried.
      for (let failed = err; ;) {
        if (!(failed instanceof TypeError) || signal.aborted || tries === RETRIES) throw failed;
        const wait = 1000 * 2 ** tries;
        tries += 1;
        received = resumeAt(received);
        if (received === total) return;
        lost(received, wait);
        await pause(wait, signal);
        try {
          reader = (await request(received)).body!.getReader();
          break;
        } catch (again) {
          failed = again;
        }
      }
      continue;
    }
    if (next.done) return;
    received += next.value.length;
    tries = 0;
    yield next.value;
  }
}

/**
 * The panel for a dataset the account may read, under `contract` or as owner
 * or open data; `confirmed` gets the contract as it is once the receipt is
 * on chain.
 */
export async function downloadPanel(d: Dataset, contract: number | null, confirmed: (c: Contract) => void = () => {}): Promise<HTMLElement> {
  const sealed = contract !== null && (await call('access_get', contract))!.envelope !== null;
  // The owner's department may keep only the encryption: the key file is asked for, in case.
  const owner = contract === null && current.membership?.department.id === d.owner;
  const keyFile = h('input', { type: 'file', name: 'key' });
  const keyField = h('label', { class: 'field', hidden: !sealed && !owner }, h('span', {}, 'Your department\'s encryption key file'), keyFile,
    h('small', {}, owner ? 'needed only if your department keeps this dataset encrypted; read in this browser only, never sent'
      : 'read in this browser only, never sent'));
  const report = h('input', { type: 'checkbox', name: 'report', checked: contract !== null });
  const choose = h('input', { type: 'checkbox', name: 'choose' });
  const start = h('button', { id: 'download', onclick: () => void run() }, 'Download');
  let running: AbortController | null = null;
  const cancel = h('button', { type: 'button', class: 'cancel', hidden: true, onclick: () => running?.abort() }, 'Cancel');
  const progress = h('progress', { max: d.size, value: 0, hidden: true });
  const resuming = h('small', { class: 'resuming', role: 'status' });
  const panel = h('section', { class: 'download' }, h('h3', {}, 'Download and verify'),
    contract !== null ? h('p', {}, 'Under ', h('a', { href: `#/contract/${contract}` }, `contract ${contract}`)) : null,
    keyField,
    contract !== null ? h('label', { class: 'check' }, report, 'report the result on chain (confirm the receipt)') : null,
    canChooseFile() ? h('label', { class: 'check' }, choose, 'choose where to save the file (else in the browser\'s downloads)') : null,
    start, cancel, progress, resuming);

  /**
   * The decryptor of a delivery, from its first answer: under the
   * contract's data key (`contractKey`, from its envelope) if it has one;
   * for the owner, under the data key the gateway sent sealed to the
   * department, opened with the key file; none for a plain file.
   */
  async function decryptorFor(r: Response, contractKey: Uint8Array | null): Promise<Decryptor | null> {
    const encrypted = r.headers.get('x-citychain-encrypted') === 'true';
    const dataKey = r.headers.get('x-citychain-envelope');
    if (contractKey && encrypted) return new Decryptor(contractKey);
    if (!contractKey && encrypted && contract === null && dataKey) {
      keyField.hidden = false;
      const file = keyFile.files?.[0];
      if (!file) throw new Error('Your department keeps this dataset only encrypted: choose its encryption key file, then download again.');
      const key = await readKeyFile(file, 'the encryption key file');
      return new Decryptor(openEnvelope(dataKey, key, 'the dataset\'s data key (sealed to your department)'));
    }
    if (!encrypted && !contractKey) return null;
    throw new Error('The gateway\'s delivery does not match the contract (encrypted or not).');
  }

  /**
   * Receives the delivery into the file chosen (or the browser's
   * downloads), hashing (and decrypting) it as it comes; the file is kept
   * only if its hash is the record's. Null if the user cancelled.
   */
  async function receive(name: string, contractKey: Uint8Array | null, chosen: FileSystemFileHandle | null): Promise<{ digest: Uint8Array; plain: number; verified: boolean } | null> {
    const controller = new AbortController();
    running = controller;
    start.disabled = true;
    cancel.hidden = false;
    let sink: Sink | null = chosen ? await fileSink(chosen) : null;
    // Known from the first answer on.
    let decryptor: Decryptor | null | undefined;
    try {
      // BLAKE3 data delivered plain comes through the verified route: each
      // 16 KiB group is checked against the root on chain as it arrives, and
      // a break resumes at the first group not yet proven.
      let verified = contractKey === null && d.contentHash.function === 'blake3' && d.size > 0;
      const request = async (from: number): Promise<Response> => {
        const url = verified ? `${config.gateway}/data/${d.id}/verified?start=${from}` : `${config.gateway}/data/${d.id}`;
        const range: Record<string, string> = from > 0 && !verified ? { range: `bytes=${from}-` } : {};
        const r = await fetch(url, { signal: controller.signal, headers: { authorization: await authorization(current.account!, 'GET', url, config.gateway), ...range } });
        if (verified && from === 0 && r.status === 409) {
          // The owner's department keeps this dataset only encrypted: the
          // whole file comes from /data, decrypted here and hashed.
          await r.body?.cancel();
          verified = false;
          return request(from);
        }
        if (!r.ok) throw new Error(`The gateway refused: ${(await r.json().catch(() => ({ description: r.statusText }))).description}`);
        if (verified) {
          decryptor = null;
          const proven = r.body!.pipeThrough(verifiedGroups(d.size, hexToU8a(d.contentHash.digest), from));
          return new Response(proven, { headers: { 'content-length': String(d.size - from) } });
        }
        if (decryptor === undefined) {
          decryptor = await decryptorFor(r, contractKey).catch(async (err) => {
            await r.body?.cancel();
            throw err;
          });
        } else if ((r.headers.get('x-citychain-encrypted') === 'true') !== (decryptor !== null)) {
          throw new Error('The gateway\'s delivery does not match the contract (encrypted or not).');
        }
        if (from > 0 && !(r.status === 206 && r.headers.get('content-range')?.startsWith(`bytes ${from}-`))) {
          throw new Error('The gateway did not resume the download where it broke off.');
        }
        return r;
      };
      const first = await request(0);
      sink ??= await downloads(panel, name);
      progress.hidden = false;
      progress.value = 0;
      // Proven group by group, the file's BLAKE3 is the root: no second hash.
      const hasher = verified ? null : HASHES[d.contentHash.code].create();
      let plain = 0;
      const put = async (piece: Uint8Array) => {
        hasher?.update(piece);
        plain += piece.length;
        progress.value = plain;
        await sink!.write(piece);
      };
      const lost = (at: number, wait: number) => {
        resuming.textContent = `The connection broke after ${bytes(plain)}: resuming from byte ${at} in ${wait / 1000} s…`;
      };
      const opened = decryptor ?? null;
      for await (const piece of resumable(first, request, (received) => opened?.rewind() ?? received, lost, controller.signal)) {
        resuming.textContent = '';
        for (const p of opened ? opened.push(piece) : [piece]) await put(p);
      }
      if (opened) await put(opened.finish());
      const digest = hasher ? hasher.digest() : hexToU8a(d.contentHash.digest);
      if (u8aToHex(digest) === d.contentHash.digest) await sink.close();
      else await sink.abort(new Error('the file does not match the record'));
      return { digest, plain, verified };
    } catch (err) {
      await sink?.abort(err as Error);
      if (!controller.signal.aborted) throw err;
      note(panel, 'info', 'Cancelled: nothing was saved.');
      return null;
    } finally {
      running = null;
      start.disabled = false;
      cancel.hidden = true;
      resuming.textContent = '';
    }
  }

  async function run(): Promise<void> {
    panel.querySelectorAll('.note, a.save').forEach((n) => n.remove());
    try {
      const name = fileName(d);
      // The file picker needs the click's user activation: it is asked first.
      const chosen = choose.checked ? await chooseFile(name) : null;
      if (choose.checked && !chosen) return;
      const c = contract !== null ? await call('access_get', contract) : null;
      let contractKey: Uint8Array | null = null;
      if (c?.envelope) {
        const file = keyFile.files?.[0];
        if (!file) throw new Error('This delivery is encrypted: choose your department\'s encryption key file.');
        contractKey = openEnvelope(c.envelope, await readKeyFile(file, 'the encryption key file'));
      }
      const got = await receive(name, contractKey, chosen);
      if (!got) return;
      const { digest, plain, verified } = got;
      const matched = u8aToHex(digest) === d.contentHash.digest;
      note(panel, matched ? 'ok' : 'error', matched
        ? `Verified: ${bytes(plain)}, ${d.contentHash.function} ${d.contentHash.digest} as on chain${verified ? ', every 16 KiB checked as it arrived' : ''}.`
        : `Mismatch: the file's ${d.contentHash.function} is ${u8aToHex(digest)}, the record's ${d.contentHash.digest}. Do not use it: it was not saved.`);
      if (c && report.checked) {
        await send(matched ? `Confirm receipt of contract ${c.id}` : `Report a mismatch on contract ${c.id}`,
          (api) => api.tx.access.confirmReceipt(c.id, d.contentHash.code, u8aToHex(digest)), current.account!);
        // The page's receipt and this note change together.
        confirmed((await call('access_get', c.id))!);
        note(panel, 'info', matched ? 'The receipt is confirmed on chain.' : 'The mismatch is reported on chain: the regulator sees it as a dispute.');
      }
    } catch (err) {
      // A group that does not prove out stops the download there: the file's
      // hash is unknown, so no receipt is reported (as with the CLI).
      note(panel, 'error', err instanceof VerifyError
        ? `Mismatch: ${err.message}. The download stopped there and nothing was saved.`
        : failure(err));
    }
  }
  return panel;
}
