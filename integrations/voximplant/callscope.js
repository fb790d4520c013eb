/*
 * callscope for Voximplant: the code both call scenarios share (routing, forwarding,
 * recording, call records). Put this scenario FIRST in the routing rule, then direct.js or
 * extension.js; VoxEngine runs the scenarios of one rule in one space, so they see each other.
 */

// ===== CALLSCOPE CONFIG: edit these lines =====
var CALLSCOPE_URL = 'https://callscope.example.com'; // your callscope server, no trailing path
var CALLSCOPE_SECRET = 'change-me'; // the server's CALLSCOPE_TELEPHONY_SECRET
var FALLBACK_NUMBER = '+15550000000'; // forward here when callscope does not answer ('' = none)
var CALLSCOPE_TIMEOUT = 4; // seconds to wait for callscope before using FALLBACK_NUMBER
// ===== END CALLSCOPE CONFIG =====

var callscopeActive = null; // the call of this session, for the Terminating flush

function callscopeBase() {
  return String(CALLSCOPE_URL).replace(/\/+$/, '');
}

// Voximplant passes PSTN numbers without the '+'; callscope speaks E.164.
function callscopeE164(number) {
  var raw = String(number || '').trim();
  var digits = raw.replace(/[\s().-]/g, '');
  if (/^[0-9]{8,15}$/.test(digits)) return '+' + digits;
  return digits || raw;
}

function callscopeRequest(path, options) {
  options.headers = { 'X-Callscope-Secret': CALLSCOPE_SECRET };
  if (options.postData) options.headers['Content-Type'] = 'application/json';
  options.timeout = CALLSCOPE_TIMEOUT;
  options.connectionTimeout = Math.min(CALLSCOPE_TIMEOUT, 6);
  try {
    return Net.httpRequestAsync(callscopeBase() + path, options).catch(function (err) {
      return { code: -1, text: '', error: String(err) };
    });
  } catch (err) {
    // Over the session's HTTP limits VoxEngine throws instead of resolving.
    return Promise.resolve({ code: 0, text: '', error: String(err) });
  }
}

function callscopeDelay(seconds) {
  return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); });
}

/* Asks callscope where to forward. Resolves to {agent} or {unknown: true}; never rejects, and
 * anything but a clear answer (timeout, 5xx, a bad secret) means forwarding to the fallback. */
function callscopeRoute(call) {
  var query = '?dialed_number=' + encodeURIComponent(call.dialed) +
    (call.caller ? '&caller=' + encodeURIComponent(call.caller) : '') +
    (call.ext ? '&ext=' + encodeURIComponent(call.ext) : '');
  return callscopeRequest('/v1/route' + query, { method: 'GET' }).then(function (res) {
    var agent = String(res.text || '').trim();
    if (res.code === 200 && /^\+?[0-9]{6,15}$/.test(agent)) return { agent: agent };
    if (res.code === 404) return { unknown: true };
    Logger.write('callscope: route answered ' + res.code + ', forwarding to the fallback number');
    return { agent: FALLBACK_NUMBER, fallback: true };
  });
}

/* Posts one call event; a transport error or 5xx is tried once more (ingestion is idempotent). */
function callscopePost(payload, attempts) {
  var options = { method: 'POST', postData: JSON.stringify(payload) };
  return callscopeRequest('/v1/calls/events', options).then(function (res) {
    var retry = res.code <= 0 || res.code >= 500;
    if (retry && attempts > 1) {
      return callscopeDelay(1).then(function () { return callscopePost(payload, attempts - 1); });
    }
    if (res.code < 200 || res.code >= 300) {
      Logger.write('callscope: event ' + payload.event + ' of ' + payload.call_id +
        ' not stored, HTTP ' + res.code);
    }
    return res.code;
  });
}

/* One inbound call and what callscope must hear about it. */
function CallscopeCall(inbound, destination, callerid) {
  this.inbound = inbound;
  this.outbound = null;
  this.callId = inbound.id();
  this.dialed = callscopeE164(destination);
  this.caller = callscopeE164(callerid);
  this.ext = null;
  this.agent = null;
  this.inboundAnswered = false;
  this.answeredAt = null;
  this.recordUrl = null;
  this.ended = false;
  this.finalEvent = null;
  this.finalStored = false;
  this.silent = false; // a number callscope does not know: nothing to report
  this.posted = {};
  this.gone = []; // legs that have already hung up
  callscopeActive = this;
  var self = this;
  inbound.addEventListener(CallEvents.Disconnected, function () { self.callerLeft(); });
}

