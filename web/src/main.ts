// The portal's entry: connect to the node, set up the map and the account,
// and route `#/…` to the pages.
import './style.css';
import { config, connect, forgetDepartments, loadConfig, onConnection, onFinalizedEvents, saveSettings } from './chain';
import { createMap } from './map';
import { closeCatalogue, openCatalogue, prefetch, wireMap } from './catalogue';
import { engaged, h, field, note, show, trackEngagement } from './ui';

function openSettings(): void {
  const form = h('form', { class: 'settings' }, h('h2', {}, 'Settings'),
    field('Node (WebSocket URL)', h('input', { name: 'node', value: config.node, required: true })),
    field('Gateway (URL)', h('input', { name: 'gateway', value: config.gateway, required: true })),
    field('Base map tiles (XYZ URL template)', h('input', { name: 'tiles', value: config.tiles ?? '', placeholder: 'https://tiles.city.example/{z}/{x}/{y}.png' }),
      'empty: a plain background with a graticule, no network needed'),
    h('button', { type: 'submit' }, 'Save and reload'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    saveSettings({ node: String(f.get('node')), gateway: String(f.get('gateway')), tiles: String(f.get('tiles')) });
    note(form, 'info', 'Saved; reloading…');
    location.reload();
  });
  show(form);
}

let routing: Promise<void> | null = null;
let again = false;

/**
 * Shows the page the location's hash names. One page is drawn at a time, so
 * a slow page drawn for an older hash cannot replace a newer one; a request
 * made meanwhile draws the page of the hash then current, once.
 */
function route(): Promise<void> {
  if (routing) {
    again = true;
    return routing;
  }
  routing = (async () => {
    do {
      again = false;
      await draw();
    } while (again);
    routing = null;
  })();
  return routing;
}

async function draw(): Promise<void> {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const id = Number(parts[1]);
  if (parts[0] !== '') closeCatalogue();
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('here', a.getAttribute('href') === `#/${parts[0]}`));
  try {
    // Pages other than the catalogue (and the modules that sign) load when first opened.
    switch (parts[0]) {
      case 'dataset': return await (await import('./dataset')).openDataset(id);
      case 'contract': return await (await import('./contracts')).openContract(id);
      case 'publish': return await (await import('./publish')).openPublish(parts[1] ? id : undefined);
      case 'contracts': return await (await import('./contracts')).openMyContracts();
      case 'inbox': return await (await import('./contracts')).openInbox();
      case 'audit': return await (await import('./audit')).openAudit(parts[1] === 'department' ? Number(parts[2]) : undefined);
      case 'settings': return openSettings();
      default: return await openCatalogue();
    }
  } catch (e) {
    note(document.getElementById('side')!, 'error', `This page could not be shown: ${(e as Error).message}`);
  }
}

async function main(): Promise<void> {
  performance.mark('started');
  const c = await loadConfig();
  show(h('p', { class: 'loading' }, `Connecting to ${c.node}…`));
  await Promise.all([
    connect(c).then(() => { performance.mark('connected'); return prefetch(); }),
    createMap(c.tiles).then(() => performance.mark('map loaded')),
  ]);
  wireMap();
  window.addEventListener('hashchange', () => void route());
  await route();
  // The accounts (wallets, keys) load after the first page is drawn.
  const session = await import('./session');
  session.onAccountChange(() => void route());
  await session.setUpSession();
  // Pages follow finalized changes of what they show, until the user starts
  // working with them (the catalogue follows on its own).
  trackEngagement();
  onFinalizedEvents(['datasets', 'access', 'audit', 'departments'], () => {
    forgetDepartments();
    if (/^#\/(dataset|contract|contracts|inbox|audit)\b/.test(location.hash) && !engaged()) void route();
  });
  // After a reconnection the chain may have moved on: read everything again.
  onConnection((up) => { if (up) { forgetDepartments(); void route(); } });
  document.body.dataset.ready = 'true';
}

void main();
