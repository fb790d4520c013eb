/* callscope snippet: gives each visitor a tracking number and swaps the site's numbers for it.
   Readable source; callscope.web.minify strips comments and spaces before /snippet.js serves it.
   ES2017 (every browser with fetch and AbortController): no build step, no globals but
   window.callscope. */
(function (w, d) {
  'use strict';
  if (w.callscope) return;
  var me = d.currentScript || d.querySelector('script[data-site][src*="snippet"]');
  var site = me && me.getAttribute('data-site');
  // Crawlers would burn pool numbers; headless browsers (tests, previews) are not crawlers.
  var BOT = /bot\b|crawl|spider|slurp|facebookexternalhit|bingpreview|mediapartners|lighthouse/i;
  if (!site || BOT.test(navigator.userAgent) || !w.fetch || !w.AbortController) return;

  var TIMEOUT = 2000;
  var CLICK = /^(gclid|gbraid|wbraid|yclid|msclkid|fbclid|utm_\w+)$/;
  var SEPARATORS = /^[\s.()\u2010-\u2015-]*$/;
  var SKIP = /^(SCRIPT|STYLE|TEXTAREA|INPUT|SELECT|OPTION|NOSCRIPT|TEMPLATE)$/;
  var INLINE = /^(A|ABBR|B|BDI|BDO|BIG|CITE|CODE|DATA|DFN|EM|FONT|I|KBD|LABEL|MARK|NOBR|Q|S|SAMP|SMALL|SPAN|STRONG|SUB|SUP|TIME|TT|U|VAR)$/;
  var EXCLUDED = '[data-callscope-exclude],[data-callscope-ext]';
  // Country codes of two digits (1 and 7 are the only one-digit ones; the rest have three).
  var CC2 = ' 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 ';

  function attr(name, fallback) {
    var value = me.getAttribute('data-' + name);
    return value === null ? fallback : value;
  }
  var base = (attr('api', '') || new URL(me.src, location.href).origin).replace(/\/+$/, '');
  var windowDays = +attr('window-days', '') || 30;
  var beatMs = (+attr('heartbeat-seconds', '') || 60) * 1000;
  var extLabel = attr('ext-label', 'ext.');
  var VISIT = 'callscope_v_' + site;
  var FIRST = 'callscope_ft_' + site;
  var QUEUE = 'callscope_q_' + site;  // page views the next heartbeat carries

  /* ---- storage: first-party localStorage, a cookie when that is unavailable ---- */
  // Nothing is written before the server says the site needs no consent, or the visitor gave
  // it (window.callscope.consent(true)); until then what would be stored is held in memory.
  var held = {};
  var needs = me.hasAttribute('data-consent');
  var known = false;
  var consent = load('callscope_consent');
  var mayStore = () => consent === true || (known && !needs);
  function load(key) {
    if (key in held) return held[key][0];
    try {
      var raw = null;
      try { raw = localStorage.getItem(key); } catch (e) {}
      if (raw === null) {
        raw = (d.cookie.match('(?:^|; )' + key + '=([^;]*)') || [])[1];
        raw = raw ? decodeURIComponent(raw) : null;
      }
      return JSON.parse(raw);
    } catch (e) {
      return null;
    }
  }
  function save(key, value, days) {
    if (!mayStore()) return void (held[key] = [value, days]);
    var raw = JSON.stringify(value);
    try {
      localStorage.setItem(key, raw);
    } catch (e) {
      try {
        d.cookie = key + '=' + encodeURIComponent(raw) + ';path=/;max-age=' + Math.round(days * 86400) + ';samesite=lax';
      } catch (e2) {}
    }
  }

  function flush() {
    if (!mayStore()) return;
    var waiting = held;
    held = {};
    Object.keys(waiting).forEach((key) => save(key, waiting[key][0], waiting[key][1]));
  }
  function forget() {
    held = {};
    [VISIT, FIRST, QUEUE, 'callscope_id', 'callscope_consent'].forEach((key) => {
      try { localStorage.removeItem(key); } catch (e) {}
      try { d.cookie = key + '=;path=/;max-age=0'; } catch (e) {}
    });
  }

  /* ---- the API: every failure resolves to null or {status}, never throws ---- */
  // `keep`: the request outlives the page (a form that navigates away).
  function post(path, body, keep) {
    var ctl = new AbortController();
    var timer = setTimeout(() => ctl.abort(), TIMEOUT);
    return fetch(base + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      keepalive: !!keep,
      signal: ctl.signal
    }).then((res) => res.ok ? res.json() : { status: res.status }).then(null, () => null).then((data) => {
      clearTimeout(timer);
      return data;
    });
  }

  /* ---- number forms: the digit strings a number may be written as ---- */
  // Index = written form: 0 "00"+international, 1 international, 2 trunk prefix + national, 3 national.
  function forms(e164) {
    var digits = String(e164).replace(/\D/g, '');
    var first = digits.charAt(0);
    var cc = first === '1' || first === '7' ? first
      : CC2.indexOf(' ' + digits.slice(0, 2) + ' ') >= 0 ? digits.slice(0, 2) : digits.slice(0, 3);
    var national = digits.slice(cc.length);
    var trunk = cc === '7' ? '8' : cc === '1' ? '1' : '0';
    var list = ['00' + digits, digits, trunk + national, national];
    list.cc = cc;
    return list;
  }
  // Writes new digits over the digits of `template`, keeping its spaces, dots, dashes and brackets.
  function pour(template, digits) {
    var i = 0;
    var out = template.replace(/\d/g, () => digits.charAt(i++));
    return i === digits.length ? out : null;
  }

  /* ---- state ---- */
  var visit = null;      // {id, n: number, d: display, x: ext, e: expires ms, r: replace list, s: click signature}
  var shown = [];        // numbers this page showed before the current one (a lease lost and replaced)
  var patterns = [];     // [{s: digit string, f: form index, c: country code}], longest first
  var observer = null;
  var lastBeat = 0;
  var beating = false;
  var api = w.callscope = {
    swap: (root) => visit && visit.n && swap(root || d.body),
    // The visitor's choice on a site that needs consent: ids are stored from true on; false
    // removes what was stored. Numbers are swapped per channel either way.
    consent: (yes) => {
      consent = !!yes;
      if (!yes) return forget();
      save('callscope_consent', true, 365);
      visitorId();
      flush();
    }
  };

  function buildPatterns() {
    patterns = [];
    visit.r.concat(shown).forEach((number) => {
      var list = forms(number);
      // Too short a digit string would match dates and prices, not a phone number.
      list.forEach((s, f) => s.length > 5 && patterns.push({ s: s, f: f, c: list.cc }));
    });
    patterns.sort((a, b) => b.s.length - a.s.length);
  }
  // The new number's digits in the old one's form, when both are of one country and length.
  function freshDigits(pattern) {
    var fresh = forms(visit.n);
    var digits = fresh[pattern.f];
    return fresh.cc === pattern.c && digits.length === pattern.s.length ? digits : null;
  }
  function fallback(pattern, link) {
    return link || pattern.f < 2 ? visit.n : visit.d || visit.n;
  }

  /* ---- swapping text: numbers may be split across inline elements, so text is read per block ---- */
  function swap(root) {
    if (!root || !patterns.length) return;
    var el = root.nodeType === 1 ? root : root.parentNode;
    if (!el || !el.closest || el.closest(EXCLUDED) || SKIP.test(el.tagName) || el.isContentEditable) return;
    swapLinks(el);
    var walker = d.createTreeWalker(el, 5, { acceptNode: (node) => node.nodeType === 3 ? 1
      : SKIP.test(node.tagName) || node.matches(EXCLUDED) || node.isContentEditable ? 2 : 1 });
    var groups = [];
    var group = null;
    for (var node; (node = walker.nextNode());) {
      if (node.nodeType === 1) {
        if (!INLINE.test(node.tagName)) group = null;
        continue;
      }
      var block = blockOf(node);
      if (!group || group.block !== block) groups.push(group = { block: block, nodes: [] });
      group.nodes.push(node);
    }
    groups.forEach((g) => swapGroup(g.nodes));
  }
  function blockOf(node) {
    var el = node.parentNode;
    while (el.parentNode && el.parentNode.nodeType === 1 && INLINE.test(el.tagName)) el = el.parentNode;
    return el;
  }
  var isDigit = (c) => c >= '0' && c <= '9';

  function swapGroup(nodes) {
    var text = nodes.map((n) => n.data).join('');
    if (!/\d{3}/.test(text)) return;
    var chars = text.split('');
    var digits = '';
    var at = [];
    for (var i = 0; i < text.length; i++) if (isDigit(text.charAt(i))) { digits += text.charAt(i); at.push(i); }
    var ends = [];
    for (var k = 0; k < digits.length; k++) {
      if (at[k] > 0 && isDigit(text.charAt(at[k] - 1))) continue;
      var hit = matchAt(text, digits, at, k);
      if (!hit) continue;
      var first = at[k];
      var last = at[k + hit.s.length - 1];
      var fresh = freshDigits(hit);
      if (fresh) {
        // Digit for digit, so separators and any markup between the parts stay as they were.
        for (var j = 0; j < fresh.length; j++) chars[at[k + j]] = fresh.charAt(j);
      } else {
        // Another country's number is written whole, replacing the old prefix too.
        if (/[+(]/.test(chars[first - 1])) chars[first - 1] = '';
        chars[first] = fallback(hit);
        for (j = first + 1; j <= last; j++) chars[j] = '';
      }
      ends.push(last);
      k += hit.s.length - 1;
    }
    if (ends.length) write(nodes, chars, ends);
  }
  function matchAt(text, digits, at, k) {
    for (var p = 0; p < patterns.length; p++) {
      var s = patterns[p].s;
      if (digits.substr(k, s.length) !== s) continue;
      var last = at[k + s.length - 1];
      if (isDigit(text.charAt(last + 1))) continue;
      if (SEPARATORS.test(text.slice(at[k], last + 1).replace(/\d/g, ''))) return patterns[p];
    }
    return null;
  }
  // Puts the rewritten characters back into their text nodes, then the extension after each number.
  function write(nodes, chars, ends) {
    var start = 0;
    var marks = [];
    nodes.forEach((node) => {
      var len = node.data.length;
      var fresh = chars.slice(start, start + len).join('');
      ends.forEach((end) => {
        if (end >= start && end < start + len) {
          marks.push({ node: node, offset: chars.slice(start, end + 1).join('').length });
        }
      });
      if (fresh !== node.data) node.data = fresh;
      start += len;
    });
    if (visit.x) marks.reverse().forEach((m) => addExt(m.node, m.offset));
  }
  function addExt(node, offset) {
    var after = offset < node.data.length ? node.splitText(offset) : node.nextSibling;
    if (after && after.nodeType === 1 && after.hasAttribute('data-callscope-ext')) return;
    var span = d.createElement('span');
    span.setAttribute('data-callscope-ext', '');
    span.textContent = ' ' + extLabel + ' ' + visit.x;
    node.parentNode.insertBefore(span, after);
  }

  /* ---- tel: links ---- */
  function swapLinks(el) {
    var links = [...el.querySelectorAll('a[href]')];
    if (el.tagName === 'A') links.push(el);
    links.forEach((a) => {
      var m = /^(tel:)([^;,]*)/i.exec(a.getAttribute('href') || '');
      if (!m || a.closest(EXCLUDED)) return;
      var written = decodeURIComponent(m[2]);
      var digits = written.replace(/\D/g, '');
      for (var p = 0; p < patterns.length; p++) {
        if (patterns[p].s !== digits) continue;
        var href = m[1] + encodeURI(pour(written, freshDigits(patterns[p]) || '') || fallback(patterns[p], 1)) + (visit.x ? ',' + visit.x : '');
        if (href !== a.getAttribute('href')) a.setAttribute('href', href);
        return;
      }
    });
  }

  /* ---- applying a number to the page, now and for content added later ---- */
  function whenReady(fn) {
    if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', fn);
    else fn();
  }
  function apply(previous) {
    if (!visit || !visit.n) return reveal();
    if (previous) {
      // The old number becomes one to replace; its extension labels go and are written afresh.
      shown.push(previous);
      d.querySelectorAll('[data-callscope-ext]').forEach((s) => s.remove());
    }
    buildPatterns();
    api.visitId = visit.id;
    api.number = visit.n;
    api.ext = visit.x;
    observe();
    whenReady(() => {
      guarded(() => swap(d.body));
      reveal();
      try {
        d.dispatchEvent(new CustomEvent('callscope:number', { detail: { number: visit.n, ext: visit.x } }));
      } catch (e) {}
    });
  }
  function observe() {
    if (observer || !w.MutationObserver) return;
    observer = new MutationObserver((records) => guarded(() => records.forEach((r) => {
      if (r.type === 'childList') r.addedNodes.forEach(swap);
      else swap(r.target);
    })));
    observer.observe(d.documentElement, {
      childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['href']
    });
  }
  // Runs a DOM change without seeing our own mutations, and never lets an error reach the page.
  function guarded(fn) {
    try { fn(); } catch (e) {}
    if (observer) observer.takeRecords();
  }

  /* ---- anti-flicker: hide numbers until swapped, for at most a second ---- */
  var hider = null;
  if (me.hasAttribute('data-anti-flicker')) {
    hider = d.createElement('style');
    hider.textContent = (attr('anti-flicker', '') || 'a[href^="tel:"],[data-callscope-number]') + '{visibility:hidden!important}';
    (d.head || d.documentElement).appendChild(hider);
    setTimeout(reveal, 1000);
  }
  function reveal() {
    if (hider) hider.remove();
    hider = null;
  }

  /* ---- visits and heartbeats ---- */
  function clickSignature() {
    var pairs = [];
    new URL(location.href).searchParams.forEach((v, k) => CLICK.test(k) && pairs.push(k + '=' + v));
    return pairs.sort().join('&');
  }
  function gaClientId() {
    try {
      var m = /(?:^|; )_ga=GA\d\.\d+\.(\d+\.\d+)/.exec(d.cookie);
      return m ? m[1] : undefined;
    } catch (e) {
      return undefined;
    }
  }
  var newId = () => Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  function visitorId() {
    var id = load('callscope_id') || newId();
    save('callscope_id', id, 365);
    return id;
  }
  // First touch: kept for `window-days`; a new paid click replaces it.
  function firstTouch(signature) {
    var ft = load(FIRST);
    var now = Date.now();
    if (!ft || !ft.t || now - ft.t > windowDays * 864e5 || (signature && signature !== ft.s)) {
      ft = { landing_url: location.href, referrer: d.referrer, t: now, s: signature };
      save(FIRST, ft, windowDays);
    }
    return ft;
  }
  function remember(data, signature) {
    visit = {
      id: data.visit_id, n: data.number, d: data.display_number, x: data.ext,
      e: Date.parse(data.expires_at) || 0, r: data.replace || [], s: signature
    };
    save(VISIT, visit, 1);
  }
  function start(signature, ft) {
    post('/v1/visits', {
      site_key: site,
      landing_url: location.href,
      referrer: d.referrer,
      visitor_id: needs && !consent ? undefined : visitorId(),
      title: d.title.slice(0, 300),
      first_touch: { landing_url: ft.landing_url, referrer: ft.referrer },
      ga_client_id: gaClientId()
    }).then((data) => {
      var previous = visit && visit.n;
      if (data && data.visit_id) {
        known = true;
        needs = needs || !!data.consent_required;
        flush();
        remember(data, signature);
        apply(previous);
        schedule();
      } else {
        reveal();
      }
    });
  }
  function beat() {
    if (beating) return;
    beating = true;
    lastBeat = Date.now();
    var sent = load(QUEUE) || [];
    var path = '/v1/visits/' + encodeURIComponent(visit.id) + '/heartbeat';
    post(path, { pages: sent }, d.visibilityState !== 'visible').then((data) => {
      beating = false;
      if (data && (data.status === 404 || data.status === 410)) return start(visit.s, firstTouch(''));
      if (!data || data.status) return;
      if (sent.length) save(QUEUE, (load(QUEUE) || []).slice(sent.length), 1);
      var previous = visit.n;
      var previousExt = visit.x;
      visit.e = Date.parse(data.expires_at) || visit.e;
      if ('number' in data) {
        visit.n = data.number;
        visit.d = data.display_number;
        visit.x = data.ext;
      }
      save(VISIT, visit, 1);
      if (visit.n !== previous || visit.x !== previousExt) apply(previous);
    });
  }
  var scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setInterval(() => d.visibilityState === 'visible' && beat(), beatMs);
    d.addEventListener('visibilitychange', () => {
      // Leaving the page sends what the queue holds; coming back extends a lease gone stale.
      if (d.visibilityState === 'visible' ? Date.now() - lastBeat >= beatMs : (load(QUEUE) || []).length) beat();
    });
  }

  /* ---- the journey: page views ride on heartbeats ---- */
  // The address without its fragment and without query parameters but utm_* and click ids.
  function pageUrl() {
    var url = new URL(location.href);
    var kept = new URLSearchParams();
    url.searchParams.forEach((v, k) => CLICK.test(k) && kept.append(k, v));
    kept = kept.toString();
    return url.origin + url.pathname + (kept ? '?' + kept : '');
  }
  var lastPage = pageUrl();
  function notePage() {
    var q = load(QUEUE) || [];
    lastPage = pageUrl();
    if (q.length < 20) q.push({ url: lastPage, title: d.title.slice(0, 300), at: new Date().toISOString() });
    save(QUEUE, q, 1);
  }
  // A single-page app changes its address through the history API: each new path is a page.
  function routed() {
    setTimeout(() => pageUrl() !== lastPage && notePage(), 50);
  }
  ['pushState', 'replaceState'].forEach((name) => {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments);
      routed();
      return result;
    };
  });
  w.addEventListener('popstate', routed);

  /* ---- forms (data-forms="CSS selector", all forms when empty): a submission becomes a lead.
     Passwords, hidden and file fields, card-like names and values are never read or sent. ---- */
  var formsOf = me.hasAttribute('data-forms') && (attr('forms', '') || 'form');
  var SECRET = /pass|pwd|secret|token|csrf|otp|card|cc\W?(num|exp|csc)|cvv|cvc|csc|iban|ssn|(^|[\W_])pin([\W_]|$)/i;
  var NOT_SENT = /^(password|hidden|file|submit|button|reset|image)$/;
  function formFields(form, trap) {
    var out = { fields: {} };
    [...form.elements].forEach((el) => {
      var name = el.name;
      var type = (el.type || '').toLowerCase();
      var value = String(el.value || '').slice(0, 2000);
      if (!name || el.disabled || NOT_SENT.test(type) || ((type === 'checkbox' || type === 'radio') && !el.checked)) return;
      if (name === trap) return (out.honeypot = value.slice(0, 200) || undefined);
      if (SECRET.test(name) || /cc-|password|one-time/.test(el.autocomplete || '')) return;
      if (/^[\d\s-]{12,23}$/.test(value) && value.replace(/\D/g, '').length > 12) return;
      if (Object.keys(out.fields).length < 50) out.fields[name.slice(0, 64)] = value;
    });
    return out;
  }
  if (formsOf) d.addEventListener('submit', (e) => {
    try {
      var form = e.target;
      if (!form.matches(formsOf) || form.closest('[data-callscope-exclude]')) return;
      var got = formFields(form, attr('honeypot', 'cs_hp'));
      post('/v1/forms', {
        site_key: site,
        visit_id: visit && visit.id,
        form_id: (form.id || form.getAttribute('name') || '').slice(0, 100) || undefined,
        submission_id: newId(),
        fields: got.fields,
        honeypot: got.honeypot
      }, 1);
    } catch (err) {}
  }, true);

  try {
    var signature = clickSignature();
    var ft = firstTouch(signature);
    var stored = load(VISIT);
    if (stored && stored.id && stored.e > Date.now() && (!signature || signature === stored.s)) {
      // Another page of a live visit: same number straight away, and the lease is extended.
      visit = stored;
      apply();
      schedule();
      whenReady(() => {
        notePage();  // with its title, which the document may not have had a moment ago
        if (d.visibilityState === 'visible') beat();
      });
    } else {
      start(signature, ft);
    }
  } catch (e) {
    reveal();
  }
})(window, document);
