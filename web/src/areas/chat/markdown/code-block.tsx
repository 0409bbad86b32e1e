import { useEffect, useState, type ReactNode } from 'react';
import type { ExtraProps } from 'react-markdown';

type HastNode = NonNullable<ExtraProps['node']>;
type HastChild = HastNode['children'][number];

/** The text of a (highlighted) code block, as the person would copy it. */
function textOf(node: HastNode | HastChild): string {
  if (node.type === 'text') return node.value;
  if ('children' in node) return node.children.map((child) => textOf(child)).join('');
  return '';
}

function languageOf(node: HastNode | undefined): string | undefined {
  const code = node?.children.find((child): child is HastNode => child.type === 'element' && child.tagName === 'code');
  const classes = code?.properties.className;
  const list = Array.isArray(classes) ? classes : [];
  const language = list.map(String).find((name) => name.startsWith('language-'));
  return language?.slice('language-'.length);
}

/** A fenced code block: highlighted by rehype-highlight, with its language and a Copy button. */
export function CodeBlock({ node, children }: { node?: HastNode; children?: ReactNode }) {
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const language = languageOf(node);
  const copyLabel = copyState === 'copied' ? 'Copied' : copyState === 'failed' ? 'Copy failed' : 'Copy';

  useEffect(() => {
    if (copyState === 'idle') return;
    const timer = setTimeout(() => setCopyState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [copyState]);

  async function copy() {
    const text = node ? textOf(node).replace(/\n$/, '') : '';
    try {
      await copyText(text);
      setCopyState('copied');
    } catch {
      setCopyState('failed');
    }
  }

  return (
    <div className="code-block">
      <div className="code-toolbar">
        <span className="muted">{language ?? 'code'}</span>
        <button type="button" className="code-copy" onClick={() => void copy()}>
          {copyLabel}
        </button>
        {/* Told apart from the button: a live button would be read out whenever its name changes. */}
        <span className="visually-hidden" role="status">
          {copyState === 'idle' ? '' : copyLabel}
        </span>
      </div>
      <pre>{children}</pre>
    </div>
  );
}

/** The Clipboard API needs a secure context; a console served over plain HTTP falls back to execCommand. */
async function copyText(text: string): Promise<void> {
  if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const isCopied = document.execCommand('copy');
  area.remove();
  if (!isCopied) throw new Error('The browser refused to copy');
}
