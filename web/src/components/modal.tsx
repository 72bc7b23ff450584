import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";
import { trapFocusIndex } from "../lib/keys.js";

let openModals = 0;
/** True while any modal is open (the global Escape shortcut leaves dialogs to close themselves). */
export const anyModalOpen = () => openModals > 0;

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
}

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
  /** data-testid-like hook for tests and styling. */
  name?: string;
}

/**
 * A modal dialog: native <dialog> shown with showModal() (the page behind is inert), focus moved inside on open
 * and back to the opener on close, Tab/Shift+Tab wrap inside, Escape closes.
 */
export function Modal({ title, onClose, children, wide, name }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    openModals++;
    if (!dialog.open) dialog.showModal();
    const first =
      dialog.querySelector<HTMLElement>("[data-autofocus]") ??
      focusables(dialog).find((el) => !el.classList.contains("modal-close")) ??
      dialog;
    first.focus();
    return () => {
      openModals--;
      if (dialog.open) dialog.close();
      const restore = () => {
        if (opener && opener.isConnected) opener.focus();
      };
      restore();
      // The dialog node is removed after this cleanup; if that dropped focus to <body>, put it back.
      setTimeout(() => {
        if (!document.activeElement || document.activeElement === document.body) restore();
      }, 0);
    };
  }, []);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      closeRef.current();
      return;
    }
    if (e.key !== "Tab") return;
    const list = focusables(ref.current!);
    const idx = list.indexOf(document.activeElement as HTMLElement);
    const next = trapFocusIndex(idx, list.length, e.shiftKey);
    if (next !== null) {
      e.preventDefault();
      list[next]!.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      class={`modal${wide ? " modal-wide" : ""}`}
      aria-labelledby={titleId}
      data-dialog={name}
      onKeyDown={onKeyDown}
      onCancel={(e) => {
        e.preventDefault();
        closeRef.current();
      }}
    >
      <header class="modal-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon-btn modal-close" aria-label="Close dialog" onClick={() => closeRef.current()}>
          ×
        </button>
      </header>
      <div class="modal-body">{children}</div>
    </dialog>
  );
}

/** A dialog's button row: optional actions first, then Cancel and the dialog's own submit button (`children`). */
export function ModalFoot({
  onCancel,
  start,
  children,
}: {
  onCancel: () => void;
  start?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <div class="modal-foot">
      {start}
      <span class="spacer" />
      <button type="button" class="btn" onClick={onCancel}>
        Cancel
      </button>
      {children}
    </div>
  );
}
