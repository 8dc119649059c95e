// panels.js: the side panel for what was clicked or found on the map —
// a place name, a division, a boundary line, a boundary marker, a street
// or a doorplate. Each reads the API's DTOs and builds the panel's DOM.
import {api, errorText, session, hasRole} from './api.js';

const LEVELS = {1: '省级', 2: '地级', 3: '县级', 4: '乡级', 5: '村级'};
const LINE_STATUS = {surveyed: '已勘定', published: '已公布', jointly_managed: '联合管理', retired: '已废止'};
const LINE_SOURCE = {derived: '由区划边界推导', imported: '导入', surveyed: '勘界测绘'};
const MARKER_TYPE = {Q: '单立', A: '同号双立（甲）', B: '同号双立（乙）', C: '同号三立（一）', D: '同号三立（二）', E: '同号三立（三）'};
const MARKER_STATUS = {planned: '规划', active: '完好', damaged: '损坏', repaired: '已修复', moved: '已移位', retired: '已撤除'};
const HERITAGE_LEVEL = {national: '国家级', provincial: '省级', city: '市级', county: '县级'};
const ADDRESS_LIFECYCLE = {planned: '规划', current: '现行', retired: '已注销'};
const PLATE_STATUS = {active: '有效', revoked: '已注销', replaced: '已补换'};

// el builds an element: el('a', {href: '/x'}, 'text', child).
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
  return e;
}

