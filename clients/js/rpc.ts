// CityChain's custom JSON-RPC methods for TypeScript clients: each method's
// parameters as definitions.mjs declares them, and the JSON each answers
// (the answer types of rpc-api/src/*.rs, as serde writes them). A client's
// `call<M extends Method>(method: M, ...params: Params<M>): Promise<Result<M>>`
// then refuses, at compile time, a method the definitions lack and a
// parameter list the definitions do not give. Types only, in a .ts file so
// that a client's tsc checks it (skipLibCheck skips declaration files).
import type { rpc } from './definitions.mjs';

type Sections = typeof rpc;

/** A custom method's name, `<section>_<method>`. */
export type Method = { [S in keyof Sections & string]: `${S}_${keyof Sections[S] & string}` }[keyof Sections & string];

type Definition<M extends Method> = M extends `${infer S extends keyof Sections & string}_${infer N extends string}`
  ? Sections[S][N & keyof Sections[S]]
  : never;

/** The JSON value of each parameter type the definitions use. */
interface Values {
  u32: number;
  u64: number;
  AccountId: string;
  BlockHash: string;
  Text: string;
  Json: Record<string, unknown>;
}

type Arguments<P> = P extends [infer First extends { type: keyof Values }, ...infer Rest]
  ? First extends { isOptional: true }
    ? [Values[First['type']] | null | undefined, ...Arguments<Rest>] | []
    : [Values[First['type']], ...Arguments<Rest>]
  : [];

/** The positional parameters of method `M`: its required ones, then any of its optional ones. */
export type Params<M extends Method> = Arguments<Definition<M>['params']>;

/** The answer of method `M`. */
export type Result<M extends Method> = Results[M];

/** `[west, south, east, north]` in degrees. */
export type Bbox = [number, number, number, number];

/** A block number and the time it was made (RFC 3339). */
export interface Stamp { block: number; time: string }

/** A dataset record, as `datasets_get` answers it (a search's items carry the fields it asked for). */
export interface Dataset {
  id: number; owner: number; publisher: string; title: string; description: string; topic: string;
  keywords: string[]; bbox: Bbox; crs: number;
  /** ms since the epoch. */
  time: { start: number; end: number | null };
  format: string;
  contentHash: { code: number; function: string | null; digest: string; multihash: string }; size: number; uri: string;
  license: { expression: string; url: string | null } | null; policy: string; sensitivity: string; version: number;
  predecessor: number | null; successor: number | null; status: string;
  created: Stamp; updated: Stamp;
}

/** An access contract, as `access_get` and `access_contracts` answer it. */
export interface Contract {
  id: number; dataset: number; version: number; provider: number; consumer: number; requester: string;
  purpose: string; term: number; scopeBbox: Bbox | null; scopeTime: { start: number | null; end: number | null } | null;
  policy: string; state: string; providerApproval: string | null; regulatorApproval: string | null;
  requestedAt: number; lapsesAt: number; decidedAt: number | null; expiresAt: number | null; endedAt: number | null;
  reason: string | null;
  /** The sealed dataset key, 0x-hex. */
  envelope: string | null;
  receipt: { status: string; observed: string | null };
}

/** The answer of `access_check`. */
export interface AccessCheck {
  allowed: boolean; basis: string; contract: number | null; expiresAt: number | null;
  /** Deliveries the contract still allows, if it limits them. */
  usesLeft: number | null;
}

/** One rule of a dataset's policy, as `access_rules` answers it: an absent constraint holds. */
export interface Rule {
  outcome: 'grant' | 'provider' | 'providerAndRegulator' | 'refuse';
  departments?: number[]; kinds?: string[]; purposes?: string[]; maxDays?: number;
  jurisdictions?: number[]; withinExtent?: boolean;
  /** ms since the epoch, both included. */
  window?: { from: number; to: number };
  uses?: number;
}

/** A constraint of a rule, as a verdict names it. */
export type Constraint = 'consumer' | 'purpose' | 'term' | 'scope' | 'window' | 'uses';

/** The answer of `access_evaluate`: the deciding rule (if any) and every rule's verdict. */
export interface Evaluation {
  rule: number | null; outcome: Rule['outcome']; uses: number | null;
  rules: { outcome: Rule['outcome']; constraints: { constraint: Constraint; holds: boolean }[] }[];
}

/** The answer of `access_terms`: `decidedBy` is the rule (index `rule`) as it stood when it decided. */
export interface ContractTerms { purpose: string | null; rule: number; decidedBy: Rule; uses: number | null; used: number; usesLeft: number | null }

/** A purpose of the vocabulary. */
export interface Purpose { code: string; label: string }

/** A jurisdiction, its boundary a GeoJSON Polygon in degrees. */
export interface Jurisdiction { id: number; label: string; geometry: { type: 'Polygon'; coordinates: [number, number][][] } }

/** An audit entry, as `audit_entries` answers it. */
export interface Entry {
  index: number; block: number;
  /** ms since the epoch. */
  time: number;
  /** An SS58 account, `"governance"` or `"system"`. */
  actor: string;
  department: number | null;
  /** e.g. `"datasetRegistered"`, `{ "accessRequested": { "granted": true } }`. */
  action: string | Record<string, Record<string, boolean>>;
  /** `{ "dataset": 4 }` and the like, or `"chain"`. */
  subject: Record<string, number> | string;
  digest: string; hash: string;
  /** The SCALE encoding of the entry's body, 0x-hex. */
  body: string;
}

