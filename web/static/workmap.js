// workmap.js: a MapLibre map for a workspace page (proposals, grids,
// boundary work), drawn from our own tiles with the web map's style.
// Pages put <div class="map-box" id="..."> in their markup and call
// workMap(id, {center, zoom}). Without WebGL it says so in the box instead
// of leaving it blank.
import * as maplibregl from 'maplibre-gl';
import {loadStyle} from './style.js';

export {maplibregl};

export function webglAvailable() {
  try {
    const c = document.createElement('canvas');
    return !!(c.getContext('webgl2') || c.getContext('webgl'));
  } catch { return false; }
}

// mapCSS loads MapLibre's stylesheet (beside its module, from the import
// map) once per page; without it the controls and canvas lose their layout.
let cssLoaded = null;
function mapCSS() {
  cssLoaded ??= new Promise((resolve) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = import.meta.resolve('maplibre-gl').replace(/\.mjs$/, '.css');
    link.onload = link.onerror = () => resolve();
    document.head.append(link);
  });
  return cssLoaded;
}

// workMap creates the map in element id and resolves once its style has
// loaded; it resolves to null (with a message in the box) without WebGL.
export async function workMap(id, opts = {}) {
  const el = document.getElementById(id);
  if (!webglAvailable()) {
    el.classList.add('no-webgl');
    el.textContent = '此浏览器无法绘制地图（未启用 WebGL）。请更换浏览器或开启硬件加速；表单仍可填写。';
    el.setAttribute('role', 'alert');
    return null;
  }
  const [style] = await Promise.all([loadStyle(), mapCSS()]);
  const map = new maplibregl.Map({container: el, style, center: opts.center || style.center,
    zoom: opts.zoom ?? style.zoom, attributionControl: {compact: true}, localIdeographFontFamily: 'sans-serif'});
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  await new Promise((resolve) => map.once('load', resolve));
  return map;
}

// fitGeometry moves the map to a GeoJSON geometry.
export function fitGeometry(map, geometry, maxZoom = 16) {
  const b = new maplibregl.LngLatBounds();
  const walk = (c) => (typeof c[0] === 'number' ? b.extend(c) : c.forEach(walk));
  walk(geometry.coordinates);
  if (!b.isEmpty()) map.fitBounds(b, {padding: 40, maxZoom, duration: 0});
}
