/** The few mdast fields this plugin reads or writes (kept structural: mdast's types are not our dependency). */
interface MarkdownNode {
  type: string;
  value?: string;
  children?: MarkdownNode[];
  data?: { hName?: string; hProperties?: Record<string, unknown> };
}

/** `[1]`, and `[1, 2]` for several: the server's rule (citedMarkers in src/ai/passages-prompt.ts). */
export const markerGroupPattern = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/** The numbers of one group, `1, 2` → [1, 2]. */
export const markersInGroup = (group: string): number[] => group.split(',').map((number) => Number(number.trim()));

const markerNode = (marker: number): MarkdownNode => ({
  type: 'citationMarker',
  data: { hName: 'sup', hProperties: { className: ['citation-marker'], dataMarker: marker } },
  children: [{ type: 'text', value: `[${marker}]` }],
});

/** Where a marker may not become a button: inside a link (nested interactive), code, or a marker already made. */
const keepsText = new Set(['link', 'linkReference', 'code', 'inlineCode', 'citationMarker']);

function splitText(value: string, markers: ReadonlySet<number>): MarkdownNode[] {
  const nodes: MarkdownNode[] = [];
  let last = 0;
  for (const match of value.matchAll(markerGroupPattern)) {
    const numbers = markersInGroup(match[1] ?? '');
    if (!numbers.some((marker) => markers.has(marker))) continue;
    if (match.index > last) nodes.push({ type: 'text', value: value.slice(last, match.index) });
    // `[1, 2]` becomes `[1][2]`, one button per source; a number that cites nothing stays text.
    for (const marker of numbers) {
      nodes.push(markers.has(marker) ? markerNode(marker) : { type: 'text', value: `[${marker}]` });
    }
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
 * `<sup class="citation-marker" data-marker="n">` the renderer turns into a button opening that source,
 * and so does each n of `[n, m]`. Other brackets stay text.
 */
export function remarkCitationMarkers(options: { markers: readonly number[] }) {
  const markers = new Set(options.markers);
  return (tree: MarkdownNode) => {
    if (markers.size > 0) transform(tree, markers);
  };
}
