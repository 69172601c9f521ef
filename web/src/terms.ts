// Terms: a dataset's access policy as people read and write it. Its rules in
// words (departments, purposes and jurisdictions by name); what the chain
// would decide for a request, rule by rule and constraint by constraint
// (`access_evaluate`), before anything is sent; the rule list, with no JSON
// (pick departments, kinds, purposes, a jurisdiction on the map, limits),
// which the publish form (publish.ts) and the owner's policy editor share,
// the editor sending it as `datasets.setAccessPolicy`; and a contract's
// terms (`access_terms`). Everything is read through the relay.
import type { Constraint, ContractTerms, Dataset, Department, Evaluation, Jurisdiction, Purpose, Rule } from '@citychain/api/rpc';
import { call, departments } from './chain';
import { current } from './state';
import { send, failure } from './tx';
import { showAreas } from './map';
import { dateInput, field, flash, h, mark, note, select, webLink } from './ui';
import { date, parseDate, words } from './units';
import { MAX_RULES, limitProblem, namedProblem, policyProblem, windowProblem } from './rules';

type Outcome = Rule['outcome'];

/** What the rules name, by id or code: departments, purposes (in the vocabulary's order), jurisdictions. */
export interface Names {
  departments: Department[];
  purposes: Purpose[];
  jurisdictions: Jurisdiction[];
}

/** The names rules use: the departments, the purpose vocabulary and the jurisdictions. */
export async function termNames(): Promise<Names> {
  const [all, purposes, jurisdictions] = await Promise.all([departments(), call('access_purposes'), call('access_jurisdictions')]);
  return { departments: all, purposes, jurisdictions };
}

/** A dataset's rules and the names they use; null rules if there is no such dataset. */
export async function policyOf(dataset: number): Promise<{ rules: Rule[] | null; names: Names }> {
  const [rules, names] = await Promise.all([call('access_rules', dataset), termNames()]);
  return { rules, names };
}

/** The kinds of department (primitives' `DepartmentKind`), as a rule names them. */
const KINDS = ['NaturalResources', 'Planning', 'Transport', 'PublicSecurity', 'Environment', 'Housing', 'Water', 'Statistics', 'Regulator', 'Other'];

const OUTCOMES: [Outcome, string][] = [
  ['grant', 'granted at once'],
  ['provider', 'needs the provider\'s approval'],
  ['providerAndRegulator', 'needs the provider\'s and the regulator\'s approval'],
  ['refuse', 'refused'],
];

/** What a rule's outcome means for a request, in words. */
export function outcomeText(outcome: Outcome): string {
  return OUTCOMES.find(([o]) => o === outcome)?.[1] ?? outcome;
}

/** The chain's error for a request refused because `constraint` failed (or a refusing rule decided). */
const REFUSALS: Record<Constraint, string> = {
  consumer: 'access.RefusedByConsumer', purpose: 'access.RefusedByPurpose', term: 'access.RefusedByTerm',
  scope: 'access.RefusedByScope', window: 'access.RefusedByWindow', uses: 'access.RefusedByRule',
};

