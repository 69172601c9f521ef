// The uploads in parts (upload-parts.test.mjs) with the gateway's store in
// an S3 bucket: a moto server that the test starts.
process.env.CITYCHAIN_EXCHANGE_STORE = 's3';
await import('./upload-parts.test.mjs');
