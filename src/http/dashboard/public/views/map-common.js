// Leaflet from our own origin; tiles from OpenStreetMap in the user's browser. Without tiles the pins still show.
const TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const SEVERITY_COLOUR = { critical: '#b3261e', high: '#e8710a', medium: '#c9a100', low: '#3b7d23' };

let leaflet;

/** Draws pins [{lat, lng, label, severity?, href?}] into `node`; returns the map. */
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
  const markers = pins.map((p) =>
    L.circleMarker([p.lat, p.lng], {
      radius: 9,
      color: '#222',
      weight: 1,
      fillColor: SEVERITY_COLOUR[p.severity] ?? '#1d4ed8',
      fillOpacity: 0.9,
    })
      .bindTooltip(p.label, { permanent: pins.length < 15, direction: 'top' })
      .on('click', () => {
        if (p.href) location.hash = p.href;
      })
      .addTo(map),
  );
  if (markers.length > 1) map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3));
  else if (markers.length === 1) map.setView([pins[0].lat, pins[0].lng], zoom);
  else map.setView([20, 0], 2);
  return map;
}
