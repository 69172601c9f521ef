// The verified-streaming tests (verified.test.mjs) with the gateway's store
// in an S3 bucket: a moto server that the test starts. The gateway reads
// the file and its outboard with range requests.
process.env.CITYCHAIN_EXCHANGE_STORE = 's3';
await import('./verified.test.mjs');
