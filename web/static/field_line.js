// field_line.js: the joint-inspection form of a line page. The per-marker
// checks are rows of inputs without names; on submit they become the
// request's "checks" array beside the form's own fields.
import {submitJSON} from './form.js';

const form = document.getElementById('inspection-form');
if (form) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const checks = [...form.querySelectorAll('.check[data-marker]')].map((row) => ({
      marker_id: Number(row.dataset.marker),
      number: row.dataset.number,
      status: row.querySelector('[data-check=status]').value,
      findings: row.querySelector('[data-check=findings]').value.trim(),
      remediation: row.querySelector('[data-check=remediation]').value.trim(),
    }));
    submitJSON(form, {checks});
  });
}
