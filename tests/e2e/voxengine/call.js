'use strict';
/*
 * The stand-in's Call: the methods the scenarios call (answer, say, record, hangup, ...) and
 * the sim* hooks the simulation uses to play the other party (answer, hang up, press keys).
 */

const { CallEvents, Listeners } = require('./events');

const PROMPT_SECONDS = 2.5; // how long a spoken prompt lasts before PlaybackFinished
const RECORD_DELAY = 0.1; // from call.record() to RecordStarted

class SimCall {
  constructor(session, { id, direction, number, callerid }) {
    this.session = session;
    this._id = id;
    this.direction = direction;
    this._number = number;
    this._callerid = callerid;
    this.state = direction === 'inbound' ? 'alerting' : 'dialing';
    this.listeners = new Listeners((message) => session.error(message));
    this.connectedAt = null;
    this.tonesOn = false;
    this.playback = null;
    this.recording = false;
    this.onConnected = []; // the simulation's hooks: invisible to the scenario's listeners
    this.onPromptEnd = []; // (call, n): the n-th prompt (say or playback) finished playing
    this.promptsEnded = 0;
  }

  // ---- the VoxEngine Call API the scenarios use ----
  id() { return this._id; }
  callerid() { return this._callerid; }
  number() { return this._number; }
  addEventListener(event, handler) { this.listeners.add(event, handler); }
  removeEventListener(event, handler) { this.listeners.remove(event, handler); }

  answer() {
    if (this.direction !== 'inbound' || this.state !== 'alerting') {
      this.note('answer_ignored', { state: this.state });
      return;
    }
    this.note('answer');
    this.connect();
  }

  reject() {
    if (this.state !== 'alerting') {
      this.session.error(`reject() on call ${this._id} in state ${this.state}`);
      return;
    }
    this.note('reject');
    this.state = 'ended';
  }

  hangup() {
    if (this.state === 'ended') return;
    this.note('hangup');
    this.end({ duration: this.talkSeconds(), internalCode: 200, reason: 'Normal' });
  }

  ring() { this.note('ring'); }
  startEarlyMedia() { this.note('early_media'); }

  say(text, parameters) {
    if (this.state !== 'connected') {
      this.session.error(`say() on call ${this._id} that is not connected`);
      return;
    }
    const voice = parameters && parameters.voice ? String(parameters.voice) : null;
    this.note('say', { text, voice });
    this.stopPlayback();
    this.emit(CallEvents.PlaybackStarted, { duration: PROMPT_SECONDS });
    this.playback = this.session.clock.after(PROMPT_SECONDS, () => this.promptEnded());
  }

  startPlayback(url) {
    if (this.state !== 'connected') {
      this.session.error(`startPlayback() on call ${this._id} that is not connected`);
      return;
    }
    this.note('play', { url });
    this.stopPlayback();
    this.emit(CallEvents.PlaybackStarted, { duration: PROMPT_SECONDS });
    this.playback = this.session.clock.after(PROMPT_SECONDS, () => this.promptEnded());
  }

  stopPlayback() {
    if (this.playback === null) return;
    this.session.clock.cancel(this.playback);
    this.playback = null;
    this.note('playback_stopped');
  }

  handleTones(enabled) {
    this.tonesOn = Boolean(enabled);
    this.note('handle_tones', { enabled: this.tonesOn });
  }

  record(parameters) {
    if (this.state !== 'connected') {
      this.session.error(`record() on call ${this._id} that is not connected`);
      return;
    }
    this.note('record', { parameters: parameters || null });
    this.recording = true;
    this.session.clock.after(RECORD_DELAY, () => {
      if (this.state !== 'connected') return;
      this.emit(CallEvents.RecordStarted, { url: this.session.recordUrl });
    });
  }

  // ---- the other party, driven by the simulation ----
  simRing() {
    if (this.state === 'dialing') this.emit(CallEvents.Ringing, { headers: {} });
  }

  simAnswer() {
    if (this.state === 'dialing') this.connect();
  }

  simHangup(duration) {
    if (this.state === 'ended') return;
    this.note('remote_hangup');
    this.end({ duration: duration ?? this.talkSeconds(), internalCode: 200, reason: 'Normal' });
  }

  simFail(code, reason) {
    if (this.state !== 'dialing') return;
    this.note('remote_failed', { code, reason });
    this.state = 'ended';
    this.emit(CallEvents.Failed, { code, reason, headers: {} });
  }

  simTone(tone) {
    if (this.state !== 'connected') return;
    this.note('tone', { tone, delivered: this.tonesOn });
    if (this.tonesOn) this.emit(CallEvents.ToneReceived, { tone });
  }

  // ---- internals ----
  promptEnded() {
    this.playback = null;
    this.emit(CallEvents.PlaybackFinished, {});
    this.promptsEnded += 1;
    for (const hook of this.onPromptEnd) hook(this, this.promptsEnded);
  }

  connect() {
    this.state = 'connected';
    this.connectedAt = this.session.clock.nowMs();
    this.emit(CallEvents.Connected, { headers: {} });
    for (const hook of this.onConnected) hook(this);
  }

  end(fields) {
    const wasRecording = this.recording;
    this.state = 'ended';
    this.recording = false;
    this.stopPlayback();
    const disconnected = { headers: {}, cost: 0, direction: this.direction, ...fields };
    this.emit(CallEvents.Disconnected, disconnected);
    if (wasRecording) this.emit(CallEvents.RecordStopped, { url: this.session.recordUrl });
  }

  talkSeconds() {
    if (this.connectedAt === null) return 0;
    return Math.round((this.session.clock.nowMs() - this.connectedAt) / 1000);
  }

  emit(event, fields) {
    this.session.deliver(() => {
      this.note('event', { name: event });
      this.listeners.fire(event, { call: this, name: event, id: this._id, ...fields });
    });
  }

  note(type, fields) {
    this.session.record(type, { call: this._id, ...(fields || {}) });
  }
}

module.exports = { SimCall };
