/*
 * callscope for Voximplant: the code both call scenarios share (routing by the call's plan,
 * the "press 1 to be connected" gate for suspected callers, the recording notice, forwarding to
 * each agent in turn, voicemail, recording, call records). Put this scenario FIRST in the routing
 * rule, then direct.js or extension.js; VoxEngine runs the scenarios of one rule in one space, so they see each other.
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

var CALLSCOPE_PHONE = /^\+?[0-9]{6,15}$/;
var CALLSCOPE_VOICEMAIL = { failure_code: 'no-answer', failure_reason: 'voicemail' };
// The gate for a suspected caller (anonymous, invalid caller id, too many calls), as on Twilio.
var CALLSCOPE_GATE_PROMPT = 'To be connected, press 1.';
var CALLSCOPE_GATE_SECONDS = 8; // after the prompt, like Twilio's <Gather timeout>
var CALLSCOPE_GATE_FAILED = { failure_code: 'gate', failure_reason: 'caller did not press 1' };

/* Asks callscope for the call's plan (GET /v1/route/plan). Resolves to {plan}, {unknown: true}
 * (404) or {blocked: true} (403, callscope stored the call as spam); never rejects, and anything
 * but a clear answer (timeout, 5xx, a bad secret) means forwarding to the fallback number. */
function callscopeRoute(call) {
  var query = '?dialed_number=' + encodeURIComponent(call.dialed) +
    (call.caller ? '&caller=' + encodeURIComponent(call.caller) : '') +
    (call.ext ? '&ext=' + encodeURIComponent(call.ext) : '') +
    '&call_id=' + encodeURIComponent(call.callId);
  return callscopeRequest('/v1/route/plan' + query, { method: 'GET' }).then(function (res) {
    var plan = res.code === 200 ? callscopePlan(res.text) : null;
    if (plan) return { plan: plan };
    if (res.code === 404) return { unknown: true };
    if (res.code === 403) return { blocked: true };
    Logger.write('callscope: route answered ' + res.code + ', forwarding to the fallback number');
    if (!FALLBACK_NUMBER) return {};
    return { plan: { steps: [{ number: FALLBACK_NUMBER, ring: 60 }], record: true }, fallback: true };
  });
}

/* The plan as this scenario follows it: the agents to call one after another (PSTN numbers;
 * targets ringing at once elsewhere ring in turn here), with the fallback number last, then
 * voicemail recorded here. null when the answer is not a plan. */
function callscopePlan(text) {
  var plan;
  try { plan = JSON.parse(text); } catch (err) { return null; }
  if (!plan || !Array.isArray(plan.targets)) return null;
  var rings = plan.target_ring_seconds || [];
  var steps = [];
  plan.targets.forEach(function (target, i) {
    if (CALLSCOPE_PHONE.test(target)) steps.push({ number: target, ring: rings[i] || 20 });
    else Logger.write('callscope: skipping a target that is not a phone number');
  });
  if (plan.fallback_number) steps.push({ number: plan.fallback_number, ring: 30 });
  var language = (plan.announcement && plan.announcement.language) || 'en-US';
  return { steps: steps, announcement: plan.announcement || null,
    voicemail: plan.voicemail || null, record: plan.record !== false,
    gate: plan.gate === true, language: language };
}

/* A voice speaking `language` ('en-US' -> the first of VoiceList.Amazon's en_US_* voices), or
 * undefined for the platform's default voice. */
function callscopeVoice(language) {
  var prefix = String(language || '').replace('-', '_') + '_';
  try {
    var voices = VoiceList.Amazon;
    var names = Object.keys(voices).filter(function (name) { return name.indexOf(prefix) === 0; });
    return names.length > 0 ? voices[names[0]] : undefined;
  } catch (err) {
    return undefined;
  }
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
  this.steps = []; // the agents still to call, in order
  this.voicemail = null; // {greeting, max_seconds} when a message is taken after nobody answers
  this.recordCalls = true;
  this.lastFailure = null;
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
    if (route.unknown || route.blocked) return self.reject();
    if (!route.plan) {
      Logger.write('callscope: no answer and no FALLBACK_NUMBER set, rejecting ' + self.callId);
      return self.reject();
    }
    if (route.plan.gate) self.gate(route.plan); else self.follow(route.plan);
  });
};

/* The "press 1 to be connected" gate: the caller hears the prompt and has CALLSCOPE_GATE_SECONDS
 * after it to press 1; then the plan goes on as without the gate. Any other key, or none, ends
 * the call, reported as failed (most likely a robot). */
CallscopeCall.prototype.gate = function (plan) {
  var self = this;
  var inbound = this.inbound;
  var settled = false;
  var timer = null;
  function settle(pressed) {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    inbound.removeEventListener(CallEvents.ToneReceived, toneReceived);
    inbound.removeEventListener(CallEvents.PlaybackFinished, promptSaid);
    if (self.ended) return; // the caller hung up meanwhile
    inbound.handleTones(false);
    inbound.stopPlayback();
    if (pressed) {
      self.follow(plan);
    } else {
      Logger.write('callscope: caller did not press 1, ending ' + self.callId);
      self.finish('failed', CALLSCOPE_GATE_FAILED);
    }
  }
  function toneReceived(e) { settle(e.tone === '1'); }
  function promptSaid() {
    inbound.removeEventListener(CallEvents.PlaybackFinished, promptSaid);
    if (settled || self.ended) return;
    timer = setTimeout(function () { settle(false); }, CALLSCOPE_GATE_SECONDS * 1000);
  }
  this.whenAnswered(function () {
    if (self.ended) return;
    inbound.addEventListener(CallEvents.ToneReceived, toneReceived);
    inbound.addEventListener(CallEvents.PlaybackFinished, promptSaid);
    inbound.handleTones(true);
    var voice = callscopeVoice(plan.language);
    inbound.say(CALLSCOPE_GATE_PROMPT, voice ? { voice: voice } : undefined);
  });
};

