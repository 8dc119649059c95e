// search.js: the map's place search, an accessible combobox. Suggestions
// come from /api/v1/places/autocomplete as the user types (debounced);
// arrow keys move through them, Enter opens one, Esc closes the list.
// Enter before any suggestion asks the full search (/api/v1/places).
import {api, errorText} from './api.js';

const DEBOUNCE_MS = 180;

// hitTitle is what a result is called: the name in use now, with the old
// or historical name that found it.
export function hitTitle(h) {
  if (h.old_name) return {name: h.name, note: `旧名“${h.old_name.name}”${h.old_name.valid_to ? '（' + h.old_name.valid_to.slice(0, 4) + ' 年止）' : ''}`};
  if (h.current) return {name: h.current.name, note: `历史地名“${h.name}”`};
  return {name: h.name, note: ''};
}

// hitWhere tells equal names apart: category and the divisions around it.
export function hitWhere(h) {
  const chain = (h.chain || []).map((c) => c.name).join(' › ');
  return [h.category_name, chain].filter(Boolean).join(' · ');
}

// createSearch wires the form; onPick(hit) is called with the chosen hit.
export function createSearch({form, input, list, status, onPick}) {
  let items = [];
  let active = -1;
  let timer = 0;
  let seq = 0;

  const open = (on) => {
    list.hidden = !on;
    input.setAttribute('aria-expanded', on ? 'true' : 'false');
    if (!on) input.removeAttribute('aria-activedescendant');
  };
  const note = (text) => {
    const li = document.createElement('li');
    li.className = 'note';
    li.setAttribute('role', 'presentation');
    li.textContent = text;
    list.replaceChildren(li);
    status.textContent = text;
    open(true);
  };
  const setActive = (i) => {
    active = i;
    for (const [j, li] of [...list.querySelectorAll('[role=option]')].entries()) {
      li.setAttribute('aria-selected', j === i ? 'true' : 'false');
      if (j === i) {
        input.setAttribute('aria-activedescendant', li.id);
        li.scrollIntoView({block: 'nearest'});
      }
    }
  };
  const render = (q, hits) => {
    items = hits;
    active = -1;
    if (hits.length === 0) {
      note(`没有找到“${q}”。可以试试全拼、首字母或旧名。`);
      return;
    }
    list.replaceChildren(...hits.map((h, i) => {
      const li = document.createElement('li');
      li.id = 'search-opt-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.dataset.id = String(h.current ? h.current.id : h.id);
      const t = hitTitle(h);
      const name = document.createElement('strong');
      name.textContent = t.name;
      const rom = document.createElement('span');
      rom.className = 'rom';
      rom.lang = 'zh-Latn';
      rom.textContent = h.old_name || h.current ? (h.current ? h.current.romanization : h.romanization) : h.romanization;
      const where = document.createElement('span');
      where.className = 'where';
      where.textContent = [t.note, hitWhere(h)].filter(Boolean).join(' · ');
      li.append(name, ' ', rom, where);
      li.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus in the box
      li.addEventListener('click', () => pick(i));
      return li;
    }));
    status.textContent = `${hits.length} 条建议，用上下方向键选择`;
    open(true);
  };
  const ask = async (q, full) => {
    const mine = ++seq;
    let r;
    try {
      r = await api('GET', (full ? '/api/v1/places?limit=20&q=' : '/api/v1/places/autocomplete?limit=10&q=') + encodeURIComponent(q));
    } catch {
      if (mine === seq) note('网络错误，请稍后再试');
      return;
    }
    if (mine !== seq) return; // a newer query has been asked
    if (!r.ok) {
      note(errorText(r, '搜索失败'));
      return;
    }
    render(q, r.data.places);
  };
  const pick = (i) => {
    const h = items[i];
    if (!h) return;
    open(false);
    input.value = hitTitle(h).name;
    status.textContent = '已选择 ' + input.value;
    onPick(h);
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      seq++;
      items = [];
      open(false);
      return;
    }
    timer = setTimeout(() => ask(q, false), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    const n = items.length;
    if (e.key === 'ArrowDown' && n) {
      e.preventDefault();
      if (list.hidden) open(true);
      setActive((active + 1) % n);
    } else if (e.key === 'ArrowUp' && n) {
      e.preventDefault();
      setActive(active <= 0 ? n - 1 : active - 1);
    } else if (e.key === 'Escape') {
      if (!list.hidden) {
        e.preventDefault();
        open(false);
      }
    }
  });
  input.addEventListener('blur', () => setTimeout(() => open(false), 150));
  input.addEventListener('focus', () => { if (items.length && input.value.trim()) open(true); });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) return;
    if (!list.hidden && items.length) {
      pick(active >= 0 ? active : 0);
      return;
    }
    ask(q, true);
  });
}
