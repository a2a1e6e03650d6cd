// Small building blocks shared by the pages.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "./api";
import { changesetLook, jobLook, type StatusLook } from "./status";

export function Badge({ look, compact = false }: { look: StatusLook; compact?: boolean }) {
  return (
    <span class={`badge tone-${look.tone}`}>
      <span aria-hidden="true">{look.symbol}</span> {compact ? look.short : look.label}
    </span>
  );
}

export const ChangesetBadge = ({ status }: { status: string }) => <Badge look={changesetLook(status)} />;
export const JobBadge = ({ status }: { status: string }) => <Badge look={jobLook(status)} />;

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {describeError(error)}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export interface Async<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Load data when `deps` change; stale answers of an earlier call are dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [nonce, setNonce] = useState(0);
  const call = useRef(0);
  useEffect(() => {
    const mine = ++call.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === call.current && setState({ data, error: null, loading: false }),
      (error) => mine === call.current && setState({ data: null, error, loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}

export function Pager({ page, size, total, onPage, label }: {
  page: number; size: number; total: number | null; onPage: (page: number) => void; label: string;
}) {
  const pages = total === null ? null : Math.max(1, Math.ceil(total / size));
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" disabled={page <= 0} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span aria-live="polite">
        Page {page + 1}
        {pages !== null ? ` of ${pages}` : ""}
        {total !== null ? ` · ${total} ${label}` : ""}
      </span>
      <button type="button" disabled={pages !== null && page + 1 >= pages} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </nav>
  );
}

export function Progress({ value, max, label }: { value: number; max: number; label: string }) {
  const percent = max > 0 ? Math.round((value / max) * 100) : 0;
  return (
    <div class="progress">
      <progress value={value} max={max || 1} aria-label={label} />
      <span class="progress-text" data-testid="progress-text">
        {label}: {value} / {max} ({percent} %)
      </span>
    </div>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card" aria-label={title}>
      <header class="card-head">
        <h2>{title}</h2>
        {actions ? <div class="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** Confirmation in a native modal dialog (focus trap and Escape for free). */
export function Confirm({ open, title, children, confirmLabel, onConfirm, onCancel, danger = false }: {
  open: boolean; title: string; children: ComponentChildren; confirmLabel: string;
  onConfirm: () => void; onCancel: () => void; danger?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); onCancel(); }}>
      <h2 id="confirm-title">{title}</h2>
      <div class="dialog-body">{children}</div>
      <div class="dialog-actions">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="button" class={danger ? "danger" : "primary"} onClick={onConfirm}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}

/** Paging by `nextCursor` (the dataset and execution lists): the cursors walked so far are the way back. */
export function CursorPager({ cursors, next, onMove, label }: { cursors: string[]; next: string | null; onMove: (c: string[]) => void; label: string }) {
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" disabled={!cursors.length} onClick={() => onMove(cursors.slice(0, -1))}>← Previous</button>
      <span>Page {cursors.length + 1}</span>
      <button type="button" disabled={!next} onClick={() => next && onMove([...cursors, next])}>Next →</button>
    </nav>
  );
}
