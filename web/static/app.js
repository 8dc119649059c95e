// app.js: the public web map. Our own vector tiles in MapLibre GL JS (and
// an optional raster base map), place search as you type, and a side panel
// for the feature under the pointer. The map's view is in the URL's hash
// and the selected feature in ?sel=kind:id, so a link reopens the panel.
import {api, restoreSession, session, signOut} from './api.js';
import {createSearch} from './search.js';
import {Panels} from './panels.js';
import {loadStyle} from './style.js';

const $ = (id) => document.getElementById(id);

// The layers a click can pick, the most specific first; the first layer
// with a feature under the pointer decides the panel.
const PICK = [
  ['marker-point', 'marker'], ['address-point', 'address'], ['address-label', 'address'], ['place-point', 'place'],
  ['place-label', 'place'], ['boundary-line', 'line'], ['street-line', 'street'], ['street-label', 'street'], ['division-fill', 'division'],
];

let map = null;
let panels = null;

// --- the URL: view in the hash (MapLibre keeps it), selection in ?sel= ------

function selectionFromURL() {
  const sel = new URLSearchParams(location.search).get('sel') || '';
  const [kind, id] = sel.split(':');
  return ['place', 'division', 'line', 'marker', 'address'].includes(kind) && id ? {kind, id} : null;
}

function writeSelection(kind, id) {
  const u = new URL(location.href);
  if (kind) u.searchParams.set('sel', `${kind}:${id}`);
  else u.searchParams.delete('sel');
  history.replaceState(history.state, '', u.pathname + u.search + location.hash);
}

// --- the map ------------------------------------------------------------------

function webglAvailable() {
  try {
    const c = document.createElement('canvas');
    return !!(c.getContext('webgl2') || c.getContext('webgl'));
  } catch { return false; }
}

function showMapMessage(text) {
  const m = $('map-msg');
  m.textContent = text;
  m.hidden = false;
  $('map').classList.add('no-map');
}

async function startMap(config) {
  if (!document.querySelector('link[href$="maplibre-gl.css"]')) return null; // message already in the page
  if (!webglAvailable()) {
    showMapMessage('此浏览器无法绘制地图（未启用 WebGL）。请更换浏览器或开启硬件加速。搜索和详情仍可使用。');
    return null;
  }
  let maplibregl;
  try {
    maplibregl = await import('maplibre-gl');
  } catch (e) {
    showMapMessage('地图组件加载失败，请刷新重试。搜索和详情仍可使用。');
    return null;
  }
  const style = await loadStyle(config.base);
  // The URL's view wins (MapLibre reads the hash); otherwise the extent
  // of the data, so a county's deployment opens on its county.
  const home = config.home ? {bounds: [[config.home[0], config.home[1]], [config.home[2], config.home[3]]],
    fitBoundsOptions: {padding: 24, maxZoom: 14}} : {};
  const m = new maplibregl.Map({container: 'map', style, center: style.center, zoom: style.zoom, hash: true, ...home,
    attributionControl: {compact: window.innerWidth < 600}, localIdeographFontFamily: 'sans-serif'});
  m.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-right');
  m.addControl(new maplibregl.ScaleControl({unit: 'metric'}), 'bottom-left');
  m.on('error', (e) => console.warn('map error', e.error && e.error.message));
  m.on('click', (e) => pickAt(m, e.point));
  m.on('mousemove', (e) => {
    const hit = m.queryRenderedFeatures(box(e.point), {layers: pickLayers(m).filter((l) => l !== 'division-fill')});
    m.getCanvas().style.cursor = hit.length ? 'pointer' : '';
  });
  await new Promise((resolve) => m.once('load', resolve));
  m.addLayer({id: 'line-selected', type: 'line', source: 'diming', 'source-layer': 'boundary_lines', filter: ['==', ['id'], -1],
    paint: {'line-color': '#d9480f', 'line-width': 5, 'line-opacity': 0.8}}, 'street-line');
  m.addLayer({id: 'point-selected', type: 'circle', source: 'diming', 'source-layer': 'places', filter: ['==', ['id'], -1],
    paint: {'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#d9480f', 'circle-stroke-width': 3}});
  window.dimingMap = m; // for tests and the console
  return m;
}

const box = (p) => [[p.x - 5, p.y - 5], [p.x + 5, p.y + 5]];
const pickLayers = (m) => PICK.map(([l]) => l).filter((l) => m.getLayer(l));

