import { defineConfig } from 'vite';

// Served by citychain-gateway at /explorer/ (--explorer-dir web/dist).
export default defineConfig({
  base: '/explorer/',
  // @citychain/api is linked from ../clients/js: its imports resolve here,
  // also when clients/js has its own node_modules (one copy of each).
  resolve: {
    preserveSymlinks: true,
    dedupe: ['@polkadot/api', '@polkadot/keyring', '@polkadot/util', '@polkadot/util-crypto', 'tweetnacl'],
  },
  build: {
    outDir: 'dist',
    // The map library is large and changes rarely: its own file, cached apart.
    // The chain client's modules follow the pages' dynamic imports.
    // The download service worker is a file of its own at a fixed name
    // (download-worker.js), so that its scope is the portal's.
    rolldownOptions: {
      input: { index: 'index.html', 'download-worker': 'src/worker/download.ts' },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'download-worker' ? '[name].js' : 'assets/[name]-[hash].js'),
        codeSplitting: { groups: [{ name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ }] },
      },
    },
    chunkSizeWarningLimit: 1200,
  },
});
