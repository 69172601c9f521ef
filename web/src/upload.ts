// Uploads to the gateway in parts (`/data/{id}/parts…`, see the gateway's
// `parts` module): a file of any size is read in parts with `File.slice`
// (never whole), sent two at a time with its progress shown, and after a
// cut the parts the gateway lacks are sent again, and only those:
// automatically a few times, then when the user presses Resume.

import { authorization, type Account } from './accounts';
import { h } from './ui';
import { bytes } from './units';

/** Parts in flight at once. */
const PARALLEL = 2;
/** Tries after a cut before the user is asked to resume. */
const RETRIES = 4;
/**
 * The slowest a part may go (bytes a millisecond, 256 KiB/s) before its
 * request is given up as stalled and the part sent again; never sooner
 * than 30 s. A browser that sends a cut request again by itself may not
 * finish it.
 */
const SLOWEST = 256;

/** What the gateway lists of an upload in parts. */
interface Listing { size: number; partSize: number; parts: number; received: number[] }

/** A refusal by the gateway: retrying would not change it. */
class Refused extends Error {}

/** The progress, status and Resume button an upload shows. */
export interface UploadView {
  element: HTMLElement;
  progress: HTMLProgressElement;
  status: HTMLElement;
  resume: HTMLButtonElement;
}

/** A progress bar with its status line and a Resume button, hidden until used. */
export function uploadView(): UploadView {
  const progress = h('progress', { class: 'upload-progress', value: 0, max: 1 });
  const status = h('small', { class: 'upload-status', role: 'status' });
  const resume = h('button', { type: 'button', class: 'resume', hidden: true }, 'Resume');
  return { element: h('div', { class: 'upload', hidden: true }, progress, ' ', status, ' ', resume), progress, status, resume };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A gateway request signed by `account`; a refusal throws with its reason. */
async function signed(account: Account, gateway: string, method: string, path: string, body?: Blob): Promise<Response> {
  const url = `${gateway}${path}`;
  const signal = body ? AbortSignal.timeout(Math.max(30_000, body.size / SLOWEST)) : undefined;
  const r = await fetch(url, { method, body, signal, headers: { authorization: await authorization(account, method, url, gateway) } });
  if (r.ok) return r;
  const reason = (await r.json().catch(() => ({ description: r.statusText }))).description;
  // Busy or timed out: a try later may pass, like a cut. A browser sends a
  // PUT again by itself when its connection breaks, the same signed request,
  // whose nonce the gateway had taken: the listing tells what was stored.
  if (r.status === 503 || r.status === 408 || (r.status === 401 && /already used/.test(reason))) throw new TypeError(reason);
  throw new Refused(reason);
}

/**
 * Sends the parts of `body` the gateway lacks, `PARALLEL` at a time; `sent`
 * is told the bytes of each part stored. After a failure no part is
 * started and the failure is thrown once the parts in flight are done.
 */
async function sendMissing(listing: Listing, body: Blob, send: (n: number, part: Blob) => Promise<void>, sent: (n: number) => void): Promise<void> {
  const have = new Set(listing.received);
  const queue = [...Array(listing.parts).keys()].filter((n) => !have.has(n));
  let failure: unknown = null;
  const worker = async () => {
    for (let n = queue.shift(); n !== undefined && failure === null; n = queue.shift()) {
      const part = body.slice(n * listing.partSize, Math.min(listing.size, (n + 1) * listing.partSize));
      try {
        await send(n, part);
        sent(part.size);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (failure !== null) throw failure;
}

/**
 * Uploads `body` as dataset `dataset`'s file (or with `encrypted` its
 * encryption) in parts, signed by `account`, showing its progress in
 * `view`; resolves once the gateway has assembled and checked it. A cut
 * (a network error, a busy gateway) is resumed with the parts missing,
 * `RETRIES` times with a growing pause, then when Resume is pressed; a
 * refusal throws with the gateway's reason.
 */
export async function uploadInParts(account: Account, gateway: string, dataset: number, encrypted: boolean, body: Blob, view: UploadView): Promise<void> {
  const query = encrypted ? '?part=encrypted' : '';
  const base = `/data/${dataset}/parts`;
  const { element, progress, status, resume } = view;
  element.hidden = false;
  progress.max = body.size || 1;
  let done = 0;
  const show = () => {
    progress.value = done;
    status.textContent = `${bytes(done)} of ${bytes(body.size)} sent`;
  };
  for (let tries = 0; ; tries += 1) {
    try {
      const listing: Listing = await (await signed(account, gateway, 'GET', `${base}${query}`)).json();
      if (listing.size !== body.size) throw new Refused(`the gateway expects ${listing.size} bytes, the file has ${body.size}`);
      done = listing.received.reduce((sum, n) => sum + Math.min(listing.partSize, listing.size - n * listing.partSize), 0);
      show();
      await sendMissing(listing, body, (n, part) => signed(account, gateway, 'PUT', `${base}/${n}${query}`, part).then(() => {}), (n) => { done += n; show(); });
      status.textContent = `${bytes(body.size)} sent; the gateway checks the file…`;
      await signed(account, gateway, 'POST', `${base}/complete${query}`);
      status.textContent = `${bytes(body.size)} stored and checked.`;
      return;
    } catch (err) {
      const stalled = err instanceof DOMException && err.name === 'TimeoutError';
      if (err instanceof Refused || !(err instanceof TypeError || stalled)) throw err;
      if (tries < RETRIES) {
        const wait = 1000 * 2 ** tries;
        status.textContent = `The connection broke after ${bytes(done)}: resuming in ${wait / 1000} s…`;
        await sleep(wait);
        continue;
      }
      status.textContent = `The connection broke after ${bytes(done)} of ${bytes(body.size)}: what was sent is kept.`;
      resume.hidden = false;
      await new Promise<void>((r) => resume.addEventListener('click', () => r(), { once: true }));
      resume.hidden = true;
      tries = -1;
    }
  }
}
