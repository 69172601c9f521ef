// The portal's download service worker (web/src/save.ts hands it work):
// the page offers it a stream under a random id, then navigates to
// `<scope>download/<id>/<name>`; the worker answers that request with the
// stream as an attachment, so the browser's download manager writes the
// file to disk while the page is still receiving and verifying it. If the
// page errors the stream (a mismatch, a decryption failure, a cancel), the
// browser marks the download failed. Nothing else passes through here.
const worker = self as unknown as ServiceWorkerGlobalScope;

interface Offer {
  type: 'download';
  id: string;
  name: string;
  body: ReadableStream<Uint8Array>;
  /** Told `offered` once the worker holds the stream, `started` once the browser asked for it. */
  port: MessagePort;
}

const offers = new Map<string, Offer>();
const path = new URL('download/', worker.registration.scope).pathname;

worker.addEventListener('install', () => void worker.skipWaiting());

// Also the page's pings while a download runs: each message keeps the worker alive.
worker.addEventListener('message', (event) => {
  const offer = event.data as Offer | { type: 'ping' };
  if (offer.type !== 'download') return;
  offers.set(offer.id, offer);
  offer.port.postMessage('offered');
});

worker.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== worker.location.origin || !url.pathname.startsWith(path)) return;
  const id = url.pathname.slice(path.length).split('/')[0];
  const offer = offers.get(id);
  offers.delete(id);
  if (!offer) {
    event.respondWith(new Response('This download is over: start it again from the portal.', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
    return;
  }
  offer.port.postMessage('started');
  event.respondWith(new Response(offer.body, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(offer.name)}`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    },
  }));
});
