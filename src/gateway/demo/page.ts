/**
 * The demo portal page served at `{base}/demo/` (issue #2): a hand-written app in the style of one
 * built on the SlaunchX web SDK. It does its own WebCrypto handshake (GET public-key, two random AES
 * keys, RSA-OAEP SHA-256 wrap, POST session), signs in with the demo account and refreshes, in binary
 * envelopes (read as arrayBuffer) or JSON {v,p} envelopes, over fetch or XMLHttpRequest — the paths
 * the extension's capture hooks must see. Embedded as strings so it works from src/ under tsx and
 * after any bundler; it deliberately imports nothing from src/protocol.
 *
 * The JS is ES2017 without template literals so it can sit inside String.raw here.
 */

export const DEMO_CSS = String.raw`
:root { --fg:#1d2330; --muted:#667085; --line:#e4e7ec; --accent:#2f6fed; --ok:#157f3c; --bad:#b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f7f8fa; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 12px 24px; display: flex; align-items: baseline; gap: 12px; }
header h1 { font-size: 18px; margin: 0; }
header small { color: var(--muted); }
main { max-width: 880px; margin: 24px auto; padding: 0 16px; display: grid; gap: 16px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; }
section h2 { font-size: 14px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 12px; }
label { display: grid; gap: 4px; font-size: 12px; color: var(--muted); }
input, select { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; color: var(--fg); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 12px; }
.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 12px; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
.check { display: flex; align-items: center; gap: 6px; font-size: 13px; color: var(--fg); }
#status { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; padding: 8px 10px; border-radius: 6px; background: #f2f4f7; }
#status.ok { color: var(--ok); } #status.bad { color: var(--bad); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; font-family: ui-monospace, Menlo, monospace; word-break: break-all; }
ol#log { margin: 0; padding-left: 32px; font-family: ui-monospace, Menlo, monospace; font-size: 12px; max-height: 220px; overflow: auto; }
`;

const DEMO_HTML_TEMPLATE = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyhole demo portal</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="demo.css">
</head>
<body>
<header><h1>Keyhole demo portal</h1><small>an SCv2 app on the reference gateway</small></header>
<main>
  <section>
    <h2>Sign in</h2>
    <form class="grid" id="signin" autocomplete="on">
      <label>Email <input id="email" data-testid="demo-email" value="__DEMO_EMAIL__" autocomplete="username"></label>
      <label>Password <input id="password" data-testid="demo-password" type="password" value="__DEMO_PASSWORD__" autocomplete="current-password"></label>
      <label>OTP <input id="otp" data-testid="demo-otp" value="__DEMO_OTP__" inputmode="numeric"></label>
      <label>Portal <select id="portal" data-testid="demo-portal"><option>system</option><option>tenant</option><option>consumer</option><option>partner</option></select></label>
      <label>Language <select id="locale" data-testid="demo-locale"><option>en</option><option>zh</option><option>zh-Hant</option><option>ja</option><option>vi</option></select></label>
      <label>Portal access code <input id="portal-code" data-testid="demo-portal-code" placeholder="(none)"></label>
    </form>
    <div class="row">
      <button class="primary" data-testid="demo-login" id="login">Sign in</button>
      <button data-testid="demo-refresh" id="refresh" disabled>Refresh</button>
      <button data-testid="demo-logout" id="logout" disabled>Sign out</button>
      <button data-testid="demo-close" id="close">Close secure channel</button>
    </div>
    <div class="row">
      <button data-testid="demo-mode" id="mode" data-mode="binary">Envelope: binary</button>
      <label class="check"><input type="checkbox" id="xhr" data-testid="demo-xhr"> use XHR</label>
    </div>
  </section>
  <section>
    <h2>Session</h2>
    <p id="status" data-testid="demo-status" data-code="">Ready.</p>
    <dl>
      <dt>Access token expires</dt><dd data-testid="demo-expiry" id="expiry" data-expires-at="">—</dd>
      <dt>Access token</dt><dd id="access" data-testid="demo-access">—</dd>
      <dt>Secure channel</dt><dd id="sc" data-testid="demo-sc">—</dd>
      <dt>Client hash</dt><dd id="hash" data-testid="demo-hash">—</dd>
    </dl>
  </section>
  <section>
    <h2>Requests</h2>
    <ol id="log" data-testid="demo-log"></ol>
  </section>
