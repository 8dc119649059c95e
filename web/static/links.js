// links.js: the 一址一码 pages' two forms that plain form.js cannot do: a
// kind's field schema (rows of fields, PUT to the kind's own URL) and the
// bulk NDJSON upload, whose all-or-nothing answer is listed by line.
import {errorText, upload} from './api.js';
import {showErrors, submitJSON} from './form.js';

const MAX_UPLOAD = 1 << 20; // the API's body limit

// kindForm wires the schema editor of a department's page.
function kindForm(form) {
  const rows = form.querySelector('.field-rows');
  const tpl = document.getElementById('field-row');
  const addRow = () => {
    const row = tpl.content.firstElementChild.cloneNode(true);
    const type = row.querySelector('[data-f=type]');
    const values = row.querySelector('label.values');
    type.addEventListener('change', () => { values.hidden = type.value !== 'enum'; });
    row.querySelector('[data-remove-field]').addEventListener('click', () => row.remove());
    rows.append(row);
    return row;
  };
  form.querySelector('[data-add-field]').addEventListener('click', () => addRow().querySelector('input').focus());
  addRow();
  // 修改 fills the form with a registered kind, to change and save again.
  for (const b of document.querySelectorAll('[data-edit-kind]')) {
    b.addEventListener('click', () => {
      const k = JSON.parse(b.dataset.editKind);
      form.querySelector('[data-kind-code]').value = k.kind;
      form.querySelector('[name=label]').value = k.label;
      form.querySelector('[name=grade]').value = k.grade;
      rows.replaceChildren();
      for (const f of k.fields || []) {
        const row = addRow();
        for (const el of row.querySelectorAll('[data-f]')) {
          const v = f[el.dataset.f];
          if (el.type === 'checkbox') el.checked = !!v;
          else if (el.dataset.f === 'values') el.value = (v || []).join(',');
          else el.value = v ?? '';
        }
        row.querySelector('[data-f=type]').dispatchEvent(new Event('change'));
      }
      if (!rows.children.length) addRow();
      form.scrollIntoView({block: 'start'});
      form.querySelector('[name=label]').focus();
    });
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const kind = form.querySelector('[data-kind-code]').value.trim();
    if (!kind) {
      showErrors(form, {status: 422, data: {error: {message: '有字段需要修改', fields: {kind: '请填写类别代码（如 check）'}}}});
      return;
    }
    const fields = [...rows.querySelectorAll('.field-row')].map((row, i) => {
      const f = {};
      for (const el of row.querySelectorAll('[data-f]')) {
        el.dataset.field = `fields[${i}].${el.dataset.f}`; // where the API's problems go
        if (el.type === 'checkbox') f[el.dataset.f] = el.checked;
        else if (el.dataset.f === 'values') {
          if (f.type === 'enum') f.values = el.value.split(/[,，、\n]/).map((s) => s.trim()).filter(Boolean);
        } else f[el.dataset.f] = el.value.trim();
      }
      return f;
    });
    form.dataset.api = `/api/v1/departments/${encodeURIComponent(form.dataset.department)}/kinds/${encodeURIComponent(kind)}`;
    submitJSON(form, {fields});
  });
}

// bulkForm uploads an NDJSON file and shows what the API answered: how
// many records were written, or every problem by line with nothing written.
function bulkForm(form) {
  const out = document.getElementById('bulk-result');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = form.querySelector('input[type=file]').files[0];
    out.replaceChildren();
    if (!file) return say(out, 'form-error', '请选择要上传的文件');
    if (file.size > MAX_UPLOAD) return say(out, 'form-error', `文件 ${(file.size / 1048576).toFixed(1)} MB，超过上限 1 MB，请分成几个文件上传`);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    let r;
    try {
      r = await upload('/api/v1/links/bulk', await file.text(), 'application/x-ndjson');
    } finally {
      button.disabled = false;
    }
    if (r.ok) {
      const p = say(out, 'bulk-ok', `已写入 ${r.data.written} 条记录（${file.name}）。`);
      if (document.querySelector('[data-address-code]')) {
        const a = document.createElement('a');
        a.href = location.href;
        a.textContent = '刷新本页查看';
        p.append(' ', a);
      }
      return;
    }
    say(out, 'form-error', errorText(r) + (r.status === 422 ? '' : '。未写入任何记录。'));
    const fields = (r.data && r.data.error && r.data.error.fields) || {};
    const problems = Object.entries(fields).map(([k, msg]) => {
      const [line, ...rest] = k.split('.');
      return {line: Number.parseInt(line, 10) || 0, field: rest.join('.') || '整行', msg};
    }).sort((a, b) => a.line - b.line || a.field.localeCompare(b.field));
    if (problems.length) out.append(problemTable(problems));
  });
}

function say(box, cls, text) {
  const p = document.createElement('p');
  p.className = cls;
  p.setAttribute('role', cls === 'form-error' ? 'alert' : 'status');
  p.textContent = text;
  box.append(p);
  return p;
}

function problemTable(problems) {
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  const t = document.createElement('table');
  t.className = 'stack bulk-problems';
  t.innerHTML = '<thead><tr><th scope="col">行</th><th scope="col">字段</th><th scope="col">问题</th></tr></thead><tbody></tbody>';
  for (const p of problems) {
    const tr = document.createElement('tr');
    for (const [label, text] of [['行', p.line ? `第 ${p.line} 行` : '—'], ['字段', p.field], ['问题', p.msg]]) {
      const td = document.createElement('td');
      td.dataset.label = label;
      td.textContent = text;
      tr.append(td);
    }
    t.tBodies[0].append(tr);
  }
  wrap.append(t);
  return wrap;
}

for (const f of document.querySelectorAll('form[data-kind-form]')) kindForm(f);
for (const f of document.querySelectorAll('form[data-bulk]')) bulkForm(f);
