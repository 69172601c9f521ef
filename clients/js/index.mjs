// @citychain/api: what a client needs to talk to a CityChain node with
// @polkadot/api — the custom JSON-RPC definitions, the transaction extension
// name, and key envelopes.
//
//   import { ApiPromise, WsProvider } from '@polkadot/api';
//   import { rpc, signedExtensions } from '@citychain/api';
//   const api = await ApiPromise.create({ provider: new WsProvider(url), rpc, signedExtensions });
export { rpc, signedExtensions } from './definitions.mjs';
export { encryptionKeyPair, seal, open } from './envelope.mjs';
export { submit } from './submit.mjs';
export { encryptBytes } from './crypt.mjs';
