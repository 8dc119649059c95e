// application.js: one naming application's page (/work/applications/{id}):
// its drawn geometry on a map. The transition and report forms are plain
// form.js forms posting to the API. The map module (MapLibre, 1.7 MB) is
// imported when needed, so the page's forms are wired without waiting for it.

import {upload} from './api.js';
import {showErrors} from './form.js';

// The report form carries a file, so it goes as multipart/form-data
// rather than form.js's JSON; errors show beside the fields the same way.
const reportForm = document.getElementById('report-form');
if (reportForm) {
  reportForm.dataset.enhanced = '1';
  reportForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = reportForm.querySelector('button[type=submit]');
    button.disabled = true;
    let r;
    try {
      r = await upload(reportForm.dataset.api, new FormData(reportForm));
    } finally {
      button.disabled = false;
    }
    if (r.ok) location.reload();
    else showErrors(reportForm, r);
  });
}


async function init() {
  const box = document.getElementById('app-map');
  if (!box) return;
  const geometry = JSON.parse(box.dataset.geometry);
  const {workMap, fitGeometry} = await import('./workmap.js');
  const map = await workMap('app-map', {zoom: 14});
  if (!map) return;
  map.addSource('application', {type: 'geojson', data: {type: 'Feature', geometry, properties: {}}});
  map.addLayer({id: 'app-fill', type: 'fill', source: 'application', filter: ['==', ['geometry-type'], 'Polygon'],
    paint: {'fill-color': '#1f5f99', 'fill-opacity': 0.25}});
  map.addLayer({id: 'app-line', type: 'line', source: 'application', filter: ['!=', ['geometry-type'], 'Point'],
    paint: {'line-color': '#1f5f99', 'line-width': 5}});
  map.addLayer({id: 'app-point', type: 'circle', source: 'application', filter: ['==', ['geometry-type'], 'Point'],
    paint: {'circle-color': '#1f5f99', 'circle-radius': 8, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2}});
  fitGeometry(map, geometry, 15);
  window.dimingAppMap = map;
}

init();
