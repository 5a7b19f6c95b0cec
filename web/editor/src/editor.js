// The /query page's SPARQL editor: CodeMirror 6 with SPARQL highlighting, Ctrl/Cmd+Enter to run,
// completion of prefixes, of the data's classes and properties, and of the query's variables, and
// live syntax errors from sparqljs. Then the results table: sortable, paged. The page works without it.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { StreamLanguage } from "@codemirror/language";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { autocompletion } from "@codemirror/autocomplete";
import { linter, lintGutter } from "@codemirror/lint";
import { Parser } from "sparqljs";

const PAGE = 50;

function startEditor(textarea) {
  const form = textarea.form;
  const prefixes = JSON.parse(textarea.dataset.prefixes || "{}");
  let terms = null; // prefixed names of the data's classes and properties, fetched once

  async function loadTerms() {
    if (terms) return terms;
    terms = [];
    const query = "SELECT DISTINCT ?t WHERE { { [] ?t [] } UNION { [] a ?t } } LIMIT 5000";
    try {
      const response = await fetch("/sparql?query=" + encodeURIComponent(query),
        { headers: { Accept: "application/sparql-results+json" } });
      const data = await response.json();
      for (const row of data.results.bindings) {
        const iri = row.t.value;
        for (const [prefix, ns] of Object.entries(prefixes)) {
          if (iri.startsWith(ns) && /^[A-Za-z_][\w-]*$/.test(iri.slice(ns.length))) {
            terms.push(prefix + ":" + iri.slice(ns.length));
            break;
          }
        }
      }
    } catch (error) { /* no completion from the data; the editor still works */ }
    return terms;
  }

  async function complete(context) {
    const variable = context.matchBefore(/\?\w*/);
    if (variable) {
      const names = new Set(context.state.doc.toString().match(/\?\w+/g) || []);
      return { from: variable.from, options: [...names].map((v) => ({ label: v, type: "variable" })) };
    }
    const word = context.matchBefore(/[A-Za-z_][\w-]*:?[\w-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    if (word.text.includes(":")) {
      const known = await loadTerms();
      return { from: word.from, options: known.filter((t) => t.startsWith(word.text.split(":")[0] + ":"))
        .map((t) => ({ label: t, type: /:[A-Z]/.test(t) ? "class" : "property" })) };
    }
    return { from: word.from, options: Object.entries(prefixes).map(([p, ns]) => ({ label: p + ":", detail: ns, type: "namespace" })) };
  }

  function syntax(view) {
    const text = view.state.doc.toString();
    if (!text.trim()) return [];
    try {
      new Parser({ prefixes }).parse(text);
      return [];
    } catch (error) {
      const doc = view.state.doc;
      const loc = error.hash && error.hash.loc;
      let from = 0, to = doc.length;
      if (loc) {
        const line = doc.line(Math.min(Math.max(loc.first_line, 1), doc.lines));
        from = Math.min(line.from + loc.first_column, doc.length);
        const last = doc.line(Math.min(Math.max(loc.last_line, 1), doc.lines));
        to = Math.max(Math.min(last.from + loc.last_column, doc.length), from);
      }
      const message = String(error.message).split("\n")[0].replace(/^Parse error on line \d+:?/, "Syntax error");
      const expected = error.hash && error.hash.expected ? " Expected " + error.hash.expected.slice(0, 6).join(", ") + "." : "";
      return [{ from, to, severity: "error", message: message + expected }];
    }
  }

  // In a shadow root CodeMirror styles itself with a constructed style sheet, which the page's
  // Content-Security-Policy (style-src 'self', no inline <style>) allows.
  const host = document.createElement("div");
  host.className = "sparql-editor";
  const shadow = host.attachShadow({ mode: "open" });
  const theme = EditorView.theme({
    "&": { border: "1px solid #d8dde0", fontSize: "15px", backgroundColor: "#fff" },
    ".cm-scroller": { fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace', minHeight: "14em" },
    ".cm-content": { minHeight: "14em" },
    "&.cm-focused": { outline: "2px solid #005eb8" },
  });
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    doc: textarea.value,
    extensions: [
      keymap.of([{ key: "Mod-Enter", run: () => { sync(); form.requestSubmit(); return true; } }]),
      basicSetup,
      StreamLanguage.define(sparql),
      autocompletion({ override: [complete], activateOnTyping: true }),
      linter(syntax, { delay: 300 }),
      lintGutter(),
      EditorView.lineWrapping,
      theme,
      EditorView.contentAttributes.of({ "aria-label": "SPARQL query" }),
    ],
  });
  function sync() { textarea.value = view.state.doc.toString(); }
  textarea.before(host);
  textarea.hidden = true;
  form.addEventListener("submit", sync);
  window.derbygraphEditor = view; // for tests and the curious
}

function enhanceResults(table) {
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const pager = document.createElement("p");
  pager.className = "pager";
  table.parentElement.after(pager);
  let page = 0;

  function show() {
    const pages = Math.max(Math.ceil(rows.length / PAGE), 1);
    page = Math.min(page, pages - 1);
    body.replaceChildren(...rows.slice(page * PAGE, (page + 1) * PAGE));
    pager.replaceChildren();
    if (pages === 1) return;
    const button = (text, to, disabled) => {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = text; b.disabled = disabled;
      b.addEventListener("click", () => { page = to; show(); });
      return b;
    };
    pager.append(button("← previous", page - 1, page === 0), ` page ${page + 1} of ${pages} `,
      button("next →", page + 1, page === pages - 1));
  }

  Array.from(table.tHead.rows[0].cells).forEach((th, column) => {
    th.tabIndex = 0;
    th.setAttribute("aria-sort", "none");
    th.title = "Sort by this column";
    const sort = () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      for (const other of th.parentElement.cells) other.setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const key = (row) => (row.cells[column] ? row.cells[column].dataset.sort || row.cells[column].textContent.trim() : "");
      const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
      rows.sort((a, b) => (ascending ? 1 : -1) * collator.compare(key(a), key(b)));
      page = 0;
      show();
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
  show();
}

const textarea = document.querySelector("form.editor textarea[name=query]");
if (textarea) startEditor(textarea);
const results = document.querySelector("table.results-table");
if (results) enhanceResults(results);
