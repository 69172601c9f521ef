// CityChain's custom JSON-RPC methods, for ApiPromise.create({ rpc }).
// TypeScript reads every method's parameters as a tuple of literal names and
// types (`literal` below), which rpc.ts turns into the types of a call.
const at = /** @type {const} */ ({ name: 'at', type: 'BlockHash', isOptional: true });
const reader = /** @type {const} */ ({ name: 'reader', type: 'Text', isOptional: true });

/**
 * `sections` as they are; to TypeScript, with their literal types.
 * @template {Record<string, Record<string, { description: string, params: { name: string, type: string, isOptional?: boolean }[], type: string }>>} const T
 * @param {T} sections
 * @returns {T}
 */
const literal = (sections) => sections;

export const rpc = literal({
  access: {
    check: {
      description: 'Whether an account may read a dataset now, on what basis, and until which block',
      params: [{ name: 'account', type: 'AccountId' }, { name: 'dataset', type: 'u64' }, at],
      type: 'Json',
    },
    get: {
      description: 'One access contract; null if there is none with this id',
      params: [{ name: 'id', type: 'u64' }, at],
      type: 'Json',
    },
    contracts: {
      description: 'A page of contracts by consumer, provider, dataset and state; cursor paging',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    evaluate: {
      description: "What a request would meet, without a transaction: the deciding rule and every rule's constraints",
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    rules: {
      description: 'The rules that decide requests for a dataset, in the order they are tried',
      params: [{ name: 'dataset', type: 'u64' }, at],
      type: 'Json',
    },
    terms: {
      description: 'The terms a contract was decided under, with its deliveries',
      params: [{ name: 'id', type: 'u64' }, at],
      type: 'Json',
    },
    purposes: {
      description: 'The purpose vocabulary governance keeps',
      params: [at],
      type: 'Json',
    },
    jurisdictions: {
      description: 'The jurisdictions governance registered, as GeoJSON polygons',
      params: [at],
      type: 'Json',
    },
    odrl: {
      description: "A dataset's policy as an ODRL 2.2 Offer, or a contract's terms as an Agreement (JSON-LD)",
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
  },
  audit: {
    entries: {
      description: 'A page of audit entries by department, subject, action, index or time range',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    verify: {
      description: 'Recomputes the audit hash chain over a range; ok or the first bad index',
      params: [{ name: 'params', type: 'Json', isOptional: true }, at],
      type: 'Json',
    },
    accessSearch: {
      description: 'Who obtained data about a place and time: a page of the access contracts whose extent meets a box or geometry and a data time, by access time, consumer, provider, purpose and outcome, from the search index at a finalized block',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    root: {
      description: "The root of the audit log's Merkle Mountain Range at a size (default: the finalized head's)",
      params: [{ name: 'params', type: 'Json', isOptional: true }, at],
      type: 'Json',
    },
    inclusionProof: {
      description: 'Proofs that 1 to 100 audit entries are in the log of a size, with the entries and the root',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    consistencyProof: {
      description: 'A proof that the audit log of one size extends the log of a smaller size, with both roots',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    finality: {
      description: "The GRANDPA justification of a block's authority set's last block, or the latest kept, with its header (SCALE)",
      params: [{ name: 'number', type: 'u32', isOptional: true }],
      type: 'Json',
    },
  },
  datasets: {
    get: {
      description: 'One dataset record; null if there is none with this id, or if the reader (if given) may not see it',
      params: [{ name: 'id', type: 'u64' }, at, reader],
      type: 'Json',
    },
    search: {
      description: 'A page of datasets by bbox, datetime, topics, owner, status, text; cursor paging',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    history: {
      description: 'The ids of every version of a dataset, oldest first; only those the reader (if given) may see',
      params: [{ name: 'id', type: 'u64' }, at, reader],
      type: 'Vec<u64>',
    },
    stacItem: {
      description: 'The dataset as a STAC 1.1 Item; null if there is none with this id',
      params: [{ name: 'id', type: 'u64' }, at],
      type: 'Json',
    },
    stacSearch: {
      description: 'STAC API item search (bbox, intersects, datetime, ids, collections, limit, token, sortby, q, filter, reader, base) → ItemCollection',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    extent: {
      description: 'How many of a department\'s datasets a reader may see, and their extent ({ owner, reader? })',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    extents: {
      description: 'datasets_extent of every department of which the reader may see a record, in one query ({ reader? })',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    aggregate: {
      description: 'STAC API aggregation: counts of what a STAC item search matches, of what its reader may see ({ ...datasets_stacSearch without token, limit, sortby, aggregations?, centroid_geohash_grid_frequency_precision?, centroid_geotile_grid_frequency_precision?, reader? })',
      params: [{ name: 'params', type: 'Json' }, at],
      type: 'Json',
    },
    queryables: {
      description: 'The properties a search filter may name, as JSON Schema',
      params: [],
      type: 'Json',
    },
  },
  departments: {
    get: {
      description: 'One department and its members; null if there is none with this id',
      params: [
        { name: 'id', type: 'u32' },
        at,
      ],
      type: 'Json',
    },
    list: {
      description: 'Every department (retired ones included) and its members, in the order of their ids',
      params: [at],
      type: 'Json',
    },
  },
});

// CityChain's own transaction extension carries no data; naming it keeps
// @polkadot/api from warning about an unknown extension.
export const signedExtensions = {
  CheckMembership: { extrinsic: {}, payload: {} },
};
