'use strict';
/*
 * VoxEngine's event names and listener lists, as the platform spells them
 * (voximplant.com/docs/references/voxengine/callevents and .../appevents).
 */

const AppEvents = Object.freeze({
  CallAlerting: 'Application.CallAlerting',
  Started: 'Application.Started',
  Terminating: 'Application.Terminating',
  Terminated: 'Application.Terminated',
});

const CallEvents = Object.freeze({
  AudioStarted: 'Call.AudioStarted',
  Connected: 'Call.Connected',
  Disconnected: 'Call.Disconnected',
  Failed: 'Call.Failed',
  PlaybackFinished: 'Call.PlaybackFinished',
  PlaybackStarted: 'Call.PlaybackStarted',
  RecordStarted: 'Call.RecordStarted',
  RecordStopped: 'Call.RecordStopped',
  Ringing: 'Call.Ringing',
  ToneReceived: 'Call.ToneReceived',
});

/** Listener lists; removing without a handler drops all handlers of that event, like VoxEngine. */
class Listeners {
  constructor(onError) {
    this.byEvent = new Map();
    this.onError = onError;
  }

  add(event, handler) {
    if (typeof event !== 'string') throw new TypeError(`unknown event ${String(event)}`);
    if (typeof handler !== 'function') {
      throw new TypeError(`handler for ${event} is not a function`);
    }
    if (!this.byEvent.has(event)) this.byEvent.set(event, []);
    this.byEvent.get(event).push(handler);
  }

  remove(event, handler) {
    if (handler === undefined) this.byEvent.delete(event);
    else this.byEvent.set(event, (this.byEvent.get(event) || []).filter((h) => h !== handler));
  }

  count(event) {
    return (this.byEvent.get(event) || []).length;
  }

  /** Calls every handler of `event` with `payload`; a throwing handler is reported, not fatal. */
  fire(event, payload) {
    for (const handler of [...(this.byEvent.get(event) || [])]) {
      try {
        handler(payload);
      } catch (err) {
        this.onError(`${event} handler threw: ${err && err.stack ? err.stack : err}`);
      }
    }
  }
}

module.exports = { AppEvents, CallEvents, Listeners };
