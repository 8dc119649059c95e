// diming web map: our own vector tiles in MapLibre GL JS, division
// details on click, place search and sign-in. Plain ES module, no build.

const LEVELS = {1: '省级', 2: '地级', 3: '县级', 4: '乡级', 5: '村级'};
const $ = (id) => document.getElementById(id);

import {api, errorText, session} from './api.js';

// --- the map ---------------------------------------------------------------

async function loadStyle() {
  const res = await fetch('/static/style.json', {cache: 'no-cache'});
  const style = await res.json();
  // Workers resolve URLs against their own origin, so make tile URLs absolute.
  for (const src of Object.values(style.sources)) {
    if (src.tiles) src.tiles = src.tiles.map((u) => new URL(u, location.href).href.replaceAll('%7B', '{').replaceAll('%7D', '}'));
  }
  return style;
}

async function startMap() {
  const dir = document.documentElement.dataset.maplibre;
  if (!dir) return;
  let maplibregl;
  try {
    maplibregl = await import(dir + '/maplibre-gl.mjs');
  } catch (e) {
    showMapMessage('地图组件加载失败：' + e.message);
    return;
  }
  const style = await loadStyle();
  const map = new maplibregl.Map({container: 'map', style, center: style.center, zoom: style.zoom,
    hash: true, attributionControl: {compact: false}, localIdeographFontFamily: 'sans-serif'});
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl({unit: 'metric'}), 'bottom-left');
  map.on('error', (e) => console.warn('map error', e.error && e.error.message));
  map.on('click', (e) => showDivisions(map, e));
  map.on('mousemove', 'division-fill', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'division-fill', () => { map.getCanvas().style.cursor = ''; });
  window.dimingMap = map; // for tests and the console
  return map;
}

function showMapMessage(text) {
  const el = $('map-msg');
  el.textContent = text;
  el.hidden = false;
}

// showDivisions lists every division under the click, the deepest first,
// and outlines it.
function showDivisions(map, e) {
  const seen = new Map();
  for (const f of map.queryRenderedFeatures(e.point, {layers: ['division-fill']})) {
    seen.set(f.properties.code, f.properties);
  }
  const chain = [...seen.values()].sort((a, b) => a.level - b.level);
  if (chain.length === 0) {
    closePanel(map);
    return;
  }
  const d = chain[chain.length - 1];
  $('panel-title').textContent = d.name;
  const attrs = $('panel-attrs');
  attrs.replaceChildren();
  for (const [k, v] of [['名称', d.name], ['代码', d.code], ['级别', `${LEVELS[d.level] || d.level}（${d.level}）`], ['类型', d.kind || '—']]) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dd.dataset.field = {名称: 'name', 代码: 'code', 级别: 'level', 类型: 'kind'}[k];
    attrs.append(dt, dd);
  }
  const ol = $('panel-chain');
  ol.replaceChildren(...chain.map((c) => {
    const li = document.createElement('li');
    li.textContent = `${LEVELS[c.level] || c.level} ${c.name}（${c.code}）`;
    return li;
  }));
  $('panel').hidden = false;
  map.setFilter('division-selected', ['==', ['get', 'code'], d.code]);
}

function closePanel(map) {
  $('panel').hidden = true;
  if (map) map.setFilter('division-selected', ['==', ['get', 'code'], '']);
}

// --- search ------------------------------------------------------------------

// placeItems accepts the gazetteer's answer as an array or as an object
// holding one ({items}, {results}, {places}).
function placeItems(data) {
  if (Array.isArray(data)) return data;
  for (const k of ['items', 'results', 'places', 'data']) {
    if (data && Array.isArray(data[k])) return data[k];
  }
  return [];
}

function placePoint(p) {
  if (p.geometry && p.geometry.type === 'Point') return p.geometry.coordinates;
  if (typeof p.lon === 'number' && typeof p.lat === 'number') return [p.lon, p.lat];
  if (p.location && typeof p.location.lon === 'number') return [p.location.lon, p.location.lat];
  if (Array.isArray(p.center)) return p.center;
  return null;
}

async function search(map, q) {
  const list = $('search-results');
  list.replaceChildren();
  list.hidden = false;
  const note = (text) => {
    const li = document.createElement('li');
    li.className = 'note';
    li.textContent = text;
    list.append(li);
  };
  let r;
  try {
    r = await api('GET', '/api/v1/places?limit=20&q=' + encodeURIComponent(q));
  } catch {
    note('网络错误，请稍后再试');
    return;
  }
  if (r.status === 404) {
    // The gazetteer's search is not deployed on this server yet.
    note('地名搜索服务暂未开通');
    return;
  }
  if (!r.ok) {
    note(errorText(r, '搜索失败'));
    return;
  }
  const items = placeItems(r.data);
  if (items.length === 0) {
    note('没有找到“' + q + '”');
    return;
  }
  for (const p of items.slice(0, 20)) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    const extra = [p.romanization || p.pinyin, p.division_name || p.division || p.code].filter(Boolean).join(' · ');
    b.textContent = (p.name || p.standard_name || '（无名）') + (extra ? '  ' + extra : '');
    const pt = placePoint(p);
    b.addEventListener('click', () => {
      if (pt && map) map.flyTo({center: pt, zoom: Math.max(map.getZoom(), 12)});
      list.hidden = true;
    });
    li.append(b);
    list.append(li);
  }
}

// --- sign-in -----------------------------------------------------------------

function showUser() {
  const signedIn = session.user !== null;
  $('login').hidden = signedIn;
  $('whoami').hidden = !signedIn;
  $('whoami-name').textContent = signedIn ? '已登录：' + (session.user.display_name || session.user.username) : '';
}

async function login(form) {
  const msg = $('login-msg');
  msg.textContent = '正在登录…';
  const r = await api('POST', '/api/v1/session', {username: form.username.value, password: form.password.value});
  if (!r.ok) {
    msg.textContent = r.status === 401 ? '用户名或密码不正确' : errorText(r, '登录失败');
    return;
  }
  session.user = r.data.user;
  session.csrf = r.data.csrf_token;
  form.password.value = '';
  msg.textContent = '';
  showUser();
}

async function logout() {
  await api('DELETE', '/api/v1/session');
  session.user = null;
  session.csrf = '';
  showUser();
}

async function restoreSession() {
  try {
    const r = await api('GET', '/api/v1/session');
    if (r.ok) {
      session.user = r.data.user;
      session.csrf = r.data.csrf_token;
    }
  } catch { /* signed out */ }
  showUser();
}

// --- start -------------------------------------------------------------------

async function main() {
  restoreSession();
  const map = await startMap();
  $('search').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('search-q').value.trim();
    if (q) search(map, q);
  });
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    login(e.target);
  });
  $('logout').addEventListener('click', logout);
  $('panel-close').addEventListener('click', () => closePanel(map));
}

main();