// pickAt opens the panel of the feature under the pointer, chosen by the
// layer it was drawn in; the division around it only when nothing else is.
function pickAt(m, point) {
  const feats = m.queryRenderedFeatures(box(point), {layers: pickLayers(m)});
  for (const [layer, kind] of PICK) {
    const fs = feats.filter((f) => f.layer.id === layer);
    if (fs.length === 0) continue;
    if (kind === 'division') {
      // Only the division exactly under the pointer, the deepest level.
      const under = m.queryRenderedFeatures(point, {layers: ['division-fill']});
      const d = (under.length ? under : fs).reduce((a, b) => (b.properties.level > a.properties.level ? b : a));
      select('division', d.properties.code);
    } else {
      select(kind, fs[0].id, fs[0].properties);
    }
    return;
  }
  closePanel();
}

function highlight(kind, id, data) {
  if (!map) return;
  // A division's own name outlines the division.
  const code = kind === 'division' ? String(id) : (kind === 'place' && data?.source_division) || '';
  map.setFilter('division-selected', ['==', ['get', 'code'], code]);
  map.setFilter('line-selected', ['==', ['id'], kind === 'line' ? Number(id) : -1]);
  map.setFilter('point-selected', ['==', ['id'], kind === 'place' ? Number(id) : -1]);
}

// panelPadding keeps what the map flies to clear of the panel: beside it
// on a desktop, above it on a phone (where it is a bottom sheet).
function panelPadding() {
  const phone = window.innerWidth <= 700;
  return phone ? {top: 30, bottom: Math.round(window.innerHeight * 0.5), left: 20, right: 20} : {top: 40, bottom: 40, left: 380, right: 40};
}

// flyTo moves the map to a locus: its bounding box, or its point.
function flyTo(l) {
  if (!map || !l) return;
  const [w, s, e, n] = l.bbox || [];
  if (l.bbox && (e - w > 0.002 || n - s > 0.002)) {
    map.fitBounds([[w, s], [e, n]], {padding: panelPadding(), maxZoom: 15, duration: 800});
  } else if (l.point) {
    map.flyTo({center: l.point, zoom: Math.max(map.getZoom(), 15), padding: panelPadding(), duration: 800});
  }
}

// select opens the panel of one feature and records it in the URL.
async function select(kind, id, props = {}, {fly = false} = {}) {
  writeSelection(kind, id);
  highlight(kind, id);
  const out = await panels.open(kind, id, props);
  if (!fly || !out?.data) return;
  if (out.data.point || out.data.bbox) {
    flyTo(out.data);
  } else if (kind === 'division') {
    // A division is where its own name is: the place named after it.
    const r = await api('GET', `/api/v1/places?category=2&limit=20&division=${encodeURIComponent(id)}`);
    const own = r.ok && r.data.places.find((p) => p.division_code === String(id));
    if (own) flyTo(own);
  } else if (out.data.position) {
    flyTo({point: out.data.position});
  }
}

function closePanel() {
  panels.close();
  writeSelection(null);
  highlight(null);
}

// --- start ----------------------------------------------------------------------

async function main() {
  const config = JSON.parse($('map-config').textContent || '{}');
  const hadView = !!location.hash; // MapLibre writes one as soon as it starts
  panels = new Panels({root: $('panel'), kindEl: $('panel-kind'), titleEl: $('panel-title'), body: $('panel-body'),
    onOpen: (kind, id, out) => { writeSelection(kind, id); highlight(kind, id, out.data); }});
  $('panel-close').addEventListener('click', closePanel);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !$('panel').hidden && document.activeElement !== $('search-q')) closePanel(); });
  createSearch({form: $('search'), input: $('search-q'), list: $('search-results'), status: $('search-status'),
    onPick: (h) => {
      const id = h.current ? h.current.id : h.id;
      flyTo(h);
      select('place', id);
      $('panel-title').focus();
    }});
  for (const b of document.querySelectorAll('[data-signout]')) {
    b.addEventListener('click', async () => {
      await signOut();
      location.reload();
    });
  }
  if (session.csrf) restoreSession();
  map = await startMap(config);
  const sel = selectionFromURL();
  if (sel) select(sel.kind, sel.id, {}, {fly: !hadView});
}

main();
