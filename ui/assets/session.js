// Stepflow UI: the signed-in session, when the server asks people to sign in. Loaded before
// the pages' scripts: it sends the session's CSRF token with every request that changes
// something, hides the controls of actions the person's policies do not allow, shows who is
// signed in with a Sign out button, and sends the person to sign in again when the session ends.
"use strict";

(function () {
  const realFetch = window.fetch.bind(window);
  // null when the server has no sign-in (it answers 404).
  const session = realFetch("/ui/api/session?page=" + encodeURIComponent(location.pathname), { headers: { Accept: "application/json" } })
    .then((resp) => (resp.ok ? resp.json() : null))
    .catch(() => null);

  window.fetch = async function (input, init) {
    const opts = Object.assign({}, init || {});
    const method = (opts.method || "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      const s = await session;
      if (s) {
        const headers = new Headers(opts.headers || {});
        headers.set("X-CSRF-Token", s.csrfToken);
        opts.headers = headers;
      }
    }
    const resp = await realFetch(input, opts);
    if (resp.status === 401) {
      location.href = "/ui/login?next=" + encodeURIComponent(location.pathname + location.search);
    }
    return resp;
  };

  session.then((s) => {
    if (!s) return;
    if (s.hide.length > 0) {
      // A style sheet rather than removing the controls: the pages' scripts keep finding
      // them, and controls they create later are hidden too.
      const style = document.createElement("style");
      style.id = "session-hide";
      style.textContent = s.hide.join(",\n") + " { display: none !important; }";
      document.head.append(style);
    }
    const ready = () => {
      const bar = document.querySelector(".topbar");
      if (!bar) return;
      const form = document.createElement("form");
      form.method = "post";
      form.action = "/ui/logout";
      form.className = "session";
      form.style.cssText = "margin-left:auto;display:flex;gap:10px;align-items:center;color:#f0f4f8";
      const who = document.createElement("span");
      who.id = "signed-in-as";
      who.textContent = s.principal;
      who.title = s.identityProvider ? "signed in through " + s.identityProvider : "access key " + s.accessKeyId;
      const token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = s.csrfToken;
      const out = document.createElement("button");
      out.type = "submit";
      out.id = "sign-out";
      out.className = "secondary";
      out.textContent = "Sign out";
      form.append(who, token, out);
      bar.append(form);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
    else ready();
  });
})();
