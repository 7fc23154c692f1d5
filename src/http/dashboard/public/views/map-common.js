// Leaflet from our own origin; tiles from OpenStreetMap in the user's browser. Without tiles the pins still show.
const TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const SEVERITY_COLOUR = { critical: '#b3261e', high: '#e8710a', medium: '#c9a100', low: '#3b7d23' };

let leaflet;

/** Each map's layer of pins (setPins updates them). */
const layers = new WeakMap();
/** Each layer's markers by what they show: a pin that did not change is left as it is. */
const shown = new WeakMap();

/**
 * Puts `pins` on `layer`, keeping the markers of pins that did not change: redrawing every pin at
 * each live change faded every label out and in again (and, for the fade's 200 ms, showed each
 * label twice to anything reading the page).
 */
function addPins(L, layer, pins) {
  const before = shown.get(layer) ?? new Map();
  const after = new Map();
  const permanent = pins.length < 15;
  for (const p of pins) {
    const key = JSON.stringify([p.lat, p.lng, p.label, p.severity, p.href, permanent]);
    if (after.has(key)) continue;
    const kept = before.get(key);
    if (kept) {
      before.delete(key);
      after.set(key, kept);
      continue;
    }
    const marker = L.circleMarker([p.lat, p.lng], {
      radius: 9,
      color: '#222',
      weight: 1,
      fillColor: SEVERITY_COLOUR[p.severity] ?? '#1d4ed8',
      fillOpacity: 0.9,
    })
      .bindTooltip(p.label, { permanent, direction: 'top' })
      .on('click', () => {
        if (p.href) location.hash = p.href;
      })
      .addTo(layer);
    after.set(key, marker);
  }
  for (const gone of before.values()) layer.removeLayer(gone);
  shown.set(layer, after);
}

/** Draws pins [{lat, lng, label, severity?, href?}] into `node`, framed to show them all; returns the map. */
export async function pinMap(node, pins, zoom = 6) {
  leaflet ??= await import('/dashboard/vendor/leaflet/leaflet-src.esm.js');
  const L = leaflet;
  const map = L.map(node, { attributionControl: true });
  const tiles = L.tileLayer(TILES, { maxZoom: 18, attribution: '© OpenStreetMap contributors' }).addTo(map);
  let failed = 0;
  tiles.on('tileerror', () => {
    failed++;
    node.dataset.tiles = 'unavailable';
  });
  tiles.on('tileload', () => {
    if (!failed) node.dataset.tiles = 'ok';
  });
  const layer = L.featureGroup().addTo(map);
  layers.set(map, layer);
  addPins(L, layer, pins);
  frame(map, layer, pins, zoom);
  return map;
}

function frame(map, layer, pins, zoom = 6) {
  if (pins.length > 1) map.fitBounds(layer.getBounds().pad(0.3));
  else if (pins.length === 1) map.setView([pins[0].lat, pins[0].lng], zoom);
  else map.setView([20, 0], 2);
}

/**
 * Puts `pins` on a map pinMap made, where the officer left it: redrawn from scratch at each live
 * change, the map went back to its first framing, zoomed out of the district the officer was reading.
 */
export function setPins(map, pins) {
  const layer = layers.get(map);
  const had = layer.getLayers().length;
  addPins(leaflet, layer, pins);
  // The first pins on a map that had none (the whole world shown): framed, there was nothing to keep.
  if (!had && pins.length) frame(map, layer, pins);
}
