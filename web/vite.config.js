// Vite's build of the dashboard (docs/web.md). Every asset lands in dist/ with
// a content hash in its name (sti-gateway caches those for a year), and a .br
// and a .gz copy of each text file are written beside it, since the gateway
// compresses nothing itself. JSX is Preact's.
import { defineConfig } from 'vite';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

function precompress() {
    let outDir = 'dist';
    const walk = (dir) => readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [path];
    });
    return {
        name: 'sti-precompress',
        apply: 'build',
        configResolved(config) { outDir = config.build.outDir; },
        closeBundle() {
            for (const path of walk(outDir)) {
                if (!/\.(js|css|html|svg|json)$/.test(path)) continue;
                const body = readFileSync(path);
                writeFileSync(path + '.br', brotliCompressSync(body, {
                    params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
                }));
                writeFileSync(path + '.gz', gzipSync(body, { level: 9 }));
            }
        },
    };
}

export default defineConfig({
    esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
    build: {
        target: 'es2022',
        modulePreload: { polyfill: false },
        chunkSizeWarningLimit: 700,
    },
    plugins: [precompress()],
    server: {
        proxy: { '/api': { target: process.env.STI_API || 'http://127.0.0.1:5575' } },
    },
});
