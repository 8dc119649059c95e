// field_grids.js: a community admin's grid map. Grids are drawn from the
// GeoJSON the page embeds (script#grid-map-data); "在地图上修改范围" loads a
// grid into the drawing tool (draw.js) and its form then saves the new
// shape with the other fields; "在地图上画新网格" draws a new one.
// Only form.js is imported up front: the forms work at once, and the map
// modules (MapLibre is large) load after.
import {submitJSON, showErrors} from './form.js';

const box = document.getElementById('grid-map');
const data = JSON.parse(document.getElementById(box.dataset.source).textContent);
const status = document.getElementById('draw-status');
const newForm = document.getElementById('grid-new');
let map = null;
let draw = null;
let maplibregl = null;
let editing = null; // the grid id being reshaped, or 'new'

function fit(fc) {
  const b = new maplibregl.LngLatBounds();
  const walk = (c) => (typeof c[0] === 'number' ? b.extend(c) : c.forEach(walk));
  for (const f of fc.features || []) walk(f.geometry.coordinates);
  if (!b.isEmpty()) map.fitBounds(b, {padding: 30, maxZoom: 17, duration: 0});
}

function edit(id) {
  editing = id;
  for (const f of document.querySelectorAll('.grid-form')) f.classList.toggle('editing', f.dataset.gridId === String(id));
  // Hide the grid's own outline while its shape is in the drawing tool.
  map.setFilter('grid-fill', id === 'new' ? null : ['!=', ['get', 'id'], Number(id)]);
  map.setFilter('grid-line', id === 'new' ? null : ['!=', ['get', 'id'], Number(id)]);
}

for (const form of document.querySelectorAll('.grid-form')) {
  const id = form.dataset.gridId;
  form.querySelector('[data-edit-shape]').addEventListener('click', () => {
    const f = data.features.find((x) => String(x.properties.id) === id);
    // Grids are stored as MultiPolygons; the drawing tool edits one polygon.
    const g = f.geometry.type === 'MultiPolygon' && f.geometry.coordinates.length === 1 ?
      {type: 'Polygon', coordinates: f.geometry.coordinates[0]} : f.geometry;
    if (g.type !== 'Polygon') {
      status.textContent = '“' + f.properties.name + '”由几块组成，不能在地图上修改；请画一个新网格代替它。';
      return;
    }
    edit(id);
    draw.load(g);
    box.scrollIntoView({block: 'nearest'});
    status.textContent = '拖动顶点修改“' + f.properties.name + '”的范围，然后点“保存网格”。';
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const g = editing === id && draw ? draw.geometry() : null;
    submitJSON(form, g ? {geom: g} : {});
  });
}

document.getElementById('draw-new').addEventListener('click', () => {
  newForm.hidden = false;
  edit('new');
  draw.start('polygon');
  status.textContent = '在地图上点击画出新网格的范围，双击（或点击起点）结束。';
  box.scrollIntoView({block: 'nearest'}); // drawing comes first; the form waits below
});
newForm.querySelector('[data-cancel]').addEventListener('click', () => {
  newForm.hidden = true;
  if (draw) draw.clear();
  edit(null);
  status.textContent = '';
});
newForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const g = draw && editing === 'new' ? draw.geometry() : null;
  if (!g || g.type !== 'Polygon') {
    showErrors(newForm, {status: 422, data: {error: {message: '请先在地图上画出网格范围', fields: {geom: '在地图上点击画出网格范围，双击结束'}}}});
    return;
  }
  submitJSON(newForm, {geom: g});
});

// The forms are wired above before the map loads, so a quick click never
// submits them natively; drawing waits for the map.
const [wm, dr] = await Promise.all([import('./workmap.js'), import('./draw.js')]);
maplibregl = wm.maplibregl;
map = await wm.workMap('grid-map');

if (map) {
  box.map = map; // for the browser test, which clicks map positions
  map.addSource('grids', {type: 'geojson', data});
  map.addLayer({id: 'grid-fill', type: 'fill', source: 'grids', paint: {'fill-color': '#1f5f99', 'fill-opacity': .12}});
  map.addLayer({id: 'grid-line', type: 'line', source: 'grids', paint: {'line-color': '#1f5f99', 'line-width': 2}});
  map.addLayer({id: 'grid-label', type: 'symbol', source: 'grids', layout: {'text-field': ['get', 'name'], 'text-size': 13},
    paint: {'text-color': '#1f3b57', 'text-halo-color': '#fff', 'text-halo-width': 1.5}});
  map.resize();
  fit(data);
  draw = dr.createDraw(map, {onChange: (g) => {
    if (editing) status.textContent = g ? '范围已画好，保存后生效。' : '在地图上点击画出范围，双击结束。';
  }});
  box.draw = draw;
  for (const b of document.querySelectorAll('[data-edit-shape], #draw-new')) b.disabled = false;
} else {
  status.textContent = '无法绘制地图，网格范围暂不能修改；其他信息仍可保存。';
}

