// form.js: server-rendered workspace forms that write through the JSON API.
//
//   <form data-api="/api/v1/applications/7/accept" data-method="POST"
//         data-next="/work/applications/{id}">
//     <input name="version" type="hidden" data-type="int" value="3">
//     <textarea name="note" required></textarea>
//     <p class="form-error" role="alert" hidden></p>
//   </form>
//
// Fields become a JSON object: data-type="int|float|bool|json|list" converts
// a value (list splits on commas and new lines), "a.b" names nest, empty
// optional fields are left out. On success the page goes to data-next
// ({field} filled from the answer) or reloads; a listener may cancel that by
// calling preventDefault() on the "api:success" event. A 422 answer puts each
// field's message beside its field; a 409 says someone else changed the
// record and offers a reload.
import {api, errorText} from './api.js';

export function formBody(form) {
  const body = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.type === 'submit' || el.type === 'button') continue;
    if ((el.type === 'radio') && !el.checked) continue;
    let v;
    if (el.type === 'checkbox' && !el.dataset.type) v = el.checked;
    else if (el.type === 'checkbox') { if (!el.checked) continue; v = el.value; }
    else if (el.multiple && el.selectedOptions) v = [...el.selectedOptions].map((o) => o.value);
    else v = el.value.trim();
    if (v === '' && !('keepEmpty' in el.dataset)) continue;
    v = convert(v, el.dataset.type);
    setPath(body, el.name, v, el.type === 'checkbox' && el.dataset.type === 'list');
  }
  return body;
}

function convert(v, type) {
  switch (type) {
    case 'int': return Number.parseInt(v, 10);
    case 'float': return Number.parseFloat(v);
    case 'bool': return v === true || v === 'true' || v === 'on';
    case 'json': return typeof v === 'string' ? JSON.parse(v) : v;
    case 'list': return typeof v === 'string' ? v.split(/[,，\n]/).map((s) => s.trim()).filter(Boolean) : v;
    default: return v;
  }
}

function setPath(obj, name, v, append) {
  const keys = name.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  const last = keys[keys.length - 1];
  if (append) (o[last] ??= []).push(...[].concat(v));
  else o[last] = v;
}

function fill(template, data) {
  return template.replace(/\{([\w.]+)\}/g, (_, k) => {
    const v = k.split('.').reduce((o, p) => (o == null ? undefined : o[p]), data);
    return v == null ? '' : encodeURIComponent(v);
  });
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const box = errorBox(form);
  box.hidden = true;
  box.replaceChildren();
}

function errorBox(form) {
  let box = form.querySelector('.form-error');
  if (!box) {
    box = document.createElement('p');
    box.className = 'form-error';
    box.setAttribute('role', 'alert');
    form.prepend(box);
  }
  return box;
}

// showErrors puts an API error into the form: the message on top and, for
// 422 answers, each field's message beside the field it concerns.
export function showErrors(form, r) {
  clearErrors(form);
  const box = errorBox(form);
  box.hidden = false;
  box.textContent = errorText(r);
  if (r.status === 401 && form.dataset.api !== '/api/v1/session') {
    const a = document.createElement('a');
    a.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
    a.textContent = ' 去登录';
    box.append(a);
  }
  if (r.status === 409) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = '重新载入';
    b.addEventListener('click', () => location.reload());
    box.append(' ', b);
  }
  const fields = (r.data && r.data.error && r.data.error.fields) || {};
  let first = null;
  for (const [name, msg] of Object.entries(fields)) {
    const el = form.querySelector(`[name="${CSS.escape(name)}"]`) || form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    const span = document.createElement('span');
    span.className = 'field-error';
    span.id = `err-${form.id || 'f'}-${name.replace(/\W/g, '_')}`;
    span.dataset.errorFor = name;
    span.textContent = msg;
    if (el) {
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-describedby', span.id);
      (el.closest('label') || el).after(span);
      first ??= el;
    } else {
      box.append(document.createElement('br'), `${name}：${msg}`);
    }
  }
  (first || box).focus?.();
}

// submitJSON sends the form to its API and handles the answer.
export async function submitJSON(form, extra = {}) {
  const method = (form.dataset.method || 'POST').toUpperCase();
  let body;
  try {
    body = {...formBody(form), ...extra};
  } catch (e) {
    showErrors(form, {status: 400, data: {error: {message: '字段格式有误：' + e.message}}});
    return null;
  }
  const buttons = form.querySelectorAll('button[type=submit]');
  buttons.forEach((b) => { b.disabled = true; });
  let r;
  try {
    r = await api(method, form.dataset.api, method === 'GET' || method === 'DELETE' && Object.keys(body).length === 0 ? undefined : body);
  } catch {
    r = {status: 0, ok: false, data: {error: {message: '网络错误，请检查网络后重试'}}};
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
  if (!r.ok) {
    showErrors(form, r);
    return r;
  }
  clearErrors(form);
  const ev = new CustomEvent('api:success', {detail: r, cancelable: true, bubbles: true});
  if (form.dispatchEvent(ev)) {
    const next = form.dataset.next;
    if (next) location.assign(fill(next, r.data || {}));
    else location.reload();
  }
  return r;
}

// enhanceForms wires every form[data-api] of the page.
export function enhanceForms(root = document) {
  for (const form of root.querySelectorAll('form[data-api]')) {
    if (form.dataset.enhanced) continue;
    form.dataset.enhanced = '1';
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
      submitJSON(form);
    });
  }
}
