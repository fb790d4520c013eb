/*
 * callscope for Voximplant, direct numbers (static and pool): every call to a tracking number
 * is routed by callscope and forwarded to the agent it names. Needs callscope.js before it in
 * the same routing rule; the settings (server URL, secret, fallback number) live there.
 */

VoxEngine.addEventListener(AppEvents.CallAlerting, function (e) {
  var call = new CallscopeCall(e.call, e.destination, e.callerid);
  call.route(null);
});
