// propose.js: the proposal page (/work/propose). The committee member draws
// the place on the map and types the name; the rule checks of
// POST /api/v1/naming/check run as they type (debounced) and the places a
// name clashes with are drawn in red on the map. Submitting creates the
// application (POST /api/v1/naming/applications) with the drawn geometry,
// then takes the "submit" action; when that is refused (a blocking
// finding), the form stays on the page and edits the saved draft.
import {api, errorText} from './api.js';
import {formBody, submitJSON, showErrors, clearErrors} from './form.js';
// The map modules (MapLibre, terra-draw) load in init(), so the form
// works while they arrive.
let fitGeometry = () => {};

const form = document.getElementById('propose');
form.dataset.enhanced = '1'; // this page submits the form itself (with the geometry)
const findingsBox = document.getElementById('findings');
const romanBox = document.getElementById('roman');
const geomState = document.getElementById('geom-state');
let map = null;
let draw = null;
let draft = null; // {id, version} once saved
let wantSubmit = false;

const KIND = {point: '点', linestring: '线', polygon: '面'};

function describe(g) {
  if (!g) return '尚未绘制位置。';
  const n = g.type === 'Point' ? 1 : g.type === 'LineString' ? g.coordinates.length : g.coordinates[0].length - 1;
  return `已绘制${KIND[g.type.toLowerCase()] || g.type}（${n} 个点）。`;
}

// The rule checks, as the user types.
let timer = 0;
let seq = 0;
function scheduleCheck() {
  clearTimeout(timer);
  timer = setTimeout(runCheck, 350);
}

async function runCheck() {
  const body = formBody(form);
  if (!body.name) {
    findingsBox.replaceChildren(note('输入名称后显示检查结果。'));
    romanBox.textContent = '';
    showClashes([]);
    setSubmitState(true);
    return;
  }
  delete body.version;
  const mine = ++seq;
  let r;
  try {
    r = await api('POST', '/api/v1/naming/check', body);
  } catch {
    r = {status: 0, ok: false, data: {error: {message: '网络错误，检查暂不可用'}}};
  }
  if (mine !== seq) return; // a newer check is on its way
  if (!r.ok) {
    const fields = (r.data && r.data.error && r.data.error.fields) || {};
    const detail = Object.entries(fields).map(([k, v]) => `${label(k)}：${v}`).join('；');
    findingsBox.replaceChildren(note(errorText(r) + (detail ? `（${detail}）` : ''), 'finding-error'));
    romanBox.textContent = '';
    showClashes([]);
    return;
  }
  romanBox.textContent = `罗马字母拼写：${r.data.romanization}（${r.data.romanization_toned}）　专名：${r.data.specific || '—'}　通名：${r.data.generic || '—'}`;
  renderFindings(r.data.findings, r.data.clashes || []);
  showClashes(r.data.clashes || []);
}

function label(field) {
  const el = form.querySelector(`[name="${CSS.escape(field)}"]`);
  const l = el && el.closest('label');
  return l ? l.firstChild.textContent.trim() : field;
}

function note(text, cls = 'muted') {
  const p = document.createElement('p');
  p.className = cls;
  p.textContent = text;
  return p;
}

// renderFindings lists each finding with its code and reason; a warning
// gets a field for the reason to go on, kept across re-checks.
function renderFindings(findings, clashes) {
  const kept = {};
  for (const ta of findingsBox.querySelectorAll('textarea[name^="overrides."]')) kept[ta.name] = ta.value;
  if (!findings.length) {
    findingsBox.replaceChildren(note('未发现问题：没有重名、同音，也未命中禁用字词或生僻字。', 'finding-ok'));
    setSubmitState(true);
    return;
  }
  const ul = document.createElement('ul');
  ul.className = 'findings';
  let blocking = false;
  for (const f of findings) {
    const li = document.createElement('li');
    li.className = `finding ${f.severity === 'block' ? 'sev-block' : 'sev-warn'}`;
    li.dataset.rule = f.rule;
    const head = document.createElement('div');
    const badge = document.createElement('span');
    badge.className = `badge ${f.severity === 'block' ? 'bad' : 'warn'}`;
    badge.textContent = f.severity === 'block' ? '不能通过' : '需说明理由';
    const code = document.createElement('code');
    code.textContent = f.code || f.rule;
    head.append(badge, ' ', code);
    const msg = document.createElement('p');
    msg.className = 'finding-msg';
    msg.textContent = f.message;
    li.append(head, msg);
    const mine = clashes.filter((c) => c.rule === f.rule);
    if (mine.length) {
      const cl = document.createElement('ul');
      cl.className = 'clash-list';
      for (const c of mine) {
        const ci = document.createElement('li');
        ci.append(`${c.name}（${c.division_code}）`);
        if (c.geometry && map) {
          const b = document.createElement('button');
          b.type = 'button';
          b.className = 'link';
          b.textContent = '在地图上查看';
          b.setAttribute('aria-label', `在地图上查看${c.name}`);
          b.addEventListener('click', () => fitGeometry(map, c.geometry, 16));
          ci.append(' ', b);
        }
        cl.append(ci);
      }
      li.append(cl);
    }
    if (f.severity === 'warn') {
      const l = document.createElement('label');
      l.textContent = '继续使用此名称的理由';
      const ta = document.createElement('textarea');
      ta.name = `overrides.${f.rule}`;
      ta.value = kept[ta.name] || f.overridden || '';
      ta.addEventListener('input', scheduleCheck);
      l.append(ta);
      li.append(l);
      if (!ta.value.trim()) blocking = true;
    } else {
      blocking = true;
    }
    ul.append(li);
  }
  findingsBox.replaceChildren(ul);
  setSubmitState(!blocking);
}