</main>
<script src="demo.js"></script>
</body>
</html>
`;

export const DEMO_JS = String.raw`(function () {
  'use strict';
  var BASE = location.pathname.replace(/\/demo\/(index\.html)?$/, '');
  var API = location.origin + BASE;
  var OTP_METHOD = 10011002;
  var enc = new TextEncoder();
  var dec = new TextDecoder();
  var el = function (id) { return document.getElementById(id); };

  var state = { sc: null, handshake: null, tokens: null, busy: false };
  try { state.tokens = JSON.parse(sessionStorage.getItem('keyhole-demo-tokens') || 'null'); } catch (e) { state.tokens = null; }

  // ---- small helpers ------------------------------------------------------------------------
  function b64(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function unb64(text) {
    var s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function concat(parts) {
    var n = 0, i;
    for (i = 0; i < parts.length; i++) n += parts[i].length;
    var out = new Uint8Array(n), off = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], off); off += parts[i].length; }
    return out;
  }
  function randomHex(n) {
    var b = crypto.getRandomValues(new Uint8Array(n)), s = '';
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
  }
  function clientHash() {
    var h = localStorage.getItem('keyhole-demo-client-hash');
    if (!h) { h = 'demo-' + randomHex(16); localStorage.setItem('keyhole-demo-client-hash', h); }
    return h;
  }
  function mode() { return localStorage.getItem('keyhole-demo-mode') === 'json' ? 'json' : 'binary'; }
  function portal() { return el('portal').value; }
  function authUrl(rest) { return API + '/web/v1/' + portal() + '/auth/' + rest; }

  // All gateway headers (spec §3), including the Cloudflare simulation of local environments.
  function headers(extra) {
    var locale = el('locale').value;
    var h = {
      'Content-Type': 'application/json;charset=UTF-8',
      'Accept': 'application/json',
      'X-Client-Hash': clientHash(),
      'Accept-Language': locale,
      'X-LOCALE': locale,
      'X-Request-Id': crypto.randomUUID(),
      'CF-Connecting-IP': '127.0.0.1',
      'Cf-Ray': randomHex(8) + '-DEV',
      'cf-ipcountry': 'US',
      'X-Forwarded-Proto': 'https'
    };
    var code = el('portal-code').value.trim();
    if (code) h['X-PORTAL-ACCESS-CODE'] = code;
    for (var k in extra || {}) h[k] = extra[k];
    return h;
  }

  function log(text) {
    var li = document.createElement('li');
    li.textContent = new Date().toLocaleTimeString() + '  ' + text;
    el('log').prepend(li);
  }
  function setStatus(text, code, ok) {
    var s = el('status');
    s.textContent = text;
    s.dataset.code = code || '';
    s.className = ok ? 'ok' : 'bad';
  }

  // ---- transport: fetch, or XHR with responseType arraybuffer ---------------------------------
  function send(url, method, hdrs, body, wantBinary) {
    if (el('xhr').checked) {
      return new Promise(function (resolve, reject) {
        var x = new XMLHttpRequest();
        x.open(method, url);
        x.responseType = wantBinary ? 'arraybuffer' : 'text';
        for (var k in hdrs) x.setRequestHeader(k, hdrs[k]);
        x.onload = function () {
          var bytes = wantBinary ? new Uint8Array(x.response) : enc.encode(x.responseText);
          resolve({ status: x.status, bytes: bytes });
        };
        x.onerror = function () { reject(new Error('network error')); };
        x.send(body === undefined ? null : body);
      });
    }
    return fetch(url, { method: method, headers: hdrs, body: body }).then(function (r) {
      if (wantBinary) return r.arrayBuffer().then(function (b) { return { status: r.status, bytes: new Uint8Array(b) }; });
      return r.text().then(function (t) { return { status: r.status, bytes: enc.encode(t) }; });
    });
  }

  // ---- secure channel (spec §5, §6, §10) -----------------------------------------------------
  async function handshake() {
    var pk = await fetch(API + '/web/v1/secure-channel/public-key', { headers: headers() }).then(function (r) { return r.json(); });
    if (!pk.success) throw Object.assign(new Error(pk.message), { code: pk.code });
    var pub = await crypto.subtle.importKey('spki', unb64(pk.data.publicKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
    var reqRaw = crypto.getRandomValues(new Uint8Array(32));
    var respRaw = crypto.getRandomValues(new Uint8Array(32));
    var encReq = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, pub, reqRaw));
    var encResp = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, pub, respRaw));
    var res = await fetch(API + '/web/v1/secure-channel/session', {
      method: 'POST', headers: headers(),
      body: JSON.stringify({ keyId: pk.data.keyId, encReqKey: b64(encReq), encRespKey: b64(encResp) })
    }).then(function (r) { return r.json(); });
    if (!res.success) throw Object.assign(new Error(res.message), { code: res.code });
    var sc = {
      sessionId: res.data.sessionId,
      expiresAt: res.data.expiresAt,
      reqKey: await crypto.subtle.importKey('raw', reqRaw, 'AES-GCM', false, ['encrypt']),
      respKey: await crypto.subtle.importKey('raw', respRaw, 'AES-GCM', false, ['decrypt'])
    };
    log('secure channel ' + sc.sessionId + ' (key ' + pk.data.keyId + ')');
    el('sc').textContent = sc.sessionId;
    return sc;
  }
  function session() {
    if (state.sc && state.sc.expiresAt - 60000 > Date.now()) return Promise.resolve(state.sc);
    // Concurrent callers share one in-flight handshake (§10).
    if (!state.handshake) {
      state.handshake = handshake().then(function (sc) { state.sc = sc; return sc; })
        .finally(function () { state.handshake = null; });
    }
    return state.handshake;
  }

  async function openResponse(sc, bytes) {
    var sealed = null;
    if (bytes.length >= 4 && bytes[0] === 0x53 && bytes[1] === 0x43) {
      sealed = bytes.subarray(4);
    } else {
      var env = JSON.parse(dec.decode(bytes));
      if (env && env.v === 2 && typeof env.p === 'string') sealed = unb64(env.p);
      else return { env: env, encrypted: false };
    }
    var pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.subarray(0, 12) }, sc.respKey, sealed.subarray(12));
    return { env: JSON.parse(dec.decode(new Uint8Array(pt))), encrypted: true };
  }

  async function scCall(url, payload, retried) {
    var sc = await session();
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv }, sc.reqKey, enc.encode(JSON.stringify(payload))));
    var binary = mode() === 'binary';
    var body = binary ? concat([new Uint8Array([0x53, 0x43, 0x02, 0x02]), iv, ct]) : JSON.stringify({ v: 2, p: b64(concat([iv, ct])) });
    var res = await send(url, 'POST', headers({ 'X-SC-Session-Id': sc.sessionId, 'X-SC-Version': '2' }), body, binary);
    var opened = await openResponse(sc, res.bytes);
    log('POST ' + url.replace(API, '') + ' → ' + res.status + ' ' + opened.env.code + (opened.encrypted ? ' (encrypted, ' + (binary ? 'binary' : 'json') + ')' : ' (plain)'));
    if (opened.env.code === 'SECURE_CHANNEL.SESSION_NOT_FOUND' && !retried) {
      state.sc = null;
      return scCall(url, payload, true);
    }
    return opened.env;
  }

  // ---- auth (spec §11) -------------------------------------------------------------------------
  function jwtExp(token) {
    try {
      var p = JSON.parse(dec.decode(unb64(token.split('.')[1])));
      return typeof p.exp === 'number' ? p.exp * 1000 : null;
    } catch (e) { return null; }
  }
  function setTokens(data) {
    if (!data) {
      state.tokens = null;
      sessionStorage.removeItem('keyhole-demo-tokens');
    } else {
      state.tokens = {
        accessToken: data.accessToken, refreshToken: data.refreshToken,
        expiresAt: jwtExp(data.accessToken) || Date.now() + data.expiresIn * 1000
      };
      sessionStorage.setItem('keyhole-demo-tokens', JSON.stringify(state.tokens));
    }
    render();
  }
  function render() {
    var t = state.tokens;
    el('refresh').disabled = !t || state.busy;
    el('logout').disabled = !t || state.busy;
    el('login').disabled = state.busy;
    el('access').textContent = t ? t.accessToken.slice(0, 16) + '…' + t.accessToken.slice(-6) : '—';
    el('expiry').dataset.expiresAt = t ? String(t.expiresAt) : '';
    tick();
    var m = mode();
    el('mode').dataset.mode = m;
    el('mode').textContent = 'Envelope: ' + (m === 'binary' ? 'binary' : 'JSON {v,p}');
    el('hash').textContent = clientHash();
  }
  function tick() {
    var t = state.tokens;
    if (!t) { el('expiry').textContent = '—'; return; }
    var left = Math.round((t.expiresAt - Date.now()) / 1000);
    el('expiry').textContent = new Date(t.expiresAt).toLocaleTimeString() + (left > 0 ? ' (in ' + left + ' s)' : ' (expired)');
  }

  function run(label, fn) {
    return async function () {
      if (state.busy) return;
      state.busy = true;
      render();
      try {
        var env = await fn();
        if (env) setStatus(label + ': ' + env.code + ' ' + env.message, env.code, env.success);
      } catch (e) {
        setStatus(label + ': ' + (e.code || 'ERROR') + ' ' + e.message, e.code || 'ERROR', false);
      } finally {
        state.busy = false;
        render();
      }
    };
  }

  el('login').addEventListener('click', run('login', async function () {
    var init = await scCall(authUrl('login/initiate'), { email: el('email').value, password: el('password').value });
    if (!init.success) return init;
    var done = await scCall(authUrl('login/complete'), { sessionId: init.data.sessionId, method: OTP_METHOD, code: el('otp').value });
    if (done.success) setTokens(done.data);
    return done;
  }));
  el('refresh').addEventListener('click', run('refresh', async function () {
    var env = await scCall(authUrl('token/refresh'), { refreshToken: state.tokens.refreshToken });
    if (env.success) setTokens(env.data);
    else if (env.code === 'AUTH.REFRESH_TOKEN_INVALID') setTokens(null);
    return env;
  }));
  el('logout').addEventListener('click', run('logout', async function () {
    var res = await send(authUrl('logout'), 'POST', headers({ Authorization: 'Bearer ' + state.tokens.accessToken }), undefined, false);
    var env = JSON.parse(dec.decode(res.bytes));
    log('POST /logout → ' + res.status + ' ' + env.code);
    if (env.success) setTokens(null);
    return env;
  }));
  el('close').addEventListener('click', run('close', async function () {
    if (!state.sc) return { code: 'NO_SESSION', message: 'no secure channel open', success: true };
    var res = await fetch(API + '/web/v1/secure-channel/session/close', { method: 'POST', headers: headers({ 'X-Secure-Channel-Session-Id': state.sc.sessionId }) });
    var env = await res.json();
    log('POST /session/close → ' + res.status + ' ' + env.code);
    state.sc = null;
    el('sc').textContent = '—';
    return env;
  }));
  el('mode').addEventListener('click', function () {
    localStorage.setItem('keyhole-demo-mode', mode() === 'binary' ? 'json' : 'binary');
    render();
  });
  el('signin').addEventListener('submit', function (e) { e.preventDefault(); el('login').click(); });
  el('xhr').checked = localStorage.getItem('keyhole-demo-xhr') === '1';
  el('xhr').addEventListener('change', function () { localStorage.setItem('keyhole-demo-xhr', el('xhr').checked ? '1' : '0'); });

  if (!window.crypto || !crypto.subtle) setStatus('WebCrypto needs a secure context: open this page on 127.0.0.1 or localhost.', 'NO_WEBCRYPTO', false);
  render();
  setInterval(tick, 1000);
})();
`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The page with the gateway's demo account prefilled. */
export function demoHtml(account: { email: string; password: string; otp: string }): string {
  return DEMO_HTML_TEMPLATE.replace('__DEMO_EMAIL__', escapeHtml(account.email))
    .replace('__DEMO_PASSWORD__', escapeHtml(account.password))
    .replace('__DEMO_OTP__', escapeHtml(account.otp));
}
