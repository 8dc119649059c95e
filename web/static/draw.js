// draw.js: drawing and editing one geometry on a workspace map, with
// terra-draw (npm) on MapLibre. A proposal draws a point, line or polygon;
// a community admin draws or reshapes a grid polygon.
//
//   const d = createDraw(map, {onChange: (geometry) => ...});
//   d.start('polygon');      // 'point' | 'linestring' | 'polygon'
//   d.load(geometry);        // show an existing geometry, editable
//   d.geometry();            // the drawn GeoJSON geometry, or null
//   d.clear();
import {TerraDraw, TerraDrawPointMode, TerraDrawLineStringMode, TerraDrawPolygonMode, TerraDrawSelectMode} from 'terra-draw';
import {TerraDrawMapLibreGLAdapter} from 'terra-draw-maplibre-gl-adapter';

const editable = {
  feature: {draggable: true, coordinates: {midpoints: true, draggable: true, deletable: true}},
};

export function createDraw(map, {onChange = () => {}} = {}) {
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({map}),
    modes: [
      new TerraDrawPointMode(),
      new TerraDrawLineStringMode(),
      new TerraDrawPolygonMode(),
      new TerraDrawSelectMode({flags: {point: editable, linestring: editable, polygon: editable}}),
    ],
  });
  draw.start();
  let kind = null;

  const notify = () => onChange(api.geometry());
  // Keep one feature: a new drawing replaces the previous one.
  draw.on('finish', (id) => {
    const others = draw.getSnapshot().filter((f) => f.id !== id && !f.properties.midPoint && !f.properties.selectionPoint).map((f) => f.id);
    if (others.length) draw.removeFeatures(others);
    draw.setMode('select');
    draw.selectFeature(id);
    notify();
  });
  draw.on('change', (_ids, type) => { if (type !== 'styling') notify(); });
  const api = {
    start(k) {
      kind = k;
      draw.clear();
      draw.setMode(k);
      notify();
    },
    load(geometry) {
      draw.clear();
      if (!geometry) return;
      kind = geometry.type.toLowerCase();
      const mode = kind === 'point' ? 'point' : kind === 'linestring' ? 'linestring' : 'polygon';
      const [res] = draw.addFeatures([{type: 'Feature', geometry, properties: {mode}}]);
      draw.setMode('select');
      if (res && res.valid) draw.selectFeature(res.id);
    },
    geometry() {
      const f = draw.getSnapshot().find((x) => !x.properties.midPoint && !x.properties.selectionPoint &&
        !x.properties.coordinatePoint && !x.properties.currentlyDrawing);
      return f ? f.geometry : null;
    },
    clear() {
      draw.clear();
      notify();
    },
    stop() { draw.stop(); },
    terra: draw,
  };

  return api;
}
