/* nidb explorer (探索): what-if controls for one report year, recomputed in the browser.
 *
 * Data: window.NIDB_EXPLORER, written by nidb.report.explorer (data.js beside this file).
 * The evaluation mirrors nidb.engine.aggregate (weights renormalised over available
 * children; arithmetic, geometric, generalised means) and nidb.evaluation.stars
 * (quotas on min-ranks, score bands, the dimension gate). The selection applies each
 * condition's pass run over the threshold-multiplier grid and the overall rule of
 * nidb.selection.verdicts.select. No request leaves the page.
 */
(function () {
  "use strict";
  var D = window.NIDB_EXPLORER;
  var root = document.getElementById("nidb-explorer");
  if (!D || !root) { return; }
  var EV = D.evaluation, SEL = D.selection;
  var LEVELS = [5, 4, 3, 2];
  var CRITERIA = [["top_share", "比例上限（%）"], ["min_score", "综合指数下限"], ["min_dimension", "各维度下限"]];
  var VERDICTS = ["通过", "待专家评审", "数据缺失", "未通过", "暂停申报（第二十五条）"];
  var STAR_ZH = {0: "—", 1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"};

  /* ------------------------------------------------------------ helpers */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "html") { node.innerHTML = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function fmt(x, d) { return (x === null || isNaN(x)) ? "—" : x.toFixed(d === undefined ? 2 : d); }
  function num(v) { return v === null ? NaN : v; }

  /* ------------------------------------------------------------ engine (mirrors nidb.engine.aggregate) */
  var VALUES = EV.values.map(function (row) { return row.map(num); });
  var N = VALUES.length;
  var IND = EV.indicators, DIMS = EV.dimensions;
  var DIM_INDEX = {};
  DIMS.forEach(function (d, j) { DIM_INDEX[d.id] = j; });
  var MEMBERS = DIMS.map(function (d) {
    var out = [];
    IND.forEach(function (ind, i) { if (ind.dim === d.id) { out.push(i); } });
    return out;
  });

  function aggregateOne(xs, ws, rule, zeros, minAvail) {
    /* one parent from its children's values xs and weights ws */
    var method = rule.method, p = rule.power;
    if (method === "generalised" && p === 1) { method = "arithmetic"; }
    if (method === "generalised" && p === 0) { method = "geometric"; }
    var num = 0, den = 0, nAvail = 0, zeroHit = false, i, x;
    for (i = 0; i < xs.length; i++) {
      x = xs[i];
      if (isNaN(x)) { continue; }
      nAvail++;
      if (method !== "arithmetic") {
        if (x < 0) { throw new Error(method + " 汇总要求分值非负"); }
        if (x === 0 && (method === "geometric" || p < 0)) {
          if (zeros === "error") { throw new Error(method + " 汇总遇到零值（方法的 zeros 为 error）"); }
          if (ws[i] > 0) { zeroHit = true; }
          den += ws[i];
          continue;
        }
      }
      var term = method === "arithmetic" ? x : method === "geometric" ? Math.log(x) : Math.pow(x, p);
      num += ws[i] * term;
      den += ws[i];
    }
    var out;
    if (!(den > 0)) { out = NaN; }
    else if (method === "arithmetic") { out = num / den; }
    else if (method === "geometric") { out = Math.exp(num / den); }
    else { out = Math.pow(num / den, 1 / p); }
    if (zeroHit && !isNaN(out)) { out = 0; }
    if (minAvail !== null && nAvail / xs.length < minAvail - 1e-12) { out = NaN; }
    return out;
  }

  /* dimension scores: independent of the dimension weights, computed once */
  var DIM_SCORES = VALUES.map(function (row) {
    return MEMBERS.map(function (members) {
      return aggregateOne(members.map(function (i) { return row[i]; }),
                          members.map(function (i) { return IND[i].weight; }),
                          EV.aggregate.dims, EV.aggregate.zeros, EV.aggregate.min_availability);
    });
  });

  function minRanks(scores, ties) {
    /* rank 1 = highest; ties share the best (include) or worst (exclude) rank; NaN unranked */
    var order = [], i;
    for (i = 0; i < scores.length; i++) { if (!isNaN(scores[i])) { order.push(i); } }
    order.sort(function (a, b) { return scores[b] - scores[a]; });
    var ranks = new Array(scores.length).fill(NaN);
    var start = 0;
    while (start < order.length) {
      var end = start;
      while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) { end++; }
      for (i = start; i <= end; i++) { ranks[order[i]] = ties === "exclude" ? end + 1 : start + 1; }
      start = end + 1;
    }
    return ranks;
  }

  function slots(raw, rounding) {
    var r = Math.round(raw * 1e9) / 1e9;  /* np.round(raw, 9): guards 0.07 * 100 float noise */
    return rounding === "floor" ? Math.floor(r) : rounding === "ceil" ? Math.ceil(r) : Math.floor(r + 0.5);
  }

  function evaluate(settings) {
    /* index, ranks and stars of every base under the settings (weights, star rule) */
    var ws = DIMS.map(function (d) { return settings.weights[d.id]; });
    var index = DIM_SCORES.map(function (dims) {
      return aggregateOne(dims, ws, EV.aggregate.index, EV.aggregate.zeros, EV.aggregate.min_availability);
    });
    var rated = index.map(function (x) { return !isNaN(x); });
    var nRated = rated.filter(Boolean).length;
    var rank = minRanks(index, "include");
    var quotaRank = settings.stars.ties === "include" ? rank : minRanks(index, "exclude");
    var present = DIMS.map(function (_, j) {
      return DIM_SCORES.some(function (dims, u) { return rated[u] && !isNaN(dims[j]); });
    });
    var dimMin = DIM_SCORES.map(function (dims) {
      var low = Infinity, j;
      for (j = 0; j < dims.length; j++) {
        if (!present[j]) { continue; }
        if (isNaN(dims[j])) { return -Infinity; }
        if (dims[j] < low) { low = dims[j]; }
      }
      return low;
    });
    var stars = index.map(function (x) { return isNaN(x) ? 0 : 1; });
    [2, 3, 4, 5].forEach(function (star) {
      var lv = settings.stars.levels[star];
      var quota = lv.top_share === null ? null : slots(lv.top_share * nRated, settings.stars.rounding);
      for (var u = 0; u < N; u++) {
        if (!rated[u]) { continue; }
        if (quota !== null && !(quotaRank[u] <= quota)) { continue; }
        if (lv.min_score !== null && !(index[u] >= lv.min_score)) { continue; }
        if (lv.min_dimension !== null && !(dimMin[u] >= lv.min_dimension)) { continue; }
        stars[u] = star;
      }
    });
    return {index: index, rank: rank, stars: stars};
  }

  /* ------------------------------------------------------------ selection (mirrors nidb.selection.verdicts) */
  function quantLevel(statuses) {
    /* statuses: per condition 0 pass, 2 missing, 1 fail → level 0/2/3 (no review level for numbers) */
    var accepts = [[0], [0], [0, 2]];
    for (var level = 0; level < 3; level++) {
      var acc = accepts[level];
      if (SEL.rule.mode === "all") {
        if (statuses.every(function (s) { return acc.indexOf(s) >= 0; })) { return level; }
      } else {
        var ok = true, groups = {};
        SEL.conditions.forEach(function (c, j) {
          var g = groups[c.dim] || (groups[c.dim] = {n: 0, acc: 0});
          g.n++;
          if (acc.indexOf(statuses[j]) >= 0) { g.acc++; }
        });
        Object.keys(groups).forEach(function (k) {
          if (groups[k].acc < Math.min(SEL.rule.k, groups[k].n)) { ok = false; }
        });
        if (ok) { return level; }
      }
    }
    return 3;
  }

  var MISSING_SETS = SEL ? SEL.conditions.map(function (c) {
    var s = {};
    c.missing.forEach(function (i) { s[i] = true; });
    return s;
  }) : [];

  function select(settings) {
    var n = SEL.applicants.length;
    var statuses = [], passAlone = [], i;
    SEL.conditions.forEach(function (c, jj) {
      var runs = (settings.relax || !c.general) ? c.relaxed : c.general;
      var k = settings.thresholds[c.id];
      var col = new Array(n), count = 0;
      for (i = 0; i < n; i++) {
        var pass = runs[0][i] <= k && k < runs[1][i];
        col[i] = pass ? 0 : (MISSING_SETS[jj][i] ? 2 : 1);
        if (pass) { count++; }
      }
      statuses.push(col);
      passAlone.push(count);
    });
    var allPass = [], overall = [];
    for (i = 0; i < n; i++) {
      var row = statuses.map(function (col) { return col[i]; });
      allPass.push(row.every(function (s) { return s === 0; }));
      overall.push(VERDICTS[Math.max(quantLevel(row), SEL.rest[i])]);
    }
    return {statuses: statuses, alone: passAlone, allPass: allPass, overall: overall};
  }

  /* ------------------------------------------------------------ settings */
  function defaults() {
    var weights = {}, levels = {};
    DIMS.forEach(function (d) { weights[d.id] = d.weight; });
    LEVELS.forEach(function (s) {
      var lv = EV.stars.levels[String(s)];
      levels[s] = {top_share: lv.top_share, min_score: lv.min_score, min_dimension: lv.min_dimension};
    });
    var thresholds = {};
    if (SEL) { SEL.conditions.forEach(function (c) { thresholds[c.id] = SEL.spec; }); }
    return {weights: weights, stars: {ties: EV.stars.ties, rounding: EV.stars.rounding, levels: levels},
            thresholds: thresholds, relax: SEL ? SEL.relaxation : true};
  }
  var state = defaults();
  var BASE = evaluate(state);
  var BASE_SEL = SEL ? select(state) : null;
  var filters = {q: "", region: "", province: "", domain: "", stars: "", changed: false};
  var sortKey = "rank", sortAsc = true;

  function ruleProblems(levels) {
    /* the monotonicity StarRule.from_mapping requires, so an exported file loads */
    var out = [];
    CRITERIA.forEach(function (c) {
      var given = LEVELS.filter(function (s) { return levels[s][c[0]] !== null; });
      for (var i = 1; i < given.length; i++) {
        var hi = levels[given[i - 1]][c[0]], lo = levels[given[i]][c[0]];
        if (c[0] === "top_share" ? lo < hi : lo > hi) {
          out.push(given[i] + " 星的「" + c[1] + "」与 " + given[i - 1] + " 星不一致单调");
        }
      }
    });
    LEVELS.forEach(function (s) {
      var lv = levels[s];
      if (lv.top_share === null && lv.min_score === null && lv.min_dimension === null) {
        out.push(s + " 星须至少有一个条件");
      }
      if (lv.top_share !== null && !(lv.top_share > 0 && lv.top_share <= 1)) { out.push(s + " 星比例须在 0–100% 之间"); }
    });
    return out;
  }

  /* ------------------------------------------------------------ YAML export */
  function yamlScalar(v) {
    if (v === null || v === undefined) { return "null"; }
    if (typeof v === "boolean" || typeof v === "number") { return String(v); }
    return JSON.stringify(String(v));
  }
  function yamlKey(k) { return /^[A-Za-z0-9_]+$/.test(k) ? k : JSON.stringify(k); }
  function toYaml(value, indent) {
    indent = indent || "";
    var lines = [];
    Object.keys(value).forEach(function (k) {
      var v = value[k];
      if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length) {
        lines.push(indent + yamlKey(k) + ":");
        lines.push(toYaml(v, indent + "  "));
      } else if (Array.isArray(v) && v.length && typeof v[0] === "object") {
        lines.push(indent + yamlKey(k) + ":");
        v.forEach(function (item) {
          lines.push(indent + "  - {" + Object.keys(item).map(function (ik) {
            return yamlKey(ik) + ": " + yamlScalar(item[ik]);
          }).join(", ") + "}");
        });
      } else if (Array.isArray(v)) {
        lines.push(indent + yamlKey(k) + ": [" + v.map(yamlScalar).join(", ") + "]");
      } else if (v !== null && typeof v === "object") {
        lines.push(indent + yamlKey(k) + ": {}");
      } else {
        lines.push(indent + yamlKey(k) + ": " + yamlScalar(v));
      }
    });
    return lines.join("\n");
  }
  function methodYaml() {
    var m = JSON.parse(JSON.stringify(EV.raw_method));
    m.name = (m.name || "evaluation") + "-explore";
    m.description = "由 " + D.year + " 年度探索页面导出：在「" + (EV.raw_method.name || EV.method.source) +
      "」基础上调整了维度权重和星级规则";
    var w = m.weights || {};
    var levels = w.levels || {};
    var dims = {};
    DIMS.forEach(function (d) { dims[d.id] = state.weights[d.id]; });
    levels["2"] = {scheme: "manual", values: dims};
    m.weights = {scheme: w.scheme || "framework", levels: levels};
    var stars = {ties: state.stars.ties, rounding: state.stars.rounding, levels: {}};
    LEVELS.forEach(function (s) {
      var lv = {};
      CRITERIA.forEach(function (c) { if (state.stars.levels[s][c[0]] !== null) { lv[c[0]] = state.stars.levels[s][c[0]]; } });
      stars.levels[String(s)] = lv;
    });
    m.stars = stars;
    return "# " + m.description + "\n# 用法：nidb evaluate --year " + D.year + " --method 本文件.yaml --out 结果.xlsx\n" +
      toYaml(m) + "\n";
  }

  /* ------------------------------------------------------------ layout */
  var css = function (cls) { return {"class": cls}; };
  root.innerHTML = "";
  root.appendChild(el("p", {"class": "nx-lead", text:
    "移动下面的控件，页面在浏览器中按与 nidb 评价引擎相同的汇总与星级规则即时重算（" + N +
    " 个参评基地 × " + IND.length + " 项指标的标准化值随页面提供），不访问网络。参评基地固定为方法「" +
    EV.method.name + "」下 " + D.year + " 年实际参评的基地；调整方法后此前年度撤销情况的连锁变化，需用 nidb evaluate 复算。"}));
  var toolbar = el("div", css("nx-toolbar"));
  var resetBtn = el("button", {type: "button", id: "nx-reset", text: "恢复方法默认值"});
  var yamlBtn = el("button", {type: "button", id: "nx-copy-yaml", text: "复制当前设置为方法文件（YAML）"});
  var yamlStatus = el("span", {"class": "nx-status", id: "nx-yaml-status"});
  toolbar.appendChild(resetBtn); toolbar.appendChild(yamlBtn); toolbar.appendChild(yamlStatus);
  root.appendChild(toolbar);
  var yamlBox = el("textarea", {id: "nx-yaml", readonly: "readonly", rows: "10", "class": "nx-yaml", hidden: "hidden"});
  root.appendChild(yamlBox);

  /* --- evaluation section */
  var evSec = el("section", css("nx-section"));
  evSec.appendChild(el("h2", {text: "维度权重与星级规则"}));
  var evGrid = el("div", css("nx-grid"));
  var evControls = el("div", css("nx-controls"));
  var evResults = el("div", css("nx-results"));
  evGrid.appendChild(evControls); evGrid.appendChild(evResults); evSec.appendChild(evGrid);
  root.appendChild(evSec);

  evControls.appendChild(el("h3", {text: "维度权重（同层相对权重）"}));
  var weightInputs = {};
  DIMS.forEach(function (d) {
    var input = el("input", {type: "range", min: "0", max: "3", step: "0.05", id: "nx-w-" + d.id,
                             "data-dim": d.id, "aria-label": d.zh + "权重"});
    var out = el("output", {id: "nx-w-" + d.id + "-out"});
    weightInputs[d.id] = {input: input, out: out};
    evControls.appendChild(el("label", css("nx-row"), [el("span", {"class": "nx-name", text: d.id + " " + d.zh}), input, out]));
    input.addEventListener("input", function () { state.weights[d.id] = parseFloat(input.value); update(); });
  });
  var shareLine = el("p", {"class": "nx-note", id: "nx-shares"});
  evControls.appendChild(shareLine);

  evControls.appendChild(el("h3", {text: "星级规则"}));
  var starTable = el("table", {"class": "nx-star-rule"});
  starTable.innerHTML = "<thead><tr><th>星级</th>" + CRITERIA.map(function (c) { return "<th>" + c[1] + "</th>"; }).join("") + "</tr></thead>";
  var starBody = el("tbody");
  var starInputs = {};
  LEVELS.forEach(function (s) {
    var tr = el("tr");
    tr.appendChild(el("th", {text: STAR_ZH[s]}));
    starInputs[s] = {};
    CRITERIA.forEach(function (c) {
      var on = el("input", {type: "checkbox", id: "nx-s" + s + "-" + c[0] + "-on", "aria-label": STAR_ZH[s] + c[1] + "启用"});
      var val = el("input", {type: "number", step: c[0] === "top_share" ? "0.5" : "0.5", min: "0",
                             max: c[0] === "top_share" ? "100" : "1000", id: "nx-s" + s + "-" + c[0],
                             "aria-label": STAR_ZH[s] + c[1]});
      starInputs[s][c[0]] = {on: on, val: val};
      var onChange = function () {
        var v = parseFloat(val.value);
        if (!on.checked || isNaN(v)) { state.stars.levels[s][c[0]] = null; }
        else { state.stars.levels[s][c[0]] = c[0] === "top_share" ? v / 100 : v; }
        val.disabled = !on.checked;
        update();
      };
      on.addEventListener("change", onChange);
      val.addEventListener("input", onChange);
      tr.appendChild(el("td", {}, [on, val]));
    });
    starBody.appendChild(tr);
  });
  starTable.appendChild(starBody);
  evControls.appendChild(starTable);
  var tiesSel = el("select", {id: "nx-ties"});
  tiesSel.innerHTML = '<option value="include">并列者均计入（include）</option><option value="exclude">并列越界者不计入（exclude）</option>';
  var roundSel = el("select", {id: "nx-rounding"});
  roundSel.innerHTML = '<option value="floor">向下取整（floor）</option><option value="round">四舍五入（round）</option><option value="ceil">向上取整（ceil）</option>';
  evControls.appendChild(el("label", css("nx-row"), [el("span", {"class": "nx-name", text: "比例边界并列"}), tiesSel]));
  evControls.appendChild(el("label", css("nx-row"), [el("span", {"class": "nx-name", text: "名额取整"}), roundSel]));
  tiesSel.addEventListener("change", function () { state.stars.ties = tiesSel.value; update(); });
  roundSel.addEventListener("change", function () { state.stars.rounding = roundSel.value; update(); });
  var ruleWarn = el("p", {"class": "nx-warn", id: "nx-rule-warn"});
  evControls.appendChild(ruleWarn);

  evResults.appendChild(el("h3", {text: "星级分布（当前设置 / 方法默认）"}));
  var distBox = el("div", {id: "nx-dist"});
  evResults.appendChild(distBox);
  var changeSummary = el("p", {id: "nx-change-summary", "class": "nx-summary"});
  evResults.appendChild(changeSummary);
  var changeList = el("div", {id: "nx-changes", "class": "nx-scroll"});
  evResults.appendChild(changeList);

  /* --- selection section */
  var selSec = el("section", css("nx-section"));
  var thresholdInputs = {}, relaxBox = null, selSummary = null, selRows = {}, selChanges = null, specialBox = null;
  root.appendChild(selSec);
  selSec.appendChild(el("h2", {text: "遴选门槛" + (SEL ? "（" + SEL.year + " 年申报对象 " + SEL.applicants.length + " 个）" : "")}));
  if (!SEL) {
    selSec.appendChild(el("p", {text: D.year + " 年没有申报对象，本节不可用。"}));
  } else {
    selSec.appendChild(el("p", {"class": "nx-note", text:
      "每个定量申报条件的门槛可在原值的 " + Math.round(SEL.grid[0] * 100) + "%–" +
      Math.round(SEL.grid[SEL.grid.length - 1] * 100) + "% 之间移动；单独通过：只看该条件；联合通过：全部定量条件在当前门槛下同时通过。数据缺失视为未通过。"}));
    relaxBox = el("input", {type: "checkbox", id: "nx-relax"});
    selSec.appendChild(el("label", css("nx-row"), [relaxBox, el("span", {text: " 第七条：特殊类型地区（革命老区、民族地区、边疆地区）适用放宽门槛"})]));
    relaxBox.addEventListener("change", function () { state.relax = relaxBox.checked; update(); });
    var tbl = el("table", {"class": "nx-thresholds"});
    tbl.innerHTML = "<thead><tr><th>条件</th><th>门槛倍数</th><th>当前门槛</th><th>单独通过</th><th>默认门槛下</th></tr></thead>";
    var tb = el("tbody");
    SEL.conditions.forEach(function (c) {
      var input = el("input", {type: "range", min: "0", max: String(SEL.grid.length - 1), step: "1",
                               id: "nx-t-" + c.id, "aria-label": c.label + "门槛倍数"});
      input.addEventListener("input", function () { state.thresholds[c.id] = parseInt(input.value, 10); update(); });
      thresholdInputs[c.id] = input;
      var text = el("td", {"class": "nx-th-text"});
      var alone = el("td", {"class": "nx-num", id: "nx-alone-" + c.id}), base = el("td", {"class": "nx-num"});
      selRows[c.id] = {text: text, alone: alone, base: base};
      tb.appendChild(el("tr", {}, [el("td", {text: c.id + " " + c.label}), el("td", {}, [input]), text, alone, base]));
    });
    tbl.appendChild(tb);
    selSec.appendChild(tbl);
    selSummary = el("p", {id: "nx-sel-summary", "class": "nx-summary"});
    selSec.appendChild(selSummary);
    specialBox = el("p", {id: "nx-special", "class": "nx-note"});
    selSec.appendChild(specialBox);
    selChanges = el("div", {id: "nx-sel-changes", "class": "nx-scroll"});
    selSec.appendChild(selChanges);
  }

  /* --- map and table section */
  var listSec = el("section", css("nx-section"));
  root.appendChild(listSec);
  listSec.appendChild(el("h2", {text: "地图与基地列表"}));
  var mapBox = el("div", {id: "nx-map", "class": "nx-map"});
  listSec.appendChild(mapBox);
  var filterBar = el("div", css("nx-filters"));
  function options(values, label) {
    return '<option value="">' + label + "（全部）</option>" + values.map(function (v) {
      return '<option value="' + esc(v) + '">' + esc(v) + "</option>";
    }).join("");
  }
  function uniq(key) {
    return EV.bases.map(function (b) { return b[key]; }).filter(function (v, i, a) { return a.indexOf(v) === i; }).sort();
  }
  var search = el("input", {type: "search", id: "nx-search", placeholder: "搜索基地名称、编号或推荐单位"});
  var regionSel = el("select", {id: "nx-f-region", html: options(uniq("region"), "区域")});
  var provinceSel = el("select", {id: "nx-f-province", html: options(uniq("province"), "省份")});
  var domainSel = el("select", {id: "nx-f-domain", html: options(uniq("domain"), "领域")});
  var starSel = el("select", {id: "nx-f-stars", html: '<option value="">星级（全部）</option>' +
    [5, 4, 3, 2, 1].map(function (s) { return '<option value="' + s + '">' + STAR_ZH[s] + "</option>"; }).join("")});
  var changedBox = el("input", {type: "checkbox", id: "nx-f-changed"});
  [search, regionSel, provinceSel, domainSel, starSel].forEach(function (x) { filterBar.appendChild(x); });
  filterBar.appendChild(el("label", {}, [changedBox, el("span", {text: " 只看星级变化的基地"})]));
  listSec.appendChild(filterBar);
  var countLine = el("p", {id: "nx-count", "class": "nx-note"});
  listSec.appendChild(countLine);
  var table = el("table", {id: "nx-table", "class": "nx-table"});
  var COLUMNS = [["rank", "排序"], ["base_id", "编号"], ["name", "基地名称"], ["authority", "推荐单位"],
                 ["region", "区域"], ["domain", "示范领域"], ["index", "综合指数"], ["stars", "星级"],
                 ["base_stars", "默认星级"], ["shift", "名次变化"]];
  table.innerHTML = "<thead><tr>" + COLUMNS.map(function (c) {
    return '<th data-key="' + c[0] + '" tabindex="0" role="button">' + c[1] + "</th>";
  }).join("") + "</tr></thead><tbody></tbody>";
  listSec.appendChild(el("div", css("nx-table-wrap"), [table]));
  var tbody = table.querySelector("tbody");
  var PAGE_SIZE = 50, pageNo = 0;
  var prevBtn = el("button", {type: "button", id: "nx-prev", text: "上一页"});
  var nextBtn = el("button", {type: "button", id: "nx-next", text: "下一页"});
  var pageInfo = el("span", {id: "nx-page", "class": "nx-note"});
  listSec.appendChild(el("div", css("nx-pager"), [prevBtn, pageInfo, nextBtn]));
  prevBtn.addEventListener("click", function () { pageNo = Math.max(0, pageNo - 1); renderTable(); });
  nextBtn.addEventListener("click", function () { pageNo++; renderTable(); });
  table.querySelectorAll("th").forEach(function (th) {
    var go = function () {
      var key = th.getAttribute("data-key");
      if (sortKey === key) { sortAsc = !sortAsc; } else { sortKey = key; sortAsc = true; }
      pageNo = 0;
      renderTable();
    };
    th.addEventListener("click", go);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(); } });
  });
  search.addEventListener("input", function () { filters.q = search.value.trim(); pageNo = 0; renderTable(); });
  regionSel.addEventListener("change", function () { filters.region = regionSel.value; pageNo = 0; renderTable(); });
  provinceSel.addEventListener("change", function () { filters.province = provinceSel.value; pageNo = 0; renderTable(); });
  domainSel.addEventListener("change", function () { filters.domain = domainSel.value; pageNo = 0; renderTable(); });
  starSel.addEventListener("change", function () { filters.stars = starSel.value; pageNo = 0; renderTable(); });
  changedBox.addEventListener("change", function () { filters.changed = changedBox.checked; pageNo = 0; renderTable(); });
  var tooltip = el("div", {"class": "nx-tooltip", id: "nx-tooltip", hidden: "hidden"});
  root.appendChild(tooltip);

  /* ------------------------------------------------------------ rendering */
  var current = null, currentSel = null;

  function syncControls() {
    DIMS.forEach(function (d) {
      weightInputs[d.id].input.value = String(state.weights[d.id]);
      weightInputs[d.id].out.textContent = state.weights[d.id].toFixed(2);
    });
    LEVELS.forEach(function (s) {
      CRITERIA.forEach(function (c) {
        var v = state.stars.levels[s][c[0]], box = starInputs[s][c[0]];
        box.on.checked = v !== null;
        box.val.disabled = v === null;
        box.val.value = v === null ? "" : String(c[0] === "top_share" ? Math.round(v * 10000) / 100 : v);
      });
    });
    tiesSel.value = state.stars.ties; roundSel.value = state.stars.rounding;
    if (SEL) {
      SEL.conditions.forEach(function (c) { thresholdInputs[c.id].value = String(state.thresholds[c.id]); });
      relaxBox.checked = state.relax;
      relaxBox.disabled = !SEL.conditions.some(function (c) { return c.general; });
    }
  }

  function renderDistribution(stars) {
    var counts = {}, base = {};
    [1, 2, 3, 4, 5].forEach(function (s) { counts[s] = 0; base[s] = 0; });
    stars.forEach(function (s) { if (s) { counts[s]++; } });
    BASE.stars.forEach(function (s) { if (s) { base[s]++; } });
    var max = Math.max.apply(null, [1, 2, 3, 4, 5].map(function (s) { return Math.max(counts[s], base[s]); }).concat([1]));
    var W = 420, rowH = 30, svg = ['<svg viewBox="0 0 ' + W + " " + (rowH * 5 + 10) + '" role="img" aria-label="星级分布">'];
    [5, 4, 3, 2, 1].forEach(function (s, i) {
      var y = i * rowH + 4, w1 = counts[s] / max * 260, w0 = base[s] / max * 260;
      svg.push('<text x="0" y="' + (y + 17) + '" class="nx-axis">' + STAR_ZH[s] + "</text>");
      svg.push('<rect x="48" y="' + (y + 2) + '" width="' + w0.toFixed(1) + '" height="8" class="nx-bar-base"><title>方法默认：' + base[s] + " 个</title></rect>");
      svg.push('<rect x="48" y="' + (y + 11) + '" width="' + w1.toFixed(1) + '" height="14" class="nx-bar nx-bar-' + s + '"><title>当前设置：' + counts[s] + " 个</title></rect>");
      svg.push('<text x="' + (54 + Math.max(w1, w0)).toFixed(1) + '" y="' + (y + 22) + '" class="nx-count" data-stars="' + s + '">' +
               counts[s] + "（默认 " + base[s] + "）</text>");
    });
    svg.push("</svg>");
    distBox.innerHTML = svg.join("");
    distBox.setAttribute("data-counts", [5, 4, 3, 2, 1].map(function (s) { return counts[s]; }).join(","));
  }

  function renderChanges(res) {
    var up = 0, down = 0, rows = [];
    for (var u = 0; u < N; u++) {
      var d = res.stars[u] - BASE.stars[u];
      if (d > 0) { up++; } else if (d < 0) { down++; }
      if (d !== 0) { rows.push(u); }
    }
    rows.sort(function (a, b) { return res.rank[a] - res.rank[b]; });
    var shifts = 0;
    for (u = 0; u < N; u++) { shifts += Math.abs(res.rank[u] - BASE.rank[u]) || 0; }
    changeSummary.textContent = "与方法默认相比：星级变化 " + rows.length + " 个（升 " + up + "、降 " + down +
      "），名次平均变化 " + (shifts / N).toFixed(1) + " 位。";
    changeSummary.setAttribute("data-changed", String(rows.length));
    changeList.innerHTML = rows.length ? "<table><thead><tr><th>基地</th><th>星级</th><th>名次</th></tr></thead><tbody>" +
      rows.slice(0, 200).map(function (u) {
        var b = EV.bases[u], shift = BASE.rank[u] - res.rank[u];
        return "<tr><td>" + nameCell(b) + "</td><td>" + STAR_ZH[BASE.stars[u]] + " → " + STAR_ZH[res.stars[u]] +
          "</td><td>" + BASE.rank[u] + " → " + res.rank[u] + (shift ? "（" + (shift > 0 ? "↑" : "↓") + Math.abs(shift) + "）" : "") + "</td></tr>";
      }).join("") + "</tbody></table>" : "<p>没有基地改变星级。</p>";
  }

  function nameCell(b) {
    return b.href ? '<a href="' + esc(b.href) + '">' + esc(b.name) + "</a>" : esc(b.name);
  }

  function renderSelection(res) {
    var n = SEL.applicants.length, spec = BASE_SEL;
    SEL.conditions.forEach(function (c, j) {
      var r = selRows[c.id], k = state.thresholds[c.id];
      r.text.textContent = Math.round(SEL.grid[k] * 1000) / 10 + "% ：" + c.thresholds[k];
      r.alone.textContent = res.alone[j] + "（" + (res.alone[j] / n * 100).toFixed(1) + "%）";
      r.base.textContent = String(spec.alone[j]);
    });
    var joint = res.allPass.filter(Boolean).length, pass = res.overall.filter(function (v) { return v === "通过"; }).length;
    var basePass = spec.overall.filter(function (v) { return v === "通过"; }).length;
    selSummary.textContent = "全部定量条件联合通过 " + joint + " 个（默认门槛下 " + spec.allPass.filter(Boolean).length +
      " 个）；总体结论「通过」" + pass + " 个（默认 " + basePass + " 个）。";
    selSummary.setAttribute("data-joint", String(joint));
    selSummary.setAttribute("data-pass", String(pass));
    var specialIdx = [];
    SEL.applicants.forEach(function (a, i) { if (a.special) { specialIdx.push(i); } });
    var other = select(Object.assign({}, state, {relax: !state.relax}));
    var withRelax = state.relax ? res : other, without = state.relax ? other : res;
    var cnt = function (r) { return specialIdx.filter(function (i) { return r.allPass[i]; }).length; };
    specialBox.textContent = "特殊类型地区申报对象 " + specialIdx.length + " 个：当前门槛下放宽时全部定量条件通过 " + cnt(withRelax) +
      " 个，不放宽时 " + cnt(without) + " 个（放宽使 " + (cnt(withRelax) - cnt(without)) + " 个通过）。";
    specialBox.setAttribute("data-gain", String(cnt(withRelax) - cnt(without)));
    var changed = [];
    SEL.applicants.forEach(function (a, i) { if (res.overall[i] !== a.overall) { changed.push(i); } });
    selChanges.setAttribute("data-changed", String(changed.length));
    selChanges.innerHTML = "<p>总体结论与默认门槛不同的申报对象：" + changed.length + " 个</p>" + (changed.length ?
      "<table><thead><tr><th>编号</th><th>名称</th><th>推荐单位</th><th>结论</th></tr></thead><tbody>" +
      changed.slice(0, 300).map(function (i) {
        var a = SEL.applicants[i];
        return "<tr><td>" + esc(a.id) + "</td><td>" + esc(a.name) + (a.special ? "（特殊类型地区）" : "") + "</td><td>" +
          esc(a.authority) + "</td><td>" + esc(a.overall) + " → " + esc(res.overall[i]) + "</td></tr>";
      }).join("") + "</tbody></table>" : "");
  }

  function tableRows() {
    var q = filters.q.toLowerCase(), rows = [];
    for (var u = 0; u < N; u++) {
      var b = EV.bases[u];
      if (filters.region && b.region !== filters.region) { continue; }
      if (filters.province && b.province !== filters.province) { continue; }
      if (filters.domain && b.domain !== filters.domain) { continue; }
      if (filters.stars && String(current.stars[u]) !== filters.stars) { continue; }
      if (filters.changed && current.stars[u] === BASE.stars[u]) { continue; }
      if (q && (b.name + " " + b.id + " " + b.authority).toLowerCase().indexOf(q) < 0) { continue; }
      rows.push(u);
    }
    var val = function (u) {
      var b = EV.bases[u];
      switch (sortKey) {
        case "rank": return current.rank[u];
        case "index": return -current.index[u];
        case "stars": return -current.stars[u];
        case "base_stars": return -BASE.stars[u];
        case "shift": return -(BASE.rank[u] - current.rank[u]);
        case "base_id": return b.id;
        default: return b[sortKey];
      }
    };
    rows.sort(function (a, b) {
      var x = val(a), y = val(b), c = typeof x === "string" ? x.localeCompare(y, "zh-CN") : x - y;
      if (c === 0) { c = current.rank[a] - current.rank[b]; }
      return sortAsc ? c : -c;
    });
    return rows;
  }

  function renderTable() {
    var rows = tableRows();
    var pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    pageNo = Math.min(pageNo, pages - 1);
    countLine.textContent = "符合筛选条件的基地 " + rows.length + " 个（共 " + N + " 个）；点击表头排序，点击名称查看基地画像（如已生成）。";
    countLine.setAttribute("data-rows", String(rows.length));
    pageInfo.textContent = "第 " + (pageNo + 1) + " / " + pages + " 页";
    prevBtn.disabled = pageNo === 0;
    nextBtn.disabled = pageNo >= pages - 1;
    tbody.innerHTML = rows.slice(pageNo * PAGE_SIZE, (pageNo + 1) * PAGE_SIZE).map(function (u) {
      var b = EV.bases[u], shift = BASE.rank[u] - current.rank[u];
      return '<tr data-id="' + esc(b.id) + '"><td>' + current.rank[u] + "</td><td>" + esc(b.id) + "</td><td>" + nameCell(b) +
        "</td><td>" + esc(b.authority) + "</td><td>" + esc(b.region) + "</td><td>" + esc(b.domain) + '</td><td class="nx-num">' +
        fmt(current.index[u]) + '</td><td class="nx-stars-' + current.stars[u] + '">' + STAR_ZH[current.stars[u]] + "</td><td>" +
        STAR_ZH[BASE.stars[u]] + '</td><td class="nx-num">' + (shift > 0 ? "↑" + shift : shift < 0 ? "↓" + (-shift) : "—") + "</td></tr>";
    }).join("");
  }

  /* province tile map: one square per province at its approximate position */
  var TILES = [
    ["黑龙江省", 8, 0], ["内蒙古自治区", 5, 1], ["吉林省", 8, 1], ["北京市", 6, 1],
    ["新疆维吾尔自治区", 1, 2], ["甘肃省", 3, 2], ["宁夏回族自治区", 4, 2], ["山西省", 5, 2], ["河北省", 6, 2], ["天津市", 7, 2], ["辽宁省", 8, 2],
    ["青海省", 2, 3], ["陕西省", 4, 3], ["河南省", 5, 3], ["山东省", 6, 3],
    ["西藏自治区", 1, 4], ["四川省", 3, 4], ["重庆市", 4, 4], ["湖北省", 5, 4], ["安徽省", 6, 4], ["江苏省", 7, 4],
    ["云南省", 3, 5], ["贵州省", 4, 5], ["湖南省", 5, 5], ["江西省", 6, 5], ["浙江省", 7, 5], ["上海市", 8, 4],
    ["广西壮族自治区", 4, 6], ["广东省", 5, 6], ["福建省", 6, 6], ["台湾省", 7, 6],
    ["海南省", 4, 7], ["香港特别行政区", 6, 7], ["澳门特别行政区", 5, 7]
  ];
  function shortName(p) { return p.replace(/(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$/, ""); }
  function renderMap() {
    var stats = {};
    for (var u = 0; u < N; u++) {
      var p = EV.bases[u].province, s = stats[p] || (stats[p] = {n: 0, top: 0, five: 0, changed: 0});
      s.n++;
      if (current.stars[u] >= 4) { s.top++; }
      if (current.stars[u] === 5) { s.five++; }
      if (current.stars[u] !== BASE.stars[u]) { s.changed++; }
    }
    var size = 52, gap = 4, svg = ['<svg viewBox="0 0 ' + (9 * (size + gap)) + " " + (8 * (size + gap)) +
      '" role="img" aria-label="各省份参评基地与四星及以上占比">'];
    TILES.forEach(function (t) {
      var s = stats[t[0]], x = t[1] * (size + gap), y = t[2] * (size + gap);
      var share = s ? s.top / s.n : null;
      var fill = share === null ? "#eeeeee" : "hsl(212, 60%, " + (92 - share * 55).toFixed(0) + "%)";
      var tip = s ? t[0] + "：参评 " + s.n + " 个，五星 " + s.five + " 个，四星及以上 " + s.top + " 个（" +
        (share * 100).toFixed(0) + "%），星级变化 " + s.changed + " 个" : t[0] + "：无参评基地";
      svg.push('<g class="nx-tile' + (filters.province === t[0] ? " nx-tile-on" : "") + '" data-province="' + esc(t[0]) +
        '" data-tip="' + esc(tip) + '"><rect x="' + x + '" y="' + y + '" width="' + size + '" height="' + size + '" rx="4" fill="' + fill +
        '"></rect><text x="' + (x + size / 2) + '" y="' + (y + 22) + '" text-anchor="middle">' + esc(shortName(t[0])) +
        '</text><text x="' + (x + size / 2) + '" y="' + (y + 40) + '" text-anchor="middle" class="nx-tile-n">' + (s ? s.n : "") +
        "</text><title>" + esc(tip) + "</title></g>");
    });
    svg.push("</svg>");
    mapBox.innerHTML = '<p class="nx-note">省份方块图：颜色越深，四星及以上占比越高；数字为参评基地数（计划单列市、兵团计入所在省区）。点击省份筛选下表。</p>' + svg.join("");
  }
  mapBox.addEventListener("mousemove", function (e) {
    var g = e.target.closest ? e.target.closest(".nx-tile") : null;
    if (!g) { tooltip.hidden = true; return; }
    tooltip.textContent = g.getAttribute("data-tip");
    tooltip.hidden = false;
    tooltip.style.left = (e.pageX + 12) + "px";
    tooltip.style.top = (e.pageY + 12) + "px";
  });
  mapBox.addEventListener("mouseleave", function () { tooltip.hidden = true; });
  mapBox.addEventListener("click", function (e) {
    var g = e.target.closest ? e.target.closest(".nx-tile") : null;
    if (!g) { return; }
    var p = g.getAttribute("data-province");
    filters.province = filters.province === p ? "" : p;
    provinceSel.value = filters.province;
    pageNo = 0;
    renderMap(); renderTable();
  });

  function update() {
    var t0 = performance.now();
    var problems = ruleProblems(state.stars.levels);
    ruleWarn.textContent = problems.length ? "注意：" + problems.join("；") + "。nidb 读取方法文件时会拒绝这样的星级规则。" : "";
    var total = DIMS.reduce(function (a, d) { return a + state.weights[d.id]; }, 0);
    shareLine.textContent = total > 0 ? "名义占比：" + DIMS.map(function (d) {
      return d.id + " " + (state.weights[d.id] / total * 100).toFixed(1) + "%";
    }).join("，") : "权重全部为 0：综合指数无法计算";
    DIMS.forEach(function (d) { weightInputs[d.id].out.textContent = state.weights[d.id].toFixed(2); });
    var t1, t2, t3;
    try {
      current = evaluate(state);
      t1 = performance.now();
      renderDistribution(current.stars);
      renderChanges(current);
    } catch (err) {
      t1 = performance.now();
      changeSummary.textContent = "无法计算：" + err.message;
    }
    t2 = performance.now();
    if (SEL) { currentSel = select(state); renderSelection(currentSel); }
    t3 = performance.now();
    renderMap();
    renderTable();
    api.lastUpdateMs = performance.now() - t0;
    api.phasesMs = {evaluate: t1 - t0, stars_view: t2 - t1, selection: t3 - t2, map_table: performance.now() - t3};
    api.updates++;
  }

  resetBtn.addEventListener("click", function () {
    state = defaults();
    syncControls();
    update();
  });
  function showYaml(message) {
    yamlBox.hidden = false;
    yamlBox.value = methodYaml();
    yamlStatus.textContent = message;
  }
  yamlBtn.addEventListener("click", function () {
    var text = methodYaml();
    var fallback = function () {
      showYaml("");
      yamlBox.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      yamlStatus.textContent = ok ? "已复制到剪贴板（亦见下方文本框）" : "请在下方文本框中全选并复制";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { showYaml("已复制到剪贴板（亦见下方文本框）"); }, fallback);
    } else { fallback(); }
  });

  var api = {
    state: function () { return state; },
    result: function () { return current; },
    selection: function () { return currentSel; },
    bases: function () { return EV.bases.map(function (b) { return b.id; }); },
    methodYaml: methodYaml,
    lastUpdateMs: NaN,
    updates: 0,
    readyMs: NaN
  };
  window.nidbExplorer = api;
  syncControls();
  update();
  api.readyMs = performance.now();
  root.setAttribute("data-ready", "true");
})();
