// Sending a transaction and showing it: pending → in block → finalized, or
// the error's name and its documentation from the metadata.
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { EventRecord } from '@polkadot/types/interfaces';
import type { ApiPromise } from '@polkadot/api';
import { chainApi } from './chain';
import { txSigner, type Account } from './accounts';
import { h } from './ui';

interface Included {
  blockHash: string;
  events: EventRecord[];
}

const MAX_SHOWN = 4;
const FINALIZED_SHOWN_MS = 15_000;

/** Why the pool refused a transaction, in words. */
function poolRefusal(message: string): string {
  if (/Invalid signing address|1010.*signing/i.test(message)) {
    return 'The chain refused the transaction: the account is not a member of an active department (Invalid signing address).';
  }
  return `The node refused the transaction: ${message}`;
}

/**
 * Signs and submits `tx` as `account`, showing its progress in the
 * transaction panel; resolves once it is finalized, rejects with the
 * error's name and documentation if the pool refuses it or it fails.
 */
/** Builds a transaction once the API (the runtime's metadata) is ready. */
export type Build = (api: ApiPromise) => SubmittableExtrinsic<'promise'>;

export function send(label: string, build: Build, account: Account): Promise<Included> {
  const state = h('span', { class: 'tx-state' }, 'signing…');
  const detail = h('small', {});
  const item = h('div', { class: 'tx', 'data-state': 'pending' }, h('strong', {}, label), ' ', state, detail);
  const panel = document.getElementById('txs')!;
  panel.prepend(item);
  // The panel shows the latest few; a finalized one goes after a while.
  while (panel.childElementCount > MAX_SHOWN) panel.lastElementChild!.remove();
  const set = (s: string, text: string, more = '') => {
    item.dataset.state = s;
    state.textContent = text;
    detail.textContent = more;
  };
  return new Promise((resolve, reject) => {
    let included: Included | null = null;
    const fail = (message: string, more = '') => {
      set('failed', `failed: ${message}`, more);
      reject(Object.assign(new Error(message), { detail: more }));
    };
    Promise.all([chainApi(), txSigner(account)])
      .then(([api, [signer, options]]) =>
        build(api).signAndSend(signer as never, options, ({ status, events, dispatchError }) => {
          if (status.isReady || status.isBroadcast) set('pending', 'pending');
          if (dispatchError) {
            if (dispatchError.isModule) {
              const meta = api.registry.findMetaError(dispatchError.asModule);
              fail(`${meta.section}.${meta.name}`, meta.docs.join(' '));
            } else fail(dispatchError.toString());
          } else if (status.isInBlock) {
            included = { blockHash: status.asInBlock.toHex(), events: events as EventRecord[] };
            set('in-block', `in block ${status.asInBlock.toHex().slice(0, 10)}…`);
          } else if (status.isFinalized && included) {
            set('finalized', 'finalized');
            setTimeout(() => item.remove(), FINALIZED_SHOWN_MS);
            resolve(included);
          } else if (status.isDropped || status.isInvalid || status.isUsurped) {
            fail(`the transaction was ${status.type.toLowerCase()}`);
          }
        }),
      )
      .catch((e: Error) => fail(poolRefusal(e.message)));
  });
}

/** The named field of event `section.method` as a number. */
export function eventId(result: Included, section: string, method: string, field: string): number {
  const e = result.events.find(({ event }) => event.section === section && event.method === method);
  if (!e) throw new Error(`no ${section}.${method} event`);
  const data = e.event.data as unknown as Record<string, { toNumber(): number }>;
  return data[field].toNumber();
}

/** What a failed action says: the error, and the documentation a dispatch error carries. */
export function failure(err: unknown): string {
  return `${(err as Error).message} ${(err as { detail?: string }).detail ?? ''}`.trim();
}
