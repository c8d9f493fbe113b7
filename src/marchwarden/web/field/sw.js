// The field page's service worker (Workbox, served from this origin: /vendor/workbox/).
// It keeps the page and what it needs so that it opens without a connection:
// - the page itself: network first (3 s), else the cached copy;
// - its modules, styles, icon, manifest and libraries: from the cache at once, refreshed
//   in the background (stale-while-revalidate);
// - the API is never cached here: the page keeps its own copy of the inbox in IndexedDB,
//   per signed-in person, and queues what is made offline (outbox.js).
/* global workbox */
importScripts('/vendor/workbox/workbox-sw.js');
workbox.setConfig({ modulePathPrefix: '/vendor/workbox/', debug: false });

const SHELL_CACHE = 'marchwarden-field-shell-v4'; // v4: stream.js asks for the compact batched stream
const PAGE_CACHE = 'marchwarden-field-page-v1';
const SHELL = [
  '/field/field.js',
  '/field/outbox.js',
  '/ui/stream.js',
  '/ui/i18n.js',
  '/ui/i18n/ru.json',
  '/field/field.css',
  '/field/icon.svg',
  '/field/manifest.webmanifest',
  '/vendor/idb/index.js',
  '/vendor/leaflet/leaflet-src.esm.js',
  '/vendor/leaflet/leaflet.css',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL_CACHE);
    await shell.addAll(SHELL);
    const page = await caches.open(PAGE_CACHE);
    await page.add('/field/');
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, PAGE_CACHE]);
    for (const name of await caches.keys()) {
      if (name.startsWith('marchwarden-field-') && !keep.has(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

const { registerRoute } = workbox.routing;
const { NetworkFirst, StaleWhileRevalidate } = workbox.strategies;

registerRoute(
  ({ request, url }) => request.mode === 'navigate' && url.pathname.startsWith('/field'),
  new NetworkFirst({ cacheName: PAGE_CACHE, networkTimeoutSeconds: 3 }),
);

registerRoute(
  ({ request, url }) => request.method === 'GET' && url.origin === self.location.origin
    && (SHELL.includes(url.pathname) || url.pathname.startsWith('/vendor/leaflet/images/')),
  new StaleWhileRevalidate({ cacheName: SHELL_CACHE }),
);
