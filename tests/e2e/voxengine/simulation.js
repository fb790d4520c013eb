'use strict';
/*
 * Plays the people around a scenario: an inbound call to a number, the caller pressing keys
 * or hanging up, and the agent's phone answering, hanging up or failing (busy, no answer).
 */

const { SimCall } = require('./call');
const { AppEvents } = require('./events');

const NO_ANSWER = { fail_after: 60, code: 408, reason: 'Request Timeout' }; // VoxEngine's 60 s

function pressKeys(session, call, group, after) {
  const gap = group.gap ?? 0.4;
  [...String(group.digits)].forEach((tone, i) => {
    session.clock.after(after + i * gap, () => call.simTone(tone));
  });
}

/* Tone groups with `after` start that long after the call is answered; with `after_prompt`,
 * that long after the `prompt`-th prompt the caller hears (default the first) has finished. */
function scheduleTones(session, call, tones) {
  for (const group of tones || []) {
    if (group.after_prompt === undefined) pressKeys(session, call, group, group.after ?? 1);
  }
}

function tonesAfterPrompts(session, call, tones) {
  const waiting = (tones || []).filter((group) => group.after_prompt !== undefined);
  if (waiting.length === 0) return;
  call.onPromptEnd.push((_, n) => {
    for (const group of waiting) {
      if ((group.prompt ?? 1) === n) pressKeys(session, call, group, group.after_prompt);
    }
  });
}

/** The agent's phone: rings, then answers and later hangs up, or fails with a SIP code. */
function playAgent(session, call, agent) {
  const plan = agent && (agent.answer_after !== undefined || agent.fail_after !== undefined)
    ? agent : NO_ANSWER;
  session.clock.after(plan.ring_after ?? 0.5, () => call.simRing());
  if (plan.fail_after !== undefined) {
    session.clock.after(plan.fail_after, () => call.simFail(plan.code, plan.reason));
    return;
  }
  session.clock.after(plan.answer_after, () => call.simAnswer());
  if (plan.hangup_after !== undefined && plan.hangup_after !== null) {
    // The platform bills what was agreed: report the planned talk time, not timer jitter.
    const at = plan.answer_after + plan.hangup_after;
    session.clock.after(at, () => call.simHangup(plan.hangup_after));
  }
}

/** Starts the session: Started, then CallAlerting for the inbound call the spec describes. */
function simulate(session, spec) {
  const inbound = new SimCall(session, {
    id: spec.call_id, direction: 'inbound',
    number: spec.inbound.destination, callerid: spec.inbound.callerid,
  });
  session.calls.push(inbound);
  inbound.onConnected.push(() => scheduleTones(session, inbound, spec.tones));
  tonesAfterPrompts(session, inbound, spec.tones);
  if (spec.inbound.hangup_after !== undefined && spec.inbound.hangup_after !== null) {
    session.clock.after(spec.inbound.hangup_after, () => inbound.simHangup());
  }
  let dialed = 0;
  session.onOutbound = (call) => {
    // `agents` plays each agent called in turn (busy, then answers, ...); else `agent` all.
    const own = spec.agents && spec.agents[dialed];
    dialed += 1;
    playAgent(session, call, own || spec.agent);
    // A caller giving up while the agent's phone rings, whatever routing took.
    const giveUp = spec.inbound.hangup_after_dial;
    if (giveUp !== undefined && giveUp !== null) {
      session.clock.after(giveUp, () => inbound.simHangup());
    }
  };
  session.clock.after(spec.session_limit ?? 300, () => {
    session.record('session_limit');
    session.terminate('session limit');
  });
  setImmediate(() => {
    session.fireApp(AppEvents.Started, { sessionId: `session-${spec.call_id}` });
    session.fireApp(AppEvents.CallAlerting, {
      call: inbound, callerid: spec.inbound.callerid, destination: spec.inbound.destination,
      displayName: '', headers: {},
    });
  });
}

module.exports = { simulate };
