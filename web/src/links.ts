// A link for GIS tools: QGIS, GDAL's /vsicurl/, rasterio or pyogrio read a
// window of a COG or a bbox of a FlatGeobuf through a plain URL with range
// requests, which they cannot sign. The gateway hands a member who may read
// the file plain a link scoped to the account, the dataset, its contract and
// minutes (`POST /data/{id}/presign`); every read through it is checked on
// chain again and logged as a delivery.
import { call, config } from './chain';
import { authorization } from './accounts';
import { current } from './state';
import { h, note } from './ui';
import type { Dataset } from '@citychain/api/rpc';

/** How long a link lives, in minutes: the gateway allows 1 to 60. */
const MINUTES = [15, 60];

/** The gateway's answer to a presign request. */
interface Link {
  href: string;
  expires: string;
}

async function presign(dataset: number, minutes: number): Promise<Link> {
  const url = `${config.gateway}/data/${dataset}/presign?minutes=${minutes}`;
  const r = await fetch(url, { method: 'POST', headers: { authorization: await authorization(current.account!, 'POST', url, config.gateway) } });
  if (!r.ok) throw new Error((await r.json().catch(() => ({ description: r.statusText }))).description);
  return r.json();
}

/**
 * The panel that makes a link to `d`'s file, read under `contract` or as
 * owner or open data; none when the delivery is encrypted (only the CLI and
 * the portal, which hold the key, open it).
 */
export async function linkPanel(d: Dataset, contract: number | null): Promise<HTMLElement | null> {
  if (contract !== null && (await call('access_get', contract))?.envelope) return null;
  const minutes = h('select', { name: 'minutes' }, MINUTES.map((m) => h('option', { value: String(m) }, `${m} minutes`)));
  const href = h('input', { type: 'text', name: 'href', readonly: true, hidden: true });
  const copy = h('button', { type: 'button', hidden: true, onclick: () => void navigator.clipboard.writeText(href.value).then(
    () => note(panel, 'ok', 'Link copied.'),
    () => note(panel, 'error', 'The browser did not let the page copy: select the link and copy it.')) }, 'Copy');
  const usage = h('pre', { class: 'usage', hidden: true });
  const make = h('button', { type: 'button', class: 'make-link', onclick: () => void run() }, 'Make a link');
  const panel = h('section', { class: 'gis-link' }, h('h3', {}, 'Open in a GIS tool'),
    h('p', {}, 'A link that QGIS, GDAL, rasterio or pyogrio read without signing in, until it expires or the access ends. Anyone holding it reads the file as you: share it with no one.'),
    h('label', { class: 'field' }, h('span', {}, 'Valid for'), minutes), make, href, copy, usage);

  async function run() {
    make.disabled = true;
    try {
      const link = await presign(d.id, Number(minutes.value));
      href.value = link.href;
      usage.textContent = `gdalinfo "/vsicurl/${link.href}"`;
      for (const el of [href, copy, usage]) el.hidden = false;
      note(panel, 'info', `Valid until ${new Date(link.expires).toLocaleString()}.`);
    } catch (err) {
      note(panel, 'error', `No link: ${(err as Error).message}`);
    } finally {
      make.disabled = false;
    }
  }
  return panel;
}