function setSubmitState(ok) {
  const b = document.getElementById('submit-btn');
  b.classList.toggle('blocked', !ok);
  b.title = ok ? '' : '检查发现问题，提交会被拒绝；请先修改名称或写明理由';
  document.getElementById('submit-hint').hidden = ok;
}

// showClashes draws the clashing places in red.
function showClashes(clashes) {
  if (!map) return;
  const fc = {type: 'FeatureCollection', features: clashes.filter((c) => c.geometry)
    .map((c) => ({type: 'Feature', geometry: c.geometry, properties: {id: c.id, name: c.name, rule: c.rule}}))};
  map.getSource('clashes').setData(fc);
}

function addClashLayers(m) {
  m.addSource('clashes', {type: 'geojson', data: {type: 'FeatureCollection', features: []}});
  m.addLayer({id: 'clash-fill', type: 'fill', source: 'clashes', filter: ['==', ['geometry-type'], 'Polygon'],
    paint: {'fill-color': '#d63333', 'fill-opacity': 0.25}});
  m.addLayer({id: 'clash-line', type: 'line', source: 'clashes', filter: ['!=', ['geometry-type'], 'Point'],
    paint: {'line-color': '#d63333', 'line-width': 5, 'line-opacity': 0.85}});
  m.addLayer({id: 'clash-point', type: 'circle', source: 'clashes', filter: ['==', ['geometry-type'], 'Point'],
    paint: {'circle-color': '#d63333', 'circle-radius': 9, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2}});
}

// Saving: create (or update the draft), then submit.
async function save(submit) {
  clearErrors(form);
  wantSubmit = submit;
  const extra = {};
  const g = draw ? draw.geometry() : null;
  if (g) extra.geometry = g;
  if (draft) extra.version = draft.version;
  await submitJSON(form, extra);
}

form.addEventListener('api:success', async (ev) => {
  ev.preventDefault();
  const app = ev.detail.data;
  draft = {id: app.id, version: app.version};
  form.dataset.api = `/api/v1/naming/applications/${app.id}`;
  form.dataset.method = 'PATCH';
  if (!wantSubmit) {
    location.assign(`/work/applications/${app.id}`);
    return;
  }
  const r = await api('POST', `/api/v1/naming/applications/${app.id}/actions/submit`, {version: app.version});
  if (r.ok) {
    location.assign(`/work/applications/${app.id}`);
    return;
  }
  showErrors(form, r);
  const box = form.querySelector('.form-error');
  box.append(document.createElement('br'), `已保存为草稿（第 ${app.id} 号），修改后可再次提交；也可以`);
  const a = document.createElement('a');
  a.href = `/work/applications/${app.id}`;
  a.textContent = '打开草稿';
  box.append(a, '。');
});

form.addEventListener('submit', (e) => {
  e.preventDefault();
  save(true);
});
document.getElementById('draft-btn').addEventListener('click', () => save(false));
form.addEventListener('input', (e) => {
  if (!e.target.name || e.target.name.startsWith('overrides.')) return;
  if (['name', 'category', 'division_code', 'specific', 'generic'].includes(e.target.name)) scheduleCheck();
});
form.addEventListener('change', (e) => {
  if (['category', 'division_code'].includes(e.target.name)) scheduleCheck();
});

// The map and the drawing tools.
async function init() {
  const box = document.getElementById('propose-map');
  const c = (box.dataset.center || '').split(',').map(Number);
  const [wm, dr] = await Promise.all([import('./workmap.js'), import('./draw.js')]);
  const {workMap} = wm;
  fitGeometry = wm.fitGeometry;
  map = await workMap('propose-map', c.length === 2 && c.every(Number.isFinite) ? {center: c, zoom: 13} : {zoom: 9});
  const tools = document.querySelectorAll('[data-draw]');
  if (!map) {
    tools.forEach((b) => { b.disabled = true; });
    geomState.textContent = '无法绘制位置；可在“位置描述”中写明。';
    return;
  }
  window.dimingProposeMap = map;
  addClashLayers(map);
  draw = dr.createDraw(map, {onChange: (g) => { geomState.textContent = describe(g); }});
  for (const b of tools) {
    b.addEventListener('click', () => {
      for (const x of tools) x.removeAttribute('aria-pressed');
      if (b.dataset.draw === 'clear') {
        draw.clear();
        return;
      }
      b.setAttribute('aria-pressed', 'true');
      draw.start(b.dataset.draw);
    });
  }
  if (form.elements.name.value) runCheck();
}

init();
