// A strict, small XML reader for tests of generated documents (the timeline's SVG): elements with
// double- or single-quoted attributes, text, the five predefined entities and numeric character
// references, an optional XML declaration. Anything else (an unclosed or mismatched tag, a bare
// "&" or "<", a duplicate attribute, text outside the root) throws with its offset.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(raw: string, at: number): string {
  if (raw.includes("<")) throw new Error(`"<" in text or attribute at ${at}`);
  return raw.replace(/&([^;]*);?/g, (m, ref: string) => {
    if (!m.endsWith(";")) throw new Error(`unterminated entity at ${at}`);
    if (ENTITIES[ref]) return ENTITIES[ref];
    const num = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ref);
    if (!num) throw new Error(`unknown entity &${ref}; at ${at}`);
    return String.fromCodePoint(parseInt(num[1].replace(/^x/, ""), num[1].startsWith("x") ? 16 : 10));
  });
}

export function parseXml(doc: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipSpace = () => {
    while (i < doc.length && /\s/.test(doc[i])) i++;
  };
  if (doc.startsWith("<?xml")) {
    const end = doc.indexOf("?>");
    if (end < 0) throw new Error("unterminated XML declaration");
    i = end + 2;
  }
  while (i < doc.length) {
    const lt = doc.indexOf("<", i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    if (stack.length) stack[stack.length - 1].text += decode(text, i);
    else if (text.trim()) throw new Error(`text outside the root element at ${i}`);
    if (lt < 0) break;
    i = lt + 1;
    if (doc[i] === "/") {
      const m = NAME.exec(doc.slice(i + 1));
      const open = stack.pop();
      if (!m || !open || open.name !== m[0]) throw new Error(`mismatched closing tag at ${lt}`);
      i += 1 + m[0].length;
      skipSpace();
      if (doc[i] !== ">") throw new Error(`malformed closing tag at ${lt}`);
      i++;
      continue;
    }
    const m = NAME.exec(doc.slice(i));
    if (!m) throw new Error(`malformed tag at ${lt}`);
    if (root && !stack.length) throw new Error(`a second root element at ${lt}`);
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: "" };
    i += m[0].length;
    for (;;) {
      skipSpace();
      if (doc.startsWith("/>", i) || doc[i] === ">") break;
      const a = NAME.exec(doc.slice(i));
      if (!a) throw new Error(`malformed attribute at ${i}`);
      i += a[0].length;
      skipSpace();
      const quote = doc[i + 1];
      if (doc[i] !== "=" || (quote !== '"' && quote !== "'"))
        throw new Error(`attribute ${a[0]} without a quoted value at ${i}`);
      const end = doc.indexOf(quote, i + 2);
      if (end < 0) throw new Error(`unterminated attribute ${a[0]} at ${i}`);
      if (a[0] in el.attrs) throw new Error(`duplicate attribute ${a[0]} at ${i}`);
      el.attrs[a[0]] = decode(doc.slice(i + 2, end), i);
      i = end + 1;
    }
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    if (doc[i] === "/") i += 2;
    else {
      i += 1;
      stack.push(el);
    }
  }
  if (stack.length) throw new Error(`unclosed element <${stack[stack.length - 1].name}>`);
  if (!root) throw new Error("no root element");
  return root;
}

/** Every element below `el` (depth first) with this name. */
export function elementsNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...elementsNamed(c, name)]);
}
