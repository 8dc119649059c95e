// api.js: the one way the front end talks to diming's JSON API. Writes
// carry the session's CSRF token (from the page's meta tag, or from the
// sign-in answer); errors come back in the API's one shape,
// {error: {kind, message, fields, current}}.

export const session = {
  user: null,
  csrf: document.querySelector('meta[name="csrf-token"]')?.content || '',
};

// api sends one request and returns {status, ok, data}; it never throws for
// an HTTP error, only when the network fails.
export async function api(method, path, body) {
  const headers = {'Accept': 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  const res = await fetch(path, {method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body)});
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch { data = null; }
  }
  return {status: res.status, ok: res.ok, data};
}

// upload posts a file or form as it is (NDJSON, multipart) and returns
// {status, ok, data} like api; a failed network is an answer too, with
// status 0 and a message to show.
export async function upload(path, body, contentType) {
  const headers = {'Accept': 'application/json'};
  if (contentType) headers['Content-Type'] = contentType;
  if (session.csrf) headers['X-CSRF-Token'] = session.csrf;
  try {
    const res = await fetch(path, {method: 'POST', headers, credentials: 'same-origin', body});
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    return {status: res.status, ok: res.ok, data};
  } catch {
    return {status: 0, ok: false, data: {error: {message: '网络错误，请检查网络后重试'}}};
  }
}

const STATUS_TEXT = {
  400: '请求有误，请检查后重试',
  401: '请先登录',
  403: '你没有权限做这件事',
  404: '没有找到',
  409: '此记录已被他人修改，请重新载入后再试',
  413: '提交的内容太大',
  422: '有字段需要修改',
  429: '操作太频繁，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
};

// errorText is the message to show a person for a failed answer.
export function errorText(r, fallback) {
  return (r.data && r.data.error && r.data.error.message) || STATUS_TEXT[r.status] || fallback || '操作失败';
}

// restoreSession reads the signed-in user (and CSRF token) from the server.
export async function restoreSession() {
  try {
    const r = await api('GET', '/api/v1/session');
    if (r.ok) {
      session.user = r.data.user;
      session.csrf = r.data.csrf_token;
    } else {
      session.user = null;
    }
  } catch { session.user = null; }
  return session.user;
}

export async function signOut() {
  await api('DELETE', '/api/v1/session');
  session.user = null;
  session.csrf = '';
}

export function hasRole(user, role) {
  return !!user && (user.roles || []).some((r) => r === role || r === 'admin');
}
