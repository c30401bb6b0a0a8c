// The simulated Jira page: loads the REAL host bridge (connect-host.js), defines the `context` module
// (getToken, getContext) and then embeds the add-on iframe. Rendered per request from query parameters:
//   ?addon=<path or URL on the add-on origin>   (default "/")
//   &form=promise|callback                     (default from the host knob returnsPromise)
//   &pageJwt=1                                 (append ?jwt=<iframe-URL JWT>&xdm_e=… like the product)
//   &addonKey=…&moduleKey=…
import jwt from 'atlassian-jwt';
import { contextClaims, sign } from './mint.js';
import { BadRequest } from './http-util.js';

export function renderHostPage({ query, hostOrigin, addonOrigin, tenant, returnsPromise, nowSeconds }) {
  const form = query.get('form') || (returnsPromise ? 'promise' : 'callback');
  if (form !== 'promise' && form !== 'callback') throw new BadRequest('form must be "promise" or "callback"');
  const addonKey = query.get('addonKey') || tenant.addonKey;
  const moduleKey = query.get('moduleKey') || tenant.moduleKey;
  let addonUrl;
  try {
    addonUrl = new URL(query.get('addon') || '/', addonOrigin);
  } catch {
    throw new BadRequest('addon must be a path or a URL');
  }

  if (query.get('pageJwt') === '1') {
    // What the product puts on the iframe URL: a short-lived JWT whose qsh hashes this very GET.
    addonUrl.searchParams.set('xdm_e', hostOrigin);
    addonUrl.searchParams.set('xdm_c', `channel-${addonKey}__${moduleKey}`);
    addonUrl.searchParams.set('cp', '');
    addonUrl.searchParams.set('lic', 'active');
    addonUrl.searchParams.set('cv', '1001.0.0-SNAPSHOT');
    const req = jwt.fromMethodAndUrl('GET', addonUrl.pathname + addonUrl.search);
    const claims = contextClaims({
      iss: tenant.clientKey,
      sub: tenant.sub,
      iat: nowSeconds,
      exp: nowSeconds + 180,
      baseUrl: hostOrigin,
    });
    claims.qsh = jwt.createQueryStringHash(req, false, addonOrigin);
    addonUrl.searchParams.set('jwt', sign(claims, tenant.sharedSecret));
  }

  const config = {
    form,
    addonKey,
    moduleKey,
    addonUrl: addonUrl.href,
    context: contextClaims({ iss: tenant.clientKey, sub: tenant.sub, iat: 0, exp: 0, baseUrl: hostOrigin }).context,
  };
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Jira (simulated host)</title>
<style>
  html, body { margin: 0; height: 100%; }
  body { display: flex; flex-direction: column; font: 12px/1.4 system-ui, sans-serif; }
  #sim-status { padding: 2px 8px; background: #f4f5f7; border-bottom: 1px solid #dfe1e6; color: #42526e; }
  #sim-frame { flex: 1; min-height: 0; }
  #sim-frame iframe { display: block; border: 0; width: 100% !important; height: 100% !important; }
</style>
<script id="sim-config" type="application/json">${json}</script>
<!-- What the product loads before the bridge: jQuery as AJS.$, and its feature-gates client,
     initialised (here with every gate off, which is what the bridge assumes without one). -->
<script src="/jquery.js"></script>
<script>
  window.AJS = Object.assign(window.AJS || {}, { $: window.jQuery });
  window.__FEATUREGATES_JS__ = { initializeCompleted: () => true, checkGate: () => false, getPackageVersion: () => '4.23.4' };
</script>
<script src="/connect-host.js"></script>
<script src="/host-page.client.js"></script>
</head>
<body>
<div id="sim-status">Simulated Jira: starting…</div>
<div id="sim-frame"></div>
</body>
</html>
`;
}
