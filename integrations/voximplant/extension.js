/*
 * callscope for Voximplant, extension numbers: one shared number; the caller types the code
 * the website showed them, then the call is routed and forwarded like direct.js. Needs
 * callscope.js before it in the same routing rule (server URL, secret, fallback number).
 */

// ===== EXTENSION CONFIG: edit these lines =====
var EXT_PROMPT = 'Please enter your 4-digit code'; // spoken once the call is answered
var EXT_DIGITS = 4; // the code length callscope hands out
var EXT_WAIT_SECONDS = 8; // no key pressed for this long: route without a code
var EXT_VOICE = null; // e.g. VoiceList.Amazon.en_US_Joanna; null = Voximplant's default voice
// ===== END EXTENSION CONFIG =====

VoxEngine.addEventListener(AppEvents.CallAlerting, function (e) {
  var call = new CallscopeCall(e.call, e.destination, e.callerid);
  var digits = '';
  var timer = null;
  var routed = false;

  // A caller who types nothing, or too little, is still put through: never drop a caller.
  function routeWith(ext) {
    if (routed || call.ended) return;
    routed = true;
    clearTimeout(timer);
    e.call.handleTones(false);
    e.call.stopPlayback();
    call.route(ext);
  }

  function waitForKeys() {
    clearTimeout(timer);
    timer = setTimeout(function () { routeWith(null); }, EXT_WAIT_SECONDS * 1000);
  }

  e.call.addEventListener(CallEvents.Connected, function () {
    call.inboundAnswered = true;
    e.call.handleTones(true);
    e.call.say(EXT_PROMPT, EXT_VOICE ? { voice: EXT_VOICE } : undefined);
    waitForKeys();
  });

  e.call.addEventListener(CallEvents.ToneReceived, function (tone) {
    if (routed) return;
    e.call.stopPlayback(); // the caller knows what to do: stop talking over them
    if (/^[0-9]$/.test(tone.tone)) digits += tone.tone;
    if (digits.length >= EXT_DIGITS) routeWith(digits); else waitForKeys();
  });

  e.call.answer();
});