/* Plays the recording notice (if any), then calls the plan's agents in turn. */
CallscopeCall.prototype.follow = function (plan) {
  var self = this;
  this.steps = plan.steps.slice();
  this.voicemail = plan.voicemail;
  this.recordCalls = plan.record;
  var notice = plan.announcement;
  if (notice && (notice.text || notice.audio_url)) {
    this.whenAnswered(function () {
      self.playOnce(notice, function () { self.nextStep(); });
    });
  } else {
    this.nextStep();
  }
};

/* Answers the caller's leg (once) and runs `then` when it is connected. */
CallscopeCall.prototype.whenAnswered = function (then) {
  var self = this;
  if (this.inboundAnswered) return then();
  this.inbound.addEventListener(CallEvents.Connected, function answered() {
    self.inbound.removeEventListener(CallEvents.Connected, answered);
    self.inboundAnswered = true;
    then();
  });
  this.inbound.answer();
};

/* Says a text (or plays an audio URL) to the caller, then runs `then`. */
CallscopeCall.prototype.playOnce = function (what, then) {
  var self = this;
  var inbound = this.inbound;
  inbound.addEventListener(CallEvents.PlaybackFinished, function finished() {
    inbound.removeEventListener(CallEvents.PlaybackFinished, finished);
    if (!self.ended) then();
  });
  if (what.audio_url) inbound.startPlayback(what.audio_url);
  else inbound.say(what.text || what.greeting);
};

/* Calls the next agent; with none left, takes a message, or the call failed. */
CallscopeCall.prototype.nextStep = function () {
  if (this.ended) return;
  var step = this.steps.shift();
  if (step) return this.forward(step.number, step.ring);
  if (this.voicemail) return this.takeMessage();
  this.finish('failed', this.lastFailure ||
    { failure_code: '480', failure_reason: 'nobody to call' });
};

/* Nobody answered: the caller leaves a message, recorded on their own leg. */
CallscopeCall.prototype.takeMessage = function () {
  var self = this;
  var inbound = this.inbound;
  var mail = this.voicemail;
  this.voicemail = null;
  this.outbound = null;
  inbound.addEventListener(CallEvents.RecordStarted, function (e) { self.recordUrl = e.url; });
  this.whenAnswered(function () {
    self.playOnce(mail, function () {
      inbound.record();
      setTimeout(function () { self.finish('failed', CALLSCOPE_VOICEMAIL); },
        (mail.max_seconds || 120) * 1000);
    });
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

CallscopeCall.prototype.forward = function (agent, ringSeconds) {
  var self = this;
  this.agent = agent;
  if (!this.posted.started) this.post('started');
  this.outbound = VoxEngine.callPSTN(agent, this.dialed);
  VoxEngine.easyProcess(this.inbound, this.outbound);
  // easyProcess ends the session on the first hang-up; we take over to report the call first.
  [this.inbound, this.outbound].forEach(function (call) {
    call.removeEventListener(CallEvents.Disconnected);
    call.removeEventListener(CallEvents.Failed);
  });
  this.inbound.addEventListener(CallEvents.Disconnected, function () { self.callerLeft(); });
  var outbound = this.outbound;
  var connected = false;
  var skipped = false; // rang its ring seconds unanswered: we hung it up
  var settled = false; // this leg's end is handled (a leg may report Failed and Disconnected)
  var timer = ringSeconds ? setTimeout(function () {
    if (connected || self.ended || self.outbound !== outbound) return;
    skipped = true;
    self.lastFailure = { failure_code: 'no-answer', failure_reason: 'the agent did not answer' };
    outbound.hangup();
  }, ringSeconds * 1000) : null;
  this.outbound.addEventListener(CallEvents.Connected, function () {
    connected = true;
    clearTimeout(timer);
    self.agentAnswered();
  });
  this.outbound.addEventListener(CallEvents.RecordStarted, function (e) {
    self.recordUrl = e.url;
  });
  this.outbound.addEventListener(CallEvents.Failed, function (e) {
    clearTimeout(timer);
    if (settled) return;
    settled = true;
    self.gone.push(outbound);
    self.lastFailure = { failure_code: String(e.code), failure_reason: e.reason };
    if (self.steps.length > 0 || self.voicemail) return self.nextStep();
    self.finish('failed', self.lastFailure);
  });
  this.outbound.addEventListener(CallEvents.Disconnected, function (e) {
    clearTimeout(timer);
    if (settled) return;
    settled = true;
    self.gone.push(outbound);
    if (skipped) return self.nextStep();
    var known = typeof e.duration === 'number' && e.duration >= 0;
    self.finish('completed', { duration: known ? Math.round(e.duration) : self.talkSeconds() });
  });
};

CallscopeCall.prototype.agentAnswered = function () {
  this.inboundAnswered = true;
  this.answeredAt = Date.now();
  if (this.recordCalls) this.outbound.record();
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