/** `a`, `a or b`, `a, b or c`. */
function either(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

const departmentName = (n: Names, id: number) => n.departments.find((d) => d.id === id)?.name ?? `department ${id}`;
const purposeLabel = (n: Names, code: string) => {
  const label = n.purposes.find((p) => p.code === code)?.label;
  return label ? `${label} (${code})` : code;
};
const jurisdictionLabel = (n: Names, id: number) => n.jurisdictions.find((j) => j.id === id)?.label ?? `jurisdiction ${id} (not registered)`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The constraints `rule` has, in the order a verdict lists them. */
function constraintsOf(rule: Rule): Constraint[] {
  const has: [Constraint, boolean][] = [
    ['consumer', rule.departments !== undefined || rule.kinds !== undefined], ['purpose', rule.purposes !== undefined],
    ['term', rule.maxDays !== undefined], ['scope', rule.jurisdictions !== undefined || rule.withinExtent === true],
    ['window', rule.window !== undefined], ['uses', rule.uses !== undefined],
  ];
  return has.filter(([, present]) => present).map(([c]) => c);
}

/** Constraint `c` of `rule` in words: what must hold. */
function constraintText(c: Constraint, rule: Rule, n: Names): string {
  switch (c) {
    case 'consumer':
      return rule.departments
        ? `the consumer is ${either(rule.departments.map((id) => departmentName(n, id)))}`
        : `the consumer is a department of kind ${either((rule.kinds ?? []).map(words))}`;
    case 'purpose': return `the purpose is ${either((rule.purposes ?? []).map((p) => purposeLabel(n, p)))}`;
    case 'term': return `the term is at most ${plural(rule.maxDays ?? 0, 'day', 'days')}`;
    case 'scope':
      return rule.withinExtent
        ? 'the request names a part of the data (an area or a period within it), not the whole'
        : `the area asked for (the dataset's whole extent if none is drawn) lies inside ${either((rule.jurisdictions ?? []).map((j) => jurisdictionLabel(n, j)))}`;
    case 'window': return `the request is made from ${date(rule.window?.from)} to ${date(rule.window?.to)}`;
    case 'uses': return `at most ${plural(rule.uses ?? 0, 'download', 'downloads')} under the contract (counted at each download)`;
  }
}

/** When `rule` decides, in words: `if …; and …`, or for every request. */
function conditions(rule: Rule, n: Names): string {
  const constraints = constraintsOf(rule).map((c) => constraintText(c, rule, n));
  return constraints.length ? `if ${constraints.join('; and ')}` : 'for every request';
}

/** Rule `i` of a policy in words: its outcome and what must hold for it to decide. */
function ruleText(rule: Rule, i: number, n: Names): HTMLElement {
  return h('li', { class: 'rule', 'data-rule': i, 'data-outcome': rule.outcome },
    h('strong', {}, words(outcomeText(rule.outcome))), ' ', conditions(rule, n));
}

/**
 * The policy section of a dataset's page: its rules in words for a member
 * (who reads them through the relay), and for everyone the link to the
 * policy as an ODRL 2.2 Offer (the STAC Item's `odrl:hasPolicy` link).
 */
export function policySection(odrl: string | undefined, policy: { rules: Rule[]; names: Names } | null): HTMLElement {
  const link = odrl ? h('p', {}, webLink(odrl, 'The policy as an ODRL 2.2 Offer (JSON-LD)', { class: 'odrl' })) : null;
  if (!policy) return h('section', { class: 'policy' }, h('h3', {}, 'Access rules'), h('p', {}, 'A member who signs in reads the rules in words.'), link);
  return h('section', { class: 'policy' }, h('h3', {}, 'Access rules'),
    h('p', {}, 'A request is decided by the first rule whose conditions all hold; if none holds, it is refused.'),
    h('ol', { class: 'rules' }, policy.rules.map((r, i) => ruleText(r, i, policy.names))),
    link);
}

/** The jurisdictions `rules` name, to show on the map. */
export function areasOf(rules: Rule[], n: Names): Jurisdiction[] {
  const ids = new Set(rules.flatMap((r) => r.jurisdictions ?? []));
  return n.jurisdictions.filter((j) => ids.has(j.id));
}

/**
 * What the chain would decide for a request, before it is sent: which rule
 * decides and its outcome, or which constraint refused it (named as the
 * chain's error), and for every rule each constraint with ✓ or ✗.
 */
export function verdictView(ev: Evaluation, rules: Rule[], n: Names): HTMLElement[] {
  let decision: string;
  if (ev.rule !== null) {
    decision = `Rule ${ev.rule + 1} decides: ${outcomeText(ev.outcome)}${ev.outcome === 'refuse' ? ` (${REFUSALS.uses})` : ''}.`;
  } else {
    // The chain names the first failed constraint of the first rule.
    const first = ev.rules.findIndex((r) => r.constraints.some((c) => !c.holds));
    const failed = first >= 0 ? ev.rules[first].constraints.find((c) => !c.holds)!.constraint : null;
    decision = failed && rules[first]
      ? `Refused: no rule's conditions all hold. The first that fails is rule ${first + 1}'s “${constraintText(failed, rules[first], n)}” (${REFUSALS[failed]}).`
      : `Refused: no rule's conditions all hold (${REFUSALS.uses}).`;
  }
  const kind = ev.outcome === 'refuse' ? 'bad' : ev.outcome === 'grant' ? 'ok' : 'info';
  return [
    h('p', { class: `decision note ${kind}` }, decision),
    h('ol', { class: 'verdicts' }, ev.rules.map((r, i) => {
      const rule = rules[i];
      const role = ev.rule === i ? 'decides' : ev.rule !== null && i > ev.rule ? 'not reached' : 'does not apply';
      return h('li', { class: `rule-verdict ${role.replaceAll(' ', '-')}`, 'data-rule': i },
        h('span', {}, `Rule ${i + 1} · ${outcomeText(r.outcome)} · ${role}`),
        r.constraints.length === 0 ? h('small', {}, ' (no conditions: it applies to every request)') : null,
        rule ? h('ul', { class: 'constraints' }, r.constraints.map((c) =>
          h('li', { class: c.holds ? 'holds' : 'fails', 'data-constraint': c.constraint, 'data-holds': String(c.holds) },
            `${c.holds ? '✓' : '✗'} ${constraintText(c.constraint, rule, n)}`))) : null);
    })),
  ];
}

/**
 * A contract's terms as facts rows: its purpose code, the rule that decided
 * (as it stood then: a later policy does not change an agreement) and its
 * deliveries.
 */
export async function termsFacts(contract: number, dataset: number): Promise<[string, string][]> {
  const [terms, { names }] = await Promise.all([call('access_terms', contract), policyOf(dataset)]);
  if (!terms) return [['Terms', 'none recorded: the contract was requested before policies had rules']];
  const rule = terms.decidedBy;
  const said = `: ${outcomeText(rule.outcome)} ${conditions(rule, names)}`;
  return [
    ['Purpose code', terms.purpose ? purposeLabel(names, terms.purpose) : 'none of the vocabulary'],
    ['Decided by', `rule ${terms.rule + 1}${said}`],
    ['Deliveries', deliveries(terms)],
  ];
}

function deliveries(t: ContractTerms): string {
  if (t.uses === null) return `${t.used} so far (no limit)`;
  return `${t.used} of ${t.uses} used, ${t.usesLeft ?? 0} left`;
}

/** A rule as `datasets.setAccessPolicy` takes it (polkadot.js encodes it from the metadata). */
export function toChain(r: Rule): Record<string, unknown> {
  const outcome = { grant: 'Grant', provider: 'Provider', providerAndRegulator: 'ProviderAndRegulator', refuse: 'Refuse' }[r.outcome];
  return {
    outcome,
    consumer: r.departments ? { Departments: r.departments } : r.kinds ? { Kinds: r.kinds } : null,
    purpose: r.purposes ?? null,
    maxDays: r.maxDays ?? null,
    scope: r.jurisdictions ? { Jurisdictions: r.jurisdictions } : r.withinExtent ? 'Extent' : null,
    window: r.window ?? null,
    uses: r.uses ?? null,
  };
}

const DAY_MS = 86_400_000;

/** Ticks, one for each `[value, label]`, those of `chosen` ticked; in a group named `legend`. */
function picks(name: string, legend: string, options: [string, string][], chosen: string[]): HTMLFieldSetElement {
  return h('fieldset', { class: `picks ${name}` }, h('legend', {}, legend),
    options.map(([value, label]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name, value, checked: chosen.includes(value) }), label)));
}

