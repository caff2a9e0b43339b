// planb status page: reads v1/status and v1/history from the planbd that served it, every
// REFRESH_MS, and draws them. Read-only: it only ever sends GET. Every value is put in the page as
// text (never as HTML), so nothing a provider or an operator wrote can become markup.
"use strict";
(function () {
  const REFRESH_MS = 2000;
  const TIMEOUT_MS = 4000;
  const HISTORY_LIMIT = 50;

  let lastOk = null; // when the last read succeeded
  let failingSince = null; // the first failed read since then
  let lastProblem = "";

  const $ = (id) => document.getElementById(id);

  // el("div", {className: "x", data: {record: "www."}}, child, "text", …)
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "data") {
        for (const [k, v] of Object.entries(value)) node.dataset[k] = v;
      } else if (key === "attrs") {
        for (const [k, v] of Object.entries(value)) node.setAttribute(k, v);
      } else {
        node[key] = value;
      }
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const SYMBOL = { ok: "✓", bad: "✗", warn: "⚠", unknown: "?" };

  // A state as a symbol and a word, coloured; colour is never the only signal.
  function pill(kind, text, title) {
    return el("span", { className: "pill " + kind, title: title || "" }, SYMBOL[kind] + " " + text);
  }

  function healthKind(h) {
    if (h === "healthy" || h === "up" || h === "ok") return "ok";
    if (h === "unhealthy" || h === "down" || h === "failing") return "bad";
    return "unknown";
  }

  const healthPill = (h) => pill(healthKind(h), h || "unknown");

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  // "04:31:07 UTC", with the date when it is not today (UTC).
  function clock(date) {
    if (!(date instanceof Date) || isNaN(date)) return "—";
    const iso = date.toISOString();
    const today = new Date().toISOString().slice(0, 10);
    const time = iso.slice(11, 19) + " UTC";
    return iso.slice(0, 10) === today ? time : iso.slice(0, 10) + " " + time;
  }

  function span(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 90) return seconds + " s";
    if (seconds < 5400) return Math.round(seconds / 60) + " min";
    if (seconds < 172800) return (seconds / 3600).toFixed(1).replace(/\.0$/, "") + " h";
    return Math.round(seconds / 86400) + " d";
  }

  const ago = (date) => span((Date.now() - date.getTime()) / 1000) + " ago";
  const fromUnix = (t) => (typeof t === "number" ? new Date(t * 1000) : null);

  function when(date) {
    if (!date) return "—";
    return el("time", { dateTime: date.toISOString(), title: date.toISOString() },
      clock(date) + " (" + ago(date) + ")");
  }

  function expiry(unix) {
    const date = fromUnix(unix);
    if (!date) return "never (until released)";
    const left = (date.getTime() - Date.now()) / 1000;
    return el("time", { dateTime: date.toISOString(), title: date.toISOString() },
      clock(date) + (left > 0 ? " (in " + span(left) + ")" : " (due now)"));
  }

  function mono(text) {
    return el("span", { className: "mono" }, text);
  }

  function row(term, ...value) {
    return [el("dt", {}, term), el("dd", {}, ...value)];
  }

  function replace(id, ...nodes) {
    $(id).replaceChildren(...nodes.flat());
  }

  function none(text) {
    return el("p", { className: "muted" }, text);
  }

  function table(headers, rows) {
    return el("div", { className: "table-wrap" },
      el("table", { className: "stack" },
        el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows.map((cells) =>
          el("tr", {}, cells.map((c, i) => el("td", { data: { label: headers[i] } }, c)))))));
  }

  function servedText(served) {
    if (!served) return "not read yet";
    if (served.kind === "cname") return served.target;
    if (served.kind === "absent") return "no record";
    if (served.kind === "conflict") return "a " + served.type + " record (not a CNAME)";
    return served.kind;
  }

  function syncPill(p) {
    if (p.in_sync) return pill("ok", "in sync");
    if (p.busy) return pill("warn", "writing");
    return pill("bad", "out of sync");
  }

  // What one record's card says at a glance, worst first.
  function recordStates(r) {
    const out = [];
    const behind = r.providers.filter((p) => !p.in_sync).length;
    if (r.degraded) out.push(pill("bad", "degraded: no usable target"));
    if (!r.served) out.push(pill("unknown", "not known yet"));
    if (r.served && r.desired && r.desired !== r.served) out.push(pill("warn", "moving to " + r.desired));
    if (r.served && r.targets.length && r.served !== r.targets[0]) out.push(pill("warn", "failed over"));
    if (behind) out.push(pill("bad", behind + " provider" + (behind > 1 ? "s" : "") + " out of sync"));
    if (!out.length) out.push(pill("ok", "ok"));
    return out;
  }

  function renderRecords(doc, targets) {
    if (!doc.records.length) return replace("records-body", none("No records are configured."));
    replace("records-body", doc.records.map((r) => {
      const states = recordStates(r);
      const worst = states.some((s) => s.classList.contains("bad")) ? "bad"
        : states.some((s) => s.classList.contains("warn")) ? "warn" : "ok";
      const served = targets.get(r.served);
      return el("article", { className: "card " + worst, data: { record: r.name } },
        el("h3", {}, el("span", { className: "mono" }, r.name), states),
        el("dl", {},
          row("Serves", el("span", { className: "big", data: { field: "served", target: r.served || "" } },
            r.served || "unknown"), served ? [" ", mono(served.cname)] : null),
          row("Should serve", el("span", { data: { field: "desired" } }, r.desired || "— (no usable target)")),
          row("Rule", el("strong", {}, r.rule), r.reason ? " — " + r.reason : ""),
          row("Last change", r.last_change
            ? [r.last_change.what, " · ", when(fromUnix(r.last_change.unix_time))] : "none since planbd started"),
          row("Targets", el("ul", { className: "plain" }, r.targets.map((name, i) => {
            const t = targets.get(name);
            return el("li", {}, (i + 1) + ". " + name + " ", t ? healthPill(t.health) : null,
              t && t.drained ? [" ", pill("warn", "drained")] : null,
              name === r.served ? el("span", { className: "muted" }, " ← serving") : null);
          }))),
          row("Providers", el("ul", { className: "plain" }, r.providers.map((p) =>
            el("li", {}, syncPill(p), " ", p.name,
              p.in_sync ? null : el("span", { className: "muted" }, " serves " + servedText(p.served)),
              p.ttl_raised ? el("div", { className: "muted" }, "TTL " + p.ttl_raised.written +
                " written, not " + p.ttl_raised.configured + ": the provider's minimum") : null,
              p.last_error ? el("div", { className: "bad" }, "last error: " + p.last_error) : null)))),
          r.zone ? row("Zone", mono(r.zone)) : null));
    }));
  }

  function downWhen(rule) {
    if (rule === "majority") return "a majority of its regions are down";
    if (rule === "all") return "every region is down";
    if (/^\d+$/.test(String(rule))) return rule + " of its regions are down";
    return String(rule);
  }

  function renderVendors(doc) {
    if (!doc.vendors.length) return replace("vendors-body", none("No vendors."));
    replace("vendors-body", doc.vendors.map((v) => {
      const kind = healthKind(v.health);
      return el("article", { className: "card " + (kind === "unknown" ? "" : kind), data: { vendor: v.name } },
        el("h3", {}, v.name, healthPill(v.health)),
        el("dl", {},
          row("Down when", downWhen(v.down_when)),
          row("Regions", el("ul", { className: "plain" }, (v.regions || []).map((g) =>
            el("li", { data: { region: g.name } }, healthPill(g.state), " ", g.name))))));
    }));
  }

  function renderTargets(doc) {
    if (!doc.targets.length) return replace("targets-body", none("No targets."));
    replace("targets-body", doc.targets.map((t) => {
      const kind = t.drained ? "warn" : healthKind(t.health);
      return el("article", { className: "card " + (kind === "unknown" ? "" : kind), data: { target: t.name } },
        el("h3", {}, t.name, healthPill(t.health), t.drained ? pill("warn", "drained") : null),
        el("dl", {},
          row("Vendor", t.vendor),
          row("CNAME", mono(t.cname)),
          row("Probes", el("ul", { className: "plain" }, t.probes.map((p) =>
            el("li", {}, healthPill(p.health), " ", p.name,
              p.region ? el("span", { className: "muted" }, " (" + p.region + ")") : null))))));
    }));
  }

  function renderProviders(doc) {
    const rows = [];
    for (const r of doc.records) {
      for (const p of r.providers) {
        rows.push([p.name, mono(r.name), syncPill(p), mono(servedText(p.served)),
          String(p.failures), p.last_error ? el("span", { className: "bad" }, p.last_error) : "—"]);
      }
    }
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    replace("providers-body", rows.length
      ? table(["Provider", "Record", "Sync", "Serves", "Failures", "Last error"], rows)
      : none("No provider serves a record yet."),
    el("h3", {}, "Rehearsals"), renderRehearsals(doc));
  }

  // Each provider's last rehearsal per zone: its write path proven (product.md §11).
  function renderRehearsals(doc) {
    const rows = (doc.rehearsals || []).map((r) => {
      const ago = (t) => span(Date.now() / 1000 - t) + " ago";
      let state;
      if (r.started === null) state = pill("unknown", "never");
      else if (r.passed) state = pill("ok", "passed " + ago(r.ended));
      else state = pill("bad", "FAILED at " + r.failed_step + " " + ago(r.ended));
      return [r.provider, mono(r.zone), state,
        r.visible_after_ms === null ? "—" : r.visible_after_ms + " ms",
        r.last_success === null ? "never" : ago(r.last_success),
        r.error ? el("span", { className: "bad" }, r.error) : "—"];
    });
    return rows.length
      ? table(["Provider", "Zone", "Last rehearsal", "Visible after", "Last passed", "Error"], rows)
      : none("No zone to rehearse.");
  }

  function renderOverrides(doc) {
    const o = doc.overrides || {};
    const parts = [];
    if (o.frozen && o.freeze) {
      parts.push(el("p", {}, pill("warn", "frozen"), " every automatic change is held, by ",
        el("strong", {}, o.freeze.user), o.freeze.reason ? " — " + o.freeze.reason : "",
        "; expires ", expiry(o.freeze.expires_unix_time)));
    }
    const pins = o.pins || [];
    const drains = o.drains || [];
    if (pins.length) {
      parts.push(el("h3", {}, "Pins"), table(["Record", "Pinned to", "By", "Reason", "Since", "Expires"],
        pins.map((p) => [mono(p.record), p.target, p.user, p.reason || "—",
          when(fromUnix(p.since_unix_time)), expiry(p.expires_unix_time)])));
    }
    if (drains.length) {
      parts.push(el("h3", {}, "Drains"), table(["Target", "By", "Reason", "Since", "Expires"],
        drains.map((d) => [d.target, d.user, d.reason || "—", when(fromUnix(d.since_unix_time)),
          expiry(d.expires_unix_time)])));
    }
    if (!parts.length) parts.push(none("No overrides: automation decides every record."));
    replace("overrides-body", parts);
  }

  function renderGuard(doc) {
    const g = doc.guard || { canaries: [] };
    const parts = [el("p", {}, g.local_network_down
      ? pill("bad", "local network down: automation is held")
      : pill("ok", "local network up"))];
    if (g.canaries.length) {
      parts.push(el("ul", { className: "plain" }, g.canaries.map((c) =>
        el("li", {}, healthPill(c.last), " ", mono(c.canary)))));
    } else {
      parts.push(none("No canaries configured: the local-network guard is off."));
    }
    replace("guard-body", parts);
  }

  // What the live views of the fleet say of each name under `key` ("targets" or "vendors"):
  // Map name -> Map state -> [node]. Unknown views and views whose guard fired do not count.
  function opinions(nodes, key) {
    const out = new Map();
    for (const n of nodes) {
      if (!n.live) continue;
      for (const [name, state] of Object.entries(n[key] || {})) {
        if (state === "unknown") continue;
        if (!out.has(name)) out.set(name, new Map());
        const states = out.get(name);
        states.set(state, [...(states.get(state) || []), n.node]);
      }
    }
    return out;
  }

  // The state most live views hold, when one state has more of them than any other.
  function consensus(states) {
    let best = null;
    let count = 0;
    let tie = false;
    for (const [state, nodes] of states) {
      if (nodes.length > count) [best, count, tie] = [state, nodes.length, false];
      else if (nodes.length === count) tie = true;
    }
    return tie ? null : best;
  }

  // Fleet mode ([cluster]): drawn only when the status has a "cluster" object.
  function renderFleet(doc) {
    const c = doc.cluster;
    $("fleet").hidden = !c;
    if (!c) return;
    const nodes = Array.isArray(c.nodes) ? c.nodes : [];
    const live = Number(c.live_nodes) || 0;
    const changes = Number(c.leader_changes) || 0;
    const summary = el("p", {},
      el("span", { data: { field: "leader" } }, c.leader
        ? pill("ok", c.leading ? "this node (" + c.node + ") leads" : "leader " + c.leader)
        : pill("bad", "no leader: nobody writes DNS")), " ",
      el("span", { data: { field: "etcd" } }, c.etcd_up
        ? pill("ok", "etcd up")
        : [pill("bad", "etcd DOWN"), c.etcd_error ? el("span", { className: "bad" }, " " + c.etcd_error) : null]), " ",
      pill(live >= c.min_nodes ? "ok" : "bad", live + " live view" + (live === 1 ? "" : "s") +
        " of min " + c.min_nodes), " ",
      el("span", { className: "muted" }, "quorum " + c.quorum +
        (c.quorum_setting === "majority" ? " (majority of live views)" : "") + " · this node " +
        c.node + " · " + changes + " leader change" + (changes === 1 ? "" : "s") + " seen"));
    const parts = [summary];
    if (c.automation && c.automation !== "ok") {
      parts.push(el("p", { data: { field: "automation" } }, pill("warn", "automation holds"), " " + c.automation));
    }
    if (!nodes.length) {
      parts.push(none("No node has a view in etcd."));
      return replace("fleet-body", parts);
    }
    const targets = opinions(nodes, "targets");
    const agreed = new Map([...targets].map(([name, states]) => [name, consensus(states)]));
    const names = [...new Set(nodes.flatMap((n) => Object.keys(n.targets || {})))].sort();
    parts.push(table(["Node", "Role", "View", ...names], nodes.map((n) => [
      el("span", { className: "mono", data: { node: n.node } }, n.node),
      [n.leader ? el("strong", {}, "leader") : "follower",
        n.self ? el("span", { className: "muted" }, " (this node)") : null],
      n.live ? pill("ok", "live") : n.guard_down ? pill("bad", "guard fired") : pill("unknown", "not live"),
      ...names.map((name) => {
        const state = (n.targets || {})[name] || "unknown";
        const dissents = n.live && state !== "unknown" && agreed.get(name) && agreed.get(name) !== state;
        return el("span", { data: { target: name, dissents: dissents ? "true" : "false" } },
          healthPill(state), dissents ? [" ", pill("warn", "dissents")] : null);
      }),
    ])));
    const differ = [];
    for (const [what, map] of [["target", targets], ["vendor", opinions(nodes, "vendors")]]) {
      for (const [name, states] of map) {
        if (states.size < 2) continue;
        const sorted = [...states].sort((a, b) => b[1].length - a[1].length);
        differ.push(el("li", {}, "Live views differ on " + what + " ", el("strong", {}, name), ": ",
          sorted.flatMap(([state, who], i) => [i ? "; " : "", healthPill(state), " on " + who.join(", ")])));
      }
    }
    if (differ.length) parts.push(el("ul", { className: "plain" }, differ));
    replace("fleet-body", parts);
  }

  function resultPill(result) {
    if (result === "ok") return pill("ok", "ok");
    if (result === "refused") return pill("warn", "refused");
    return pill("bad", result || "unknown");
  }

  function renderTimeline(history) {
    const entries = (history && history.entries) || [];
    if (!entries.length) return replace("timeline-body", el("li", { className: "muted" }, "No events yet."));
    replace("timeline-body", entries.slice(0, HISTORY_LIMIT).map((e) => {
      const at = e.time ? new Date(e.time) : null;
      let what;
      let why = e.reason || "";
      if (e.type === "dns_change") {
        what = [el("strong", {}, "DNS"), " ", mono(e.record || ""), " on ", e.provider || "?", ": ",
          mono(e.from || "(none)"), " → ", mono(e.to || "?")];
        if (e.error) why += (why ? " · " : "") + e.error;
      } else {
        const subject = [e.record, e.target].filter(Boolean).join(" → ");
        what = [el("strong", {}, e.user || "?"), " ", e.action || "?", subject ? " " + subject : "",
          e.for ? " for " + e.for : "", e.force ? " (forced)" : ""];
        if (e.message && e.result !== "ok") why += (why ? " · " : "") + e.message;
      }
      return el("li", { data: { type: e.type || "" } },
        at ? el("time", { dateTime: e.time, title: e.time }, clock(at)) : null,
        resultPill(e.result), " ", what,
        why ? el("div", { className: "why" }, why) : null);
    }));
  }

  // One line and one banner list that say, at a glance, what needs attention.
  function renderAlerts(doc) {
    const alerts = [];
    const o = doc.overrides || {};
    if (doc.guard && doc.guard.local_network_down) {
      alerts.push(["bad", "✗ LOCAL NETWORK DOWN: every canary fails; automatic changes are held."]);
    }
    for (const v of doc.vendors) {
      if (v.health === "down") alerts.push(["bad", "✗ Vendor " + v.name + " is DOWN."]);
    }
    for (const r of doc.records) {
      if (r.degraded) alerts.push(["bad", "✗ " + r.name + " is DEGRADED: no usable target; it keeps " + (r.served || "what it serves") + "."]);
      else if (r.served && r.targets.length && r.served !== r.targets[0]) {
        alerts.push(["warn", "⚠ " + r.name + " is failed over to " + r.served + " (" + r.rule + ")."]);
      }
    }
    const c = doc.cluster;
    if (c && !c.leader) alerts.push(["bad", "✗ NO FLEET LEADER: nobody writes DNS; DNS keeps serving what it serves."]);
    if (c && !c.etcd_up) alerts.push(["bad", "✗ ETCD UNREACHABLE from " + c.node + (c.etcd_error ? " (" + c.etcd_error + ")" : "") + ": this node neither leads nor writes DNS."]);
    if (c && c.automation && c.automation !== "ok") alerts.push(["warn", "⚠ Fleet automation holds: " + c.automation.replace(/\.$/, "") + "."]);
    if (o.frozen) alerts.push(["warn", "⚠ FROZEN by " + (o.freeze ? o.freeze.user : "an operator") + ": automatic changes are held."]);
    for (const cred of doc.credentials || []) {
      const left = cred.expires_unix_time - Date.now() / 1000;
      if (left <= 0) alerts.push(["bad", "✗ Provider " + cred.provider + "'s temporary credentials have EXPIRED: its writes fail."]);
      else if (left < 3600) alerts.push(["warn", "⚠ Provider " + cred.provider + "'s temporary credentials expire in " + Math.floor(left / 60) + " min."]);
    }
    for (const r of doc.rehearsals || []) {
      if (r.started !== null && !r.passed) {
        alerts.push(["bad", "✗ Rehearsal of " + r.provider + " for " + r.zone + " FAILED at " + r.failed_step + ": a failover may not be written there."]);
      }
    }
    const behind = doc.records.reduce((n, r) => n + r.providers.filter((p) => !p.in_sync).length, 0);
    if (behind) alerts.push(["warn", "⚠ " + behind + " provider write" + (behind > 1 ? "s" : "") + " not in sync yet."]);
    if (!alerts.length) {
      alerts.push(["ok", "✓ All " + doc.records.length + " record" + (doc.records.length === 1 ? "" : "s") +
        " served by their first target; every provider in sync."]);
    }
    replace("alerts", alerts.map(([kind, text]) => el("div", { className: "banner " + kind }, text)));
    const first = alerts[0];
    document.title = (first[0] === "ok" ? "✓" : first[0] === "bad" ? "✗" : "⚠") + " planb status";
  }

  function render(doc, history) {
    const targets = new Map(doc.targets.map((t) => [t.name, t]));
    renderAlerts(doc);
    renderRecords(doc, targets);
    renderVendors(doc);
    renderTargets(doc);
    renderProviders(doc);
    renderOverrides(doc);
    renderGuard(doc);
    renderFleet(doc);
    renderTimeline(history);
  }

  function showFreshness() {
    const stale = $("stale");
    if (failingSince) {
      const since = lastOk || failingSince;
      stale.hidden = false;
      stale.textContent = "STALE — planbd not answering since " + clock(since) + " (" +
        span((Date.now() - since.getTime()) / 1000) + "): " + lastProblem +
        (lastOk ? ". What follows was read at " + clock(lastOk) + "." : ". Nothing could be read yet.");
      document.body.classList.add("stale");
      document.title = "STALE planb status";
    } else {
      stale.hidden = true;
      stale.textContent = "";
      document.body.classList.remove("stale");
    }
    $("freshness").textContent = lastOk
      ? "Read at " + clock(lastOk) + " · refreshes every " + REFRESH_MS / 1000 + " s"
      : "Waiting for planbd…";
  }

  async function getJson(path) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const reply = await fetch(path, { cache: "no-store", signal: abort.signal, credentials: "same-origin" });
      if (!reply.ok) throw new Error(path + " answered HTTP " + reply.status);
      return await reply.json();
    } catch (e) {
      throw new Error(e.name === "AbortError" ? path + " timed out" : e.message || String(e));
    } finally {
      clearTimeout(timer);
    }
  }

  async function refresh() {
    try {
      const [doc, history] = await Promise.all([getJson("v1/status"),
        getJson("v1/history?limit=" + HISTORY_LIMIT)]);
      render(doc, history);
      lastOk = new Date();
      failingSince = null;
      lastProblem = "";
    } catch (e) {
      if (!failingSince) failingSince = new Date();
      lastProblem = e.message || String(e);
    }
    showFreshness();
    setTimeout(refresh, REFRESH_MS);
  }

  refresh();
})();
