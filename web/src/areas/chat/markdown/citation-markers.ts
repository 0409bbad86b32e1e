/** The few mdast fields this plugin reads or writes (kept structural: mdast's types are not our dependency). */
interface MarkdownNode {
  type: string;
  value?: string;
  children?: MarkdownNode[];
  data?: { hName?: string; hProperties?: Record<string, unknown> };
}

const markerPattern = /\[(\d{1,3})\]/g;

/** Where a marker may not become a button: inside a link (nested interactive), code, or a marker already made. */
const keepsText = new Set(['link', 'linkReference', 'code', 'inlineCode', 'citationMarker']);

function splitText(value: string, markers: ReadonlySet<number>): MarkdownNode[] {
  const nodes: MarkdownNode[] = [];
  let last = 0;
  for (const match of value.matchAll(markerPattern)) {
    const marker = Number(match[1]);
    if (!markers.has(marker)) continue;
    if (match.index > last) nodes.push({ type: 'text', value: value.slice(last, match.index) });
    nodes.push({
      type: 'citationMarker',
      data: { hName: 'sup', hProperties: { className: ['citation-marker'], dataMarker: marker } },
      children: [{ type: 'text', value: match[0] }],
    });
    last = match.index + match[0].length;
  }
  if (last === 0) return [{ type: 'text', value }];
  if (last < value.length) nodes.push({ type: 'text', value: value.slice(last) });
  return nodes;
}

function transform(node: MarkdownNode, markers: ReadonlySet<number>): void {
  if (!node.children || keepsText.has(node.type)) return;
  const children: MarkdownNode[] = [];
  for (const child of node.children) {
    // The parser may split "[1]" over neighbouring text nodes ("[", "1]"): join them first.
    const previous = children.at(-1);
    if (child.type === 'text' && previous?.type === 'text')
      previous.value = `${previous.value ?? ''}${child.value ?? ''}`;
    else children.push(child.type === 'text' ? { ...child } : child);
  }
  node.children = children.flatMap((child) =>
    child.type === 'text' ? splitText(child.value ?? '', markers) : [child],
  );
  for (const child of node.children) transform(child, markers);
}

/**
 * A remark plugin: each `[n]` in a reply's text whose n is one of `markers` becomes a
 * `<sup class="citation-marker" data-marker="n">` the renderer turns into a button opening that source.
 * Other brackets stay text.
 */
export function remarkCitationMarkers(options: { markers: readonly number[] }) {
  const markers = new Set(options.markers);
  return (tree: MarkdownNode) => {
    if (markers.size > 0) transform(tree, markers);
  };
}
