// Runs in the simulated Jira page, after connect-host.js. Plain browser script (no modules, no jQuery).
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('sim-config').textContent);
  var sim = (window.simHost = { form: cfg.form, calls: 0, answered: 0, failed: 0, established: false });

  function status(text) {
    var el = document.getElementById('sim-status');
    if (el) {
      el.textContent =
        'Simulated Jira · add-on ' + cfg.addonKey + ' · getToken form: ' + cfg.form +
        ' · calls ' + sim.calls + ', answered ' + sim.answered + ', failed ' + sim.failed +
        (text ? ' · ' + text : '');
    }
  }

  function addonKeyOf(callback) {
    var ctx = callback && callback._context;
    return (ctx && ctx.extension && ctx.extension.addon_key) || cfg.addonKey;
  }

  // The server decides everything (cache, faults, hang): a hung request means getToken never answers.
  function askHost(addonKey) {
    return fetch('/host/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ addonKey: addonKey }),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok || typeof body.token !== 'string') {
          throw new Error(body.error || 'host token endpoint answered ' + r.status);
        }
        return body.token;
      });
    });
  }

  var getToken, getContext;
  if (cfg.form === 'promise') {
    // Promise form: the iframe gets a Promise; a rejection reaches it as the Error's message (a string).
    getToken = function getToken(callback) {
      sim.calls++; status('getToken asked');
      return askHost(addonKeyOf(callback)).then(
        function (token) { sim.answered++; status('token sent'); return token; },
        function (err) { sim.failed++; status('getToken failed: ' + err.message); throw err; }
      );
    };
    getToken.returnsPromise = true;
    getContext = function getContext(callback) {
      return Promise.resolve(cfg.context);
    };
    getContext.returnsPromise = true;
  } else {
    // Callback form: answer through the callback (last argument); on error call it with NO argument.
    getToken = function getToken(callback) {
      sim.calls++; status('getToken asked');
      askHost(addonKeyOf(callback)).then(
        function (token) { sim.answered++; status('token sent'); callback(token); },
        function (err) { sim.failed++; status('getToken failed: ' + err.message); callback(); }
      );
    };
    getContext = function getContext(callback) {
      callback(cfg.context);
    };
  }

  // Define the module BEFORE the iframe exists.
  connectHost.defineModule('context', { getToken: getToken, getContext: getContext });

  connectHost.onIframeEstablished(function () {
    sim.established = true;
    status('bridge established');
  });

  function embed() {
    var created = connectHost.createExtension({
      addon_key: cfg.addonKey,
      key: cfg.moduleKey,
      url: cfg.addonUrl,
      options: { autoresize: false },
    });
    var attrs = created.iframeAttributes;
    var iframe = document.createElement('iframe');
    Object.keys(attrs).forEach(function (k) {
      if (attrs[k] !== undefined && attrs[k] !== null) iframe.setAttribute(k, String(attrs[k]));
    });
    iframe.setAttribute('title', 'add-on ' + cfg.addonKey);
    document.getElementById('sim-frame').appendChild(iframe);
    sim.iframeId = attrs.id;
    status('iframe created');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', embed);
  else embed();
})();
