// The portal's entry: read the gateway's settings, follow the chain through
// the gateway, set up the map and the account, and route `#/…` to the pages.
import './style.css';
import { config, forgetDepartments, loadConfig, onConnection, onFinalizedEvents, signedIn, start } from './chain';
import { forgetNames } from './stac';
import { createMap, showAccesses, showAreas } from './map';
import { closeCatalogue, openCatalogue, prefetch, wireMap } from './catalogue';
import { engaged, follow, h, facts, note, show, trackEngagement, wireLayout } from './ui';

/**
 * What the portal reaches, as its gateway says (`/explorer/config.json`);
 * nothing here can be changed from the browser, so that nothing stored in
 * it can send the portal to another node or gateway.
 */
function openSettings(): void {
  show(h('section', { class: 'settings' }, h('h2', {}, 'Settings'),
    h('p', {}, 'The portal reads and signs in at the gateway that serves it; these come from the gateway\'s configuration (its --public-url and --explorer-tiles) and cannot be changed here.'),
    facts([
      ['Gateway', h('code', {}, config.gateway)],
      ['Relay (members)', config.rpc ? h('code', {}, config.rpc) : 'none'],
      ['Base map tiles', config.tiles ? h('code', {}, config.tiles) : 'none: a plain background with a graticule'],
      ['Development accounts', config.development ? 'offered' : 'not offered'],
    ])));
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
    const side = document.getElementById('side')!;
    do {
      again = false;
      // While another page is read, the one shown stays in view but takes no
      // input: a click meant for the next page cannot act on the last one.
      if (side.dataset.page !== location.hash) {
        side.inert = true;
        side.setAttribute('aria-busy', 'true');
      }
      await draw();
    } while (again);
    side.inert = false;
    side.removeAttribute('aria-busy');
    routing = null;
  })();
  return routing;
}

async function draw(): Promise<void> {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const id = Number(parts[1]);
  if (parts[0] !== '') closeCatalogue();
  // A dataset's page shows its policy's jurisdictions; no other page does.
  if (parts[0] !== 'dataset') showAreas([]);
  // The regulator's page shows the accesses it found; no other page does.
  if (parts[0] !== 'audit' || parts[1] !== 'accesses') showAccesses([]);
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('here', a.getAttribute('href') === `#/${parts[0]}`));
  try {
    // Pages other than the catalogue (and the modules that sign) load when first opened.
    switch (parts[0]) {
      case 'dataset': return await (await import('./dataset')).openDataset(id);
      case 'contract': return await (await import('./contracts')).openContract(id);
      case 'publish': return await (await import('./publish')).openPublish(parts[1] ? id : undefined);
      case 'contracts': return await (await import('./contracts')).openMyContracts();
      case 'inbox': return await (await import('./contracts')).openInbox();
      case 'notifications': return await (await import('./notifications')).openNotifications();
      case 'audit':
        if (parts[1] === 'accesses') return await (await import('./accesses')).openAccesses();
        return await (await import('./audit')).openAudit(parts[1] === 'department' ? Number(parts[2]) : undefined);
      case 'settings': return openSettings();
      default: return await openCatalogue();
    }
  } catch (e) {
    note(document.getElementById('side')!, 'error', `This page could not be shown: ${(e as Error).message}`);
  }
}

async function main(): Promise<void> {
  performance.mark('started');
  wireLayout();
  const c = await loadConfig();
  // The note belongs to no page: the first page drawn is read with the side pane busy.
  delete show(h('p', { class: 'loading' }, `Reading the catalogue at ${c.gateway}…`)).dataset.page;
  await Promise.all([
    start(c).then(() => { performance.mark('connected'); return prefetch().catch(() => {}); }),
    createMap(c.tiles).then(() => performance.mark('map loaded')),
  ]);
  wireMap();
  window.addEventListener('hashchange', () => void route());
  await route();
  // The accounts (wallets, keys) load after the first page is drawn.
  const session = await import('./session');
  session.onAccountChange(() => void route());
  // A member's notifications: unread ones counted, new ones followed (the gateway's event stream).
  session.onAccountChange(() => void import('./notifications').then((n) => n.startNotifications()).catch(() => {}));
  await session.setUpSession();
  // Pages follow finalized changes of what they show, until the user starts
  // working with them (the catalogue follows on its own).
  trackEngagement();
  onFinalizedEvents(['datasets', 'access', 'audit', 'departments'], () => {
    // Without a session this is every new finalized block, whatever changed:
    // only the catalogue follows (on its own); a page is read when opened.
    if (!signedIn()) return;
    forgetDepartments();
    forgetNames();
    if (/^#\/(dataset|contract|contracts|inbox|audit)\b/.test(location.hash) && !engaged()) void follow(route);
  });
  // After a reconnection the chain may have moved on: read everything again.
  onConnection((up) => { if (up) { forgetDepartments(); forgetNames(); void route(); } });
  document.body.dataset.ready = 'true';
}

void main();
