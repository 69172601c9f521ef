import { defineConfig } from 'vite';

// Served by citychain-gateway at /explorer/ (--explorer-dir web/dist).
export default defineConfig({
  base: '/explorer/',
  // @citychain/api is linked from ../clients/js: its imports resolve here.
  resolve: { preserveSymlinks: true },
  build: {
    outDir: 'dist',
    // The map library and the chain client are large and change rarely: own files, cached apart.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ },
            { name: 'polkadot', test: /node_modules[\\/](@polkadot|@noble|@scure|@substrate|bn\.js|rxjs)/ },
          ],
        },
      },
    },
    chunkSizeWarningLimit: 1200,
  },
});
