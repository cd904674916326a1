#!/usr/bin/python3
"""openapi-page.py [DOCUMENT]: prints the reference page of docs/openapi.json.

The page nginx serves at /api/docs (docs/api-reference.html, committed; `make
api-reference` writes it, tests/lint/test_openapi.py checks it matches).  One
HTML file, no script, its style inline: nothing is loaded from anywhere, and
its Content-Security-Policy allows that style's hash and nothing else.
"""
import base64
import hashlib
import html
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ("get", "put", "post", "patch", "delete", "options")

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;
color:#1b1b1b;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e8e8e8;background:#161616}
a{color:#8cb4ff}th,td{border-color:#444!important}code{background:#2a2a2a!important}}
h1{margin-bottom:0}h2{margin-top:2.5rem;border-bottom:2px solid #888}
h3{margin-top:2rem;font-size:1.15rem}
code{font-family:ui-monospace,monospace;background:#f0f0f0;padding:0 .2em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:4.5em;font-weight:bold}
nav ul{columns:2;padding-left:1.2rem}
details{margin:.25rem 0}summary{cursor:pointer}
"""


def style_hash():
    """The CSP source that allows the page's one style element."""
    digest = hashlib.sha256(STYLE.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def inline(text):
    """Markdown's inline marks the document uses: `code` and **bold**."""
    out = []
    for i, part in enumerate(re.split(r"`([^`]*)`", text)):
        if i % 2:
            out.append("<code>" + html.escape(part) + "</code>")
        else:
            e = html.escape(part)
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", e))
    return "".join(out)


def prose(text):
    """Paragraphs and "- " lists (continued by indented lines)."""
    if not text:
        return ""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.split("\n")
        if lines[0].startswith("- "):
            items = []
            for ln in lines:
                if ln.startswith("- "):
                    items.append(ln[2:])
                else:
                    items[-1] += " " + ln.strip()
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
        else:
            out.append("<p>" + inline(" ".join(ln.strip() for ln in lines)) + "</p>")
    return "\n".join(out)


class Page:
    def __init__(self, doc):
        self.doc = doc

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            target = self.doc
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def type_of(self, s):
        """A schema in a few words, with links to the named schemas."""
        if "$ref" in s:
            name = s["$ref"].rsplit("/", 1)[1]
            return f'<a href="#schema-{name}">{html.escape(name)}</a>'
        for key in ("oneOf", "anyOf"):
            if key in s:
                return " or ".join(self.type_of(x) for x in s[key])
        if "enum" in s:
            return "one of " + ", ".join(f"<code>{html.escape(json.dumps(v))}</code>"
                                         for v in s["enum"])
        if "const" in s:
            return f"<code>{html.escape(json.dumps(s['const']))}</code>"
        t = s.get("type", "any")
        types = t if isinstance(t, list) else [t]
        words = []
        for x in types:
            if x == "array":
                words.append("array of " + self.type_of(s.get("items", {})))
            else:
                words.append(x)
        text = " or ".join(words)
        bounds = []
        for k, w in (("minimum", "≥"), ("maximum", "≤"), ("minLength", "length ≥"),
                     ("maxLength", "length ≤")):
            if k in s:
                bounds.append(f"{w} {s[k]}")
        if "pattern" in s:
            bounds.append(f"matches <code>{html.escape(s['pattern'])}</code>")
        if "default" in s:
            bounds.append(f"default <code>{html.escape(json.dumps(s['default']))}</code>")
        return text + (f" ({', '.join(bounds)})" if bounds else "")

    def schema_block(self, s):
        """A named schema's link, or an object's fields as a table."""
        if "$ref" in s:
            return "<p>" + self.type_of(s) + "</p>"
        out = [prose(s.get("description", ""))]
        props = s.get("properties")
        if props:
            req = set(s.get("required", []))
            out.append("<table><tr><th>field</th><th>type</th><th>required</th>"
                       "<th>meaning</th></tr>")
            for name, p in props.items():
                out.append(f"<tr><td><code>{html.escape(name)}</code></td>"
                           f"<td>{self.type_of(p)}</td><td>{'yes' if name in req else ''}</td>"
                           f"<td>{inline(self.resolve(p).get('description', '')) if '$ref' not in p else inline(p.get('description', ''))}</td></tr>")
            out.append("</table>")
            if s.get("additionalProperties") is False:
                out.append("<p>No other fields.</p>")
        else:
            out.append("<p>" + self.type_of(s) + "</p>")
        return "\n".join(x for x in out if x)

    def parameters(self, params):
        if not params:
            return ""
        rows = []
        for p in params:
            p = self.resolve(p)
            rows.append(f"<tr><td><code>{html.escape(p['name'])}</code></td>"
                        f"<td>{p['in']}</td><td>{self.type_of(p.get('schema', {}))}</td>"
                        f"<td>{'yes' if p.get('required') else ''}</td>"
                        f"<td>{inline(p.get('description', ''))}</td></tr>")
        return ("<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th>"
                "<th>required</th><th>meaning</th></tr>" + "".join(rows) + "</table>")

    def response(self, status, r):
        ref = r.get("$ref", "").rsplit("/", 1)[-1]
        r = self.resolve(r)
        parts = [prose(r.get("description", ""))]
        content = r.get("content") or {}
        if content:
            schemas = {json.dumps(m.get("schema", {}), sort_keys=True): m.get("schema", {})
                       for m in content.values()}
            types = ", ".join(f"<code>{html.escape(t)}</code>" for t in content)
            body = "; ".join(self.type_of(s) for s in schemas.values())
            parts.append(f"<p>Body ({types}): {body}</p>")
        for name, h in (r.get("headers") or {}).items():
            h = self.resolve(h)
            need = "always" if h.get("required") else "when it applies"
            parts.append(f"<p>Header <code>{html.escape(name)}</code> ({need}): "
                         f"{self.type_of(h.get('schema', {}))}. "
                         f"{inline(h.get('description', ''))}</p>")
        label = f' <a href="#response-{ref}">({ref})</a>' if ref else ""
        return f"<tr><td>{status}{label}</td><td>{''.join(parts)}</td></tr>"

    def operation(self, path, method, op, item):
        oid = op["operationId"]
        out = [f'<section id="op-{oid}">',
               f'<h3><span class="m">{method.upper()}</span> <code>{html.escape(path)}</code>'
               f" — {html.escape(op.get('summary', ''))}</h3>",
               prose(op.get("description", ""))]
        if op.get("security") == []:
            out.append("<p>No key needed.</p>")
        out.append(self.parameters(list(item.get("parameters", [])) +
                                   list(op.get("parameters", []))))
        rb = op.get("requestBody")
        if rb:
            for ctype, m in rb.get("content", {}).items():
                out.append(f"<h4>Request body (<code>{html.escape(ctype)}</code>)</h4>")
                out.append(self.schema_block(m.get("schema", {})))
        out.append("<h4>Answers</h4><table><tr><th>status</th><th>what</th></tr>")
        for status, r in op["responses"].items():
            out.append(self.response(status, r))
        out.append("</table></section>")
        return "\n".join(x for x in out if x)

    def render(self):
        d = self.doc
        info = d["info"]
        ops = [(p, m, item[m], item) for p, item in d["paths"].items()
               for m in METHODS if m in item]
        out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
               '<meta name="viewport" content="width=device-width, initial-scale=1">',
               f"<title>{html.escape(info['title'])} {html.escape(info['version'])}</title>",
               f"<style>{STYLE}</style>", "</head>", "<body>",
               f"<h1>{html.escape(info['title'])}</h1>",
               f"<p>Version {html.escape(info['version'])}, OpenAPI "
               f"{html.escape(d['openapi'])}. The machine-readable document: "
               '<a href="/api/openapi.json">/api/openapi.json</a>.</p>',
               prose(info.get("summary", "")), prose(info.get("description", "")),
               "<nav><h2>Routes</h2>"]
        for tag in d.get("tags", []):
            mine = [o for o in ops if tag["name"] in o[2].get("tags", [])]
            if tag["name"] == "CORS" or not mine:
                continue
            out.append(f"<h3>{html.escape(tag['name'])}</h3><ul>")
            out += [f'<li><a href="#op-{o["operationId"]}"><span class="m">{m.upper()}</span>'
                    f"<code>{html.escape(p)}</code></a></li>" for p, m, o, _ in mine]
            out.append("</ul>")
        out.append('<p><a href="#schemas">Schemas</a> · '
                   '<a href="#responses">Shared answers</a></p></nav>')
        for tag in d.get("tags", []):
            mine = [o for o in ops if tag["name"] in o[2].get("tags", [])]
            if not mine:
                continue
            out.append(f"<h2>{html.escape(tag['name'])}</h2>")
            out.append(prose(tag.get("description", "")))
            out += [self.operation(p, m, o, item) for p, m, o, item in mine]
        comps = d.get("components", {})
        out.append('<h2 id="schemas">Schemas</h2>')
        for name, s in comps.get("schemas", {}).items():
            out.append(f'<section id="schema-{name}"><h3>{html.escape(name)}</h3>')
            out.append(self.schema_block(s) + "</section>")
        out.append('<h2 id="responses">Shared answers</h2>')
        for name, r in comps.get("responses", {}).items():
            out.append(f'<section id="response-{name}"><h3>{html.escape(name)}</h3>'
                       f"<table>{self.response('', r)}</table></section>")
        out += ["</body>", "</html>"]
        return "\n".join(x for x in out if x) + "\n"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "docs", "openapi.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    sys.stdout.write(Page(doc).render())


if __name__ == "__main__":
    main()
