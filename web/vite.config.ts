import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is built into dist/console, which the service serves at `/` (src/console).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline script or style may reach the page (the CSP allows neither).
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    sourcemap: true,
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  resolve: {
    alias: {
      react: 'preact/compat',
      'react-dom': 'preact/compat',
    },
  },
  server: {
    // `npm run dev:console`: the console with hot reload, the API from a service on :5000.
    proxy: { '/api': 'http://127.0.0.1:5000' },
  },
});
