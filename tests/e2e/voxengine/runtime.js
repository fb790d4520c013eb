'use strict';
/*
 * One VoxEngine session: the globals a scenario sees (VoxEngine, Net, Logger, timers, Date),
 * real HTTP for Net.httpRequestAsync, and the terminate -> Terminating -> Terminated sequence.
 */

const { ScaledClock } = require('./clock');
const { SimCall } = require('./call');
const { AppEvents, CallEvents, Listeners } = require('./events');

const MAX_HTTP_TIMEOUT = 90; // seconds: VoxEngine's total request limit

// VoxEngine's transport codes (HttpRequestResult.code): -2 URL, -3 host, -4 connect, -7 timeout.
function transportCode(err) {
  if (err && err.name === 'TimeoutError') return -7;
  const code = err && err.cause && err.cause.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return -4;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return -3;
  const badUrl = err instanceof TypeError && /URL/.test(err.message);
  if (code === 'ERR_INVALID_URL' || badUrl) return -2;
  return -6;
}

function parseBody(raw) {
  if (raw === undefined) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

class Session {
  constructor(spec) {
    this.clock = new ScaledClock(spec.time_scale || 50);
    this.recordUrl = spec.record_url || null;
    this.log = [];
    this.errors = [];
    this.phase = 'running'; // -> draining (terminate called) -> terminating -> ended
    this.app = new Listeners((message) => this.error(message));
    this.pendingHttp = new Set();
    this.requestsWhileTerminating = 0;
    this.calls = [];
    this.timers = new Map();
    this.nextTimer = 1;
    this.onOutbound = () => {};
    this.finished = new Promise((resolve) => { this.resolveFinished = resolve; });
  }

  record(type, fields) {
    this.log.push({ t: this.clock.elapsed(), type, ...(fields || {}) });
  }

  error(message) {
    this.errors.push(message);
    this.record('error', { message });
  }

  /** Delivers a call event asynchronously, as VoxEngine does; none after terminate(). */
  deliver(fn) {
    setImmediate(() => {
      if (this.phase === 'running') fn();
    });
  }

  fireApp(event, fields) {
    this.record('app_event', { name: event });
    this.app.fire(event, { name: event, ...fields });
  }

  globals() {
    return {
      VoxEngine: {
        addEventListener: (event, handler) => this.app.add(event, handler),
        removeEventListener: (event, handler) => this.app.remove(event, handler),
        callPSTN: (number, callerid, parameters) => this.callPSTN(number, callerid, parameters),
        easyProcess: (call1, call2, onEstablished, direct) =>
          this.easyProcess(call1, call2, onEstablished, direct),
        sendMediaBetween: (a, b) => this.record('media_bridged', { calls: [a.id(), b.id()] }),
        terminate: () => { this.terminate('scenario'); },
      },
      AppEvents,
      CallEvents,
      Net: { httpRequestAsync: (url, options) => this.http(url, options) },
      Logger: { write: (message) => this.record('logger', { message: String(message) }) },
      VoiceList: { Amazon: { en_US_Joanna: 'Amazon.en_US_Joanna' } },
      setTimeout: (fn, ms) => this.setTimer(fn, ms),
      clearTimeout: (id) => this.clearTimer(id),
      Date: this.clock.dateClass(),
    };
  }

  setTimer(fn, ms) {
    if (this.phase === 'terminating' || this.phase === 'ended') {
      this.error('setTimeout after Terminating: timers no longer run then');
      return 0;
    }
    const id = this.nextTimer++;
    const handle = this.clock.after((ms || 0) / 1000, () => {
      this.timers.delete(id);
      try {
        fn();
      } catch (err) {
        this.error(`timer threw: ${err && err.stack ? err.stack : err}`);
      }
    });
    this.timers.set(id, handle);
    return id;
  }

  clearTimer(id) {
    if (!this.timers.has(id)) return;
    this.clock.cancel(this.timers.get(id));
    this.timers.delete(id);
  }

  callPSTN(number, callerid) {
    if (this.phase !== 'running') {
      this.error('callPSTN after terminate()');
    }
    const call = new SimCall(this, {
      id: `out-${this.calls.length}`, direction: 'outbound', number, callerid,
    });
    this.calls.push(call);
    this.record('call_pstn', { call: call.id(), number, callerid });
    this.onOutbound(call);
    return call;
  }

  /** The platform's easyProcess, as published in voximplant/easyprocess, minus video/messages. */
  easyProcess(call1, call2, onEstablished, direct) {
    this.record('easy_process', { calls: [call1.id(), call2.id()], direct: Boolean(direct) });
    const closeSession = () => { this.terminate('easyProcess default hang-up handler'); };
    call2.addEventListener(CallEvents.Connected, () => call1.answer());
    this.record('media_bridged', { calls: [call1.id(), call2.id()] });
    if (typeof onEstablished === 'function') {
      call1.addEventListener(CallEvents.Connected, () => onEstablished(call1, call2));
    }
    call2.addEventListener(CallEvents.Ringing, () => call1.ring());
    call2.addEventListener(CallEvents.AudioStarted, () => call1.startEarlyMedia());
    for (const call of [call1, call2]) {
      call.addEventListener(CallEvents.Failed, closeSession);
      call.addEventListener(CallEvents.Disconnected, closeSession);
    }
  }

  http(url, options) {
    const opts = options || {};
    if (this.phase === 'ended') {
      this.error(`HTTP request after the session ended: ${url}`);
      return Promise.resolve({ code: 0, text: '', error: 'session ended' });
    }
    if (this.phase === 'terminating' && ++this.requestsWhileTerminating > 1) {
      this.error('more than one HTTP request after Terminating (VoxEngine allows one)');
      return Promise.resolve({ code: 0, text: '', error: 'limit' });
    }
    const headers = opts.headers;
    if (headers !== undefined && (Array.isArray(headers) || typeof headers !== 'object')) {
      this.error('HttpRequestOptions.headers must be an object {name: value}');
    }
    const request = this.fetchResult(url, opts);
    this.pendingHttp.add(request);
    request.finally(() => this.pendingHttp.delete(request));
    return request;
  }

  async fetchResult(url, opts) {
    const method = String(opts.method || 'GET').toUpperCase();
    const headers = { ...(opts.headers || {}) };
    const timeout = Math.min(Number(opts.timeout) || MAX_HTTP_TIMEOUT, MAX_HTTP_TIMEOUT);
    let result;
    try {
      // HTTP runs in real time: the timeout is real seconds, not scaled ones.
      const response = await fetch(url, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : opts.postData,
        signal: AbortSignal.timeout(timeout * 1000),
      });
      const text = await response.text();
      const list = [...response.headers].map(([key, value]) => ({ key, value }));
      result = { code: response.status, text, headers: list };
    } catch (err) {
      const cause = err && err.cause && err.cause.code;
      const error = String(cause || err.name || err);
      result = { code: transportCode(err), text: undefined, error };
    }
    this.record('http', {
      method, url, headers, body: parseBody(opts.postData),
      status: result.code, response: (result.text || '').slice(0, 300),
    });
    return result;
  }

  async settleHttp() {
    // Callbacks of finished requests may start new ones; VoxEngine waits for those too.
    for (let round = 0; round < 10 && this.pendingHttp.size > 0; round++) {
      await Promise.allSettled([...this.pendingHttp]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** VoxEngine.terminate() and JSession.close(): calls end, HTTP settles, then Terminating. */
  async terminate(reason) {
    if (this.phase !== 'running') return;
    this.phase = 'draining';
    this.record('terminate', { reason });
    for (const call of this.calls) call.state = 'ended';
    await this.settleHttp();
    this.phase = 'terminating';
    this.clock.cancelAll();
    this.timers.clear();
    this.fireApp(AppEvents.Terminating, {});
    await new Promise((resolve) => setImmediate(resolve));
    await this.settleHttp();
    this.phase = 'ended';
    this.fireApp(AppEvents.Terminated, {});
    this.resolveFinished();
  }
}

module.exports = { Session };
