// CityChain's custom JSON-RPC methods, for ApiPromise.create({ rpc }).
export const rpc = {
  departments: {
    get: {
      description: 'One department and its members; null if there is none with this id',
      params: [
        { name: 'id', type: 'u32' },
        { name: 'at', type: 'BlockHash', isOptional: true },
      ],
      type: 'Json',
    },
  },
};

// CityChain's own transaction extension carries no data; naming it keeps
// @polkadot/api from warning about an unknown extension.
export const signedExtensions = {
  CheckMembership: { extrinsic: {}, payload: {} },
};
