// Where a download is written as it arrives, so the page holds only the
// piece in hand: a file the user chose (the File System Access API), else
// the browser's downloads through the portal's service worker
// (src/worker/download.ts), else, in a browser that has neither, a file
// collected in memory and offered as a Save link once verified.
import { h } from './ui';

declare global {
  interface Window {
    showSaveFilePicker?(options: { suggestedName: string }): Promise<FileSystemFileHandle>;
  }
  interface FileSystemFileHandle {
    /** Chromium's: deletes the file. */
    remove?(): Promise<void>;
  }
}

/** A file being written: `abort` discards what was written (the browser marks its download failed). */
export interface Sink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(reason: Error): Promise<void>;
}

/** Whether the browser lets the user choose a file to write to. */
export const canChooseFile = (): boolean => typeof window.showSaveFilePicker === 'function';

/** Asks the user for the file to save `name` to; null if they closed the picker. */
export async function chooseFile(name: string): Promise<FileSystemFileHandle | null> {
  try {
    return await window.showSaveFilePicker!({ suggestedName: name });
  } catch (err) {
    if ((err as DOMException).name === 'AbortError') return null;
    throw err;
  }
}

/** Writes to a file the user chose; an abort removes it. */
export async function fileSink(handle: FileSystemFileHandle): Promise<Sink> {
  const out = await handle.createWritable();
  return {
    write: (bytes) => out.write(bytes as Uint8Array<ArrayBuffer>),
    close: () => out.close(),
    async abort() {
      await out.abort();
      await handle.remove?.();
    },
  };
}

/** Whether the browser can hand a stream to the service worker (a secure context, transferable streams). */
function canStream(): boolean {
  if (!window.isSecureContext || !('serviceWorker' in navigator)) return false;
  try {
    const probe = new ReadableStream();
    structuredClone(probe, { transfer: [probe] });
    return true;
  } catch {
    return false;
  }
}

/** Resolves when `port` says `word`; fails with `failure` after `ms`. */
function said(port: MessagePort, word: string, ms: number, failure: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(failure)), ms);
    port.addEventListener('message', (e) => {
      if (e.data !== word) return;
      clearTimeout(timer);
      resolve();
    });
    port.start();
  });
}

/** How much the page queues ahead of the browser's download. */
const QUEUED = 4 << 20;

/** Writes through the service worker into the browser's downloads, as `name`. */
async function downloadSink(name: string): Promise<Sink> {
  const base = import.meta.env.BASE_URL;
  await navigator.serviceWorker.register(`${base}download-worker.js`, { scope: base });
  const registration = await navigator.serviceWorker.ready;
  const worker = registration.active!;
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>({}, undefined, new ByteLengthQueuingStrategy({ highWaterMark: QUEUED }));
  const channel = new MessageChannel();
  const id = crypto.randomUUID();
  const offered = said(channel.port1, 'offered', 10_000, 'the portal\'s download worker did not answer');
  worker.postMessage({ type: 'download', id, name, body: readable, port: channel.port2 }, [readable, channel.port2]);
  await offered;
  const started = said(channel.port1, 'started', 10_000, 'the browser did not start the download');
  // The worker answers this navigation with an attachment: the page stays.
  location.assign(`${registration.scope}download/${id}/${encodeURIComponent(name)}`);
  await started;
  const writer = writable.getWriter();
  const ping = setInterval(() => worker.postMessage({ type: 'ping' }), 10_000);
  return {
    async write(bytes) {
      try {
        await writer.write(bytes);
      } catch {
        throw new Error('The browser stopped saving the file (was the download cancelled?).');
      }
    },
    async close() {
      clearInterval(ping);
      await writer.close();
    },
    async abort(reason) {
      clearInterval(ping);
      await writer.abort(reason);
    },
  };
}

/** Collects the file in memory; once closed, `panel` offers it as a Save link. */
function memorySink(panel: HTMLElement, name: string): Sink {
  let parts: Uint8Array<ArrayBuffer>[] = [];
  return {
    write: async (bytes) => void parts.push(bytes as Uint8Array<ArrayBuffer>),
    close: async () => void panel.append(h('a', { class: 'save button', href: URL.createObjectURL(new Blob(parts)), download: name }, `Save ${name}`)),
    abort: async () => void (parts = []),
  };
}

/** The browser's downloads, streamed where the browser can, else in memory with a Save link in `panel`. */
export function downloads(panel: HTMLElement, name: string): Promise<Sink> {
  return canStream() ? downloadSink(name) : Promise.resolve(memorySink(panel, name));
}
