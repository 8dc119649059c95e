// draw.js: drawing and editing one geometry on a workspace map, with
// terra-draw (npm) on MapLibre. A proposal draws a point, line or polygon;
// a community admin draws or reshapes a grid polygon.
//
//   const d = createDraw(map, {onChange: (geometry) => ...});
//   d.start('polygon');      // 'point' | 'linestring' | 'polygon'
//   d.load(geometry);        // show an existing geometry, editable
//   d.geometry();            // the finished GeoJSON geometry, or null
//
// A line or polygon is finished by clicking its last point again (or its
// first point, for a polygon) or pressing Enter; Escape cancels it.
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
  let done = null; // the id of the one finished (or loaded) feature
  draw.on('finish', (id) => {
    const others = draw.getSnapshot().filter((f) => f.id !== id && f.id === done).map((f) => f.id);
    if (others.length) draw.removeFeatures(others);
    done = id;
    draw.setMode('select');
    draw.selectFeature(id);
    notify();
  });
  draw.on('change', (_ids, type) => { if (type !== 'styling') notify(); });
  const api = {
    start(k) {
      kind = k;
      done = null;
      draw.clear();
      draw.setMode(k);
      notify();
    },
    load(geometry) {
      draw.clear();
      done = null;
      if (!geometry) return;
      kind = geometry.type.toLowerCase();
      const mode = kind === 'point' ? 'point' : kind === 'linestring' ? 'linestring' : 'polygon';
      const [res] = draw.addFeatures([{type: 'Feature', geometry, properties: {mode}}]);
      draw.setMode('select');
      if (res && res.valid) {
        done = res.id;
        draw.selectFeature(res.id);
      }
    },
    // geometry is the finished feature's geometry (as edited since), or
    // null while nothing is finished: a line or polygon being drawn, or
    // the helper points terra-draw shows while drawing, never count.
    geometry() {
      if (done == null) return null;
      const f = draw.getSnapshot().find((x) => x.id === done);
      return f ? f.geometry : null;
    },
    clear() {
      done = null;
      draw.clear();
      notify();
    },
    stop() { draw.stop(); },
    terra: draw,
  };

  return api;
}
