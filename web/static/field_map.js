// field_map.js: the map of the boundary pages. It draws the lines and
// markers the page embeds as GeoJSON (script#field-map-data): overdue
// lines red and dashed, the others green, markers as orange dots with
// their number; clicking a line opens its page (on the list), clicking a
// marker shows its number and state.
import {workMap, maplibregl} from './workmap.js';

const box = document.getElementById('field-map');
const data = JSON.parse(document.getElementById(box.dataset.source).textContent);
const map = await workMap('field-map');
if (map) {
  map.addSource('field', {type: 'geojson', data});
  map.addLayer({id: 'field-lines-halo', type: 'line', source: 'field', filter: ['==', ['get', 'kind'], 'line'],
    paint: {'line-color': '#fff', 'line-width': 7, 'line-opacity': .8}});
  map.addLayer({id: 'field-lines', type: 'line', source: 'field', filter: ['all', ['==', ['get', 'kind'], 'line'], ['!', ['get', 'overdue']]],
    paint: {'line-color': '#2b8a3e', 'line-width': 4}});
  map.addLayer({id: 'field-lines-overdue', type: 'line', source: 'field', filter: ['all', ['==', ['get', 'kind'], 'line'], ['get', 'overdue']],
    paint: {'line-color': '#c92a2a', 'line-width': 4, 'line-dasharray': [2, 1]}});
  map.addLayer({id: 'field-markers', type: 'circle', source: 'field', filter: ['==', ['get', 'kind'], 'marker'],
    paint: {'circle-radius': 6, 'circle-color': '#f08c00', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2}});
  map.addLayer({id: 'field-marker-labels', type: 'symbol', source: 'field', filter: ['==', ['get', 'kind'], 'marker'],
    layout: {'text-field': ['get', 'number'], 'text-size': 12, 'text-offset': [0, 1.2], 'text-anchor': 'top', 'text-optional': true},
    paint: {'text-color': '#333', 'text-halo-color': '#fff', 'text-halo-width': 1.5}});
  map.resize();
  fit(map, data);
  const link = box.dataset.link;
  for (const layer of ['field-lines', 'field-lines-overdue']) {
    map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = link ? 'pointer' : ''; });
    map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
    if (link) map.on('click', layer, (e) => location.assign(link + e.features[0].properties.id));
  }
  map.on('click', 'field-markers', (e) => {
    const p = e.features[0].properties;
    const el = document.createElement('div');
    el.append(Object.assign(document.createElement('strong'), {textContent: '界桩 ' + p.number}), document.createElement('br'), '状态：' + p.label);
    new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(el).addTo(map);
  });
  // Rows of the list light their line on the map.
  for (const row of document.querySelectorAll('tr[data-line]')) {
    const id = Number(row.dataset.line);
    const on = (w) => map.setPaintProperty('field-lines-halo', 'line-width', ['case', ['==', ['get', 'id'], id], w, 7]);
    row.addEventListener('mouseenter', () => on(12));
    row.addEventListener('mouseleave', () => on(7));
  }
}

function fit(m, fc) {
  const b = new maplibregl.LngLatBounds();
  const walk = (c) => (typeof c[0] === 'number' ? b.extend(c) : c.forEach(walk));
  for (const f of fc.features || []) if (f.geometry) walk(f.geometry.coordinates);
  if (!b.isEmpty()) m.fitBounds(b, {padding: {top: 30, right: 50, bottom: 50, left: 30}, maxZoom: 15, duration: 0});
}