/** The answer of `audit_verify`. */
export interface Verified { ok: boolean; from: number | null; to: number | null; head: string | null; firstBadIndex: number | null }

/** What became of a request (`audit_accessSearch`); `expired` and `disputed` are further facts a search may ask for. */
export type Outcome = 'granted' | 'expired' | 'refused' | 'revoked' | 'relinquished' | 'cancelled' | 'lapsed' | 'pending' | 'disputed';

/** A block and the time it stands for (ms since the epoch); `estimated`: placed at the block time, not recorded. */
export interface Moment { block: number; time: number; estimated: boolean }

/** A contract as `audit_accessSearch` answers it: who obtained which extent, when and for what. */
export interface AccessItem {
  contract: number; dataset: number; version: number; consumer: number; provider: number;
  purpose: string; purposeCode: string | null;
  /** One of `granted`, `refused`, `revoked`, `relinquished`, `cancelled`, `lapsed`, `pending`. */
  outcome: Outcome;
  state: string; disputed: boolean;
  requested: Moment; decided: Moment | null; expires: Moment | null; ended: Moment | null;
  /** The extent it covers: its scope's, else its dataset's. */
  bbox: Bbox;
  /** The data time it covers, ms since the epoch; no end: open. */
  datetime: { start: number; end: number | null };
  scoped: boolean;
  /** From the request to the end (or the expiry while granted); open while pending. */
  accessed: { start: number; end: number | null };
  deliveries: { used: number; allowed: number | null };
  /** The first 64 audit entries about the contract; `auditCount` counts them all. */
  auditEntries: number[];
  auditCount: number;
}

/** A page of `audit_accessSearch`. */
export interface AccessPage { at: At; items: AccessItem[]; next: string | null }
/** The root of the audit log's Merkle Mountain Range, as `audit_root` answers it. */
export interface LogRoot { at: string; count: number; size: number; root: string }

/** That an entry is in the log of `size` entries: RFC 9162 with BLAKE2b-256 (docs/audit.md). */
export interface InclusionProof { leafIndex: number; size: number; path: string[] }

/** The answer of `audit_inclusionProof`. */
export interface Inclusion { at: string; size: number; root: string; items: { entry: Entry | null; proof: InclusionProof }[] }

/** The answer of `audit_consistencyProof`. */
export interface Consistency { at: string; oldRoot: string; newRoot: string; proof: { oldSize: number; newSize: number; path: string[] } }

/** A department and its members, as `departments_get` answers it. */
export interface Department {
  id: number; name: string; kind: string; status: string; delegate: string;
  /** The x25519 public key, 0x-hex. */
  encryptionKey: string | null;
  metadataUri: string; registeredAt: number;
  members: { account: string; roles: Record<'admin' | 'publisher' | 'approver' | 'auditor', boolean> }[];
}

/** A page of `access_contracts` or `audit_entries`: pass `next` as the `cursor` of the next one. */
export interface Page<T> { items: T[]; next: number | null }

/** The finalized block a search answered at. */
export interface At { number: number; hash: string }

/** A page of `datasets_search`. */
export interface SearchPage { items: (Partial<Dataset> & { id: number })[]; next: string | null; prev: string | null; at: At }

/** The answer of `datasets_extent`. */
export interface Extent { count: number; bbox: Bbox | null; interval: [string | null, string | null]; at: At }

/** One aggregation of `datasets_aggregate`: buckets (and the records left out of them), or a value. */
export interface Aggregation {
  name: string;
  data_type: string;
  buckets?: { key: string; data_type: string; frequency: number }[];
  overflow?: number;
  value?: number | string | null;
}
/** The answer of `datasets_aggregate`: a STAC AggregationCollection. */
export interface AggregationCollection { type: 'AggregationCollection'; aggregations: Aggregation[]; at: At }
/** The answer of `datasets_extents`: each department of which the reader may see a record. */
export interface Extents { departments: ({ owner: number } & Omit<Extent, 'at'>)[]; at: At }

/** A JSON object the node passes on as it is (a STAC Item or ItemCollection, a JSON Schema). */
type JsonObject = Record<string, unknown>;

/** `T`, if it has a key for every method and no other. */
type EveryMethod<T extends Record<Method, unknown> & Record<Exclude<keyof T, Method>, never>> = T;

type Results = EveryMethod<{
  access_check: AccessCheck;
  access_get: Contract | null;
  access_contracts: Page<Contract>;
  access_evaluate: Evaluation | null;
  access_rules: Rule[] | null;
  access_terms: ContractTerms | null;
  access_purposes: Purpose[];
  access_jurisdictions: Jurisdiction[];
  access_odrl: JsonObject | null;
  audit_entries: Page<Entry>;
  audit_verify: Verified;
  audit_accessSearch: AccessPage;
  audit_root: LogRoot;
  audit_inclusionProof: Inclusion;
  audit_consistencyProof: Consistency;
  audit_finality: { block: string; number: number; header: string; justification: string } | null;
  datasets_get: Dataset | null;
  datasets_search: SearchPage;
  datasets_history: number[];
  datasets_stacItem: JsonObject | null;
  datasets_stacSearch: JsonObject;
  datasets_extent: Extent;
  datasets_extents: Extents;
  datasets_aggregate: AggregationCollection;
  datasets_queryables: JsonObject;
  departments_get: Department | null;
  departments_list: Department[];
}>;