CallscopeCall.prototype.payload = function (event, extra) {
  var body = { call_id: this.callId, event: event, at: new Date().toISOString(),
    dialed_number: this.dialed };
  if (this.caller) body.caller = this.caller;
  if (this.agent) body.agent_number = this.agent;
  if (this.ext) body.ext = this.ext;
  if (this.recordUrl) body.record_url = this.recordUrl;
  for (var key in extra) {
    if (extra[key] !== null && extra[key] !== undefined) body[key] = extra[key];
  }
  return body;
};

CallscopeCall.prototype.post = function (event, extra) {
  this.posted[event] = true;
  return callscopePost(this.payload(event, extra || {}), 2);
};

/* Routes the call (with the extension the caller typed, if any) and forwards it. */
CallscopeCall.prototype.route = function (ext) {
  var self = this;
  this.ext = ext || null;
  return callscopeRoute(this).then(function (route) {
    if (self.ended) return; // the caller hung up while we were asking
    if (route.unknown) return self.reject();
    if (!route.agent) {
      Logger.write('callscope: no answer and no FALLBACK_NUMBER set, rejecting ' + self.callId);
      return self.reject();
    }
    self.forward(route.agent);
  });
};

CallscopeCall.prototype.reject = function () {
  this.silent = true;
  this.ended = true;
  this.hangUpRest();
  VoxEngine.terminate();
};

/* Ends the legs still up; an incoming call nobody answered is rejected, not hung up. */
CallscopeCall.prototype.hangUpRest = function () {
  var gone = this.gone;
  if (this.outbound && gone.indexOf(this.outbound) < 0) this.outbound.hangup();
  if (gone.indexOf(this.inbound) >= 0) return;
  if (this.inboundAnswered) this.inbound.hangup(); else this.inbound.reject();
};

CallscopeCall.prototype.forward = function (agent) {
  var self = this;
  this.agent = agent;
  this.post('started');
  this.outbound = VoxEngine.callPSTN(agent, this.dialed);
  VoxEngine.easyProcess(this.inbound, this.outbound);
  // easyProcess ends the session on the first hang-up; we take over to report the call first.
  [this.inbound, this.outbound].forEach(function (call) {
    call.removeEventListener(CallEvents.Disconnected);
    call.removeEventListener(CallEvents.Failed);
  });
  this.inbound.addEventListener(CallEvents.Disconnected, function () { self.callerLeft(); });
  var outbound = this.outbound;
  this.outbound.addEventListener(CallEvents.Connected, function () { self.agentAnswered(); });
  this.outbound.addEventListener(CallEvents.RecordStarted, function (e) {
    self.recordUrl = e.url;
  });
  this.outbound.addEventListener(CallEvents.Failed, function (e) {
    self.gone.push(outbound);
    self.finish('failed', { failure_code: String(e.code), failure_reason: e.reason });
  });
  this.outbound.addEventListener(CallEvents.Disconnected, function (e) {
    self.gone.push(outbound);
    var known = typeof e.duration === 'number' && e.duration >= 0;
    self.finish('completed', { duration: known ? Math.round(e.duration) : self.talkSeconds() });
  });
};

CallscopeCall.prototype.agentAnswered = function () {
  this.inboundAnswered = true;
  this.answeredAt = Date.now();
  this.outbound.record();
  this.post('answered');
};

CallscopeCall.prototype.talkSeconds = function () {
  return this.answeredAt ? Math.round((Date.now() - this.answeredAt) / 1000) : 0;
};

/* The caller hung up: talk time if the agent had answered, else a missed call. */
CallscopeCall.prototype.callerLeft = function () {
  this.gone.push(this.inbound);
  this.finish('completed', { duration: this.talkSeconds() });
};

/* Reports the end of the call once, hangs up what is left, then ends the session. */
CallscopeCall.prototype.finish = function (event, extra) {
  if (this.ended) return;
  var self = this;
  this.ended = true;
  this.finalEvent = this.payload(event, extra);
  this.hangUpRest();
  var started = this.posted.started ? Promise.resolve(0) : this.post('started');
  started.then(function () {
    return callscopePost(self.finalEvent, 2);
  }).then(function (code) {
    self.finalStored = code >= 200 && code < 300;
    VoxEngine.terminate();
  });
};

// The session may end before we report (platform limits, an error): one last request is allowed.
VoxEngine.addEventListener(AppEvents.Terminating, function () {
  var call = callscopeActive;
  if (!call || call.silent || call.finalStored) return;
  var last = call.finalEvent || call.payload('completed', { duration: call.talkSeconds() });
  callscopeRequest('/v1/calls/events', { method: 'POST', postData: JSON.stringify(last) });
});
