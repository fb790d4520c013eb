#!/usr/bin/env node
'use strict';
/*
 * Runs VoxEngine scenarios against the stand-in: reads a JSON spec on stdin, prints one JSON
 * object {call_id, log, errors} on stdout once the session has terminated.
 *
 * Spec: {
 *   "scenarios": ["integrations/voximplant/callscope.js", "integrations/voximplant/direct.js"],
 *   "config": {"CALLSCOPE_URL": "http://127.0.0.1:8000", ...},  // replaces the CONFIG lines
 *   "call_id": "vox-1", "time_scale": 50, "record_url": "https://...", "session_limit": 300,
 *   "inbound": {"destination": "15550100001", "callerid": "15551230000",
 *               "hangup_after": null, "hangup_after_dial": null},  // from alerting / from callPSTN
 *   "tones": [{"after": 1, "digits": "1234", "gap": 0.4}],          // after the call is answered
 *          | [{"after_prompt": 1, "digits": "1", "prompt": 1}],      // after its 1st prompt ended
 *   "agent": {"answer_after": 3, "hangup_after": 42}
 *          | {"fail_after": 2, "code": 486, "reason": "Busy Here"},
 *   "agents": [{...}, {...}]  // optional: the first agent called, the second, ... (else "agent")
 * }
 * Times are virtual seconds; HTTP to callscope is real.
 */

const fs = require('node:fs');
const vm = require('node:vm');
const { Session } = require('./runtime');
const { simulate } = require('./simulation');

const REAL_TIME_LIMIT_MS = 30000;

/* Sets `var NAME = ...;` lines inside the scenario's marked CONFIG blocks, as a user would. */
function applyConfig(source, config, used) {
  let inBlock = false;
  return source.split('\n').map((line) => {
    if (/^\/\/ =+ END .*CONFIG =+/.test(line)) inBlock = false;
    else if (/^\/\/ =+ .*CONFIG.*=+/.test(line)) inBlock = true;
    const match = inBlock && line.match(/^var (\w+) = .*?;(\s*\/\/.*)?$/);
    if (!match || !(match[1] in config)) return line;
    used.add(match[1]);
    return `var ${match[1]} = ${JSON.stringify(config[match[1]])};${match[2] || ''}`;
  }).join('\n');
}

function loadScenarios(session, spec) {
  const context = vm.createContext(session.globals());
  const used = new Set();
  for (const file of spec.scenarios) {
    const source = applyConfig(fs.readFileSync(file, 'utf8'), spec.config || {}, used);
    vm.runInContext(source, context, { filename: file });
  }
  const missing = Object.keys(spec.config || {}).filter((name) => !used.has(name));
  if (missing.length > 0) throw new Error(`no CONFIG line for: ${missing.join(', ')}`);
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(0, 'utf8'));
  const session = new Session(spec);
  loadScenarios(session, spec);
  simulate(session, spec);
  const guard = setTimeout(() => {
    session.error(`session still running after ${REAL_TIME_LIMIT_MS} ms of real time`);
    session.resolveFinished();
  }, REAL_TIME_LIMIT_MS);
  await session.finished;
  clearTimeout(guard);
  session.clock.cancelAll();
  const result = { call_id: spec.call_id, log: session.log, errors: session.errors };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(2);
});
