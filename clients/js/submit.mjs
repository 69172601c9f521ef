// Sending a signed transaction and waiting for it, with dispatch errors as
// `section.Name`.

/**
 * Signs and submits `tx`; resolves with the including block's hash and
 * events once it is in a block, rejects if the pool refuses it or the
 * dispatch fails (with the error's `section.Name`).
 */
export function submit(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        const err = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        reject(new Error(err ? `${err.section}.${err.name}` : dispatchError.toString()));
      } else if (status.isInBlock) {
        resolve({ blockHash: status.asInBlock, events: events.map((e) => e.event) });
      }
    }).catch(reject);
  });
}
