'use strict';
/*
 * The stand-in's clock: virtual time runs `scale` times faster than real time, so a
 * two-minute call plays out in a couple of seconds while HTTP to callscope stays real.
 */

class ScaledClock {
  constructor(scale, startMs = Date.now()) {
    this.scale = scale;
    this.startMs = startMs;
    this.realStart = performance.now();
    this.pending = new Set();
  }

  nowMs() {
    return this.startMs + (performance.now() - this.realStart) * this.scale;
  }

  /** Virtual seconds since the session started, for the log. */
  elapsed() {
    return Math.round((this.nowMs() - this.startMs) / 10) / 100;
  }

  /** Runs `fn` after `seconds` of virtual time; returns a handle for cancel(). */
  after(seconds, fn) {
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      fn();
    }, Math.max(0, (seconds * 1000) / this.scale));
    this.pending.add(handle);
    return handle;
  }

  cancel(handle) {
    clearTimeout(handle);
    this.pending.delete(handle);
  }

  cancelAll() {
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }

  /** A Date for the scenario whose "now" is virtual; explicit dates work as usual. */
  dateClass() {
    const clock = this;
    return class VirtualDate extends Date {
      constructor(...args) {
        if (args.length === 0) super(clock.nowMs());
        else super(...args);
      }

      static now() {
        return Math.floor(clock.nowMs());
      }
    };
  }
}

module.exports = { ScaledClock };
