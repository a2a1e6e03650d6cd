/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// Served under /console by the API's own domain (local gateway, or CloudFront in front of the API):
// fixed asset names keep the committed build's diffs readable; the server sends no-cache.
export default defineConfig({
  base: "/console/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    rolldownOptions: {
      output: {
        entryFileNames: "assets/app.js",
        chunkFileNames: "assets/[name].js",
        assetFileNames: "assets/[name][extname]",
      },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