// attrs is a definition list of [label, value] rows; empty values are left out.
function attrs(rows, field) {
  const dl = el('dl', {class: 'attrs'});
  for (const [k, v, name] of rows) {
    if (v === '' || v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    dl.append(el('dt', {}, k), el('dd', {'data-field': name || field?.[k]}, v));
  }
  return dl;
}

const section = (title, ...kids) => el('section', {}, el('h3', {}, title), ...kids);
const dateRange = (from, to) => (from || to ? `${from || '…'} 至 ${to || '今'}` : '');

// Panels opens the panel for one feature; nav(kind, id) opens another.
export class Panels {
  constructor({root, kindEl, titleEl, body, onOpen}) {
    Object.assign(this, {root, kindEl, titleEl, body, onOpen});
    this.seq = 0;
  }

  async open(kind, id, extra = {}) {
    const mine = ++this.seq;
    this.show(kind === 'place' ? '地名' : '', '正在载入…', []);
    let out;
    try {
      out = await this[kind](id, extra);
    } catch (e) {
      out = {kind: '', title: '载入失败', body: [el('p', {class: 'error'}, '网络错误，请稍后再试。')]};
    }
    if (mine !== this.seq) return null;
    this.show(out.kind, out.title, out.body);
    this.onOpen?.(kind, id, out);
    return out;
  }

  show(kind, title, body) {
    this.kindEl.textContent = kind;
    this.titleEl.textContent = title;
    this.body.replaceChildren(...body);
    this.root.hidden = false;
  }

  close() {
    this.seq++;
    this.root.hidden = true;
  }

  link(kind, id, text) {
    return el('button', {type: 'button', class: 'link', 'data-open': `${kind}:${id}`, onclick: () => this.open(kind, id)}, text);
  }

  failed(r, what) {
    return {kind: what, title: r.status === 404 ? '没有找到' : '载入失败', body: [el('p', {class: 'error'}, errorText(r, '载入失败'))]};
  }

  chain(links) {
    if (!links || links.length === 0) return null;
    return el('ol', {class: 'chain', id: 'panel-chain'}, links.map((c) => el('li', {}, this.link('division', c.code, c.name))));
  }

  // --- a place name ---------------------------------------------------------
  async place(id) {
    const r = await api('GET', '/api/v1/places/' + encodeURIComponent(id));
    if (!r.ok) return this.failed(r, '地名');
    const p = r.data;
    const out = {kind: '地名 · ' + p.category_name, title: p.name, data: p, body: []};
    if (p.heritage?.length) {
      out.body.push(el('p', {class: 'badges'}, p.heritage.map((h) => el('span', {class: h.shortlist ? 'badge' : 'badge heritage',
        title: h.list_name}, (h.shortlist ? '入围 · ' : '地名文化遗产 · ') + `${HERITAGE_LEVEL[h.level] || ''}${h.category}${h.batch ? '（第' + h.batch + '批）' : ''}`))));
    }
    out.body.push(attrs([
      ['罗马字母拼写', el('span', {lang: 'zh-Latn'}, p.romanization_toned || p.romanization), 'romanization'],
      ['类别', p.category_name, 'category'],
      ['状态', p.status === 'current' ? '现行地名' : '历史地名', 'status'],
      ['启用', p.valid_from], ['停用', p.valid_to],
      ['批准机关', p.approved_by], ['批准日期', p.approved_on], ['批准文号', p.approval_doc],
      ['含义', p.meaning, 'meaning'], ['由来', p.origin, 'origin'], ['描述', p.description],
    ]));
    const where = this.chain(p.chain);
    if (where) out.body.push(section('所在区划', where));
    const hist = [];
    if (p.history) hist.push(el('p', {}, p.history));
    if (p.current) hist.push(el('p', {}, '现名：', this.link('place', p.current.id, p.current.name)));
    if (p.supersedes) {
      const o = await api('GET', '/api/v1/places/' + p.supersedes);
      if (o.ok) hist.push(el('p', {}, '曾用名：', this.link('place', o.data.id, o.data.name), o.data.valid_to ? `（${o.data.valid_to} 停用）` : ''));
    }
    if (p.superseded_by && !p.current) hist.push(el('p', {}, '更名为：', this.link('place', p.superseded_by, '新名称')));
    if (hist.length) out.body.push(section('历史沿革', ...hist));
    if (p.source_division) out.body.push(el('p', {}, this.link('division', p.source_division, '查看此行政区划的下级和代码沿革')));
    if (!p.point) out.body.push(el('p', {class: 'muted'}, '此地名尚无位置信息。'));
    return out;
  }

  // --- a division -----------------------------------------------------------
  async division(code) {
    const [r, h] = await Promise.all([api('GET', '/api/v1/divisions/' + encodeURIComponent(code)),
      api('GET', '/api/v1/divisions/' + encodeURIComponent(code) + '/history')]);
    if (!r.ok) return this.failed(r, '行政区划');
    const d = r.data.division;
    const out = {kind: '行政区划 · ' + (LEVELS[d.level] || d.level_name) + (d.kind ? ' · ' + d.kind : ''), title: d.name, data: d, body: []};
    out.body.push(el('dl', {class: 'attrs', id: 'panel-attrs'},
      el('dt', {}, '代码'), el('dd', {'data-field': 'code'}, d.code),
      el('dt', {}, '级别'), el('dd', {'data-field': 'level'}, `${LEVELS[d.level] || d.level_name}（${d.level}）`),
      d.kind ? [el('dt', {}, '类型'), el('dd', {'data-field': 'kind'}, d.kind)] : [],
      d.valid_to ? [el('dt', {}, '状态'), el('dd', {}, `已撤销（${d.valid_to}）`)] : []));
    const up = this.chain(r.data.ancestors.map((a) => ({code: a.code, name: a.name})));
    if (up) out.body.push(section('上级区划', up));
    const kids = r.data.children;
    if (kids.length) {
      const shown = kids.slice(0, 60);
      out.body.push(section(`下级区划（${kids.length}）`, el('ul', {class: 'children'}, shown.map((c) => el('li', {}, this.link('division', c.code, c.name)))),
        kids.length > shown.length ? el('p', {class: 'muted'}, `另有 ${kids.length - shown.length} 个未列出`) : null));
    }
    if (h.ok) {
      const rows = [];
      for (const n of h.data.names) rows.push(el('li', {}, `${n.name}：${dateRange(n.from, n.to)}`));
      for (const s of h.data.successors) rows.push(el('li', {}, `${s.year} 年${s.kind === 'retired' ? '撤销，并入' : '部分划入'} `, this.link('division', s.code, s.name)));
      for (const s of h.data.predecessors) rows.push(el('li', {}, `${s.year} 年由 `, this.link('division', s.code, s.name || s.code), s.kind === 'retired' ? ' 撤销并入' : ' 部分划入'));
      if (rows.length) out.body.push(section('代码沿革', el('ul', {class: 'history'}, rows)));
    }
    return out;
  }

  // --- a boundary line ------------------------------------------------------
  async line(id) {
    const [r, ex] = await Promise.all([api('GET', '/api/v1/boundary-lines/' + id), api('GET', `/api/v1/boundary-lines/${id}/export?format=geojson`)]);
    if (!r.ok) return this.failed(r, '行政区域界线');
    const l = r.data;
    const out = {kind: '行政区域界线 · ' + (LEVELS[l.level] || ''), title: l.name, data: l, body: []};
    out.body.push(attrs([
      ['界线编号', l.number, 'number'],
      ['两侧', el('span', {}, this.link('division', l.left_code, l.left_name), ' — ', this.link('division', l.right_code, l.right_name)), 'sides'],
      ['长度', l.length_m ? (l.length_m / 1000).toFixed(1) + ' 千米' : ''],
      ['状态', LINE_STATUS[l.status] || l.status], ['来源', LINE_SOURCE[l.source] || l.source], ['确立日期', l.established_on],
    ]));
    let lineProps = null;
    let markers = [];
    if (ex.ok && ex.data?.features) {
      for (const f of ex.data.features) {
        if (f.geometry?.type === 'Point') markers.push(f.properties);
        else lineProps ||= f.properties;
      }
    } else {
      const m = await api('GET', `/api/v1/boundary-lines/${id}/markers`);
      if (m.ok) markers = m.data.markers;
    }
    const od = await api('GET', '/api/v1/boundary-lines/overdue?division=' + encodeURIComponent(l.left_code));
    const overdue = od.ok ? od.data.overdue.find((o) => o.line.id === l.id) : null;
    const insp = [];
    if (lineProps?.last_inspected) {
      insp.push(el('p', {}, `最近联检：${lineProps.last_inspected}（第 ${lineProps.inspection_round} 轮，${lineProps.inspection_signed ? '双方已签认' : '尚待双方签认'}）`));
      if (lineProps.inspection_findings) insp.push(el('p', {class: 'muted'}, lineProps.inspection_findings));
    } else if (lineProps) {
      insp.push(el('p', {}, '尚无联检记录。'));
    } else if (!ex.ok) {
      insp.push(el('p', {class: 'muted'}, '联检记录：' + errorText(ex, '无法读取')));
    }
    if (overdue) insp.push(el('p', {}, el('span', {class: 'badge bad', 'data-field': 'overdue'}, '逾期未联检'),
      overdue.due_since ? ` 应于 ${overdue.due_since} 前完成（每 ${od.data.cycle_years} 年一次）` : ' 从未联检'));
    else if (od.ok) insp.push(el('p', {}, el('span', {class: 'badge ok'}, '联检未逾期')));
    out.body.push(section('联检', ...insp));
    // Anonymous visitors see only the markers published for the public.
    const staff = hasRole(session.user, 'inspector');
    const shown = markers.filter((m) => staff || m.published !== false);
    out.body.push(section(`界桩（${shown.length}）`, shown.length ? el('ul', {class: 'markers'}, shown.slice(0, 80).map((m) =>
      el('li', {}, m.id ? this.link('marker', m.id, m.number) : m.number, ` ${MARKER_TYPE[m.type] || m.type || ''} · ${MARKER_STATUS[m.status] || m.status || ''}`))) :
      el('p', {class: 'muted'}, '没有公开的界桩。')));
    out.body.push(section('下载外业数据', el('p', {class: 'downloads'},
      el('a', {href: `/api/v1/boundary-lines/${id}/export?format=geojson`, download: `boundary-line-${id}.geojson`}, 'GeoJSON'), ' ',
      el('a', {href: `/api/v1/boundary-lines/${id}/export?format=kml`, download: `boundary-line-${id}.kml`}, 'KML'))));
    if (staff) out.body.push(el('p', {}, el('a', {href: `/work/boundaries/lines/${id}`}, '在工作台记录联检 →')));
    return out;
  }

  // --- a boundary marker ----------------------------------------------------
  async marker(id) {
    const r = await api('GET', '/api/v1/boundary-markers/' + id);
    if (!r.ok) return this.failed(r, '界桩');
    const m = r.data;
    return {kind: '界桩', title: m.number, data: m, body: [attrs([
      ['编号', m.number, 'number'], ['类型', MARKER_TYPE[m.type] || m.type, 'type'],
      ['所在界线', this.link('line', m.line_id, '界线 ' + m.number.slice(0, 4)), 'line'],
      ['状态', MARKER_STATUS[m.status] || m.status, 'status'], ['形制', m.form], ['材质', m.material], ['说明', m.description],
      ['位置', `${m.position[0].toFixed(5)}, ${m.position[1].toFixed(5)}`],
    ])]};
  }

  // --- a street (from the tile: streets have no public record yet) ----------
  async street(id, props) {
    return {kind: '街路巷', title: props.name || '街路巷', body: [attrs([['罗马字母拼写', props.pinyin]])]};
  }

  // --- a doorplate ----------------------------------------------------------
  async address(id, props) {
    const out = {kind: '门牌地址', title: props.full_text || '门牌', body: []};
    const r = await api('GET', `/api/v1/addresses/${id}/plates`);
    if (!r.ok) {
      out.body.push(attrs([['门牌号', props.door_number ? `${props.door_number}${props.door_suffix || ''}号` : '']]));
      out.body.push(el('p', {class: 'muted'}, r.status === 401 ? '登录后可查看门牌状态和二维码。' : errorText(r, '门牌信息暂不可用')));
      return out;
    }
    const a = r.data.address;
    out.title = a.full_text;
    out.body.push(attrs([['门牌号', a.door_number ? `${a.door_number}${a.door_suffix || ''}号` : ''], ['地址编码', a.code],
      ['罗马字母拼写', a.pinyin], ['状态', ADDRESS_LIFECYCLE[a.lifecycle] || a.lifecycle, 'lifecycle'], ['启用', a.valid_from]]));
    for (const p of r.data.plates) {
      out.body.push(section('门牌', el('p', {}, el('span', {class: p.status === 'active' ? 'badge ok' : 'badge'}, PLATE_STATUS[p.status] || p.status),
        ' ', el('small', {class: 'code muted'}, '码 ' + p.code)),
        p.status === 'active' ? el('img', {class: 'qr', src: `/api/v1/plates/${encodeURIComponent(p.public_id)}/qr.svg`, alt: '门牌二维码：' + p.url, width: 120, height: 120}) : null,
        el('p', {}, el('a', {href: p.url}, '打开扫码页面'))));
    }
    if (!r.data.plates.length) out.body.push(el('p', {class: 'muted'}, '此地址尚未制发门牌。'));
    return out;
  }
}
