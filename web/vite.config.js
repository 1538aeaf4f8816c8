import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The C++ server serves dist/ and falls back to index.html for non-API paths.
// During development, `npm run dev` proxies /api to a server on XN_API (default :8080).
export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: {
      '/api': process.env.XN_API || 'http://127.0.0.1:8080',
    },
  },
});
