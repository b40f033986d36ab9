import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Tauri loads the built files from ui/dist (tauri.conf.json: frontendDist "../ui/dist") and
// the dev server from http://localhost:5173 (devUrl).
export default defineConfig({
  plugins: [svelte()],
  base: "./",
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    host: "localhost",
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // No inline module preload polyfill: the CSP is script-src 'self'.
    modulePreload: { polyfill: false },
  },
});