const ticked = (group: HTMLElement) => [...group.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((c) => c.value);

/** One rule's fieldset in the editor, and how to read it back (with each field's problem marked). */
interface RuleField { element: HTMLFieldSetElement; read: () => Rule | null }

function ruleField(rule: Rule, owner: number, n: Names, editor: { move: (f: HTMLFieldSetElement, by: number) => void; remove: (f: HTMLFieldSetElement) => void }): RuleField {
  const outcome = select('outcome', OUTCOMES.map(([o, text]) => [o, words(text)]), rule.outcome);
  const consumer = select('consumer', [['', 'any member department'], ['departments', 'these departments'], ['kinds', 'departments of these kinds']],
    rule.departments ? 'departments' : rule.kinds ? 'kinds' : '');
  const others = n.departments.filter((x) => x.id !== owner);
  const byDepartment = picks('department', 'Departments', others.map((x) => [String(x.id), x.name]), (rule.departments ?? []).map(String));
  const byKind = picks('kind', 'Kinds of department', KINDS.map((k) => [k, words(k)]), rule.kinds ?? []);
  const purposes = picks('purpose', 'Purposes (none ticked: any purpose)', n.purposes.map((p) => [p.code, p.label]), rule.purposes ?? []);
  const maxDays = h('input', { type: 'number', name: 'maxDays', min: 1, step: 1, placeholder: 'no limit', value: rule.maxDays ?? '' });
  const uses = h('input', { type: 'number', name: 'uses', min: 1, step: 1, placeholder: 'no limit', value: rule.uses ?? '' });
  const area = select('area', [['', 'anywhere'], ['jurisdictions', 'inside a jurisdiction'], ['extent', 'a part of the dataset (an area or period within it)']],
    rule.jurisdictions ? 'jurisdictions' : rule.withinExtent ? 'extent' : '');
  const places = picks('jurisdiction', 'Jurisdictions (shown on the map)', n.jurisdictions.map((j) => [String(j.id), j.label]), (rule.jurisdictions ?? []).map(String));
  const from = dateInput('windowFrom', rule.window ? date(rule.window.from) : '');
  const to = dateInput('windowTo', rule.window ? date(rule.window.to) : '');
  const legend = h('legend', {});
  const element = h('fieldset', { class: 'rule' }, legend,
    h('div', { class: 'row' }, field('Outcome', outcome),
      h('div', { class: 'order' },
        h('button', { type: 'button', class: 'up', onclick: () => editor.move(element, -1) }, '↑'),
        h('button', { type: 'button', class: 'down', onclick: () => editor.move(element, 1) }, '↓'),
        h('button', { type: 'button', class: 'remove danger', onclick: () => editor.remove(element) }, 'Remove'))),
    field('Consumer', consumer), byDepartment, byKind, purposes,
    h('div', { class: 'row' }, field('At most (days of term)', maxDays), field('At most (downloads)', uses)),
    field('Area', area), places,
    h('div', { class: 'row' }, field('Requests from (YYYY-MM-DD)', from), field('until (YYYY-MM-DD)', to)));
  const sync = () => {
    byDepartment.hidden = consumer.value !== 'departments';
    byKind.hidden = consumer.value !== 'kinds';
    places.hidden = area.value !== 'jurisdictions';
  };
  consumer.addEventListener('change', sync);
  area.addEventListener('change', () => {
    sync();
    showAreas(area.value === 'jurisdictions' ? n.jurisdictions.filter((j) => ticked(places).includes(String(j.id))) : [], true);
  });
  places.addEventListener('change', () => showAreas(n.jurisdictions.filter((j) => ticked(places).includes(String(j.id))), true));
  sync();

  /** What the fields say: the rule, and each field's problem (null: none) as the chain would name it. */
  const parse = (): { rule: Rule; problems: [HTMLElement, string | null][] } => {
    const rule: Rule = { outcome: outcome.value as Outcome };
    const departmentIds = ticked(byDepartment).map(Number);
    const kinds = ticked(byKind);
    const codes = ticked(purposes);
    const jurisdictionIds = ticked(places).map(Number);
    const [start, end] = [parseDate(from.value.trim()), parseDate(to.value.trim())];
    const problems: [HTMLElement, string | null][] = [
      [consumer, consumer.value === 'departments' ? namedProblem(departmentIds.length, 'departments')
        : consumer.value === 'kinds' ? namedProblem(kinds.length, 'kinds') : null],
      [purposes, codes.length > 0 ? namedProblem(codes.length, 'purposes') : null],
      [maxDays, limitProblem(maxDays.value.trim(), 'days')],
      [uses, limitProblem(uses.value.trim(), 'downloads')],
      [area, area.value === 'jurisdictions' ? namedProblem(jurisdictionIds.length, 'jurisdictions') : null],
      [from, (from.value.trim() && start === null) || (to.value.trim() && end === null)
        ? 'Write the dates as YYYY-MM-DD.' : windowProblem(start, end)],
    ];
    if (consumer.value === 'departments') rule.departments = departmentIds;
    if (consumer.value === 'kinds') rule.kinds = kinds;
    if (codes.length) rule.purposes = codes;
    if (maxDays.value.trim()) rule.maxDays = Number(maxDays.value);
    if (area.value === 'jurisdictions') rule.jurisdictions = jurisdictionIds;
    if (area.value === 'extent') rule.withinExtent = true;
    // The window's last day is taken whole.
    if (start !== null && end !== null) rule.window = { from: start, to: end + DAY_MS - 1 };
    if (uses.value.trim()) rule.uses = Number(uses.value);
    return { rule, problems };
  };
  // The rule in words as it is written, as the dataset's page will read it (or the first problem its fields have).
  const said = h('p', { class: 'rule-words' });
  const say = () => {
    const { rule, problems } = parse();
    const problem = problems.find(([, p]) => p !== null)?.[1];
    said.textContent = problem ? `Not yet a rule the chain takes: ${problem}` : `In words: ${words(outcomeText(rule.outcome))} ${conditions(rule, n)}.`;
  };
  element.addEventListener('input', say);
  element.addEventListener('change', say);
  legend.after(said);
  say();
  /** The rule, or null with each field's problem marked under it. */
  const read = (): Rule | null => {
    const { rule, problems } = parse();
    return problems.map(([input, problem]) => mark(input, problem)).every(Boolean) ? rule : null;
  };
  return { element, read };
}

/** The rule list of a policy form, and how to read its rules back. */
export interface RuleList {
  element: HTMLElement;
  /** The rules in the order they are tried, or null if one would be refused (each problem marked under its field). */
  read: () => Rule[] | null;
}

/**
 * The rules of a policy as fieldsets in the order they are tried (add,
 * remove, move up and down, at most eight), starting with `rules`, for data
 * of department `owner` (which no rule names: it has its own data). Used by
 * the publish form and the owner's policy editor.
 */
export function ruleList(rules: Rule[], owner: number, n: Names): RuleList {
  const list = h('div', { class: 'rule-list' });
  const fields = new Map<HTMLFieldSetElement, RuleField>();
  const add = h('button', { type: 'button', class: 'add-rule', onclick: () => { append({ outcome: 'provider' }); renumber(); } }, 'Add a rule');
  const renumber = () => {
    const all = [...list.children] as HTMLFieldSetElement[];
    all.forEach((f, i) => {
      f.querySelector('legend')!.textContent = `Rule ${i + 1}`;
      f.querySelector<HTMLButtonElement>('.up')!.disabled = i === 0;
      f.querySelector<HTMLButtonElement>('.down')!.disabled = i === all.length - 1;
      f.querySelector<HTMLButtonElement>('.remove')!.disabled = all.length === 1;
      for (const [cls, what] of [['up', 'Move up'], ['down', 'Move down'], ['remove', 'Remove']]) f.querySelector(`.${cls}`)!.setAttribute('aria-label', `${what} rule ${i + 1}`);
    });
    add.disabled = all.length >= MAX_RULES;
  };
  const editor = {
    move: (f: HTMLFieldSetElement, by: number) => {
      const sibling = by < 0 ? f.previousElementSibling : f.nextElementSibling;
      if (sibling) (by < 0 ? sibling.before(f) : sibling.after(f));
      renumber();
    },
    remove: (f: HTMLFieldSetElement) => { fields.delete(f); f.remove(); renumber(); },
  };
  const append = (r: Rule) => {
    const made = ruleField(r, owner, n, editor);
    fields.set(made.element, made);
    list.append(made.element);
  };
  rules.forEach(append);
  renumber();
  const element = h('div', { class: 'rules-editor' },
    h('p', {}, 'A request is decided by the first rule whose conditions all hold; if none holds, it is refused. A limit left empty is no condition, nor are purposes left unticked.'),
    list, h('div', { class: 'row' }, add));
  const read = () => {
    const each = ([...list.children] as HTMLFieldSetElement[]).map((f) => fields.get(f)!.read());
    return each.some((r) => r === null) ? null : each as Rule[];
  };
  return { element, read };
}

/** The access policies `register_dataset` takes. */
export type FixedPolicy = 'Open' | 'ApprovalRequired' | 'Restricted';

/**
 * The policy `register_dataset` takes for `rules` if they are one rule with
 * no condition (grant: Open, the provider: ApprovalRequired, the provider
 * and the regulator: Restricted), else null: such rules are set with
 * `set_access_policy`.
 */
export function fixedPolicy(rules: Rule[]): FixedPolicy | null {
  if (rules.length !== 1 || constraintsOf(rules[0]).length > 0) return null;
  const fixed: Partial<Record<Outcome, FixedPolicy>> = { grant: 'Open', provider: 'ApprovalRequired', providerAndRegulator: 'Restricted' };
  return fixed[rules[0].outcome] ?? null;
}

/** A `<select>` of the sensitivities a record may have, `value` chosen. */
export function sensitivitySelect(value: string): HTMLSelectElement {
  return select('sensitivity', ['Public', 'Internal', 'Confidential', 'Secret'].map((s) => [s, s]), value);
}

/**
 * The owner's policy editor: the rule list, the sensitivity, and a submit
 * that checks what the chain checks and then sends
 * `datasets.setAccessPolicy`; the chain's named error if it fails. `done`
 * draws the page again once the policy is on chain.
 */
export function policyEditor(d: Dataset, rules: Rule[], n: Names, done: () => void): HTMLElement {
  const editor = ruleList(rules, d.owner, n);
  const sensitivity = sensitivitySelect(words(d.sensitivity));
  // The chain's checks, with its errors named, rather than the browser's.
  const form = h('form', { class: 'policy-editor', novalidate: true },
    editor.element, field('Sensitivity', sensitivity),
    h('button', { type: 'submit' }, 'Set the access policy'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    form.querySelector(':scope > .note.error')?.remove();
    const chosen = editor.read();
    if (!chosen) return void note(form, 'error', 'Some rules would be refused by the chain: see the messages under them. Nothing was signed.');
    const problem = policyProblem(chosen.map((r) => r.outcome), sensitivity.value.toLowerCase());
    if (problem) return void note(form, 'error', `${problem} Nothing was signed.`);
    try {
      await send(`Set the access policy of dataset ${d.id}`,
        (api) => api.tx.datasets.setAccessPolicy(d.id, chosen.map(toChain), sensitivity.value), current.account!);
      flash('ok', `The access policy of “${d.title}” now has ${plural(chosen.length, 'rule', 'rules')}.`);
      done();
    } catch (err) {
      note(form, 'error', failure(err));
    }
  });
  return h('details', { class: 'policy-editor' }, h('summary', {}, 'Change the access policy'), form);
}

/** Dataset `d`'s request as `access_evaluate` takes it. */
export interface Asked { purpose: string; term: number; bbox: [number, number, number, number] | null; time: { start: number | null; end: number | null } | null }

/**
 * The verdict pane of a request form: `ask(asked)` asks the chain (after a
 * pause in the typing; an answer to an older question is dropped) and
 * shows the verdict; `refused` is called with whether the request would be
 * refused. The pane's `data-state` is `pending` until the latest question is
 * answered, then `done` (or `error`, with the chain's reason).
 */
export function verdictPane(d: Dataset, rules: Rule[], n: Names, refused: (no: boolean) => void): { element: HTMLElement; ask: (a: Asked | string) => void } {
  const element = h('div', { class: 'verdict', 'aria-live': 'polite', 'data-state': 'pending' }, h('p', {}, 'Asking the chain what it would decide…'));
  let asked = 0;
  let timer: number | undefined;
  const ask = (a: Asked | string) => {
    clearTimeout(timer);
    const n0 = ++asked;
    element.dataset.state = 'pending';
    if (typeof a === 'string') {
      element.dataset.state = 'error';
      element.replaceChildren(h('p', { class: 'note info' }, a));
      refused(false);
      return;
    }
    timer = window.setTimeout(async () => {
      try {
        const ev = await call('access_evaluate', { account: current.account!.address, dataset: d.id, ...a, bbox: a.bbox ?? undefined, time: a.time ?? undefined });
        if (n0 !== asked) return;
        if (!ev) throw new Error(`dataset ${d.id} is no longer on chain`);
        element.dataset.state = 'done';
        element.dataset.outcome = ev.outcome;
        element.dataset.rule = ev.rule === null ? '' : String(ev.rule);
        element.replaceChildren(h('h4', {}, 'What the chain would decide now'), ...verdictView(ev, rules, n));
        refused(ev.outcome === 'refuse');
      } catch (err) {
        if (n0 !== asked) return;
        element.dataset.state = 'error';
        delete element.dataset.outcome;
        element.replaceChildren(h('p', { class: 'note error' }, `The chain cannot evaluate this request: ${(err as Error).message}`));
        refused(false);
      }
    }, 300);
  };
  return { element, ask };
}
