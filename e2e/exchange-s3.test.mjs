// The exchange tests (exchange.test.mjs) with the gateway's store in an S3
// bucket: a moto server that the test starts.
process.env.CITYCHAIN_EXCHANGE_STORE = 's3';
await import('./exchange.test.mjs');
