// How many datasets each of the catalogue's filter options would find, as a
// faceted search counts: an option of Topic, Owner or Policy counts what the
// search finds with that option chosen instead of the facet's own choice
// (the other facets, the box or map view, the time range and the text
// applied); "any" counts the search without the facet's choice; "show
// withdrawn" counts the withdrawn datasets the rest of the search matches.
// The gateway's `POST /aggregate` counts them (the STAC Aggregation
// extension) with the reader's visibility applied, so a count never
// includes a dataset the reader may not see. The facets not chosen share
// the search's own filters, so one request counts them all; each chosen
// facet and the withdrawn count take one more. "Obtainable at once for" (a
// member's purpose) is not counted itself: every count is within it.
import { aggregate, type Aggregation } from './stac';

/**
 * What the form's facets choose (an empty string: any), and the purpose for
 * which the datasets must be obtainable at once (a member's; '': any).
 */
export interface Chosen { topic: string; owner: string; policy: string; purpose: string; withdrawn: boolean }
/** Withdrawn datasets: left out (the default), shown too, or alone. */
export type Withdrawn = 'hidden' | 'shown' | 'only';
/** The filters of a search (a `POST /search` body without paging) for facets `c`. */
type Filters = (c: Chosen, withdrawn: Withdrawn) => Record<string, unknown>;

/** Each facet: its field in the form, the aggregation that counts it, and an option's bucket key. */
const FACETS = [
  { name: 'topic', aggregation: 'topic_frequency', key: (value: string) => value },
  { name: 'owner', aggregation: 'collection_frequency', key: (value: string) => `department-${value}` },
  { name: 'policy', aggregation: 'access_policy_frequency', key: (value: string) => value },
] as const;
/** How long the search must stay unchanged before its options are counted. */
const SETTLE_MS = 300;

let timer = 0;
/** Increases with every change, so a late answer for an older search is dropped. */
let generation = 0;
let asking: AbortController | null = null;

/**
 * Counts `form`'s options again once the search has not changed for
 * `SETTLE_MS`; what `chosen` and `filters` say then is counted. Counts
 * asked for an older search are abandoned. While the counts shown may be
 * out of date, `form` has `data-counting`.
 */
export function countSoon(form: HTMLFormElement, chosen: () => Chosen, filters: Filters): void {
  stopCounting();
  const mine = generation;
  form.dataset.counting = 'true';
  timer = window.setTimeout(() => void count(form, chosen(), filters, mine), SETTLE_MS);
}

/** Abandons the counts asked for or waiting to be asked. */
export function stopCounting(): void {
  generation += 1;
  window.clearTimeout(timer);
  asking?.abort();
  asking = null;
}

/** Counts the options of `form` for facets `c`, unless another count starts meanwhile. */
async function count(form: HTMLFormElement, c: Chosen, filters: Filters, mine: number): Promise<void> {
  if (!form.isConnected || mine !== generation) return;
  const controller = new AbortController();
  asking = controller;
  const withdrawn = c.withdrawn ? 'shown' : 'hidden';
  // Requests by body: facets whose filters are the same share one.
  const requests = new Map<string, { body: Record<string, unknown>; aggregations: Set<string> }>();
  const ask = (body: Record<string, unknown>, aggregation: string): string => {
    const key = JSON.stringify(body);
    const request = requests.get(key) ?? { body, aggregations: new Set(['total_count']) };
    request.aggregations.add(aggregation);
    requests.set(key, request);
    return key;
  };
  const facets = FACETS.map((facet) => ({ facet, request: ask(filters({ ...c, [facet.name]: '' }, withdrawn), facet.aggregation) }));
  const withdrawnRequest = ask(filters(c, 'only'), 'total_count');
  let answers: Map<string, Map<string, Aggregation>>;
  try {
    answers = new Map(await Promise.all([...requests].map(async ([key, { body, aggregations }]) =>
      [key, await aggregate(body, [...aggregations], controller.signal)] as const)));
  } catch (e) {
    if (mine !== generation) return;
    // The options stay usable, without counts.
    for (const el of form.querySelectorAll<HTMLElement>('select option, .withdrawn-label')) label(el, null);
    form.dataset.counts = `failed: ${(e as Error).message}`;
    delete form.dataset.counting;
    return;
  }
  if (mine !== generation) return;
  for (const { facet, request } of facets) {
    const answer = answers.get(request)!;
    const total = Number(answer.get('total_count')?.value);
    const counted = answer.get(facet.aggregation);
    const by = new Map((counted?.buckets ?? []).map((b) => [b.key, b.frequency]));
    // Beyond the buckets the gateway returns, an option's count is unknown.
    const missing = (counted?.overflow ?? 0) > 0 ? null : 0;
    for (const option of form.querySelectorAll<HTMLOptionElement>(`select[name="${facet.name}"] option`)) {
      label(option, option.value === '' ? total : by.get(facet.key(option.value)) ?? missing);
    }
  }
  const shown = form.querySelector<HTMLElement>('.withdrawn-label');
  if (shown) label(shown, Number(answers.get(withdrawnRequest)!.get('total_count')?.value));
  form.dataset.counts = 'ok';
  delete form.dataset.counting;
  asking = null;
}

/**
 * Shows count `n` after an option's label (none if null), in
 * `data-count` too; an option that would find nothing is dimmed
 * (`.none`), yet may still be chosen.
 */
function label(el: HTMLElement, n: number | null): void {
  el.dataset.label ??= el.textContent ?? '';
  const known = n !== null && Number.isFinite(n);
  el.textContent = known ? `${el.dataset.label} (${n})` : el.dataset.label;
  if (known) el.dataset.count = String(n);
  else delete el.dataset.count;
  el.classList.toggle('none', n === 0);
}
