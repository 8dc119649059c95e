// style.js: the map style every map page uses (the public map and the
// workspace maps), read from /static/style.json. Kept apart from the
// MapLibre module so that a page whose MapLibre fails to load still runs.

// loadStyle fetches the style and makes its tile URLs absolute (workers
// resolve URLs against their own origin). With base ({tiles,
// attribution}), the operator's raster base map goes under our layers,
// which then let it show through.
export async function loadStyle(base) {
  const res = await fetch('/static/style.json', {cache: 'no-cache'});
  const style = await res.json();
  if (base) {
    style.sources.base = {type: 'raster', tiles: [base.tiles], tileSize: 256, attribution: base.attribution, maxzoom: 18};
    style.layers.splice(1, 0, {id: 'base', type: 'raster', source: 'base'});
    for (const l of style.layers) if (l.id === 'division-fill') l.paint['fill-opacity'] = 0.12;
  }
  for (const src of Object.values(style.sources)) {
    if (src.tiles) src.tiles = src.tiles.map((u) => new URL(u, location.href).href.replaceAll('%7B', '{').replaceAll('%7D', '}'));
  }
  return style;
}
